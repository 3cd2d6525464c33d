"""A PDF annotated for a reader: the API's answer for ``POST /api/v1/annotate-pdf`` and batch's input.

The text comes from ``extract_pdf`` and is annotated like any text, with its paragraph and page
edges as word breaks; each annotation then carries its page and the boxes to draw on it, so a
viewer (the service's /read page, pdf.js) can highlight the words where the reader sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tadoru.annotate import Annotation, Annotator, quote_context, resolve_lang
from tadoru.discover import Candidate, annotate_for_reader
from tadoru.options import ReaderOptions
from tadoru.pdf.document import MAX_PAGES, PageInfo, PdfText, Rect, extract_pdf


@dataclass(frozen=True, slots=True)
class PdfAnnotation:
    """One highlighted term of a PDF: where it is in the text, and on which page, in which boxes."""

    annotation: Annotation
    page: int  # 1-based
    rects: list[Rect]

    def to_dict(self, text: str) -> dict[str, Any]:
        a = self.annotation
        prefix, suffix = quote_context(text, a.start, a.end)
        return {**a.to_dict(), "prefix": prefix, "suffix": suffix, "page": self.page,
                "rects": [[round(v, 2) for v in r] for r in self.rects]}


@dataclass(frozen=True, slots=True)
class PdfCandidate:
    """A candidate term (``tadoru.discover``) of a PDF, placed like an annotation."""

    candidate: Candidate
    page: int  # 1-based
    rects: list[Rect]

    def to_dict(self, text: str) -> dict[str, Any]:
        c = self.candidate
        prefix, suffix = quote_context(text, c.start, c.end)
        return {**c.to_dict(), "prefix": prefix, "suffix": suffix, "page": self.page,
                "rects": [[round(v, 2) for v in r] for r in self.rects]}


@dataclass(slots=True)
class AnnotatedPdf:
    """What the annotator found in a PDF (``to_json`` is the API's shape, without the cards)."""

    document: PdfText
    lang: str
    annotations: list[PdfAnnotation]
    known_found: dict[str, int] = field(default_factory=dict)
    truncated_at: int | None = None
    #: ``None`` unless the reader asked for candidates (``discover``); then the answer lists them.
    candidates: list[PdfCandidate] | None = None

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def pages(self) -> list[PageInfo]:
        return self.document.pages

    @property
    def warnings(self) -> list[str]:
        return list(self.document.warnings) + (["truncated"] if self.truncated_at is not None else [])

    def to_json(self) -> dict[str, Any]:
        starts = self.document.page_starts()
        answer: dict[str, Any] = {
            "lang": self.lang,
            "pages": [{**page, "start": start} for page, start in zip(self.pages, starts, strict=True)],
            "text": self.text,
            "annotations": [a.to_dict(self.text) for a in self.annotations],
            "known_found": self.known_found,
        }
        if self.candidates is not None:
            answer["candidates"] = [c.to_dict(self.text) for c in self.candidates]
        if self.truncated_at is not None:
            answer["truncated_at"] = self.truncated_at
        if self.warnings:
            answer["warnings"] = self.warnings
        return answer


def annotate_pdf(annotator: Annotator, data: bytes, options: ReaderOptions | None = None, *,
                 max_pages: int = MAX_PAGES, isolated: bool = False) -> AnnotatedPdf:
    """Extract ``data``'s text (``InvalidPdf``, ``PdfEncrypted``, ``PdfTooLong``, ``PdfTooComplex``
    when it cannot be read) and annotate it for the reader ``options`` describe.

    ``isolated`` runs PDFium in a child process under a memory and time limit, so a hostile PDF
    cannot take the calling process down (``tadoru.pdf.isolated``): the service, batch and the
    command line read every PDF so.  It is off by default for library callers because children
    made by multiprocessing import the caller's ``__main__`` (a script then needs the usual
    ``if __name__ == "__main__":`` guard).
    """
    document = extract_pdf(data, max_pages=max_pages, isolated=isolated)
    opts = options or ReaderOptions()
    result, found = annotate_for_reader(
        lambda o: annotator.annotate_text(document.text, o, breaks=document.breaks, headings=document.headings),
        annotator, opts, document.breaks, document.headings)
    annotations = [PdfAnnotation(a, *placed) for a in result if (placed := _place(document, a.start, a.end))]
    candidates = ([PdfCandidate(c, *placed) for c in found if (placed := _place(document, c.start, c.end))]
                  if opts.discover else None)
    return AnnotatedPdf(document, resolve_lang(document.text, opts.lang), annotations, result.known_found,
                        result.truncated_at, candidates)


def _place(document: PdfText, start: int, end: int) -> tuple[int, list[Rect]] | None:
    """The page and boxes of ``text[start:end]``; ``None`` for a span without ink (cannot happen
    for a term of letters: never draw nothing)."""
    placed = document.rects(start, end)
    if not placed:
        return None
    page, rects = placed[0]
    for other_page, more in placed[1:]:  # a term never spans a page edge (a break), but be whole
        if other_page == page:
            rects = rects + more
    return page, rects
