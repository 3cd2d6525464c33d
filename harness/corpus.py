"""Corpora for the corpus tests and benchmark, made from the evaluation set's real-looking paragraphs.

Each document is abstract-sized (two or three paragraphs of one language, 600–1,200 characters),
chosen by a seeded generator, so the same arguments always give the same corpus.  Writers for
JSON Lines and Parquet put it on disk in the shapes ``tadoru annotate`` reads.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from harness.evalset import load_paragraphs


def documents(count: int, *, seed: int = 7, prefix: str = "doc") -> list[dict[str, Any]]:
    """``count`` records ``{"id", "text", "lang"}``; every fifth is HTML (``{"id", "html"}``) instead."""
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    for paragraph in load_paragraphs():
        by_lang.setdefault(paragraph.lang, []).append(paragraph.text)
    langs = sorted(by_lang)
    out: list[dict[str, Any]] = []
    for n in range(count):
        lang = langs[n % len(langs)]
        parts = rng.sample(by_lang[lang], k=min(len(by_lang[lang]), 2 + n % 2))
        if n % 5 == 4:
            out.append({"id": f"{prefix}-{n:06d}", "html": "".join(f"<p>{p}</p>" for p in parts),
                        "url": f"https://example.org/{prefix}/{n}"})
        else:
            out.append({"id": f"{prefix}-{n:06d}", "text": "\n\n".join(parts), "lang": lang})
    return out


def write_jsonl(path: Path, records: list[dict[str, Any]], *, extra_lines: tuple[str, ...] = ()) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        for line in extra_lines:
            handle.write(line + "\n")
    return path


def write_parquet(path: Path, records: list[dict[str, Any]]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: [r.get(name) for r in records] for name in ("id", "text", "html", "url", "lang")}
    pq.write_table(pa.Table.from_pydict(columns), path, row_group_size=max(1, len(records) // 3 or 1))
    return path
