"""Density (issue 15 #1): how many marks a new reader (empty known list, level 1) gets per 1,000
characters under each ``density``, on real-looking pages: a Japanese tech blog with byline, tags
and URLs, an English docs page with sidebar and breadcrumbs, and long generated articles.  Also
what calm costs: the time of ``annotate_html`` under calm relative to ``all`` on the 50 KB page
(the same run, so the ratio is comparable across machines).

    python benchmarks/bench_density.py
"""

from __future__ import annotations

from pathlib import Path

from common import best_of, print_table
from corpus import article_html

from tadoru import Annotator

PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"
DENSITIES = ("calm", "first", "all")


def pages() -> list[tuple[str, str]]:
    return [
        ("ja tech blog (ja_tech_blog.html)", (PAGES / "ja_tech_blog.html").read_text(encoding="utf-8")),
        ("en docs page (en_docs_peft.html)", (PAGES / "en_docs_peft.html").read_text(encoding="utf-8")),
        ("en article (en_agents_2025.html)", (PAGES / "en_agents_2025.html").read_text(encoding="utf-8")),
        ("long en page (50 KB, generated)", article_html("en", 50_000)),
        ("long ja page (50 KB, generated)", article_html("ja", 50_000)),
    ]


def main() -> list[dict]:
    annotator = Annotator()
    annotator.warm_up()
    rows, results = [], []
    for name, html in pages():
        counts = {d: annotator.annotate_html(html, density=d) for d in DENSITIES}
        chars = len(counts["all"].text)
        per_k = {d: 1000 * len(counts[d]) / chars for d in DENSITIES}
        rows.append([name, f"{chars:,}", *(f"{len(counts[d])} ({per_k[d]:.1f})" for d in DENSITIES)])
        results.append({"page": name, "chars": chars, **{d: len(counts[d]) for d in DENSITIES}})
    print_table("Marks for a new reader (level 1, nothing known): count (per 1,000 characters)",
                ["page", "characters", *DENSITIES], rows)
    long_page = article_html("en", 50_000)
    calm = best_of(lambda: annotator.annotate_html(long_page, density="calm"), 20)
    every = best_of(lambda: annotator.annotate_html(long_page, density="all"), 20)
    print_table("What calm costs (50 KB page, best of 20)", ["all ms", "calm ms", "ratio"],
                [[f"{every * 1000:.1f}", f"{calm * 1000:.1f}", f"{calm / every:.2f}"]])
    results.append({"calm_vs_all": calm / every})
    return results


if __name__ == "__main__":
    main()
