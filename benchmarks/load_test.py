"""Load and overload of ``tadoru serve``: steady concurrency, worker memory, and a burst past capacity.

One command, loopback only; the service runs as its own process (``tadoru serve --workers 2``)
and this script is the client: a thread per simulated reader, each posting a realistic 50 KB
article page (``corpus.article_html``) to ``/api/v1/annotate`` again and again, on a new
connection each time (the service does not keep connections alive).

1. **Steady load**: concurrency 16 for 60 s.  Every answer must be a 200 whose body is
   byte-for-byte the answer the same page got before the run (a wrong answer counts as an
   error like a failed one).  Prints requests/s, p50/p99/max latency, errors, and each worker's
   RSS (psutil) averaged over the first and the last ten seconds, which must stay within 10%
   (after a few seconds of the same load as warm-up: each worker's first requests under
   concurrency grow its heap once, as its threads start).
   The run goes on past 60 s if needed until 5,000 requests are done, to report each worker's
   RSS after request 1,000 and after request 5,000 (issue 7: growth at most 10%).
2. **Burst past capacity**: 200 clients post the same article at the same instant.  The
   service admits what its workers can queue (``TADORU_MAX_PENDING`` per worker) and answers
   the rest 503 ``overloaded`` with ``Retry-After`` at once; prints the share of 503s, their
   latency, and checks that every 200 is still the right answer.

    python benchmarks/load_test.py [--seconds 60] [--concurrency 16] [--workers 2] [--burst 200]

The client shares the machine's cores with the service (on 2 cores it takes a good part of
one), so requests/s here is lower than the service alone could do; compare runs made together.
The test suite runs a shorter version (tests/integration/test_load.py) with the same checks.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_service import article_bodies
from common import Service, percentile, print_table, start_service, stop_service

ARTICLE_BYTES = 50_000
RSS_MARKS = (1_000, 5_000)
RSS_TOLERANCE = 0.10
HTTP_TIMEOUT = 120.0


# --------------------------------------------------------------------------- the service


# --------------------------------------------------------------------------- requests


def post(port: int, body: bytes, timeout: float = HTTP_TIMEOUT) -> tuple[int, bytes, dict[str, str]]:
    """One ``POST /api/v1/annotate`` on a fresh connection: (status, body, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/api/v1/annotate", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def expected_answers(port: int, bodies: list[bytes], rounds: int = 2) -> list[bytes]:
    """What each body must get back (asked ``rounds`` times, so that every worker is warm)."""
    answers = []
    for body in bodies:
        status, data, _ = post(port, body)
        if status != 200:
            raise RuntimeError(f"warm-up request answered {status}: {data[:200]!r}")
        answers.append(data)
    for _ in range(rounds - 1):
        for body, answer in zip(bodies, answers):
            if post(port, body)[1] != answer:
                raise RuntimeError("the service answered the same page differently twice")
    return answers


# --------------------------------------------------------------------------- steady load


@dataclass
class LoadResult:
    seconds: float
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: (seconds since start, {worker pid: RSS bytes}) every ``sample_every`` seconds
    rss_samples: list[tuple[float, dict[int, int]]] = field(default_factory=list)
    #: request count → {worker pid: RSS bytes} taken when that many requests were done
    rss_at: dict[int, dict[int, int]] = field(default_factory=dict)
    workers_replaced: bool = False

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def p(self, pct: float) -> float:
        return percentile(self.latencies, pct) if self.latencies else float("nan")

    def window_rss(self, first: bool, window: float) -> dict[int, float]:
        """Mean RSS of each worker over the first (or last) ``window`` seconds."""
        if first:
            samples = [s for t, s in self.rss_samples if t <= window]
        else:
            samples = [s for t, s in self.rss_samples if t >= self.seconds - window]
        pids = set().union(*samples) if samples else set()
        return {pid: sum(s[pid] for s in samples if pid in s) / max(1, sum(pid in s for s in samples)) for pid in pids}

    def rss_growth(self, window: float) -> dict[int, float]:
        """Each worker's RSS change from the first to the last window, as a fraction."""
        before, after = self.window_rss(True, window), self.window_rss(False, window)
        return {pid: after[pid] / before[pid] - 1 for pid in before if pid in after and before[pid]}


def worker_rss(service: Service) -> dict[int, int]:
    out = {}
    for worker in service.workers():
        try:
            out[worker.pid] = worker.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return out


def run_load(service: Service, bodies: list[bytes], answers: list[bytes], *, concurrency: int = 16,
             seconds: float = 60.0, rss_marks: tuple[int, ...] = (), max_extra: float = 180.0,
             sample_every: float = 0.5) -> LoadResult:
    """``concurrency`` clients posting back to back for ``seconds`` (longer, up to ``max_extra``
    more, until ``rss_marks[-1]`` requests are done)."""
    result = LoadResult(seconds, concurrency)
    lock = threading.Lock()
    start = time.perf_counter()
    end_at = start + seconds
    hard_end = end_at + max_extra
    marks = sorted(rss_marks)
    stop = threading.Event()
    initial_pids = set(worker_rss(service))

    def done_enough() -> bool:
        now = time.perf_counter()
        if now >= hard_end:
            return True
        return now >= end_at and (not marks or result.requests >= marks[-1])

    def client(n: int) -> None:
        i = n
        while not stop.is_set():
            body_index = i % len(bodies)
            i += 1
            t0 = time.perf_counter()
            try:
                status, data, _ = post(service.port, bodies[body_index])
                problem = None if status == 200 and data == answers[body_index] else (
                    f"HTTP {status}: {data[:120]!r}" if status != 200 else "a 200 with a wrong answer")
            except (OSError, http.client.HTTPException) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - t0
            with lock:
                if problem is None:
                    result.latencies.append(elapsed)
                else:
                    result.errors.append(problem)
                count = result.requests
                take = [m for m in marks if m == count]
            for mark in take:
                result.rss_at[mark] = worker_rss(service)
            if done_enough():
                stop.set()

    def sampler() -> None:
        while not stop.is_set():
            result.rss_samples.append((time.perf_counter() - start, worker_rss(service)))
            stop.wait(sample_every)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(concurrency)]
    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - start
    watcher.join()
    result.rss_samples.append((result.seconds, worker_rss(service)))
    result.workers_replaced = set(worker_rss(service)) != initial_pids
    return result


