"""Acronyms and mixed-case technical names the lexicon does not have (DPO, FastMCP, ChromaDB).

A page's capitals are cheap to find and mostly noise: countries, offices, file formats, units,
quarters, tickers, headings in capitals.  ``tadoru.discover.shapes.technical_token`` keeps the
tokens whose shape is an acronym's and whose lower-case form is rare in general English
(``wordfreq``); this module finds them in a text and drops the ones whose neighbours show they
are something else: part of a longer name (``DeepSeek-R1``), of code or a path
(``os.PATH``, ``/FastMCP``), a ticker (``$NVDA``, ``NASDAQ: NVDA``) or a shouted heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tadoru.discover.shapes import technical_token, zipf

#: Two capitals in one token (DPO, LoRA, LiteLLM, ChromaDB, LangGraph, vLLM; the match is widened
#: to the whole token).  Run over the whole page, so it is the cheapest pattern that finds them:
#: no look-behind, no alternation (measured: 0.34 ms per 50 KB; with ``|[a-z][A-Z]`` for
#: ``iPhone``-like names, which are brands more often than terms, four times that).
_CAPITALS = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z]")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_CODE_BEFORE = frozenset("_./\\@#$&=<`'\"~")
_CODE_AFTER = frozenset("_/\\@(=<`~")
_TICKER = re.compile(r"(?:NASDAQ|NYSE|TSE|TYO|LSE|HKEX|AMEX|OTC|ticker|symbol)\s*:\s*$", re.IGNORECASE)
#: "MoE-based", "DPO-style": a suffix that makes an adjective of the acronym; any other word
#: after a hyphen ("SWE-agent", "Qwen-VL") makes a longer name, which is the term.
_SUFFIX_WORD = re.compile(r"-(?:based|style|like|aware|free|specific|only|level|wise|driven|powered|compatible|"
                          r"native|ready|friendly|tuned|trained|enabled|centric|heavy|first|related|generated|"
                          r"capable|scale|sized|sized|type|esque)\b")
_SHOUT_WORD = re.compile(r"[A-Z]{2,}")


def acronym_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Spans of technical-looking tokens in ``text[start:end]`` (shape, frequency and neighbours)."""
    n = len(text) if end is None else end
    size = len(text)
    seen_until = -1
    for s, e in [m.span() for m in _CAPITALS.finditer(text, start, n)]:
        if s < seen_until:
            continue
        while s > 0 and text[s - 1] in _ALNUM:
            s -= 1
        while e < size and text[e] in _ALNUM:
            e += 1
        seen_until = e
        if e - s > 12 or not technical_token(text[s:e]) or not _free_standing(text, s, e):
            continue
        yield s, e


def _free_standing(text: str, s: int, e: int) -> bool:
    """Is ``text[s:e]`` a word of prose rather than part of a name, code, a path or a ticker?"""
    before = text[s - 1] if s else ""
    after = text[e] if e < len(text) else ""
    if before in _CODE_BEFORE or after in _CODE_AFTER:
        return False
    if before == "-" and s >= 2 and text[s - 2] in _ALNUM:
        return False  # Self-RAG, TensorRT-LLM: the longer name is the term
    if after == "-" and not _SUFFIX_WORD.match(text, e):
        return False  # DeepSeek-R1, Qwen-VL (but MoE-based, DPO-style are prose)
    if after == "." and e + 1 < len(text) and text[e + 1] in _ALNUM:
        return False  # module.path, file.EXT, version numbers
    if after == ":" and e + 1 < len(text) and text[e + 1] == ":":
        return False  # Namespace::Member
    if before == " " and s >= 2 and text[s - 2] == ":" and _TICKER.search(text, max(0, s - 12), s):
        return False
    # a heading in capitals: only then are the neighbours capitals too
    if (s >= 2 and text[s - 2].isupper()) or (e + 1 < len(text) and text[e + 1].isupper()):
        return not _shouted(text, s, e)
    return True


def _shouted(text: str, s: int, e: int) -> bool:
    """Is the token in a heading written in capitals (a common capitalised word beside it)?"""
    left = text.rfind(" ", max(0, s - 20), max(0, s - 1))
    prev = text[left + 1 : s - 1] if s >= 2 and text[s - 1] == " " else ""
    right = text.find(" ", e + 1, e + 20)
    nxt = text[e + 1 : right if right >= 0 else min(len(text), e + 20)] if text.startswith(" ", e) else ""
    for word in (prev, nxt):
        if _SHOUT_WORD.fullmatch(word) and zipf(word.lower()) >= 4.0:
            return True
    return False
