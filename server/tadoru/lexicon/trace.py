"""The learning path to a term, as a terminal tree and as the API's JSON shape."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tadoru.lexicon.model import Lexicon

MAX_TREE_DEPTH = 40
"""Levels of the terminal tree; the shipped lexicon's deepest trace has 12, so it is never cut."""


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
    foundations such as "machine learning" do not repeat their whole subtree.  The tree stops
    at ``MAX_TREE_DEPTH`` levels with a marker line (indentation grows with depth, so a chain of
    thousands of terms would print megabytes); the reading order below always lists every step.
    """
    known_set = set(known)
    path = lexicon.trace(concept_id, known_set)
    if not path:
        return f"{lexicon[concept_id].label(lang)}: already known"
    lines = _tree_lines(lexicon, concept_id, known_set, lang)
    lines.append("")
    lines.append("Reading order (prerequisites first):" if lang == "en" else "読む順番（前提から）:")
    for i, cid in enumerate(path, 1):
        lines.append(f"{i:3}. {_tree_label(lexicon, cid, lang)}")
    return "\n".join(lines)


def _tree_label(lexicon: Lexicon, cid: str, lang: str) -> str:
    c = lexicon[cid]
    other = "ja" if lang == "en" else "en"
    return f"{c.label(lang)} ({c.label(other)}) [L{c.level}]"


def _tree_lines(lexicon: Lexicon, concept_id: str, known: set[str], lang: str) -> list[str]:
    """The tree's lines, depth first with an explicit stack (no recursion limit applies)."""
    lines: list[str] = []
    shown: set[str] = set()
    cut = (f"… deeper terms not drawn past {MAX_TREE_DEPTH} levels (see the reading order)" if lang == "en"
           else f"… {MAX_TREE_DEPTH} 段より深い用語は省略（読む順番を参照）")
    # (concept, prefix, connector, prefix of its children, depth)
    stack: list[tuple[str, str, str, str, int]] = [(concept_id, "", "", "", 0)]
    while stack:
        cid, prefix, connector, child_prefix, depth = stack.pop()
        if cid in shown:
            lines.append(f"{prefix}{connector}{_tree_label(lexicon, cid, lang)} (see above)")
            continue
        shown.add(cid)
        lines.append(f"{prefix}{connector}{_tree_label(lexicon, cid, lang)}")
        children = [d for d in lexicon[cid].deeper if d in lexicon and d not in known]
        if children and depth >= MAX_TREE_DEPTH:
            lines.append(f"{child_prefix}└── {cut}")
            continue
        for i in reversed(range(len(children))):
            last = i == len(children) - 1
            stack.append((children[i], child_prefix, "└── " if last else "├── ",
                          child_prefix + ("    " if last else "│   "), depth + 1))
    return lines
