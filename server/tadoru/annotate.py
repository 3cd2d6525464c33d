"""The annotator: compiled lexicon + the reader's options → the annotations a reader should see.

This is the library's front door (``from tadoru import Annotator``).  It owns the decisions that
are about the *reader and the document*, not about string matching: is this document about AI
(so that everyday words like "layer" or モデル count as jargon)?  which terms does the reader
already know, which level do they read at, do they want every occurrence or only the first?
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, overload

from tadoru import fastcore
from tadoru.gcpause import cyclic_gc_paused
from tadoru.lexicon.load import load_lexicon
from tadoru.lexicon.model import Lexicon
from tadoru.matcher import LIBRARY_CATEGORY, MAX_CANDIDATES, MAX_GROWTH, Candidate, CompiledLexicon, resolve_overlaps
from tadoru.options import ReaderOptions
from tadoru.text.normalize import warm_up
from tadoru.text.sections import Sections, page_sections, text_sections
from tadoru.text.visible import VisibleText, visible_text

#: An ambiguous word counts as jargon when this many distinct unambiguous terms stand within
#: CONTEXT_WINDOW characters of it.
CONTEXT_MIN_TERMS = 2
CONTEXT_WINDOW = 600
QUOTE_CONTEXT = 32

_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")
_CJK_RUN = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff\u3400-\u4dbf]+")
_LATIN_RUN = re.compile(r"[A-Za-z]+")
_LANG_SAMPLE = 100_000


@dataclass(frozen=True, slots=True)
class Annotation:
    """One highlighted term: ``text[start:end] == surface``, offsets in code points."""

    start: int
    end: int
    surface: str
    term: str

    @property
    def exact(self) -> str:
        return self.surface

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "start": self.start, "end": self.end, "exact": self.surface}


class Annotated(Sequence[Annotation]):
    """What the annotator found in one text or page: the text it read, the annotations (this
    object is their sequence) and the language it used. ``page`` is the parsed page for HTML;
    ``known_found`` counts the reader's known terms the text holds (not annotated: known);
    ``truncated_at`` is set when the text held more terms than one call annotates
    (``tadoru.matcher.MAX_CANDIDATES``): the annotations cover ``text[:truncated_at]``."""

    __slots__ = ("annotations", "known_found", "lang", "page", "text", "truncated_at")

    def __init__(self, text: str, annotations: list[Annotation], lang: str, page: VisibleText | None,
                 known_found: dict[str, int] | None = None, truncated_at: int | None = None) -> None:
        self.text = text
        self.annotations = annotations
        self.lang = lang
        self.page = page
        self.known_found = known_found or {}
        self.truncated_at = truncated_at

    @overload
    def __getitem__(self, index: int) -> Annotation: ...
    @overload
    def __getitem__(self, index: slice) -> list[Annotation]: ...
    def __getitem__(self, index: int | slice) -> Annotation | list[Annotation]:
        return self.annotations[index]

    def __len__(self) -> int:
        return len(self.annotations)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Annotated):
            return (self.text, self.annotations, self.lang) == (other.text, other.annotations, other.lang)
        if isinstance(other, list):
            return self.annotations == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable result, compared by value

    def __repr__(self) -> str:
        return f"Annotated(lang={self.lang!r}, {len(self.annotations)} annotations)"

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"lang": self.lang, "annotations": [a.to_dict() for a in self.annotations]}
        if self.truncated_at is not None:
            document["truncated_at"] = self.truncated_at
        return document


def apply_density(annotations: list[Annotation], sections: Sections, density: str) -> list[Annotation]:
    """The occurrences ``density`` keeps (docs/ARCHITECTURE.md, "Density"): none in a quiet part
    (headings, furniture, URLs); then under ``calm`` one per term and section, under ``first`` one
    per term.  ``all`` keeps every one and never comes here."""
    out: list[Annotation] = []
    seen: set[object] = set()
    calm = density == "calm"
    for a in annotations:
        if sections.is_quiet(a.start, a.end):
            continue
        key: object = (sections.section_of(a.start), a.term) if calm else a.term
        if key in seen:
            continue
        seen.add(key)
        out.append(a)
    return out


def sections_of(annotated: Annotated, breaks: Sequence[int] = (),
                headings: Sequence[tuple[int, int]] = ()) -> Sections:
    """The sections of what was annotated: a page's from its elements, a text's from its lines
    (and, for a PDF's text, the headings its layout found)."""
    if annotated.page is not None:
        return page_sections(annotated.page)
    return text_sections(annotated.text, breaks, headings)


def detect_lang(text: str) -> str:
    """``"ja"`` when the text is Japanese prose (even with English terms in it), else ``"en"``."""
    sample = text[:_LANG_SAMPLE]
    if _KANA.search(sample) is None:
        return "en"
    # Counted by runs, not characters: one regex match per word is several times cheaper.
    cjk = sum(map(len, _CJK_RUN.findall(sample)))
    latin = sum(map(len, _LATIN_RUN.findall(sample)))
    return "ja" if cjk >= latin * 0.2 else "en"


def quote_context(text: str, start: int, end: int, size: int = QUOTE_CONTEXT) -> tuple[str, str]:
    """The W3C TextQuoteSelector ``prefix`` and ``suffix`` of a span."""
    return text[max(0, start - size) : start], text[end : end + size]


class Annotator:
    """Finds the jargon a reader does not know yet.

    Build it once (it compiles the whole lexicon) and share it: it holds no per-call state,
    and the one stateful piece it uses (Sudachi) is guarded by a lock.
    """

    def __init__(self, lexicon: Lexicon | None = None, *, extra_paths: Iterable[str | os.PathLike[str]] = (),
                 compiled: CompiledLexicon | None = None) -> None:
        if compiled is not None:  # already built (tadoru.compiled_cache); its lexicon comes with it
            self.lexicon, self.compiled = compiled.lexicon, compiled
        else:
            self.lexicon = lexicon if lexicon is not None else load_lexicon(extra_paths)
            warm_up()
            self.compiled = CompiledLexicon(self.lexicon)
        warm_up()
        fastcore.warn_if_missing()
        #: Concept id → the compiled core's concept number (the lexicon's order, as its tables use).
        self._concept_index = {concept.id: k for k, concept in enumerate(self.lexicon)}

    def warm_up(self) -> None:
        """Load Sudachi's dictionary now, so the first request is not the slow one."""
        self.compiled.japanese.load()

    # ------------------------------------------------------------------ text and pages

    def annotate_text(self, text: str, options: ReaderOptions | None = None, *, breaks: Sequence[int] = (),
                      headings: Sequence[tuple[int, int]] = (), **kwargs: Any) -> Annotated:
        """Annotations of ``text``, ordered by ``start``, never overlapping, with the language used.

        ``options`` (or the same fields as keywords: ``lang``, ``known``, ``level``,
        ``density``) say what the reader wants: ``known`` holds concept ids (or labels) the
        reader knows, ``level`` hides terms below it, ``density`` says how many occurrences
        (docs/ARCHITECTURE.md, "Density").
        ``breaks`` are sorted offsets no term may span (paragraph and page edges of a text
        that came from a layout, such as a PDF's: ``tadoru.pdf``); ``headings`` are the
        ``(start, end)`` spans such a layout took for headings (sections start there).
        """
        if not isinstance(text, str):
            raise TypeError(f"annotate_text() needs text as str, not {type(text).__name__}")
        opts = _options(options, kwargs)
        known_found: dict[str, int] = {}
        with cyclic_gc_paused():
            annotations, cut = self._annotate(text, breaks, opts, known_found)
            if opts.density != "all":
                annotations = apply_density(annotations, text_sections(text, breaks, headings), opts.density)
        return Annotated(text, annotations, resolve_lang(text, opts.lang), None, known_found, cut)

    def annotate_html(self, html: str | bytes, options: ReaderOptions | None = None, **kwargs: Any) -> Annotated:
        """Annotations of a page's visible text (docs/ARCHITECTURE.md, "The walk"); ``page`` keeps
        the parsed page so ``tadoru.pages.mark`` can render it with the terms marked."""
        if not isinstance(html, (str, bytes)):
            raise TypeError(f"annotate_html() needs html as str or bytes, not {type(html).__name__}")
        opts = _options(options, kwargs)
        known_found: dict[str, int] = {}
        with cyclic_gc_paused():
            page = visible_text(html)
            annotations, cut = self._annotate(page.text, page.breaks, opts, known_found)
            if opts.density != "all":
                annotations = apply_density(annotations, page_sections(page), opts.density)
        return Annotated(page.text, annotations, resolve_lang(page.text, opts.lang), page, known_found, cut)

    def for_reader(self, everything: Annotated, options: ReaderOptions | None = None, *,
                   sections: Sections | None = None) -> Annotated:
        """``everything`` (annotated with the default options) as the reader ``options`` describe
        would have had it: the same annotations, known terms counted, as ``annotate_text(text,
        options)`` returns.  For surfaces that need both views of one text (``tadoru.discover``
        reads every term to judge a page, the reader sees their own) at the cost of one scan.
        """
        opts = options or ReaderOptions()
        known_ids = self.resolve_known(opts.known)
        level = opts.level
        concepts = self.lexicon.concepts
        known_found: dict[str, int] = {}
        out: list[Annotation] = []
        for a in everything.annotations:
            if concepts[a.term].level < level:
                continue
            if a.term in known_ids:
                known_found[a.term] = known_found.get(a.term, 0) + 1
                continue
            out.append(a)
        if opts.density != "all":
            out = apply_density(out, sections or sections_of(everything), opts.density)
        return Annotated(everything.text, out, resolve_lang(everything.text, opts.lang), everything.page, known_found,
                         everything.truncated_at)

    def _annotate(self, text: str, breaks: Sequence[int], opts: ReaderOptions,
                  known_found: dict[str, int]) -> tuple[list[Annotation], int | None]:
        """The reader's annotations and, if the search stopped early, where (see ``Annotated``).

        Raises ``TextTooLong`` when normalising would blow the text up (U+FDFA is 18 characters).
        """
        if not text:
            return [], None
        core = self.compiled.core
        if core is not None:
            # Every occurrence: density is decided afterwards, on the page's sections (apply_density).
            fast = core.annotate(text, breaks, self._known_indices(opts.known), opts.level, False,
                                 known_found, self.compiled.word_edges, acronym_in_name, Annotation,
                                 MAX_CANDIDATES, MAX_GROWTH * len(text) + 1024, CONTEXT_WINDOW, CONTEXT_MIN_TERMS)
            if fast is not None:
                return fast, None
            known_found.clear()  # the Python path decides this one (a cut or an error): it counts again
        candidates, cut = self.compiled.find(text, breaks)
        edges = self.compiled.word_edges(text) if any(c.unverified for c in candidates) else None
        chosen = self._in_context(not_names_or_code(text, resolve_overlaps(candidates, edges), self.lexicon))
        return self._for_reader(text, chosen, opts, known_found), cut

    # ------------------------------------------------------------------ rules

    def _in_context(self, chosen: list[Candidate]) -> list[Candidate]:
        """Drop ambiguous words (layer, モデル) that stand where the text is not about AI."""
        if not any(c.ambiguous for c in chosen):
            return chosen
        anchors = [c for c in chosen if not c.ambiguous]
        starts = [c.start for c in anchors]
        kept: list[Candidate] = []
        for c in chosen:
            if c.ambiguous:
                lo = bisect.bisect_left(starts, c.start - CONTEXT_WINDOW)
                hi = bisect.bisect_right(starts, c.end + CONTEXT_WINDOW)
                distinct: set[str] = set()
                for a in anchors[lo:hi]:
                    distinct.add(a.concept)
                    if len(distinct) >= CONTEXT_MIN_TERMS:
                        break
                if len(distinct) < CONTEXT_MIN_TERMS:
                    continue
            kept.append(c)
        return kept

    def _for_reader(self, text: str, chosen: list[Candidate], opts: ReaderOptions,
                    known_found: dict[str, int]) -> list[Annotation]:
        """The reader's filters but density; ``known_found`` collects the known terms the text holds (counted)."""
        known_ids = self.resolve_known(opts.known)
        level = opts.level
        out: list[Annotation] = []
        concepts = self.lexicon.concepts
        for c in chosen:
            if concepts[c.concept].level < level:
                continue
            if c.concept in known_ids:
                known_found[c.concept] = known_found.get(c.concept, 0) + 1
                continue
            out.append(Annotation(c.start, c.end, text[c.start : c.end], c.concept))
        return out

    def _known_indices(self, known: Iterable[str]) -> list[int]:
        """The reader's known concepts as the compiled core's concept numbers."""
        if not known:
            return []
        index = self._concept_index
        return [index[cid] for cid in self.resolve_known(known)]

    def resolve_known(self, known: Iterable[str]) -> set[str]:
        """Concept ids from a known-terms list that may hold ids or labels."""
        ids: set[str] = set()
        for name in known:
            cid = self.lexicon.resolve(name) if isinstance(name, str) else None
            if cid:
                ids.add(cid)
        return ids


#: Words that may stand before an acronym in ordinary prose and headings ("In ML", "For AI"): a
#: capitalised neighbour among them does not make the acronym part of a product name.
_FUNCTION_WORDS = frozenset(["a", "an", "and", "are", "as", "at", "be", "before", "by", "can", "do", "does", "for", "from", "how", "if", "in", "into", "is", "it", "its", "more", "new", "not", "of", "on", "or", "our", "than", "that", "the", "their", "this", "to", "use", "using", "versus", "via", "vs", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with", "without", "your", "all", "any", "about", "after", "every", "some"])
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,3}")
_NAME_WORD = re.compile(r"[A-Z][a-z][A-Za-z0-9]*")
_IDENTIFIER = re.compile(r"[A-Za-z_]")


def not_names_or_code(text: str, chosen: list[Candidate], lexicon: Lexicon) -> list[Candidate]:
    """Drop terms that are part of a product name or of code (issue 14, classes of misleading aliases).

    * An acronym label next to a capitalised word that no label covers is part of a name:
      "LM" in "LM Studio", "ML" in "Core ML" or "Azure ML" — the product is not the concept
      (a product the lexicon knows is a longer label and has already won).
    * A word of a dotted module path ("transformers" in ``transformers.agents``, ``model`` in
      ``model.fit``) is code: only a library or product concept may be marked there.
    """
    if not chosen:
        return chosen
    kept: list[Candidate] = []
    n = len(text)
    for c in chosen:
        start, end = c.start, c.end
        after = text[end] if end < n else ""
        before = text[start - 1] if start else ""
        if after != "." and before != "." and after != " " and before != " ":
            kept.append(c)  # most terms (all of running Japanese): neither rule can apply
            continue
        if (after == "." and _IDENTIFIER.match(text, end + 1)) or (
                before == "." and start >= 2 and (text[start - 2].isalnum() or text[start - 2] == "_")):
            if lexicon.concepts[c.concept].category != LIBRARY_CATEGORY:
                continue
        elif _ACRONYM.fullmatch(text, start, end) and acronym_in_name(text, start, end):
            continue
        kept.append(c)
    return kept


def acronym_in_name(text: str, start: int, end: int) -> bool:
    """Does a capitalised word that is not a function word stand next to the acronym ``text[start:end]``?"""
    return _name_word_after(text, end) or _name_word_before(text, start)


def _name_word_after(text: str, end: int) -> bool:
    if not text.startswith(" ", end):
        return False
    m = _NAME_WORD.match(text, end + 1)
    return m is not None and m.group().lower() not in _FUNCTION_WORDS and (m.end() == len(text) or not text[m.end()].isalnum())


def _name_word_before(text: str, start: int) -> bool:
    if start < 2 or text[start - 1] != " ":
        return False
    i = start - 1
    while i > 0 and (text[i - 1].isalnum()):
        i -= 1
    word = text[i : start - 1]
    return bool(_NAME_WORD.fullmatch(word)) and word.lower() not in _FUNCTION_WORDS


def _options(options: ReaderOptions | None, kwargs: dict[str, Any]) -> ReaderOptions:
    if options is not None and kwargs:
        raise TypeError("pass either a ReaderOptions or option keywords, not both")
    if options is None:
        return ReaderOptions.from_kwargs(**kwargs)
    if not isinstance(options, ReaderOptions):
        raise TypeError(f"options must be a ReaderOptions, not {type(options).__name__}")
    return options


def resolve_lang(text: str, lang: str) -> str:
    """The language a reader's ``lang`` option means for this text (``auto`` → detected)."""
    return detect_lang(text) if lang == "auto" else lang
