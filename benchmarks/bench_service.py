"""Throughput of ``tadoru serve``: a 50 KB article posted again and again by concurrent clients.

Starts the real service (gunicorn, preloaded app) with 1 and then 2 workers, warms it up, and
lets a few client *processes* (not threads: the clients must not share one GIL with each other)
post 50 KB article pages to ``/api/v1/annotate`` for a fixed time.  Prints requests/s for each
worker count and their ratio, p50/p99 latency, and the workers' memory: RSS, and PSS, which
splits the pages the preloaded workers share with the master (the compiled lexicon) fairly.

The clients run on the same machine as the server, so on 2 cores they take some CPU from the
workers; the ratio is therefore a lower bound of what a second core gives.

    python benchmarks/bench_service.py [--seconds 8] [--clients 4] [--lang both|ja|en] [--body html|text]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import percentile, print_table
from corpus import article_html, prose

from harness.service import free_port
from harness.service import stop_server as stop

ARTICLE_BYTES = 50_000


def article_bodies(langs: list[str], body: str) -> list[bytes]:
    """JSON request bodies of about 50 KB of article each (UTF-8 bytes of the article itself)."""
    out = []
    for lang in langs:
        if body == "html":
            payload = {"html": article_html(lang, ARTICLE_BYTES)}
        else:
            text = prose(lang, ARTICLE_BYTES)
            while len(text.encode()) > ARTICLE_BYTES:  # prose() counts characters; cut to 50 KB
                text = text[: int(len(text) * 0.95)]
            payload = {"text": text}
        out.append(json.dumps(payload, ensure_ascii=False).encode())
    return out


def start(workers: int) -> tuple[subprocess.Popen, int, float]:
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tadoru", "serve", "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"tadoru serve exited: {proc.stderr.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as r:
                if r.status == 200:
                    return proc, port, time.perf_counter() - t0
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("tadoru serve did not start")


def children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB, from /proc."""
    rss = pss = 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs: how loaded the machine is, whoever loads it."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def client(port: int, bodies: list[bytes], until: float, start_at: float, out: mp.Queue) -> None:
    """Post the bodies in turn until ``until``; report (latencies, errors, bytes received)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    errors = 0
    received = 0
    i = os.getpid()
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < until:
        body = bodies[i % len(bodies)]
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/annotate", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
                errors += 1
            received += len(data)
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        latencies.append(time.perf_counter() - t0)
        if r.getheader("Connection", "").lower() == "close":  # gunicorn's sync workers close after each answer
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out.put((latencies, errors, received))


def run(workers: int, clients: int, seconds: float, bodies: list[bytes]) -> dict:
    proc, port, startup = start(workers)
    try:
        # warm-up: every worker has seen every body once
        for _ in range(2 * workers):
            for body in bodies:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/annotate", data=body,
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=60) as r:
                    example = json.loads(r.read())
        queue: mp.Queue = mp.Queue()
        start_at = time.time() + 0.5
        until = start_at + seconds
        procs = [mp.Process(target=client, args=(port, bodies, until, start_at, queue)) for _ in range(clients)]
        for p in procs:
            p.start()
        while time.time() < start_at:
            time.sleep(0.001)
        worker_pids = children(proc.pid)
        cpu0 = sum(cpu_seconds(pid) for pid in worker_pids)
        busy0, total0 = machine_busy()
        results = [queue.get(timeout=seconds + 120) for _ in procs]
        cpu1 = sum(cpu_seconds(pid) for pid in worker_pids)
        busy1, total1 = machine_busy()
        for p in procs:
            p.join()
        worker_mem = [memory_mb(pid) for pid in children(proc.pid)]
        master_mem = memory_mb(proc.pid)
    finally:
        stop(proc)
    latencies = [x for lat, _e, _b in results for x in lat]
    errors = sum(e for _l, e, _b in results)
    return {
        "workers": workers,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / seconds,
        "p50_ms": percentile(latencies, 50) * 1000 if latencies else float("nan"),
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else float("nan"),
        "worker_rss_mb": [round(r) for r, _p in worker_mem],
        "worker_pss_mb": [round(p) for _r, p in worker_mem],
        "master_rss_mb": round(master_mem[0]),
        "startup_s": startup,
        "workers_cpu_pct": 100 * (cpu1 - cpu0) / seconds,
        "machine_busy_pct": 100 * (busy1 - busy0) / max(1, total1 - total0) * (os.cpu_count() or 1),
        "annotations": len(example["annotations"]),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring time per worker count")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    parser.add_argument("--lang", choices=["both", "ja", "en"], default="both")
    parser.add_argument("--body", choices=["html", "text"], default="html", help="post article pages or plain text")
    args = parser.parse_args(argv)

    langs = ["ja", "en"] if args.lang == "both" else [args.lang]
    bodies = article_bodies(langs, args.body)
    sizes = ", ".join(f"{lang} {len(b) / 1000:.0f} KB" for lang, b in zip(langs, bodies))
    print(f"tadoru serve throughput: {args.clients} client processes, {args.seconds:g} s per run, "
          f"{args.body} articles ({sizes} request bodies), {os.cpu_count()} cores", flush=True)
    rows = [run(w, args.clients, args.seconds, bodies) for w in (1, 2)]
    table = [[r["workers"], r["requests"], r["errors"], f"{r['rps']:.1f}", f"{r['p50_ms']:.0f}", f"{r['p99_ms']:.0f}",
              "/".join(map(str, r["worker_rss_mb"])), "/".join(map(str, r["worker_pss_mb"])), r["master_rss_mb"],
              f"{r['workers_cpu_pct']:.0f}", f"{r['machine_busy_pct']:.0f}", f"{r['startup_s']:.1f}",
              r["annotations"]] for r in rows]
    print_table("tadoru serve, POST /api/v1/annotate with a 50 KB article",
                ["workers", "requests", "errors", "req/s", "p50 ms", "p99 ms", "worker RSS MB", "worker PSS MB",
                 "master RSS MB", "workers CPU %", "machine busy %", "start s", "annotations/req"], table)
    print("(CPU % of one core: 'workers' is the service's workers, 'machine' everything, clients and other "
          "programs included; when other programs take a core, the 2-worker figure drops accordingly.)")
    ratio = rows[1]["rps"] / rows[0]["rps"] if rows[0]["rps"] else float("nan")
    print(f"\n2 workers / 1 worker throughput: {ratio:.2f}×")
    rows.append({"ratio": ratio})
    return rows


if __name__ == "__main__":
    main()
