"""``tadoru lexicon propose``: precision of the top 20 and top 50 on a labelled corpus.

The corpus (tests/evaluation/propose_corpus/) is twenty short articles, English and Japanese,
about AI topics of 2024–2026, plus two pages that are not about AI; ``labels.yaml`` lists the
proposals a maintainer would accept, written from the articles before the first run.  A
proposal not listed counts as rejected, so the figures are a floor.  Precision is what matters
for a review queue: every wrong proposal costs a person's time.  Recall of the labelled terms is
printed beside it, and every rejected proposal is listed so the labels can be argued with.

    python benchmarks/bench_propose.py [--top 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from common import REPO, print_table

CORPUS = REPO / "tests" / "evaluation" / "propose_corpus"


def _key(term: str) -> str:
    """Case and an English plural do not matter ("Matryoshka embeddings" is the label's term)."""
    words = term.lower().split()
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith(("ss", "us", "is")):
        words[-1] = words[-1][:-1]
    return " ".join(words)


def read_sources(folder: Path) -> list:
    from tadoru.discover.propose import Source
    from tadoru.pages.reader import read_page

    sources = []
    for path in sorted(folder.iterdir()):
        if path.suffix in (".txt", ".md", ".html"):
            page = read_page(path)
            sources.append(Source(path.name, page.text, html=page.kind == "html"))
    return sources


def main() -> int:
    import yaml

    from tadoru import Annotator
    from tadoru.discover.propose import propose

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--top", type=int, default=50)
    args = parser.parse_args()

    accept = {_key(t) for t in yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))["accept"]}
    sources = read_sources(CORPUS)
    annotator = Annotator()
    t0 = time.perf_counter()
    proposals = propose(sources, annotator, top=args.top)
    seconds = time.perf_counter() - t0

    hits = [_key(p.term) in accept for p in proposals]
    rows = []
    for k in (10, 20, 50):
        if k <= args.top:
            top = hits[:k]
            rows.append([f"@{k}", f"{sum(top)}/{len(top)}", f"{sum(top) / max(1, len(top)):.2f}",
                         f"{len({_key(p.term) for p in proposals[:k]} & accept) / len(accept):.2f}"])
    print_table(f"propose: {len(sources)} documents, {len(accept)} labelled terms, {seconds:.1f} s",
                ["top", "accepted", "precision", "recall of labels"], rows)
    print_table("proposals", ["#", "term", "rank", "docs", "sources", "deeper", "level", "accepted"],
                [[n, p.term, f"{p.rank:.2f}", p.df, ",".join(p.sources), p.deeper, p.level, "yes" if ok else "NO"]
                 for n, (p, ok) in enumerate(zip(proposals, hits), 1)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
