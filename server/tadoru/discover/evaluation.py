"""Measured, not hoped: discovery's precision and recall on a labelled set of paragraphs.

The set (``tests/evaluation/candidates.yaml``) lists, for each paragraph, the candidates a careful
reader would want suggested.  Scoring is on unique ``(surface, kind)`` per paragraph: a term used
five times is one suggestion.  A definition counts only with its long form right, a compound only
with its head right.  On paragraphs from other fields (``topic: other``) the number that matters
is how many candidates show up per 1,000 characters: each one is noise on a page about cooking.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tadoru.discover.core import KINDS, Candidate


@dataclass(frozen=True, slots=True)
class Expected:
    surface: str
    kind: str
    long_form: str | None = None
    head: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    id: str
    lang: str
    topic: str
    text: str
    expected: tuple[Expected, ...]


@dataclass
class Tally:
    """Counts for one slice (a kind in a language, or everything)."""

    true_positives: int = 0
    false_positives: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    @property
    def predicted(self) -> int:
        return self.true_positives + len(self.false_positives)

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        gold = self.true_positives + len(self.false_negatives)
        return self.true_positives / gold if gold else 1.0


@dataclass
class Report:
    """Tallies by ``(kind, lang)`` and ``(kind, "all")``, and the noise rate on other fields."""

    tallies: dict[tuple[str, str], Tally]
    other_candidates: int
    other_chars: int

    @property
    def other_per_1000_chars(self) -> float:
        return 1000 * self.other_candidates / self.other_chars if self.other_chars else 0.0

    def table(self) -> str:
        rows = ["kind        lang  precision  recall  (tp/pred/gold)"]
        for (kind, lang), t in sorted(self.tallies.items()):
            gold = t.true_positives + len(t.false_negatives)
            counts = f"({t.true_positives}/{t.predicted}/{gold})"
            rows.append(f"{kind:<11} {lang:<4}  {t.precision:9.2f}  {t.recall:6.2f}  {counts}")
        rows.append(f"non-AI paragraphs: {self.other_candidates} candidates in {self.other_chars} characters "
                    f"= {self.other_per_1000_chars:.2f} per 1,000")
        return "\n".join(rows)


def load_paragraphs(path: str | os.PathLike[str]) -> list[Paragraph]:
    """The labelled set at ``path`` (YAML, see ``tests/evaluation/candidates.yaml``)."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    out: list[Paragraph] = []
    for p in data["paragraphs"]:
        expected = tuple(Expected(str(e["surface"]), e["kind"], e.get("long_form"), e.get("head"))
                         for e in (p.get("expected") or ()))
        for e in expected:
            if e.kind not in KINDS:
                raise ValueError(f"{p['id']}: unknown kind {e.kind!r}")
        out.append(Paragraph(p["id"], p["lang"], p.get("topic", "ai"), p["text"], expected))
    return out


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").casefold().strip() == (b or "").casefold().strip()


def score(paragraphs: Iterable[Paragraph], find: Callable[[Paragraph], Sequence[Candidate]]) -> Report:
    """Score ``find`` (a paragraph → its candidates) on ``paragraphs``."""
    tallies: dict[tuple[str, str], Tally] = {}
    other_candidates = other_chars = 0
    for p in paragraphs:
        found = list(find(p))
        if p.topic != "ai":
            other_candidates += len(found)
            other_chars += len(p.text)
        predicted: dict[tuple[str, str], Candidate] = {}
        for c in found:
            predicted.setdefault((c.surface, c.kind), c)
        gold = {(e.surface, e.kind): e for e in p.expected}
        for key, c in predicted.items():
            e = gold.get(key)
            ok = e is not None and (e.long_form is None or _same(e.long_form, c.long_form)) and (
                e.head is None or e.head == c.head)
            for lang in (p.lang, "all"):
                t = tallies.setdefault((c.kind, lang), Tally())
                if ok:
                    t.true_positives += 1
                else:
                    t.false_positives.append(f"{p.id}: {c.surface!r}" + (f" = {c.long_form!r}" if c.long_form else "")
                                             + (f" head={c.head}" if c.head else ""))
        for key, e in gold.items():
            hit = predicted.get(key)
            if hit is None or (e.long_form is not None and not _same(e.long_form, hit.long_form)) or (
                    e.head is not None and e.head != hit.head):
                for lang in (p.lang, "all"):
                    tallies.setdefault((e.kind, lang), Tally()).false_negatives.append(f"{p.id}: {e.surface!r}")
    for kind in KINDS:
        for lang in ("en", "ja", "all"):
            tallies.setdefault((kind, lang), Tally())
    return Report(tallies, other_candidates, other_chars)


def evaluate(path: str | os.PathLike[str], annotator: Any) -> Report:
    """Annotate and discover every paragraph of the set at ``path`` with ``annotator``; the report."""
    from tadoru.discover.core import discover

    def find(p: Paragraph) -> list[Candidate]:
        annotated = annotator.annotate_text(p.text, lang=p.lang, density="all")
        return discover(p.text, annotated, annotator, p.lang)

    return score(load_paragraphs(path), find)


def details(report: Report) -> str:
    """Every false positive and false negative, for tuning by reading."""
    lines: list[str] = []
    for (kind, lang), t in sorted(report.tallies.items()):
        if lang == "all":
            continue
        for fp in t.false_positives:
            lines.append(f"FP {kind:<10} {fp}")
        for fn in t.false_negatives:
            lines.append(f"FN {kind:<10} {fn}")
    return "\n".join(lines)
