"""``tadoru annotate`` on a folder of 200 article-sized saved pages: pages per second.

The pages come from ``corpus.article_html`` (lexicon prose at blog-post density, nested inline
markup, links, headings, tables, code blocks, a head with styles and scripts), half English and
half Japanese, about 30 kB each.  The real command runs in a subprocess, as a reader runs it:

* ``--jobs 1`` and ``--jobs 2``, each from an empty output folder (median of ``--runs``);
* a one-page batch, to separate the fixed cost (start-up, lexicon, annotator, study plan) from
  the per-page rate;
* a rerun over the finished folder (every page up to date: the cost of resuming).

The outputs of ``--jobs 1`` and ``--jobs 2`` are compared byte for byte.

Usage: ``python benchmarks/bench_batch.py [--pages 200] [--runs 3] [--size 30000] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import median, print_table
from corpus import article_html


def write_pages(folder: Path, count: int, size: int) -> int:
    folder.mkdir(parents=True)
    total = 0
    for n in range(count):
        lang = "ja" if n % 2 else "en"
        page = article_html(lang, size, seed=1000 + n)
        sub = folder / ("blog" if n % 3 else "papers")
        sub.mkdir(exist_ok=True)
        (sub / f"{lang}-{n:03d}.html").write_text(page, encoding="utf-8")
        total += len(page.encode("utf-8"))
    return total


def run(inputs: Path, out: Path, jobs: int, *, fresh: bool = True) -> float:
    if fresh and out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "tadoru", "annotate", str(inputs), "--out", str(out), "--jobs", str(jobs), "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"tadoru annotate failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".tadoru" not in p.relative_to(out).parts}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=30_000, help="bytes per page")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="tadoru-bench-batch-") as tmp:
        base = Path(tmp)
        inputs, single = base / "pages", base / "one"
        total_bytes = write_pages(inputs, args.pages, args.size)
        write_pages(single, 1, args.size)
        fixed = median([run(single, base / "out-one", 1) for _ in range(args.runs)])
        times = {jobs: [] for jobs in (1, 2)}
        for _ in range(args.runs):  # interleaved, so a busy moment hurts both alike
            for jobs in (1, 2):
                times[jobs].append(run(inputs, base / f"out-{jobs}", jobs))
        identical = tree(base / "out-1") == tree(base / "out-2")
        resume = median([run(inputs, base / "out-2", 2, fresh=False) for _ in range(args.runs)])

    rows = []
    for jobs, values in times.items():
        wall = median(values)
        rows.append({"jobs": jobs, "pages": args.pages, "seconds": round(wall, 2), "best": round(min(values), 2),
                     "pages_per_s": round(args.pages / wall, 1),
                     "pages_per_s_after_startup": round((args.pages - 1) / max(1e-9, wall - fixed), 1)})
    rows.append({"fixed_cost_s": round(fixed, 2), "resume_all_up_to_date_s": round(resume, 2),
                 "identical_outputs": identical, "mean_page_kB": round(total_bytes / args.pages / 1024, 1),
                 "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
                 "speedup_jobs2": round(median(times[1]) / median(times[2]), 2)})
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print_table(f"tadoru annotate: {args.pages} pages of ≈{rows[-1]['mean_page_kB']} kB (median of {args.runs})",
                    ["jobs", "wall s", "best s", "pages/s", "pages/s after start-up"],
                    [[r["jobs"], r["seconds"], r["best"], r["pages_per_s"], r["pages_per_s_after_startup"]]
                     for r in rows[:2]])
        extra = rows[-1]
        print_table("context", ["measure", "value"], [
            ["fixed cost (1-page batch, --jobs 1)", f"{extra['fixed_cost_s']} s"],
            ["rerun, all pages up to date (--jobs 2)", f"{extra['resume_all_up_to_date_s']} s"],
            ["--jobs 2 speed-up over --jobs 1", f"{extra['speedup_jobs2']}×"],
            ["outputs of --jobs 1 and --jobs 2 identical", str(extra["identical_outputs"])],
            ["cores", str(extra["cores"])],
        ])
    if not identical:
        raise SystemExit("--jobs 1 and --jobs 2 wrote different outputs")
    return rows


if __name__ == "__main__":
    main()
