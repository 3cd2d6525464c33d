"""Matching-friendly copy of a text, with a map back to the original code-point offsets.

The matcher never searches the reader's text itself: it searches a normalised copy in which
full-width and half-width forms, letter case, hyphen/space variants, the nakaguro and the
katakana long-vowel mark no longer matter.  Every offset the matcher finds in the copy must
then point back into the original text exactly, so the copy is built together with a
piecewise map.

Speed matters (this runs on every request): the common characters are handled by one
``str.translate`` call per run of text, and only the few "irregular" characters — those whose
normal form has a different length or depends on the neighbouring character — are handled one
by one.
"""

from __future__ import annotations

import bisect
import re
import sys
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache

#: Characters that separate the words of a term; all of them become one ASCII space.
SEPARATORS = frozenset(
    "-_\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\uff3f"
    " \t\n\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
LONG_VOWEL = "\u30fc"  # ー (half-width ｰ becomes this under NFKC)
NAKAGURO = "\u30fb"  # ・ (half-width ･ becomes this under NFKC)
_COMBINING_EXTRA = "\uff9e\uff9f"  # half-width (semi-)voiced sound marks: they compose like combining marks


def is_katakana(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch == LONG_VOWEL or "\u31f0" <= ch <= "\u31ff"


def _map_text(chunk: str, fold: bool) -> str:
    out = unicodedata.normalize("NFKC", chunk)
    if fold:
        out = out.lower()
    return "".join(" " if c in SEPARATORS else c for c in out)


def _tables(fold: bool) -> tuple[dict[int, str], dict[int, str], re.Pattern[str]]:
    """The translate tables (all regular characters; ASCII only) and the regex for irregular ones.

    A character is regular when its normal form is exactly one character that needs no
    context; everything else (ligatures, ``İ``, combining marks, ー, ・, astral characters)
    is found by the regex and normalised cluster by cluster.
    """
    table, ascii_table, irregular, _, _ = _classes(fold)
    return table, ascii_table, irregular


def _expanders(fold: bool) -> re.Pattern[str]:
    """Characters whose copy is three or more characters long (U+FDFA, ㍿, ﬃ…), and every astral one.

    Without them a copy is at most twice the text, within every limit the matcher sets, so the
    C pre-count (``_check_growth``) runs only for text that holds one.
    """
    return _classes(fold)[3]


#: Flags of ``fold_codes`` (the compiled core's fold table, tadoru/fastcore/_scan.pyx).
IRREGULAR, COMBINING, EXPANDS, SIMPLE = 0x80000000, 0x40000000, 0x20000000, 0x10000000


def fold_codes(fold: bool = True) -> array[int]:
    """One code per BMP character, for the compiled core: its one-character normal form, or flags.

    A regular character's code is its normal form's code point.  An irregular one carries
    ``IRREGULAR`` (plus ``COMBINING`` for marks that join the character before them, ``EXPANDS``
    for those the growth check counts, and ``SIMPLE`` with the code point for ー and ・, whose one
    character needs only the context rule) — the same classes the regexes here are built from.
    """
    return _classes(fold)[4]


@lru_cache(maxsize=2)
def _classes(fold: bool) -> tuple[dict[int, str], dict[int, str], re.Pattern[str], re.Pattern[str], array[int]]:
    """``_tables``, ``_expanders`` and ``fold_codes`` from one pass over the BMP (each character mapped once)."""
    table: dict[int, str] = {}
    irregular: list[str] = []
    big: list[str] = []
    codes = array("I", range(0x10000))
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue  # lone surrogates pass through unchanged
        ch = chr(cp)
        mapped = _map_text(ch, fold)
        joins = bool(unicodedata.combining(ch)) or ch in _COMBINING_EXTRA
        if len(mapped) != 1 or joins or mapped in (LONG_VOWEL, NAKAGURO):
            irregular.append(ch)
            codes[cp] = IRREGULAR | COMBINING * joins
            if len(mapped) > 2:
                big.append(ch)
                codes[cp] |= EXPANDS
            elif len(mapped) == 1 and not joins:
                codes[cp] |= SIMPLE | ord(mapped)
        elif mapped != ch:
            table[cp] = mapped
            codes[cp] = ord(mapped)
    combining = "".join(c for c in irregular if unicodedata.combining(c) or c in _COMBINING_EXTRA)
    pattern = re.compile(
        f"(?s:.[{_char_class(combining)}]+|[{_char_class(irregular)}\U00010000-\U0010ffff])"
    )
    ascii_table = {cp: mapped for cp, mapped in table.items() if cp < 0x80}
    assert not any(c.isascii() for c in irregular), "ASCII is never irregular: normalize() relies on it"
    expanders = re.compile(f"[{_char_class(big)}\U00010000-\U0010ffff]")
    return table, ascii_table, pattern, expanders, codes


def _char_class(chars: str | list[str]) -> str:
    """A compact regex character class body (ranges of consecutive code points)."""
    cps = sorted({ord(c) for c in chars})
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = re.escape(chr(cps[i])), re.escape(chr(cps[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised copy of a text and the map back to the original.

    The copy is made of segments; ``_seg_norm[k]`` is where segment k starts in the copy.  A
    linear segment (``_seg_spans[k] is None``) maps copy offset ``i`` to original offset
    ``_seg_orig[k] + (i - _seg_norm[k])``; an irregular segment lists, for each of its copy
    characters, the original span it came from.
    """

    text: str
    original_length: int
    _seg_norm: list[int]
    _seg_orig: list[int]
    _seg_spans: list[list[tuple[int, int]] | None]

    @property
    def is_identity(self) -> bool:
        """True when copy offsets equal original offsets (most English text)."""
        return len(self._seg_norm) == 1 and self._seg_spans[0] is None and len(self.text) == self.original_length

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` of the copy's ``[start, end)`` (``end > start``).

        The end is pushed past long-vowel marks that normalisation dropped right after the
        match, so ``レイヤー`` found as ``レイヤ`` still covers its ``ー``.
        """
        return self._char_span(start)[0], self._char_span(end - 1)[1]

    def _char_span(self, i: int) -> tuple[int, int]:
        k = bisect.bisect_right(self._seg_norm, i) - 1
        spans = self._seg_spans[k]
        if spans is None:
            o = self._seg_orig[k] + (i - self._seg_norm[k])
            return o, o + 1
        return spans[i - self._seg_norm[k]]


#: The longest NFKC expansion of one code point (U+FDFA becomes 18 characters).
MAX_EXPANSION = 18


class TextTooLong(ValueError):
    """The normalised copy of a text would be longer than the caller allows."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the text grows past {limit:,} characters once normalised (at least {length:,})")
        self.length = length
        self.limit = limit


def normalize(text: str, *, fold: bool = True, limit: int | None = None) -> Normalized:
    """Normalise ``text`` for matching.

    ``limit`` bounds the copy's length (``TextTooLong`` past it).  Input caps alone do not bound
    the work: NFKC turns one U+FDFA into 18 characters, each with its span in the map, so 5 MiB
    of them once cost 3 GiB (issue 18 #2).  The copy's length is checked as it is built, after
    each piece, so the work stops once the limit is passed; ordinary text pays nothing for it (an
    NFKC pass over the whole text beforehand cost 11% of a Japanese call, issue 20).

    ``fold=False`` keeps letter case; the matcher uses it to verify case-sensitive labels.
    English text is mostly ASCII, and ``str.translate`` is several times faster on an ASCII
    string (CPython caches its lookups), so in mostly-ASCII text the ASCII stretches are
    translated on their own and only the non-ASCII runs are searched for irregular characters.
    Japanese text takes one pass over the whole text instead: its many short ASCII stretches
    would cost more in bookkeeping than they save.
    """
    table, ascii_table, irregular = _tables(fold)
    if text.isascii():
        if limit is not None and len(text) > limit:
            raise TextTooLong(len(text), limit)
        return Normalized(text.translate(ascii_table), len(text), [0], [0], [None])
    if limit is not None and len(text) * MAX_EXPANSION > limit and may_outgrow(
            len(text), len(_expanders(fold).findall(text)), limit):
        _check_growth(text, limit, fold)  # enough characters that triple or more: count in C first
    builder = _Builder(fold, limit if limit is not None and len(text) * MAX_EXPANSION > limit else None)
    if len(text.encode("ascii", "ignore")) < MOSTLY_ASCII * len(text):
        _normalize_span(builder, text, 0, len(text), table, irregular)
        return builder.build(len(text))
    pos = 0
    for run in _NON_ASCII_RUN.finditer(text):
        a, b = run.span()
        if a > pos:
            builder.linear(text[pos:a].translate(ascii_table), pos)
        _normalize_span(builder, text, a, b, table, irregular)
        pos = b
    if pos < len(text):
        builder.linear(text[pos:].translate(ascii_table), pos)
    return builder.build(len(text))


def may_outgrow(length: int, expanders: int, limit: int) -> bool:
    """Could ``expanders`` characters that triple or more push the copy of a text past ``limit``?

    Every other character's copy is at most two characters long.  Only then is the C pre-count
    (``_check_growth``) worth its cost: it is a full NFKC pass, and two "…" in half a megabyte of
    Japanese made it a third of the call (issue 20).  The copy's length is still checked exactly
    as it is built, so this gate decides how early a hostile text is refused, never whether.
    """
    return expanders > 0 and 2 * (length - expanders) + MAX_EXPANSION * expanders > limit


def map_cluster(chunk: str) -> str:
    """The folded copy of one irregular cluster, before the ー/・ rules (the compiled core asks for it)."""
    return _map_text(chunk, True)


def check_growth(text: str, expanders: int, limit: int) -> None:
    """The pre-count ``normalize`` makes before folding ``text`` (``TextTooLong`` past ``limit``), for the compiled core."""
    if len(text) * MAX_EXPANSION > limit and may_outgrow(len(text), expanders, limit):
        _check_growth(text, limit, True)


def _check_growth(text: str, limit: int, fold: bool) -> None:
    """``TextTooLong`` if the copy of ``text`` would pass ``limit`` characters.

    NFKC runs in C, piece by piece, stopping as soon as the limit is passed, so a hostile text
    (5 MiB of U+FDFA) is refused in a fifth of a second instead of being mapped cluster by
    cluster in Python first.  (A piece boundary can split a combining sequence; that moves the
    count by a character or two.)
    """
    length = 0
    for i in range(0, len(text), _GROWTH_PIECE):
        expanded = unicodedata.normalize("NFKC", text[i : i + _GROWTH_PIECE])
        length += len(expanded.lower()) if fold else len(expanded)  # ー and ・ may shorten the copy, never lengthen
        if length > limit:
            raise TextTooLong(length, limit)


_GROWTH_PIECE = 1 << 16


def _normalize_span(builder: _Builder, text: str, a: int, b: int, table: dict[int, str], irregular: re.Pattern[str]) -> None:
    """``text[a:b]`` into ``builder``: irregular clusters one by one, the rest by one translate."""
    for m in irregular.finditer(text, a, b):
        if m.start() > a:
            builder.linear(text[a : m.start()].translate(table), a)
        builder.cluster(m.group(), m.start(), m.end())
        a = m.end()
    if b > a:
        builder.linear(text[a:b].translate(table), a)


#: Share of ASCII characters above which ASCII stretches are translated separately.
MOSTLY_ASCII = 0.9
#: A run of non-ASCII characters with the character before it, which a combining mark joins.
_NON_ASCII_RUN = re.compile(r"(?s:.?[^\x00-\x7f]+)")


class _Builder:
    __slots__ = ("fold", "last", "length", "limit", "parts", "seg_norm", "seg_orig", "seg_spans")

    def __init__(self, fold: bool, limit: int | None = None) -> None:
        self.fold = fold
        self.limit = limit  # TextTooLong once the copy passes it (None: it cannot)
        self.parts: list[str] = []
        self.length = 0
        self.seg_norm: list[int] = []
        self.seg_orig: list[int] = []
        self.seg_spans: list[list[tuple[int, int]] | None] = []
        self.last = ""  # last character of the copy so far

    def linear(self, piece: str, orig_start: int) -> None:
        if not piece:
            return
        k = len(self.seg_spans) - 1
        if k >= 0 and self.seg_spans[k] is None and self.seg_orig[k] + (self.length - self.seg_norm[k]) == orig_start:
            # Contiguous with the linear segment before it: one segment, so an all-linear copy
            # keeps the identity map.
            self.parts.append(piece)
            self.length += len(piece)
            self.last = piece[-1]
            self._check()
            return
        self.seg_norm.append(self.length)
        self.seg_orig.append(orig_start)
        self.seg_spans.append(None)
        self.parts.append(piece)
        self.length += len(piece)
        self.last = piece[-1]
        self._check()

    def _check(self) -> None:
        if self.limit is not None and self.length > self.limit:
            raise TextTooLong(self.length, self.limit)

    def cluster(self, chunk: str, a: int, b: int) -> None:
        mapped = _map_text(chunk, self.fold)
        out: list[str] = []
        spans: list[tuple[int, int]] = []
        span = (a, b)  # one tuple shared by the cluster's characters (an 18-character ligature)
        for c in mapped:
            prev = out[-1] if out else self.last
            if c == LONG_VOWEL and is_katakana(prev):
                self._extend_previous(spans, b)  # the mark belongs to the word before it
                continue
            if c == NAKAGURO:
                if is_katakana(prev):
                    continue  # ファイン・チューニング = ファインチューニング
                c = " "
            out.append(c)
            spans.append(span)
        if not out:
            return
        self.seg_norm.append(self.length)
        self.seg_orig.append(a)
        self.seg_spans.append(spans)
        self.parts.append("".join(out))
        self.length += len(out)
        self.last = out[-1]
        self._check()

    def _extend_previous(self, spans: list[tuple[int, int]], b: int) -> None:
        if spans:
            spans[-1] = (spans[-1][0], b)
            return
        if not self.seg_spans:
            return
        k = len(self.seg_spans) - 1
        if self.seg_spans[k] is None:
            # Split the last character off the linear segment so its span can grow.
            last_norm = self.length - 1
            last_orig = self.seg_orig[k] + (last_norm - self.seg_norm[k])
            if self.seg_norm[k] == last_norm:
                self.seg_spans[k] = [(last_orig, b)]
            else:
                self.seg_norm.append(last_norm)
                self.seg_orig.append(last_orig)
                self.seg_spans.append([(last_orig, b)])
        else:
            spans_k = self.seg_spans[k]
            assert spans_k is not None  # the segment was given a span list above
            spans_k[-1] = (spans_k[-1][0], b)

    def build(self, original_length: int) -> Normalized:
        if not self.seg_norm:
            return Normalized("", original_length, [0], [0], [None])
        return Normalized("".join(self.parts), original_length, self.seg_norm, self.seg_orig, self.seg_spans)


def normalize_label(label: str, *, fold: bool = True) -> str:
    """Normalised form of a lexicon label: like text, with runs of separators collapsed."""
    return _SPACE_RUN.sub(" ", normalize(label, fold=fold).text).strip(" ")


_SPACE_RUN = re.compile(" {2,}")


def warm_up() -> None:
    """Build the translate tables now rather than on the first request."""
    _classes(True)
    _classes(False)


if sys.maxunicode < 0x10FFFF:  # pragma: no cover - every supported CPython is wide
    raise ImportError("tadoru needs a wide-unicode Python build")
