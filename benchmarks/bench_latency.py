"""Latency of one 50 KB article through HTTP: what a reader waits for when the page opens.

Starts the real service (``tadoru serve --workers 1``), then one client posts a 50 KB article
page (English, then Japanese) again and again, one request at a time, on a kept-alive
connection.  The baseline, measured in the same run, is ``Annotator.annotate_html`` on the same
page in this process: the ratio is what HTTP, JSON and the term cards add on top of the work
itself.  (Throughput under concurrent clients is ``bench_service.py``.)  The same page is then
posted with ``"discover": true`` (issue 16): what finding candidate terms adds to the call.

    python benchmarks/bench_latency.py [--requests 60]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_service import ARTICLE_BYTES, start, stop
from common import percentile, print_table
from corpus import article_html

from tadoru import Annotator

TARGET_P50_MS = 30.0
#: ``discover: true`` may add at most this share to an annotate call (issue 16).
TARGET_DISCOVER_EXTRA = 0.30


def post_timings(port: int, body: bytes, requests: int) -> list[float]:
    """Seconds for each of ``requests`` sequential POSTs of ``body`` (after two to warm up)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    timings: list[float] = []
    for i in range(requests + 2):
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/annotate", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - t0
        if response.status != 200:
            raise SystemExit(f"the service answered {response.status}: {payload[:200]!r}")
        if i >= 2:
            timings.append(elapsed)
    conn.close()
    return timings


def in_process_timings(annotator: Annotator, page: str, requests: int) -> list[float]:
    timings = []
    for _ in range(requests):
        t0 = time.perf_counter()
        annotator.annotate_html(page)
        timings.append(time.perf_counter() - t0)
    return timings


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=60, help="requests per language")
    args = parser.parse_args(argv)

    annotator = Annotator()
    annotator.warm_up()
    proc, port, _startup = start(1)
    rows, results = [], []
    try:
        for lang in ("en", "ja"):
            page = article_html(lang, ARTICLE_BYTES)
            body = json.dumps({"html": page}, ensure_ascii=False).encode()
            with_discover = json.dumps({"html": page, "discover": True}, ensure_ascii=False).encode()
            http_times = post_timings(port, body, args.requests)
            discover_times = post_timings(port, with_discover, args.requests)
            local_times = in_process_timings(annotator, page, args.requests)
            p50, p99 = percentile(http_times, 50) * 1000, percentile(http_times, 99) * 1000
            local = percentile(local_times, 50) * 1000
            extra = percentile(discover_times, 50) * 1000 / p50 - 1
            rows.append([lang, f"{len(body) / 1000:.0f} KB", f"{p50:.1f}", f"{p99:.1f}", f"{local:.1f}",
                         f"{p50 / local:.2f}", "yes" if p50 <= TARGET_P50_MS else "no",
                         f"{percentile(discover_times, 50) * 1000:.1f}", f"{extra:+.0%}"])
            results.append({"lang": lang, "p50_ms": p50, "p99_ms": p99, "in_process_ms": local, "ratio": p50 / local,
                            "discover_extra": extra})
    finally:
        stop(proc)
    print_table(f"One 50 KB article through HTTP, one client, {args.requests} requests each "
                "(ratio = HTTP p50 / annotate_html in-process p50)",
                ["lang", "request body", "HTTP p50 ms", "HTTP p99 ms", "in-process p50 ms", "ratio",
                 f"p50 ≤ {TARGET_P50_MS:.0f} ms", "p50 with discover ms",
                 f"discover adds (≤ {TARGET_DISCOVER_EXTRA:.0%})"], rows)
    return results


if __name__ == "__main__":
    main()
