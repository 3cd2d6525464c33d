"""The compiled lexicon: every label variant in one Aho–Corasick automaton, plus boundary rules.

``CompiledLexicon.find`` returns every *candidate* span (word-boundary and case checks done,
overlaps not yet resolved); ``resolve_overlaps`` then keeps the longest.  Keeping the two steps
apart (as spaCy's matcher and span filter do) lets the annotator decide context before overlap.
The automaton scans the normalised text once, so a call costs time linear in the text.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import ahocorasick

from tadoru import fastcore
from tadoru.lexicon.model import Lexicon
from tadoru.text.japanese import JapaneseTokenizer, WordEdges
from tadoru.text.normalize import check_growth, map_cluster, normalize
from tadoru.text.variants import match_keys

LATIN, JAPANESE, OTHER = "w", "j", "o"
KANJI, HIRAGANA, KATAKANA = "k", "h", "t"


def char_class(ch: str) -> str:
    """Which boundary rule applies at a term's edge character."""
    if ch.isascii():
        return LATIN if ch.isalnum() else OTHER
    if japanese_script(ch):
        return JAPANESE
    if "\u00c0" <= ch <= "\u024f" and ch.isalpha():
        return LATIN
    return OTHER


def japanese_script(ch: str) -> str | None:
    """Kanji, hiragana or katakana (with ー), else ``None``."""
    if "\u3041" <= ch <= "\u309f":
        return HIRAGANA
    if "\u30a0" <= ch <= "\u30ff" or "\u31f0" <= ch <= "\u31ff" or "\uff66" <= ch <= "\uff9f":
        return KATAKANA
    if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff" or ch in "々〆ヶ":
        return KANJI
    return None


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _is_latin_word(ch: str) -> bool:
    if ch in _ASCII_WORD:
        return True
    return not ch.isascii() and char_class(ch) == LATIN


@dataclass(frozen=True, slots=True)
class Entry:
    """One label variant's claim on a key of the automaton."""

    concept: str
    cased: str | None  # for case-sensitive labels: the variant in its written casing
    ambiguous: bool


class Candidate(NamedTuple):
    """A span that may become an annotation (a tuple: tens of thousands are made per MB)."""

    start: int  # original text, code points
    end: int
    concept: str
    ambiguous: bool
    #: Japanese edges (offsets) still to be confirmed as word edges by Sudachi; the check is
    #: deferred to overlap resolution, so a span inside a longer winner is never tokenised.
    unverified: tuple[int, ...] = ()


#: The category of libraries and products: a code identifier can be one of them, not a concept.
LIBRARY_CATEGORY = "tools-products"

#: Candidates one call may produce before it stops (a long article has a few thousand; 1 MB of
#: English prose about 15,000).  Past it the text is annotated up to where the search stopped.
MAX_CANDIDATES = 100_000
#: How many times longer than the text its normalised copy may be (real text: about 1×).
MAX_GROWTH = 2


