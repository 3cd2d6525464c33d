"""What a batch did, as an object (``BatchSummary``) and as the table printed at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tadoru.batch.inputs import INDEX_NAME, REPORT_NAME
from tadoru.pages.reader import REASONS
from tadoru.text.printable import printable

#: Failures listed in the printed summary (a corpus can have thousands; report.json lists all).
MAX_FAILURES_SHOWN = 50


@dataclass(slots=True)
class BatchSummary:
    """What happened; ``ok`` is False when any page failed (exit status 1)."""

    out_dir: Path
    pages: int = 0
    done: int = 0
    up_to_date: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (input, reason, message)
    terms_to_learn: int = 0
    seconds: float = 0.0
    unknown_known: list[str] = field(default_factory=list)
    unit: str = "page"  # "document" for a corpus run

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def index(self) -> Path:
        return self.out_dir / INDEX_NAME

    @property
    def report(self) -> Path:
        return self.out_dir / REPORT_NAME


def format_summary(summary: BatchSummary, out: Path) -> str:
    """The table printed at the end: counts, then every failed page (or document) with its reason."""
    shown_out = printable(str(out))  # the folder name is printed too
    unit = summary.unit
    rate = summary.done / summary.seconds if summary.seconds > 0 else 0.0
    lines = [f"tadoru annotate: {summary.pages} {unit}(s) → {shown_out}  ({summary.seconds:.1f} s"
             + (f", {rate:.1f} {unit}s/s" if summary.done else "") + ")"]
    rows = [("annotated", summary.done), ("up to date", summary.up_to_date), ("failed", len(summary.failures))]
    lines += [f"  {label:<11} {count:>6}" for label, count in rows]
    if summary.failures:
        shown = summary.failures[:MAX_FAILURES_SHOWN]
        width = min(60, max(len(f[0]) for f in shown))
        reason_width = max(len(f[1]) for f in shown)
        lines.append(f"failed {unit}s:")
        for rel, reason, message in shown:
            lines.append(f"  {printable(rel):<{width}}  {reason:<{reason_width}}  {printable(message)}")
        if len(summary.failures) > len(shown):
            lines.append(f"  … and {len(summary.failures) - len(shown)} more, every one in {shown_out}/{REPORT_NAME}")
        lines.append("reasons: " + "; ".join(f"{k} = {REASONS[k]}" for k in sorted({f[1] for f in summary.failures})))
    lines.append(f"study plan: {shown_out}/{INDEX_NAME} ({summary.terms_to_learn} terms to learn, "
                 f"prerequisites first); data: {shown_out}/{REPORT_NAME}")
    return "\n".join(lines) + "\n"
