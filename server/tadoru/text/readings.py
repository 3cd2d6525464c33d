"""Readings of Japanese labels in hiragana (過学習 → かがくしゅう), from Sudachi's dictionary.

A reader who meets 過学習 in an article but cannot read it types what they hear, かがくしゅう,
into the glossary; an English reader of a Japanese page wants to know how the term sounds.
Sudachi's dictionary has the reading of every word it knows, so readings are looked up, not
written by hand, and follow the labels when they change.  A label with a part Sudachi cannot
read in kana (Latin letters, digits: "LoRAモデル") has no reading.
"""

from __future__ import annotations

import re

from tadoru.text.japanese import SUDACHI_LOCK, sudachi

_KATAKANA = re.compile("[\u30a1-\u30f6]")
_KANA_ONLY = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u309d\u309e\u30fd\u30fe]+$")
_UNREADABLE = re.compile("[0-9０-９×＋+＝=/／%％&＆#＃@＠*＊~〜]")
_KANJI = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々〆ヶ]")


def to_hiragana(text: str) -> str:
    """Katakana turned into hiragana; everything else as it was (ー and ・ stay)."""
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def is_kana(text: str) -> bool:
    """Only kana (and ー・): what a reader types when they know the sound, not the word."""
    return bool(_KANA_ONLY.match(text))


def has_kanji(text: str) -> bool:
    return _KANJI.search(text) is not None


def sudachi_reading(label: str) -> str | None:
    """The reading Sudachi's dictionary gives (what ``scripts/readings`` writes to the file)."""
    if not label or len(label) > 200:
        return None
    if _UNREADABLE.search(label):
        return None  # digits and symbols: Sudachi reads × as キゴウ ("symbol") and 1 as イチ in 1ショット
    tokenizer, mode = sudachi()  # the word-edge tokenizer: one dictionary mapping per process
    with SUDACHI_LOCK:
        morphemes = tokenizer.tokenize(label, mode)
        if any(m.part_of_speech()[0] in ("補助記号", "空白") and m.surface() != "・" for m in morphemes):
            return None  # a space or symbol would be read キゴウ ("symbol")
        parts = [m.reading_form() for m in morphemes]
    sound = "".join(parts)
    if not sound or not is_kana(sound):
        return None
    return to_hiragana(sound)

