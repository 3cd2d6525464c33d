"""One command for every benchmark: ``python benchmarks/run_all.py [--quick]``.

Each script prints its own table (ratios against baselines measured in the same run, absolute
times for context); this runner ends with the targets of the performance issue and where the
figures of this run stand against them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_html
import bench_startup
import bench_text
from common import print_table

#: Benchmarks that drive the service, the batch and the browser run as their own processes.
EXTERNAL = ("bench_service.py", "bench_batch.py", "bench_extension.py")


def main() -> int:
    text = bench_text.main()
    html = bench_html.main()
    startup = bench_startup.main()
    for script in EXTERNAL:
        path = HERE / script
        if path.exists():
            print(f"\n# {script}", flush=True)
            subprocess.run([sys.executable, str(path)], check=False)
    speed = {(r["lang"], r["baseline"]): r["speedup"] for r in text if "baseline" in r}
    vs_bs4 = max(r["vs_bs4"] for r in html if "vs_bs4" in r)
    linearity = next(r["linearity"] for r in html if "linearity" in r)
    rows = [
        ["annotate_text vs PhraseMatcher, English", "≥ 5×", f"{speed[('en', 'spaCy PhraseMatcher')]:.2f}×"],
        ["annotate_text vs PhraseMatcher, Japanese", "≥ 10×", f"{speed[('ja', 'spaCy PhraseMatcher')]:.2f}×"],
        ["annotate_html vs BS4+lxml parse, worst size", "≤ 1.5×", f"{vs_bs4:.2f}×"],
        ["cost per MB at 10 MB vs 100 KB", "≤ 1.3×", f"{linearity:.2f}×"],
        ["tadoru serve → first answer", "≤ 3 s", f"{startup[0]['first_request_s']:.2f} s"],
        ["one Annotator, RSS", "≤ 400 MB", f"{startup[0]['rss_mb']:.0f} MB"],
    ]
    print_table("Targets (this run)", ["target", "goal", "measured"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