# --------------------------------------------------------------------------- burst past capacity


@dataclass
class BurstResult:
    clients: int
    #: (status or exception name, latency s, Retry-After or None, answer correct)
    answers: list[tuple[Any, float, str | None, bool]] = field(default_factory=list)

    def of(self, status: Any) -> list[tuple[Any, float, str | None, bool]]:
        return [a for a in self.answers if a[0] == status]

    def latency(self, status: Any, pct: float) -> float:
        values = [a[1] for a in self.of(status)]
        return percentile(values, pct) if values else float("nan")


def run_burst(service: Service, body: bytes, answer: bytes, clients: int = 200) -> BurstResult:
    """``clients`` requests released at the same instant (a barrier), each on its own connection."""
    result = BurstResult(clients)
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client() -> None:
        barrier.wait()
        t0 = time.perf_counter()
        try:
            status, data, headers = post(service.port, body)
            entry = (status, time.perf_counter() - t0, headers.get("retry-after"),
                     data == answer if status == 200 else _is_overloaded(data))
        except (OSError, http.client.HTTPException) as exc:
            entry = (type(exc).__name__, time.perf_counter() - t0, None, False)
        with lock:
            result.answers.append(entry)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


def _is_overloaded(data: bytes) -> bool:
    try:
        return json.loads(data)["error"]["code"] == "overloaded"
    except (ValueError, KeyError, TypeError):
        return False


# --------------------------------------------------------------------------- report


def _mb(value: float) -> str:
    return f"{value / 1e6:.0f}"


