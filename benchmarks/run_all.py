"""One command for every benchmark: ``python benchmarks/run_all.py [--quick] [--skip NAME…]``.

Each benchmark prints its own table (ratios against baselines measured in the same run,
absolute times for context); this runner ends with one table of the performance issue's
targets and where this run stands against each.  ``--quick`` shortens the service, load, batch and
browser runs (fewer requests, pages and repeats) for a smoke check; the figures of record come
from a full run on a quiet machine.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_batch
import bench_corpus
import bench_extension
import bench_html
import bench_latency
import bench_pdf
import bench_service
import bench_startup
import bench_text
import load_test
from common import print_table

NAMES = ("text", "html", "pdf", "startup", "latency", "service", "load", "batch", "corpus", "extension")


def _run(name: str, fn: Callable[[], Any], results: dict[str, Any]) -> None:
    print(f"\n# {name}", flush=True)
    try:
        results[name] = fn()
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - one failing benchmark must not hide the others
        print(f"{name}: failed: {exc}", flush=True)
        results[name] = None


def _fmt(value: float | None, pattern: str) -> str:
    return "n/a" if value is None else pattern.format(value)


def target_rows(r: dict[str, Any]) -> list[list[str]]:
    """The issue's targets against this run's figures (n/a where a benchmark was skipped)."""
    rows: list[list[str]] = []
    if r.get("text"):
        speed = {(x["lang"], x["baseline"]): x for x in r["text"] if "baseline" in x}
        for lang, name, goal in (("en", "English", "≥ 5×"), ("ja", "Japanese", "≥ 10×")):
            x = speed.get((lang, "spaCy PhraseMatcher"))
            rows.append([f"annotate_text vs warm spaCy PhraseMatcher, {name} (cold vs cold)", goal,
                         "n/a" if x is None else f"{x['speedup']:.2f}× ({x['speedup_cold']:.2f}×)"])
            x = speed.get((lang, "tadoru, pure-Python path"))
            rows.append([f"compiled core vs the pure-Python path, {name}", "(figure)",
                         "n/a" if x is None else f"{x['speedup']:.2f}×"])
    if r.get("html"):
        worst = max(x["vs_bs4"] for x in r["html"] if "vs_bs4" in x)
        linearity = next(x["linearity"] for x in r["html"] if "linearity" in x)
        rows.append(["annotate_html vs BS4+lxml parse alone, worst of 4 sizes", "≤ 1.5×", f"{worst:.2f}×"])
        rows.append(["cost per MB at 10 MB vs at 100 KB", "≤ 1.3×", f"{linearity:.2f}×"])
    if r.get("pdf"):
        x = r["pdf"][0]
        rows.append([f"{x['pages']}-page paper: annotate_pdf vs pypdfium2 text extraction alone", "≤ 1.5×",
                     f"{x['ratio']:.2f}× ({x['ours_ms']:.0f} vs {x['pdfium_ms']:.0f} ms)"])
        rows.append(["PDF reader: file chosen → page 1 with its first highlight", "(figure)",
                     f"{x['reader_first_highlight_ms']:.0f} ms"])
    if r.get("latency"):
        for x in r["latency"]:
            rows.append([f"50 KB article through HTTP, median, {x['lang']}", "≤ 30 ms", f"{x['p50_ms']:.1f} ms"])
    if r.get("service"):
        ratio = next((x["ratio"] for x in r["service"] if "ratio" in x), None)
        rows.append(["2 workers vs 1, requests/s", "≥ 1.7×", _fmt(ratio, "{:.2f}×")])
    if r.get("load"):
        load = r["load"]["load"]
        rows.append(["steady load, concurrency 16, 2 workers: errors / p99", "0 errors",
                     f"{len(load.errors)} / {load.p(99) * 1000:.0f} ms"])
        if len(load.rss_at) >= 2:
            marks = sorted(load.rss_at)
            a, b = load.rss_at[marks[0]], load.rss_at[marks[-1]]
            worst = max(b.get(pid, 0) / a[pid] - 1 for pid in a)
            rows.append([f"worker RSS growth, request {marks[0]:,} → {marks[-1]:,} (worst worker)", "≤ 10%",
                         f"{worst:+.1%}"])
    if r.get("startup"):
        rows.append(["tadoru serve → first answer", "≤ 3 s", f"{r['startup'][0]['first_request_s']:.2f} s"])
        rows.append(["one Annotator, RSS", "≤ 400 MB", f"{r['startup'][0]['rss_mb']:.0f} MB"])
    if r.get("batch"):
        jobs = {x["jobs"]: x for x in r["batch"] if "jobs" in x}
        rows.append(["batch of 200 pages, --jobs 1 / --jobs 2", "(figure)",
                     f"{jobs[1]['pages_per_s']} / {jobs[2]['pages_per_s']} pages/s"])
    if r.get("corpus"):
        corpus = {x["run"]: x for x in r["corpus"]}
        ratio = corpus["Dask / pool, 2 workers"]["ratio"]
        speeds = f"{corpus['--dask local:2']['docs_per_s']} vs {corpus['--jobs 2']['docs_per_s']} documents/s"
        rows.append(["corpus, --dask local:2 vs --jobs 2, documents/s", "≥ 0.8×", f"{ratio:.2f}× ({speeds})"])
        start = corpus["worker start (new process → engine ready)"]
        peaks = f"peak {start['peak_mb']} MB ({start['peak_cold_mb']} MB building the cache)"
        rows.append(["corpus worker start, without / with the compiled-lexicon cache", "(figure)",
                     f"{start['no_cache_s']} / {start['cache_s']} s, {peaks}"])
    if r.get("extension"):
        for x in r["extension"]:
            rows.append([f"extension, navigation → last highlight, 10k words, {x['lang']}", "(figure)",
                         f"{x['last_highlight_ms']:.0f} ms (service {x['service_ms'] / x['last_highlight_ms']:.0%})"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter service, batch and browser runs")
    parser.add_argument("--skip", nargs="*", default=[], choices=NAMES, help="benchmarks to leave out")
    args = parser.parse_args(argv)
    quick = args.quick
    plan: dict[str, Callable[[], Any]] = {
        "text": bench_text.main,
        "html": bench_html.main,
        "pdf": bench_pdf.main,
        "startup": bench_startup.main,
        "latency": lambda: bench_latency.main(["--requests", "20" if quick else "60"]),
        "service": lambda: bench_service.main(["--seconds", "4" if quick else "8"]),
        "load": lambda: load_test.main(["--seconds", "10", "--rss-requests", "0", "--burst", "50"] if quick else []),
        "batch": lambda: bench_batch.main(["--pages", "40" if quick else "200", "--runs", "1" if quick else "3"]),
        "corpus": lambda: bench_corpus.main(["--documents", "10000" if quick else "100000"]),
        "extension": lambda: bench_extension.main(["--runs", "2" if quick else "5"]),
    }
    results: dict[str, Any] = {}
    for name, fn in plan.items():
        if name not in args.skip:
            _run(name, fn, results)
    print_table("Targets (this run)", ["target", "goal", "measured"], target_rows(results))
    return 1 if any(v is None for v in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
