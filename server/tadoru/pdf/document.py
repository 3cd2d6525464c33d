"""``extract_pdf`` and what it returns: a PDF's clean text that can point back at its pages.

The text is what Tadoru annotates; ``rects`` turns a span of it (an annotation's ``start`` and
``end``) into boxes on the pages, so a viewer can draw the highlight where the reader sees the
words.  ``PdfText`` holds only Python data (no PDFium handle), so it can be cached and shared
between threads.
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from typing import TypedDict

from tadoru.pdf.errors import InvalidPdf
from tadoru.pdf.layout import clean_pages
from tadoru.pdf.read import RawPage, read_pages

#: Default limits: a long thesis has 300 pages; 2 million characters is about 600 dense pages,
#: well past any paper, and bounds the memory the boxes take (16 bytes a character).
MAX_PAGES = 300
MAX_CHARS = 2_000_000

#: A warning of ``PdfText.warnings``: the PDF has pages but not one character of text on them
#: (a scan without OCR): there is nothing to annotate, and the reader should be told why.
NO_TEXT_LAYER = "no_text_layer"

Rect = tuple[float, float, float, float]


class PageInfo(TypedDict):
    """One page: its number (1-based) and size in PDF points (1/72 inch)."""

    page: int
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class PdfText:
    """A PDF's text as a reader sees it, with a map from every offset back to its page.

    ``text`` is what to annotate; ``breaks`` are offsets no term may span (paragraph and page
    edges, like ``VisibleText.breaks``); ``pages`` give each page's size for drawing;
    ``warnings`` say what a reader should know (``"no_text_layer"``); ``headings`` are the
    ``(start, end)`` spans the layout took for section headings (``tadoru.pdf.layout``), where
    the calm density starts a section and marks nothing.
    """

    text: str
    breaks: list[int]
    pages: list[PageInfo]
    warnings: list[str]
    _source: array = field(repr=False)  # per offset: document-wide character number, or -1
    _page_starts: list[int] = field(repr=False)  # document-wide number of each page's first character
    _boxes: list[tuple[array, array, array, array]] = field(repr=False)  # per page: x0, y0, x1, y1 per character
    headings: list[tuple[int, int]] = field(default_factory=list)

    def char_at(self, offset: int) -> tuple[int, int] | None:
        """``(page index, character index in that page's PDFium textpage)`` of ``text[offset]``.

        ``None`` for a character no page holds (the ``"\\n\\n"`` between two pages).  Page
        indexes here are 0-based like PDFium's; ``pages`` and ``rects`` number pages from 1.
        """
        g = self._source[offset]
        if g < 0:
            return None
        k = bisect.bisect_right(self._page_starts, g) - 1
        return k, g - self._page_starts[k]

    def page_starts(self) -> list[int]:
        """The text offset where each page's text begins (``len(text)`` for a page without any),
        for page markers in a reflowed copy and the API's ``pages[].start``."""
        starts = [len(self.text)] * len(self.pages)
        page_firsts, source = self._page_starts, self._source
        k = 0
        for offset in range(len(self.text)):
            g = source[offset]
            if g < 0:
                continue
            while k + 1 < len(page_firsts) and g >= page_firsts[k + 1]:
                k += 1
            starts[k] = min(starts[k], offset)
        return starts

    def rects(self, start: int, end: int) -> list[tuple[int, list[Rect]]]:
        """The boxes of ``text[start:end]``: ``[(page number, [(x0, y0, x1, y1), …]), …]``.

        One box per line the span covers on each page, in PDF points from the page's top-left
        corner, in reading order; a span over a column or page break gets a box on each side.
        Characters without ink (spaces, line ends) add no box of their own but are covered when
        they sit between two that do.
        """
        start, end = max(start, 0), min(end, len(self.text))
        result: list[tuple[int, list[Rect]]] = []
        starts, source = self._page_starts, self._source
        current: list[float] | None = None
        page_rects: list[Rect] = []
        page = -1
        k, first, last = -1, 0, -1  # the page of the last character looked at, and its range
        xs0 = ys0 = xs1 = ys1 = array("f")
        for i in range(start, end):
            g = source[i]
            if g < 0:
                continue
            if not first <= g < last:  # a term's characters are nearly always on one page
                k = bisect.bisect_right(starts, g) - 1
                first, last = starts[k], starts[k + 1] if k + 1 < len(starts) else 1 << 62
                xs0, ys0, xs1, ys1 = self._boxes[k]
            j = g - first
            x0, y0, x1, y1 = xs0[j], ys0[j], xs1[j], ys1[j]
            if x1 <= x0 or y1 <= y0:
                continue  # no ink
            if k != page:
                if current is not None:
                    page_rects.append((current[0], current[1], current[2], current[3]))
                    result.append((page + 1, page_rects))
                page, page_rects, current = k, [], [x0, y0, x1, y1]
                continue
            assert current is not None
            if _continues_line(current, x0, y0, x1, y1):
                current[0], current[1] = min(current[0], x0), min(current[1], y0)
                current[2], current[3] = max(current[2], x1), max(current[3], y1)
            else:
                page_rects.append((current[0], current[1], current[2], current[3]))
                current = [x0, y0, x1, y1]
        if current is not None:
            page_rects.append((current[0], current[1], current[2], current[3]))
            result.append((page + 1, page_rects))
        return result


def _continues_line(rect: list[float], x0: float, y0: float, x1: float, y1: float) -> bool:
    """Does a character box carry on the line ``rect`` covers so far?

    It must overlap the line by half its height (a superscript still does) and start no more
    than a few heights to the right of it (justified text spreads words wide) and not left of it.
    """
    h = min(rect[3] - rect[1], y1 - y0)
    overlap = min(rect[3], y1) - max(rect[1], y0)
    return overlap > 0.5 * h and rect[2] - 0.5 * h <= x0 <= rect[2] + 4 * (y1 - y0)


def extract_pdf(data: bytes, *, max_pages: int = MAX_PAGES, max_chars: int = MAX_CHARS,
                isolated: bool = False) -> PdfText:
    """The text of the PDF in ``data`` as Tadoru annotates it, with its way back to the pages.

    Raises ``InvalidPdf`` (not a PDF, or damaged), ``PdfEncrypted`` (a password is needed) or
    ``PdfTooLong`` (more than ``max_pages`` pages or ``max_chars`` characters).  A PDF without
    a text layer is not an error: its text is empty and ``warnings`` holds ``"no_text_layer"``.
    ``isolated`` reads it in a child process under a memory and time limit (``PdfTooComplex``
    past them): what the service and batch do with PDFs from outside (``tadoru.pdf.isolated``).
    """
    if isolated:
        from tadoru.pdf.isolated import read_pages_isolated

        if b"%PDF" not in bytes(data[:1024]):
            raise InvalidPdf("not a PDF (no %PDF header)")  # no child process for what is not a PDF
        raw = read_pages_isolated(data, max_pages=max_pages, max_chars=max_chars)
    else:
        raw = read_pages(data, max_pages=max_pages, max_chars=max_chars)
    cleaned = clean_pages(raw)
    warnings = [NO_TEXT_LAYER] if raw and not cleaned.text.strip() else []
    return PdfText(
        text=cleaned.text,
        breaks=cleaned.breaks,
        pages=[_page_info(k, page) for k, page in enumerate(raw)],
        warnings=warnings,
        _source=cleaned.source,
        _page_starts=cleaned.page_starts,
        _boxes=[(page.x0, page.y0, page.x1, page.y1) for page in raw],
        headings=cleaned.headings,
    )


def _page_info(index: int, page: RawPage) -> PageInfo:
    return {"page": index + 1, "width": page.width, "height": page.height}
