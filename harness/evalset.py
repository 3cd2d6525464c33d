"""The evaluation set: paragraphs with gold jargon spans, and precision/recall against them.

Shared by the quality test (tests/unit/test_evaluation.py) and the benchmarks, which report
the recall of each baseline next to its speed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PARAGRAPHS = Path(__file__).resolve().parent.parent / "tests" / "evaluation" / "paragraphs.yaml"
_MARK = re.compile(r"\[\[([^|\]]+)\|([a-z0-9-]+)\]\]")

Span = tuple[int, int, str]


@dataclass
class Paragraph:
    id: str
    lang: str
    text: str
    gold: list[Span]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[tuple[str, str, str]] = field(default_factory=list)
    false_negatives: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, paragraph: Paragraph, predicted: Iterable[Span]) -> None:
        gold, pred = set(paragraph.gold), set(predicted)
        self.tp += len(gold & pred)
        for s, e, t in sorted(pred - gold):
            self.fp += 1
            self.false_positives.append((paragraph.id, paragraph.text[s:e], t))
        for s, e, t in sorted(gold - pred):
            self.fn += 1
            self.false_negatives.append((paragraph.id, paragraph.text[s:e], t))


def parse(marked: str) -> tuple[str, list[Span]]:
    """``[[surface|id]]`` markup → plain text and gold spans."""
    out: list[str] = []
    gold: list[Span] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        before = marked[pos : m.start()]
        out.append(before)
        length += len(before)
        surface, term = m.group(1), m.group(2)
        gold.append((length, length + len(surface), term))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(marked[pos:])
    return "".join(out), gold


def load_paragraphs(path: Path = PARAGRAPHS) -> list[Paragraph]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    paragraphs = []
    for item in doc["paragraphs"]:
        text, gold = parse(item["text"])
        paragraphs.append(Paragraph(item["id"], item["lang"], text, gold))
    return paragraphs


def evaluate(find: Callable[[str], Iterable[Span]], paragraphs: list[Paragraph] | None = None) -> dict[str, Score]:
    """Scores overall and per language for a span finder ``text → [(start, end, term)]``."""
    scores = {"all": Score(), "ja": Score(), "en": Score()}
    for p in paragraphs or load_paragraphs():
        predicted = list(find(p.text))
        scores["all"].add(p, predicted)
        scores[p.lang].add(p, predicted)
    return scores
