"""Corpus scale: documents per second on a process pool and on Dask, in one run.

The corpus is made by ``harness.corpus.documents`` (abstract-sized documents, 400–700 characters,
from the evaluation set's real-looking paragraphs; half English, half Japanese, every fifth one
HTML).  The real command runs in a subprocess, each time into an empty folder:

* ``--jobs 1``, ``--jobs 2``, ``--dask local:1`` and ``--dask local:2`` — the Dask ratio is
  against the process pool with as many workers (target: ≥ 0.8×), and workers 1 → 2 give the
  scaling table;
* a worker's start, from a new process to an engine ready to annotate, with an empty
  compiled-lexicon cache and with a filled one (median of 3), and that process's peak memory
  after annotating one chunk (with the cache, and when it builds the cache).

The Dask and pool outputs are compared byte for byte.

Usage: ``python benchmarks/bench_corpus.py [--documents 100000] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from common import print_table

from harness.corpus import documents, write_jsonl

_WORKER_START = r"""
import json, sys, time
started = time.perf_counter()
from tadoru.batch.worker import WorkerConfig, init_worker
from tadoru.batch.corpus_inputs import read_chunks
from tadoru.batch.corpus_worker import process_chunk
from pathlib import Path
init_worker(WorkerConfig(out_dir=""))
ready = time.perf_counter() - started
chunk = next(iter(read_chunks(Path(sys.argv[1]), "c.jsonl", 1000)))
process_chunk(chunk)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"ready_s": ready, "peak_mb": peak_kb / 1024}))
"""


def _annotate(corpus: Path, out: Path, *args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(corpus), "--out", str(out), "--quiet",
                           *args], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"tadoru annotate {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".tadoru" not in p.relative_to(out).parts}


def _worker_start(corpus: Path, cache: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", _WORKER_START, str(corpus)], capture_output=True, text=True,
                          check=True, env={**os.environ, "TADORU_CACHE_DIR": str(cache)})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = write_jsonl(work / "abstracts.jsonl", documents(args.documents, seed=2026))
        size_mb = corpus.stat().st_size / 1e6
        runs = {}
        for name, flags in (("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"]),
                            ("--dask local:1", ["--dask", "local:1"]), ("--dask local:2", ["--dask", "local:2"])):
            out = work / name.replace(" ", "").replace(":", "").replace("-", "")
            seconds = _annotate(corpus, out, *flags)
            runs[name] = out
            rows.append({"run": name, "seconds": round(seconds, 1), "docs_per_s": round(args.documents / seconds)})
            print(f"{name}: {seconds:.1f} s, {args.documents / seconds:.0f} documents/s", flush=True)
        identical = _outputs(runs["--jobs 2"]) == _outputs(runs["--dask local:2"]) == _outputs(runs["--jobs 1"])
        speed = {r["run"]: r["docs_per_s"] for r in rows}
        ratio = speed["--dask local:2"] / speed["--jobs 2"]
        rows.append({"run": "Dask / pool, 2 workers", "ratio": round(ratio, 2), "identical_outputs": identical})
        rows.append({"run": "scaling 1 → 2 workers", "pool": round(speed["--jobs 2"] / speed["--jobs 1"], 2),
                     "dask": round(speed["--dask local:2"] / speed["--dask local:1"], 2)})
        cold, warm = [], []
        for n in range(3):
            empty = work / f"cache-empty-{n}"
            cold.append(_worker_start(corpus, empty))
            warm.append(_worker_start(corpus, empty))  # the first call filled it
        start = {"run": "worker start (new process → engine ready)",
                 "no_cache_s": round(statistics.median(c["ready_s"] for c in cold), 2),
                 "cache_s": round(statistics.median(w["ready_s"] for w in warm), 2),
                 "peak_mb": round(max(w["peak_mb"] for w in warm)),
                 "peak_cold_mb": round(max(c["peak_mb"] for c in cold))}
        rows.append(start)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print_table(f"Corpus of {args.documents:,} documents ({size_mb:.0f} MB JSON Lines), 2 cores",
                    ["run", "seconds", "documents/s"],
                    [[r["run"], str(r["seconds"]), str(r["docs_per_s"])] for r in rows if "seconds" in r])
        print(f"Dask / process pool with 2 workers: {ratio:.2f}× (target ≥ 0.8×); outputs identical: {identical}")
        print(f"scaling 1 → 2 workers: pool {speed['--jobs 2'] / speed['--jobs 1']:.2f}×, "
              f"Dask {speed['--dask local:2'] / speed['--dask local:1']:.2f}×")
        print(f"worker start: {start['no_cache_s']} s without the compiled-lexicon cache, {start['cache_s']} s with it; "
              f"peak memory of a worker after a 1,000-document chunk: {start['peak_mb']} MB "
              f"({start['peak_cold_mb']} MB when it builds and caches the compiled lexicon)")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
