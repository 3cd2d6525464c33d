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
from typing import TYPE_CHECKING, Any

from .gcpause import cyclic_gc_paused
from .lexicon import Lexicon, load_lexicon
from .matcher import Candidate, CompiledLexicon, resolve_overlaps
from .normalize import warm_up

if TYPE_CHECKING:
    from .htmltext import HtmlAnnotation

LANG_CHOICES = ("auto", "ja", "en")
LEVELS = (1, 2, 3)
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

    def __init__(self, lexicon: Lexicon | None = None, *, extra_paths: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.lexicon = lexicon if lexicon is not None else load_lexicon(extra_paths)
        warm_up()
        self.compiled = CompiledLexicon(self.lexicon)

    def warm_up(self) -> None:
        """Load Sudachi's dictionary now, so the first request is not the slow one."""
        self.compiled.japanese.load()

    # ------------------------------------------------------------------ text

    def annotate_text(
        self,
        text: str,
        *,
        lang: str = "auto",
        known: Iterable[str] = (),
        level: int = 1,
        first_only: bool = False,
    ) -> list[Annotation]:
        """Annotations of ``text``, ordered by ``start``, never overlapping.

        ``known`` holds concept ids (or labels) the reader knows; ``level`` hides terms below
        it (1 shows everything, 3 only specialist terms); ``first_only`` keeps the first
        occurrence of each term.
        """
        if not isinstance(text, str):
            raise TypeError(f"annotate_text() needs text as str, not {type(text).__name__}")
        check_options(lang=lang, known=known, level=level, first_only=first_only)
        with cyclic_gc_paused():
            return self._annotate(text, (), known=known, level=level, first_only=first_only)

    def _annotate(self, text: str, breaks: Sequence[int], *, known: Iterable[str], level: int, first_only: bool) -> list[Annotation]:
        if not text:
            return []
        candidates = self.compiled.find(text, breaks)
        edges = self.compiled.word_edges(text) if any(c.unverified for c in candidates) else None
        chosen = self._in_context(resolve_overlaps(candidates, edges))
        return self._for_reader(text, chosen, known=known, level=level, first_only=first_only)

    def annotate_html(
        self,
        html: str | bytes,
        *,
        lang: str = "auto",
        known: Iterable[str] = (),
        level: int = 1,
        first_only: bool = False,
    ) -> HtmlAnnotation:
        """Annotations of a page's visible text (SPEC §4 walk), ready to render with markup."""
        from .htmltext import HtmlAnnotation, visible_text

        if not isinstance(html, (str, bytes)):
            raise TypeError(f"annotate_html() needs html as str or bytes, not {type(html).__name__}")
        check_options(lang=lang, known=known, level=level, first_only=first_only)
        with cyclic_gc_paused():
            page = visible_text(html)
            annotations = self._annotate(page.text, page.breaks, known=known, level=level, first_only=first_only)
        resolved_lang = detect_lang(page.text) if lang == "auto" else lang
        return HtmlAnnotation(page, annotations, resolved_lang)

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

    def _for_reader(
        self, text: str, chosen: list[Candidate], *, known: Iterable[str], level: int, first_only: bool
    ) -> list[Annotation]:
        known_ids = self.resolve_known(known)
        seen: set[str] = set()
        out: list[Annotation] = []
        concepts = self.lexicon.concepts
        for c in chosen:
            if c.concept in known_ids or concepts[c.concept].level < level:
                continue
            if first_only:
                if c.concept in seen:
                    continue
                seen.add(c.concept)
            out.append(Annotation(c.start, c.end, text[c.start : c.end], c.concept))
        return out

    def resolve_known(self, known: Iterable[str]) -> set[str]:
        """Concept ids from a known-terms list that may hold ids or labels."""
        ids: set[str] = set()
        for name in known:
            cid = self.lexicon.resolve(name) if isinstance(name, str) else None
            if cid:
                ids.add(cid)
        return ids


def check_options(*, lang: Any, known: Any, level: Any, first_only: Any) -> None:
    """Raise ``TypeError``/``ValueError`` with a clear message for a bad option."""
    if not isinstance(lang, str):
        raise TypeError(f"lang must be a str, not {type(lang).__name__}")
    if lang not in LANG_CHOICES:
        raise ValueError(f"lang must be one of {', '.join(LANG_CHOICES)} (got {lang!r})")
    if isinstance(known, (str, bytes)) or not isinstance(known, Iterable):
        raise TypeError("known must be a list of term ids, not a single string" if isinstance(known, str)
                        else f"known must be a list of term ids, not {type(known).__name__}")
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level must be an int, not {type(level).__name__}")
    if level not in LEVELS:
        raise ValueError(f"level must be 1, 2 or 3 (got {level})")
    if not isinstance(first_only, bool):
        raise TypeError(f"first_only must be a bool, not {type(first_only).__name__}")
