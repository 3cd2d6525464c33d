"""A bounded run of ``benchmarks/load_test.py``: 16 concurrent readers against ``tadoru serve
--workers 2`` (issue 8, point 5).  The full 60 s run is ``python benchmarks/load_test.py``.

16 concurrent clients are normal load, not overload: not one request may fail or be refused,
every answer must be right, and worker memory must stay flat from the first to the last
seconds of the run.
"""

from __future__ import annotations

import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from bench_service import article_bodies
from common import Service, start_service, stop_service
from load_test import RSS_TOLERANCE, expected_answers, run_load

#: Long enough for two RSS windows apart (first and last WINDOW seconds, sampled every 0.5 s)
#: with all 16 clients busy throughout; the 60 s run with its own windows is the benchmark's.
SECONDS = 6.0
WARMUP = 2.0
WINDOW = 2.0
CONCURRENCY = 16


@pytest.mark.slow
def test_concurrency_16_for_6_seconds_without_one_error(tmp_path):
    bodies = article_bodies(["en", "ja"], "html")
    service: Service = start_service(2, log_path=tmp_path / "serve.log")
    try:
        answers = expected_answers(service.port, bodies, rounds=4)
        run_load(service, bodies, answers, concurrency=CONCURRENCY, seconds=WARMUP)  # threads and heaps settle
        result = run_load(service, bodies, answers, concurrency=CONCURRENCY, seconds=SECONDS)
    finally:
        stop_service(service)
    growth = result.rss_growth(WINDOW)
    print(f"\nload: {result.requests} requests in {result.seconds:.1f} s, {result.rps:.1f} req/s, "
          f"p50 {result.p(50) * 1000:.0f} ms, p99 {result.p(99) * 1000:.0f} ms, errors {len(result.errors)}, "
          f"worker RSS change {', '.join(f'{g:+.1%}' for g in growth.values())}")
    assert not result.errors, f"{len(result.errors)} of {result.requests} failed, e.g. {result.errors[:3]}"
    assert result.requests >= 3 * CONCURRENCY, "the run made progress"
    assert not result.workers_replaced, "no worker died under normal load"
    assert len(growth) == 2 and all(abs(g) <= RSS_TOLERANCE for g in growth.values()), growth
    assert "Traceback" not in (tmp_path / "serve.log").read_text(errors="replace")
