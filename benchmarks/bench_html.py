"""HTML: ``annotate_html`` against a BeautifulSoup+lxml parse alone and a raw ``lxml.html`` parse,
at 10 KB, 100 KB, 1 MB and 10 MB, plus the cost per MB at 10 MB relative to 100 KB (linearity)."""

from __future__ import annotations

import lxml.html
from bs4 import BeautifulSoup
from common import best_of, print_table
from corpus import article_html

from tadoru import Annotator

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)


def main() -> list[dict]:
    annotator = Annotator()
    annotator.warm_up()
    rows, results, per_mb = [], [], {}
    for size in SIZES:
        page = article_html("en", size)
        repeat = 5 if size <= 100_000 else 2 if size <= 1_000_000 else 1
        ours = best_of(lambda page=page: annotator.annotate_html(page, density="all"), repeat)
        bs = best_of(lambda page=page: BeautifulSoup(page, "lxml"), repeat)
        raw = best_of(lambda page=page: lxml.html.document_fromstring(page), repeat)
        mb = len(page.encode()) / 1e6
        per_mb[size] = ours / mb
        rows.append([f"{size // 1000} KB", f"{ours * 1000:.1f}", f"{bs * 1000:.1f}", f"{raw * 1000:.1f}",
                     f"{ours / bs:.2f}", f"{ours / raw:.1f}"])
        results.append({"size": size, "vs_bs4": ours / bs, "vs_lxml": ours / raw})
    print_table("HTML pages (English article structure): time in ms; ratio = tadoru / baseline (lower is better)",
                ["page", "annotate_html", "BS4+lxml parse", "lxml parse", "vs BS4", "vs lxml"], rows)
    linearity = per_mb[10_000_000] / per_mb[100_000]
    print(f"\ncost per MB at 10 MB / at 100 KB: {linearity:.2f}  (target ≤ 1.3)")
    results.append({"linearity": linearity})
    return results


if __name__ == "__main__":
    main()
