"""Small helpers shared by the benchmark scripts: timing, a printed table, and ``tadoru serve``
started on a free loopback port."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # for harness/

from harness.service import LiveServer, start_server, stop_server


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by a noisy machine)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cold_and_warm(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float]:
    """The first call's time (cold: caches, lazily built tables, the allocator not yet warm) and
    the median of the next ``repeat`` calls (warm), in seconds.

    A baseline timed once on a fresh object is timed cold (issue 20: spaCy's PhraseMatcher ran
    at about half its speed on its first call), so every method is measured both ways and
    compared warm to warm.
    """
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return cold, statistics.median(times)


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def print_table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n## {title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    sys.stdout.flush()


# The one launcher of tests and benchmarks (harness/service.py).
Service = LiveServer


def start_service(workers: int, env: dict[str, str] | None = None, log_path: Path | None = None,
                  timeout: float = 90.0) -> LiveServer:
    """``tadoru serve`` with every worker forked (the benchmarks measure them)."""
    return start_server(workers=workers, env=env, log_path=log_path, timeout=timeout, wait_for_workers=True)


def stop_service(service: LiveServer) -> None:
    stop_server(service.process)
