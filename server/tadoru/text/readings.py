"""Readings of Japanese labels in hiragana (過学習 → かがくしゅう), from Sudachi's dictionary.

A reader who meets 過学習 in an article but cannot read it types what they hear, かがくしゅう,
into the glossary; an English reader of a Japanese page wants to know how the term sounds.
Sudachi's dictionary has the reading of every word it knows, so readings are looked up, not
written by hand, and follow the labels when they change.  A label with a part Sudachi cannot
read in kana (Latin letters, digits: "LoRAモデル") has no reading.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

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


READINGS_FILE = "readings.tsv"


@lru_cache(maxsize=1)
def shipped_readings() -> dict[str, str]:
    """``lexicon/readings.tsv``: every shipped Japanese label with its reading ("" for none).

    Written at build time by ``scripts/readings`` (a test keeps it in step with the lexicon and
    Sudachi).  Looking a reading up in Sudachi touches its dictionary's word records, about 60 MB
    of pages that then count in every service worker's memory; a file of 4,400 lines does not.
    """
    from tadoru.paths import lexicon_dir

    table: dict[str, str] = {}
    try:
        text = (lexicon_dir() / READINGS_FILE).read_text(encoding="utf-8")
    except OSError:
        return table
    for line in text.splitlines():
        label, _, sound = line.partition("\t")
        if label and not line.startswith("#"):
            table[label] = sound
    return table


@lru_cache(maxsize=65536)
def reading(label: str) -> str | None:
    """The label's reading in hiragana, or ``None`` when part of it has no kana reading.

    Shipped labels are read from ``lexicon/readings.tsv``; others (a team's own lexicon) from Sudachi.
    """
    shipped = shipped_readings().get(label)
    if shipped is not None:
        return shipped or None
    return sudachi_reading(label)


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


def readings_table(lexicon: Any) -> str:
    """The content of ``readings.tsv`` for ``lexicon``: its Japanese labels, sorted, read by Sudachi."""
    labels = sorted({label for concept in lexicon for label in concept.labels["ja"]})
    lines = [f"{label}\t{sudachi_reading(label) or ''}" for label in labels]
    return ("# Japanese label <TAB> reading in hiragana (empty: none). Written by scripts/readings; do not edit.\n"
            + "\n".join(lines) + "\n")
