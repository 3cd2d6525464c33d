"""Readings of Japanese labels in hiragana (過学習 → かがくしゅう), from Sudachi's dictionary.

A reader who meets 過学習 in an article but cannot read it types what they hear, かがくしゅう,
into the glossary; an English reader of a Japanese page wants to know how the term sounds.
Sudachi's dictionary has the reading of every word it knows, so readings are looked up, not
written by hand, and follow the labels when they change.  A label with a part Sudachi cannot
read in kana (Latin letters, digits: "LoRAモデル") has no reading.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

_KATAKANA = re.compile("[\u30a1-\u30f6]")
_KANA_ONLY = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u309d\u309e\u30fd\u30fe]+$")
_KANJI = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々〆ヶ]")
_lock = threading.Lock()
_tokenizer: Any = None


def to_hiragana(text: str) -> str:
    """Katakana turned into hiragana; everything else as it was (ー and ・ stay)."""
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def is_kana(text: str) -> bool:
    """Only kana (and ー・): what a reader types when they know the sound, not the word."""
    return bool(_KANA_ONLY.match(text))


def has_kanji(text: str) -> bool:
    return _KANJI.search(text) is not None


@lru_cache(maxsize=65536)
def reading(label: str) -> str | None:
    """The label's reading in hiragana, or ``None`` when part of it has no kana reading."""
    if not label or len(label) > 200:
        return None
    global _tokenizer
    with _lock:  # SudachiPy tokenizers must not be entered from two threads at once
        if _tokenizer is None:
            from sudachipy import Dictionary, SplitMode

            _tokenizer = (Dictionary(dict="core").create(), SplitMode.C)
        tokenizer, mode = _tokenizer
        parts = [m.reading_form() for m in tokenizer.tokenize(label, mode)]
    sound = "".join(parts)
    if not sound or not is_kana(sound):
        return None
    return to_hiragana(sound)
