"""Definitions in the text itself: "Long Form (ABBR)", "ABBR (Long Form)", 検索拡張生成（RAG）.

A page that introduces a new abbreviation usually spells it out once, and that spelling is the
best definition a reader can get: the author's own.  The pairs are found with the algorithm of
Schwartz and Hearst (2003, "A simple algorithm for identifying abbreviation definitions in
biomedical text"): a short form in parentheses, and a long form before it whose characters
contain the short form's characters in order, the first one at the start of a word; when the
parentheses hold more than two words, the order is reversed ("ABBR (Long Form)").  Japanese
pages write the long form in kanji and katakana, which share no letters with the short form:
there the long form is the noun run that stands right before (or inside) the parentheses, as
Sudachi segments it.

The algorithm runs as a spaCy pipeline component (``tadoru_abbreviations``) on the blank
pipelines of ``tadoru.discover.pipelines``; ``tadoru.discover`` only ever feeds it the sentence
around one parenthesis, never a whole page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spacy.language import Language

from tadoru.discover.shapes import is_noise, short_form_shape, words

COMPONENT_NAME = "tadoru_abbreviations"
USER_DATA_KEY = "tadoru_abbreviations"

_OPEN = frozenset("(（")
_CLOSE = frozenset(")）")
#: Where the short form ends inside the parentheses: "(DPO; Rafailov et al., 2023)", "(DPO, …)".
_CUT = re.compile(r"\s*[;,；，、]|\s+[-–—]\s")
#: Parentheses that hold a reference, an aside or a gloss, never a definition.
_ASIDE = re.compile(
    r"(?:see|cf|e\.?\s?g|i\.?\s?e|eg|ie|fig|figs|figure|table|tab|eq|eqs|equation|section|sec|chapter|ch|"
    r"appendix|note|in|from|for|with|via|and|or|the|a|an|by|at|on|to|of|as|about|approx|ca|circa|ibid|"
    r"et\s+al|vs|etc|aka|ja|en|jp|参照|図|表|式|例|注|節|章|付録)\b\.?",
    re.IGNORECASE)
_YEARISH = re.compile(r"[\d\s.,:/\-–]+[a-z]?")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'+]*")
_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff々〆ヶ]")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff々]")
_JA_NOUN_CHARS = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff々ー・･\s]+")
_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")
_LATIN_LONG = re.compile(r"[A-Za-z][A-Za-z0-9'’\- ]*[A-Za-z0-9]")
#: Small words that a long form may hold but that do not count as its content words.
_MINOR = frozenset(words("a an the of for and or to in on with by from via at as is are be into over under"))
#: Single-kanji prefixes that point at a thing (本手法, 同モデル) rather than name it.
_JA_DEICTIC = frozenset("本同各当該全両前新旧次諸某他".strip())
MAX_JA_LONG_FORM = 24


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """One definition found in a doc: character offsets into ``doc.text`` of both forms."""

    short_start: int
    short_end: int
    long_start: int
    long_end: int
    short: str
    long: str


# --------------------------------------------------------------------------- Schwartz–Hearst


def best_long_form(short: str, long: str) -> int | None:
    """Where the long form of ``short`` starts in ``long`` (Schwartz & Hearst, Fig. 2), or None.

    Walk both strings from the end: every letter or digit of the short form must be found, in
    order, further left in the long form; its first character must also start a word.  The long
    form then runs from the start of that word to the end of ``long``.
    """
    s = len(short) - 1
    i = len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (long[i].lower() != c or (s == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    start = long.rfind(" ", 0, i + 2) + 1
    return start


def _content_words(long: str) -> list[str]:
    return [w for w in re.split(r"[\s\-–/]+", long) if w and w.lower() not in _MINOR]


def latin_long_form_ok(short: str, long: str) -> bool:
    """The precision checks Schwartz and Hearst leave out, tuned for "precise before many".

    Two content words at least (a hyphen separates words: Chain-of-Thought); not more than
    ``min(|A| + 5, 2|A|)`` words; no word of it the short form itself; and at least half of the
    content words begin with a letter of the short form ("Direct Preference Optimization" →
    DPO), which turns away the long forms that match only letter by letter inside words.
    """
    spaced = long.split()
    if not spaced or len(spaced) > min(len(short) + 5, 2 * len(short)):
        return False
    if len(long) <= len(short) or short.lower() in (w.lower().strip(",.") for w in spaced):
        return False
    content = _content_words(long)
    if len(content) < 2:
        return False
    letters = {c.lower() for c in short if c.isalpha()}
    initials = sum(1 for w in content if w[0].lower() in letters)
    return initials * 2 >= len(content)


def _short_ok(short: str) -> bool:
    return short_form_shape(short) and not is_noise(short)


_LATIN_RUN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'’+- ")


def _latin_before(text: str, end: int, short: str) -> tuple[int, str] | None:
    """The long form for ``short`` in the Latin run that ends at ``end`` (just before the parenthesis)."""
    words_max = min(len(short) + 5, 2 * len(short))
    stop = end
    while stop > 0 and text[stop - 1] == " ":
        stop -= 1
    begin = stop
    floor = max(0, stop - 40 * words_max)
    while begin > floor and text[begin - 1] in _LATIN_RUN_CHARS:
        begin -= 1
    words = list(_SPACE_WORD.finditer(text, begin, stop))[-words_max:]
    if not words:
        return None
    first = words[0].start()
    window = text[first:stop]
    offset = best_long_form(short, window)
    if offset is None:
        return None
    long = window[offset:]
    if not latin_long_form_ok(short, long):
        return None
    return first + offset, long


_SPACE_WORD = re.compile(r"[^ ]+")


def _japanese_before(doc: Any, open_index: int, short: str, latin_inside: bool = False) -> tuple[int, int] | None:
    """The noun run (kanji and katakana, as Sudachi segments it) right before token ``open_index``.

    With ``latin_inside``, Latin words may be part of the run (修正型RAG), as long as it also
    holds kanji or katakana.
    """
    k = open_index
    while k > 0:
        tok = doc[k - 1]
        latin = latin_inside and _LATIN_TOKEN.fullmatch(tok.text) is not None
        if tok.is_space or (not latin and not _JA_NOUN_CHARS.fullmatch(tok.text)) or _HIRAGANA.search(tok.text):
            break
        if tok.tag_.startswith(("助詞", "助動詞", "補助記号", "動詞")) and tok.text not in "・･":
            break
        k -= 1
    if k > 0 and doc[k - 1].tag_.startswith(("動詞", "形容詞")):
        return None  # 責任あるスケーリング方針: a clause reaches into the name; where it starts is unclear
    while k < open_index and doc[k].text in _JA_DEICTIC:
        k += 1  # 本手法、同モデル: a pointer, not a part of the name
    if k >= open_index:
        return None
    start, end = doc[k].idx, doc[open_index - 1].idx + len(doc[open_index - 1].text)
    long = doc.text[start:end]
    if latin_inside:
        latin_part = "".join(t.text for t in doc[k:open_index] if _LATIN_TOKEN.fullmatch(t.text))
        if not latin_part or not _KANA_OR_KANJI.search(long):
            return None
        rest = long.replace(latin_part, "")
        ok = len(rest) >= 2 and len(long) <= MAX_JA_LONG_FORM and _JA_NOUN_CHARS.fullmatch(rest) is not None
        return (start, end) if ok else None
    return (start, end) if japanese_long_form_ok(long, short) else None


def japanese_long_form_ok(long: str, short: str = "") -> bool:
    """A Japanese long form: 2–24 characters of kanji and katakana.

    A katakana run alone is more often a reading than a definition (ラグ, エヌビディア for
    NVIDIA, チャットジーピーティー), so it counts only when it spells out several words
    (ミクスチャー・オブ・エキスパーツ) or is far longer than a reading of the letters would be
    (スパースオートエンコーダー for SAE; a letter reads as two or three kana).
    """
    long = long.strip()
    if not 2 <= len(long) <= MAX_JA_LONG_FORM or not _JA_NOUN_CHARS.fullmatch(long):
        return False
    if _KANJI.search(long):
        return True
    if long.count("・") + long.count(" ") >= 1 and len(long) >= 6:
        return True
    return bool(short) and len(long) >= 3 * len(short) + 2


# --------------------------------------------------------------------------- the component


def find_abbreviations(doc: Any) -> list[Abbreviation]:
    """Every definition in ``doc`` whose parentheses open and close within it."""
    text = doc.text
    found: list[Abbreviation] = []
    japanese = doc.lang_ == "ja"
    opened: int | None = None
    for k, tok in enumerate(doc):
        if tok.text in _OPEN:
            opened = k
        elif tok.text in _CLOSE and opened is not None:
            pair = _pair(doc, text, opened, k, japanese)
            if pair is not None:
                found.append(pair)
            opened = None
    return found


def _pair(doc: Any, text: str, open_k: int, close_k: int, japanese: bool) -> Abbreviation | None:
    inner_start = doc[open_k].idx + 1
    inner_end = doc[close_k].idx
    raw = text[inner_start:inner_end]
    inner = raw.strip()
    if not inner or _YEARISH.fullmatch(inner) or _ASIDE.match(inner):
        return None
    lead = len(raw) - len(raw.lstrip())
    cut = _CUT.search(inner)
    first = inner[: cut.start()] if cut else inner
    open_at = doc[open_k].idx
    # Order 1: Long Form (ABBR)
    if " " not in first and _short_ok(first):
        s0 = inner_start + lead
        before = text[:open_at]
        if japanese and before and _KANA_OR_KANJI.match(before[-1]):
            span = _japanese_before(doc, open_k, first)
            if span is not None:
                return Abbreviation(s0, s0 + len(first), span[0], span[1], first, text[span[0]:span[1]])
            return None
        latin = _latin_before(text, open_at, first)
        if latin is not None:
            return Abbreviation(s0, s0 + len(first), latin[0], latin[0] + len(latin[1]), first, latin[1])
        if japanese:  # 修正型RAG（CRAG）: a Japanese run that ends in a Latin word
            span = _japanese_before(doc, open_k, first, latin_inside=True)
            if span is not None:
                return Abbreviation(s0, s0 + len(first), span[0], span[1], first, text[span[0]:span[1]])
        return None
    # Order 2: ABBR (Long Form)
    if open_k == 0:
        return None
    prev = doc[open_k - 1]
    k = open_k - 1
    while k > 0 and prev.is_space:
        k -= 1
        prev = doc[k]
    short = prev.text
    if not _short_ok(short) or (k > 0 and not doc[k - 1].whitespace_ and not doc[k - 1].is_punct
                                and not _KANA_OR_KANJI.search(doc[k - 1].text[-1:])):
        return None  # part of a longer token ("GPT-4o (…)")
    long = first.strip()
    if _KANA_OR_KANJI.search(long):
        if not japanese_long_form_ok(long, short):
            return None
    else:
        if not _LATIN_LONG.fullmatch(long):
            return None
        # The parentheses hold the whole spelling: the letters must be found in it in order, and
        # it must start with the short form's first letter ("DAPO (Decoupled Clip and …)").
        offset = best_long_form(short, long)
        if offset is None or (offset > 0 and long[0].lower() != short[0].lower()):
            return None
        if not latin_long_form_ok(short, long):
            return None
    long_start = inner_start + lead + inner.find(long)
    return Abbreviation(prev.idx, prev.idx + len(short), long_start, long_start + len(long), short, long)


@Language.component(COMPONENT_NAME)
def abbreviation_component(doc: Any) -> Any:
    """spaCy component: put the doc's definitions (``Abbreviation``) in ``doc.user_data``."""
    doc.user_data[USER_DATA_KEY] = find_abbreviations(doc)
    return doc


def abbreviations(doc: Any) -> list[Abbreviation]:
    """The definitions the component found in ``doc`` (empty if it did not run)."""
    return list(doc.user_data.get(USER_DATA_KEY, ()))
