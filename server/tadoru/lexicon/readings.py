"""The readings of the shipped lexicon's Japanese labels, and of any other label through Sudachi.

``lexicon/readings.tsv`` is written at build time by ``scripts/readings`` from Sudachi's
dictionary (``tadoru.text.readings.sudachi_reading``); a test keeps it in step with the labels.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tadoru.paths import lexicon_dir
from tadoru.text.readings import sudachi_reading

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
