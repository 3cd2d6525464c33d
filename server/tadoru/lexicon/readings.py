"""The readings of the shipped lexicon's Japanese labels, and of any other label through Sudachi.

``lexicon/readings.tsv`` is written at build time by ``scripts/readings`` from Sudachi's
dictionary (``tadoru.text.readings.sudachi_reading``); a test keeps it in step with the labels.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from tadoru.paths import lexicon_dir
from tadoru.text.readings import sudachi_reading, to_hiragana

READINGS_FILE = "readings.tsv"


@lru_cache(maxsize=1)
def shipped_readings() -> dict[str, str]:
    """``lexicon/readings.tsv``: every shipped Japanese label with its reading ("" for none).

    Written at build time by ``scripts/readings`` (a test keeps it in step with the lexicon and
    Sudachi).  Looking a reading up in Sudachi touches its dictionary's word records, about 60 MB
    of pages that then count in every service worker's memory; a file of 4,400 lines does not.
    """
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


def readings_table(lexicon: Any) -> str:
    """The content of ``readings.tsv`` for ``lexicon``: its Japanese labels, sorted, read by Sudachi."""
    labels = sorted({label for concept in lexicon for label in concept.labels["ja"]})
    lines = [f"{label}\t{sudachi_reading(label) or ''}" for label in labels]
    return ("# Japanese label <TAB> reading in hiragana (empty: none). Written by scripts/readings; do not edit.\n"
            + "\n".join(lines) + "\n")


# --------------------------------------------------------------------------- Latin labels by sound

#: Hiragana in Hepburn romaji; small kana and っ/ー are handled in ``kana_to_romaji``.
_ROMAJI = dict(zip(
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゔ",
    ["a", "i", "u", "e", "o", "ka", "ki", "ku", "ke", "ko", "sa", "shi", "su", "se", "so", "ta", "chi", "tsu", "te",
     "to", "na", "ni", "nu", "ne", "no", "ha", "hi", "fu", "he", "ho", "ma", "mi", "mu", "me", "mo", "ya", "yu", "yo",
     "ra", "ri", "ru", "re", "ro", "wa", "o", "n", "ga", "gi", "gu", "ge", "go", "za", "ji", "zu", "ze", "zo", "da",
     "ji", "zu", "de", "do", "ba", "bi", "bu", "be", "bo", "pa", "pi", "pu", "pe", "po", "vu"], strict=True))
_SMALL_VOWELS = dict(zip("ぁぃぅぇぉ", "aiueo", strict=True))
_SMALL_Y = dict(zip("ゃゅょ", ("ya", "yu", "yo"), strict=True))
#: Spellings a Japanese ear does not tell apart, folded alike on both sides (l/r, v/b, c/q/k).
_FOLD = str.maketrans({"l": "r", "v": "b", "c": "k", "q": "k"})
_LATIN_LABEL = re.compile(r"^[a-z][a-z0-9 .\-]*$")
#: Shorter sound keys match too much to be worth offering.
MIN_SOUND = 3


def kana_to_romaji(kana: str) -> str:
    """Hiragana (or katakana) in Hepburn romaji: ろら → rora, ふぁいん → fain; ー and っ add nothing."""
    out: list[str] = []
    for char in to_hiragana(kana):
        if char in _ROMAJI:
            out.append(_ROMAJI[char])
        elif char in _SMALL_Y and out and out[-1].endswith("i"):
            stem = out[-1][:-1]
            out[-1] = stem + (_SMALL_Y[char][1:] if stem.endswith(("sh", "ch", "j")) else _SMALL_Y[char])
        elif char in _SMALL_VOWELS and out:
            last = out[-1]
            out[-1] = ("w" if last == "u" else last.rstrip("aiueo")) + _SMALL_VOWELS[char]
        elif char in _SMALL_VOWELS:
            out.append(_SMALL_VOWELS[char])
        # っ, ー, ・ and anything else add nothing: doubled letters are folded away anyway
    return "".join(out)


def sound_key(latin: str) -> str:
    """Letters folded by sound, runs of one letter made one: LoRA, ろら (rora) and Llama, らま (rama) meet."""
    letters = re.sub("[^a-z]", "", latin.lower()).translate(_FOLD)
    return re.sub(r"(.)\1+", r"\1", letters)


def latin_sound(label: str) -> str | None:
    """The sound key of a Latin-script label (already normalised), or ``None`` for other labels."""
    if not _LATIN_LABEL.match(label):
        return None
    key = sound_key(label)
    return key if len(key) >= MIN_SOUND else None