class CompiledLexicon:
    """Immutable after construction, so one instance serves every thread.

    ``core`` is the compiled text path (``tadoru.fastcore``) over the same keys, or ``None`` where
    it was not built or is switched off; ``find`` and ``resolve_overlaps`` are the reference.
    """

    def __init__(self, lexicon: Lexicon, japanese: JapaneseTokenizer | None = None) -> None:
        self.lexicon = lexicon
        self.japanese = japanese or JapaneseTokenizer()
        table: dict[str, list[Entry]] = {}
        for concept in lexicon:
            for lang, label in concept.all_labels():
                cased = label in concept.case_sensitive_labels
                ambiguous = label in concept.ambiguous_labels
                for key, written in match_keys(label, lang):
                    entry = Entry(concept.id, written if cased else None, ambiguous)
                    entries = table.setdefault(key, [])
                    if entry not in entries:
                        entries.append(entry)
        self.automaton = ahocorasick.Automaton()
        for key, entries in table.items():
            self.automaton.add_word(key, (len(key), char_class(key[0]), char_class(key[-1]), tuple(entries)))
        if table:
            self.automaton.make_automaton()
        self.size = len(table)
        concepts = list(lexicon)
        # Built only where the compiled core can use them (a second or so of Python for 25,000 keys).
        self.tables = fastcore.build_tables(table, [c.id for c in concepts], [c.level for c in concepts],
                                            [c.category == LIBRARY_CATEGORY for c in concepts]
                                            ) if fastcore.available() else {}
        self.core = self._load_core()

    def parts(self) -> tuple[Lexicon, ahocorasick.Automaton, int, dict[str, Any]]:
        """What ``from_parts`` needs to rebuild this object (``tadoru.compiled_cache`` pickles it)."""
        return self.lexicon, self.automaton, self.size, self.tables

    @classmethod
    def from_parts(cls, lexicon: Lexicon, automaton: ahocorasick.Automaton, size: int, tables: dict[str, Any],
                   japanese: JapaneseTokenizer | None = None) -> CompiledLexicon:
        """The compiled lexicon from ``parts()``, without compiling again."""
        if not isinstance(lexicon, Lexicon) or not isinstance(automaton, ahocorasick.Automaton):
            raise TypeError("not the parts of a CompiledLexicon")
        self = cls.__new__(cls)
        self.lexicon, self.automaton, self.size, self.tables = lexicon, automaton, int(size), tables
        self.japanese = japanese or JapaneseTokenizer()
        self.core = self._load_core()
        return self

    def pure_python(self) -> CompiledLexicon:
        """The same compiled lexicon without the compiled core: the reference path (tests compare the two)."""
        other = CompiledLexicon.from_parts(*self.parts(), japanese=self.japanese)
        other.core = None
        return other

    def _load_core(self) -> Any:
        if not self.size or not self.tables:
            return None
        return fastcore.load_core(self.tables, [c.id for c in self.lexicon], map_cluster=map_cluster,
                                  check_growth=check_growth, written=written_as)

    def find(self, text: str, breaks: Sequence[int] = (), *,
             max_candidates: int = MAX_CANDIDATES) -> tuple[list[Candidate], int | None]:
        """Candidate spans of lexicon terms in ``text`` (overlapping, unordered), and where they stop.

        ``breaks`` are sorted offsets where the text has an invisible word break, such as
        the edge of a paragraph in a page whose text nodes were joined without spaces: a
        term may start or end there and never spans one.

        The work is bounded by what comes out, not only by what comes in (issue 18 #2): the
        normalised copy may grow at most ``MAX_GROWTH`` times (``TextTooLong`` past it), and after
        ``max_candidates`` candidates the search stops; the second value is then the offset
        before which the candidates are complete (``None`` when the whole text was searched).
        """
        if not self.size or not text:
            return [], None
        norm = normalize(text, limit=MAX_GROWTH * len(text) + 1024)
        s = norm.text
        n = len(s)
        break_set = frozenset(breaks)
        identity = norm.is_identity
        out: list[Candidate] = []
        for last, (length, start_cls, end_cls, entries) in self.automaton.iter(s):
            i, j = last - length + 1, last + 1
            needs_ja_start = needs_ja_end = False
            glued_start = glued_end = False
            if i > 0:
                prev = s[i - 1]
                if start_cls == LATIN:
                    glued_start = _is_latin_word(prev)
                elif start_cls == JAPANESE:
                    needs_ja_start = _same_word_risk(prev, s[i])
            if j < n:
                nxt = s[j]
                if end_cls == LATIN:
                    glued_end = _is_latin_word(nxt)
                elif end_cls == JAPANESE:
                    needs_ja_end = _same_word_risk(s[j - 1], nxt)
            if (glued_start or glued_end) and not break_set:
                continue
            start, end = (i, j) if identity else norm.original_span(i, j)
            if break_set:
                if (glued_start and start not in break_set) or (glued_end and end not in break_set):
                    continue
                k = bisect.bisect_right(breaks, start)
                if k < len(breaks) and breaks[k] < end:
                    continue
                needs_ja_start = needs_ja_start and start not in break_set
                needs_ja_end = needs_ja_end and end not in break_set
            unverified = (start,) * needs_ja_start + (end,) * needs_ja_end
            written: str | None = None
            for entry in entries:
                if entry.cased is not None:
                    if written is None:
                        written = written_as(text, start, end)
                    if written != entry.cased:
                        continue
                out.append(Candidate(start, end, entry.concept, entry.ambiguous, unverified))
                break
            if len(out) >= max_candidates:
                # Hits arrive by end offset: everything ending before this hit's start is complete.
                return [c for c in out if c.end <= start], start
        return out, None

    def word_edges(self, text: str) -> WordEdges:
        """Sudachi's word edges for ``text``, computed sentence by sentence on demand."""
        return WordEdges(text, self.japanese)


def written_as(text: str, start: int, end: int) -> str:
    """A span as a case-sensitive label is compared with it: case kept, width folded, no spaces."""
    return normalize(text[start:end], fold=False).text.replace(" ", "")


def _same_word_risk(left: str, right: str) -> bool:
    """Could ``left`` and ``right`` belong to one Japanese word?

    Only runs of the same script are in doubt (富裕|層, ファイン|チューニング, before|after a
    kanji compound); a change of script, like a particle after a noun, is a word edge.
    """
    a, b = japanese_script(left), japanese_script(right)
    return a is not None and a == b


def resolve_overlaps(candidates: list[Candidate], edges: WordEdges | None = None) -> list[Candidate]:
    """Longest match wins (then the earlier one); the result never overlaps and is ordered.

    A candidate with unverified Japanese edges is checked against ``edges`` only when it
    would win; one that cuts a word is dropped and shorter candidates get their turn.
    """
    if not candidates:
        return []
    chosen: list[Candidate] = []
    taken = bytearray(max(c.end for c in candidates))  # 1 where a chosen span lies
    for c in sorted(candidates, key=lambda c: (c.start - c.end, c.start)):
        if taken.find(1, c.start, c.end) != -1:
            continue
        if c.unverified and (edges is None or not all(edges.is_edge(p) for p in c.unverified)):
            continue
        taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    return chosen
