"""The learning path to a term, as a terminal tree and as the API's JSON shape."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tadoru.lexicon.model import Lexicon


def trace_payload(lexicon: Lexicon, concept_id: str, known: Iterable[str] = ()) -> dict[str, Any]:
    """``{"term", "path", "graph": {"nodes", "edges"}}`` — the API's ``/trace`` answer."""
    path = lexicon.trace(concept_id, known)
    nodes = [
        {"id": cid, "label": {lang: lexicon[cid].label(lang) for lang in ("en", "ja")}, "level": lexicon[cid].level}
        for cid in path
    ]
    edges = [[a, b] for a, b in lexicon.trace_edges(path)]
    return {"term": concept_id, "path": path, "graph": {"nodes": nodes, "edges": edges}}


def render_trace_tree(lexicon: Lexicon, concept_id: str, known: Iterable[str] = (), *, lang: str = "en") -> str:
    """A readable tree (the term at the top, what it builds on below) and the reading order.

    A concept met twice is shown once in full and then as ``(see above)``, so shared
    foundations such as "machine learning" do not repeat their whole subtree.
    """
    known_set = set(known)
    path = lexicon.trace(concept_id, known_set)
    if not path:
        return f"{lexicon[concept_id].label(lang)}: already known"
    lines: list[str] = []
    shown: set[str] = set()

    def label(cid: str) -> str:
        c = lexicon[cid]
        other = "ja" if lang == "en" else "en"
        return f"{c.label(lang)} ({c.label(other)}) [L{c.level}]"

    def walk(cid: str, prefix: str, last: bool, top: bool) -> None:
        connector = "" if top else ("└── " if last else "├── ")
        if cid in shown:
            lines.append(f"{prefix}{connector}{label(cid)} (see above)")
            return
        shown.add(cid)
        lines.append(f"{prefix}{connector}{label(cid)}")
        children = [d for d in lexicon[cid].deeper if d in lexicon and d not in known_set]
        child_prefix = prefix if top else prefix + ("    " if last else "│   ")
        for i, d in enumerate(children):
            walk(d, child_prefix, i == len(children) - 1, False)

    walk(concept_id, "", True, True)
    lines.append("")
    lines.append("Reading order (prerequisites first):" if lang == "en" else "読む順番（前提から）:")
    for i, cid in enumerate(path, 1):
        lines.append(f"{i:3}. {label(cid)}")
    return "\n".join(lines)