def print_load(result: LoadResult, workers: int, window: float) -> None:
    first, last = result.window_rss(True, window), result.window_rss(False, window)
    growth = result.rss_growth(window)
    pids = sorted(first)
    print_table(f"steady load: concurrency {result.concurrency}, {workers} workers, 50 KB article pages",
                ["seconds", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms",
                 f"worker RSS MB, first {window:g} s", f"last {window:g} s", "RSS change"],
                [[f"{result.seconds:.0f}", result.requests, len(result.errors), f"{result.rps:.1f}",
                  f"{result.p(50) * 1000:.0f}", f"{result.p(99) * 1000:.0f}", f"{max(result.latencies) * 1000:.0f}",
                  "/".join(_mb(first[p]) for p in pids), "/".join(_mb(last.get(p, 0)) for p in pids),
                  "/".join(f"{growth.get(p, float('nan')) * 100:+.1f}%" for p in pids)]])
    if result.errors:
        print(f"first errors: {result.errors[:3]}")
    if result.workers_replaced:
        print("note: a worker was replaced during the run; RSS windows compare different processes")
    if len(result.rss_at) >= 2:
        marks = sorted(result.rss_at)
        a, b = result.rss_at[marks[0]], result.rss_at[marks[-1]]
        rows = [[pid, _mb(a[pid]), _mb(b.get(pid, 0)), f"{(b.get(pid, 0) / a[pid] - 1) * 100:+.1f}%"] for pid in sorted(a)]
        print_table(f"worker RSS after request {marks[0]:,} and {marks[-1]:,} (issue 7: growth ≤ 10%)",
                    ["worker pid", f"RSS MB @{marks[0]:,}", f"RSS MB @{marks[-1]:,}", "growth"], rows)


def print_burst(result: BurstResult) -> None:
    ok, busy = result.of(200), result.of(503)
    other = [a for a in result.answers if a[0] not in (200, 503)]
    rows = [[result.clients, len(ok), len(busy), len(other), f"{100 * len(busy) / result.clients:.0f}%",
             f"{result.latency(503, 50) * 1000:.0f}", f"{result.latency(503, 100) * 1000:.0f}",
             f"{result.latency(200, 50) * 1000:.0f}", f"{result.latency(200, 100) * 1000:.0f}",
             "yes" if all(a[3] for a in ok) else "NO",
             "yes" if busy and all(a[2] and a[2].isdigit() and a[3] for a in busy) else ("-" if not busy else "NO")]]
    print_table("burst past capacity: all clients post a 50 KB article page at the same instant",
                ["clients", "200", "503", "other", "503 share", "503 p50 ms", "503 max ms", "200 p50 ms",
                 "200 max ms", "every 200 right", "503s overloaded + Retry-After"], rows)
    if other:
        print(f"other answers: {sorted({str(a[0]) for a in other})}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="steady-load duration (default 60)")
    parser.add_argument("--concurrency", type=int, default=16, help="steady-load clients (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="tadoru serve --workers (default 2)")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of the same load before measuring (threads and caches settle)")
    parser.add_argument("--burst", type=int, default=200, help="clients in the burst (0: skip it)")
    parser.add_argument("--rss-requests", type=int, default=RSS_MARKS[-1],
                        help="run on until this many requests for the RSS figure (0: skip)")
    args = parser.parse_args(argv)
    window = min(10.0, args.seconds / 4)

    print(f"tadoru serve under load: {args.workers} workers, {os.cpu_count()} cores, loopback, "
          f"client threads in this process (pid {os.getpid()})", flush=True)
    bodies = article_bodies(["en", "ja"], "html")
    service = start_service(args.workers)
    try:
        answers = expected_answers(service.port, bodies, rounds=2 * args.workers)
        marks = tuple(m for m in (RSS_MARKS[0], args.rss_requests) if m) if args.rss_requests else ()
        if args.warmup:
            run_load(service, bodies, answers, concurrency=args.concurrency, seconds=args.warmup)
        load = run_load(service, bodies, answers, concurrency=args.concurrency, seconds=args.seconds, rss_marks=marks)
        print_load(load, args.workers, window)
        burst = run_burst(service, bodies[0], answers[0], args.burst) if args.burst else None
        if burst:
            print_burst(burst)
            status, data, _ = post(service.port, bodies[0])
            print(f"after the burst: a request answers {status}" + (" (right answer)" if data == answers[0] else ""))
    finally:
        stop_service(service)
    growth = load.rss_growth(window)
    flat = all(abs(g) <= RSS_TOLERANCE for g in growth.values())
    print(f"\nsteady load: {'PASS' if not load.errors and flat else 'FAIL'} "
          f"(errors {len(load.errors)}, worker RSS {'flat' if flat else 'NOT flat'} within {RSS_TOLERANCE:.0%})")
    return {"load": load, "burst": burst}


if __name__ == "__main__":
    main()
