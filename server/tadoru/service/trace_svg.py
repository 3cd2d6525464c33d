"""The learning path drawn as an SVG graph, made on the server (no CDN; a small script lights paths).

The layout is ``trace_layout``'s: the traced term on top, each prerequisite below everything that
builds on it, arrows that run between rows or down lanes of their own and so never behind a box
(issue 15 #5), rows kept narrow enough to read on a 360 px phone.  This module turns it into
markup: every node is a link to its term page and carries ``class="trace-node"`` and
``data-term`` so pages, tests and user stylesheets can find it.  Colours are presentation
attributes, which the page stylesheet overrides (dark mode) and which a CSP without inline
styles allows.

Each node and arrow also says, in ``data-path-to``, the terms whose path from the traced term it
lies on (a node: itself and everything below it; an arrow: what its end reaches).  The term
page's ``static/trace.js`` lights the path to a node the reader points at or focuses, with
nothing but class changes.  Known terms (``trace_known``) are drawn as dashed, ticked stopping
points, with nothing below them.

The picture is bounded: at most ``MAX_DRAWN_ROWS`` layers of at most ``MAX_ROW_NODES`` nodes (the
shipped lexicon needs 12 layers of 8), and a line under it says how many terms were left out;
the page's reading order lists them all.  A user lexicon chaining 3,000 terms would otherwise
make a picture 240,000 pixels tall.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from tadoru.service.trace_layout import MARGIN, NODE_HEIGHT, V_GAP, Layout, layers, layout

__all__ = ["MAX_DRAWN_ROWS", "MAX_ROW_NODES", "drawn_nodes", "fit_label", "layers", "render_trace_svg",
           "text_width", "trace_layout"]

FONT_SIZE = 13
PAD_X = 10
MIN_NODE_WIDTH = 60
MAX_NODE_WIDTH = 150
FONT_FAMILY = "system-ui, 'Hiragino Sans', 'Noto Sans CJK JP', 'Yu Gothic', sans-serif"
LEVEL_FILL = {1: "#e6f4ea", 2: "#e3eefc", 3: "#f1e8fb"}
LEVEL_STROKE = {1: "#3c8a55", 2: "#3b6fb6", 3: "#7a4fb0"}
KNOWN_FILL = "#f6f8fa"
KNOWN_TEXT_FILL = "#57606a"
KNOWN_MARK = "✓ "
EDGE_COLOUR = "#7d8590"
LIT_COLOUR = "#0969da"
MAX_DRAWN_ROWS = 30
MAX_ROW_NODES = 30
NOTE_HEIGHT = 22
MORE_TEXT = {"en": "+ {n} more terms not drawn (see the reading order)", "ja": "ほか {n} 語は省略（読む順番を参照）"}
KNOWN_NOTE = {"en": "✓ dashed: known, not expanded", "ja": "✓ 点線：既知の用語（その先は省略）"}
KNOWN_TIP = {"en": "known: not expanded", "ja": "既知：その先は省略"}


def _char_width(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return FONT_SIZE * 1.0
    if ch.isupper():
        return FONT_SIZE * 0.68
    return FONT_SIZE * 0.56


def text_width(text: str) -> float:
    """An estimate of the rendered width: the server has no font metrics, and needs none."""
    return sum(_char_width(ch) for ch in text)


def fit_label(text: str, max_width: float = MAX_NODE_WIDTH - 2 * PAD_X) -> str:
    """The label, cut with an ellipsis when it would not fit in a node (the full label is the
    node's tooltip, and the reading order lists it)."""
    if text_width(text) <= max_width:
        return text
    out, used, room = "", 0.0, max_width - text_width("…")
    for ch in text:
        used += _char_width(ch)
        if used > room:
            break
        out += ch
    return out.rstrip() + "…"


def drawn_nodes(path: Sequence[str], row: dict[str, int]) -> list[str]:
    """The nodes of ``path`` the picture shows: the first ``MAX_ROW_NODES`` of each of the first
    ``MAX_DRAWN_ROWS`` layers, in path order (the target, on layer 0, always)."""
    per_row: dict[int, int] = {}
    keep: set[str] = set()
    for cid in reversed(path):  # target first
        r = row[cid]
        if r < MAX_DRAWN_ROWS and per_row.get(r, 0) < MAX_ROW_NODES:
            per_row[r] = per_row.get(r, 0) + 1
            keep.add(cid)
    return [cid for cid in path if cid in keep]


def _graph(trace: dict[str, Any]) -> tuple[list[str], list[tuple[str, str]], dict[str, Any], int]:
    """The nodes to draw (known stopping points first, then the path: prerequisites first), the
    edges among them, every node by id, and how many were left out."""
    nodes = {n["id"]: n for n in trace["graph"]["nodes"]}
    path = list(trace["path"])
    on_path = set(path)
    order = [cid for cid in nodes if nodes[cid].get("known") and cid not in on_path] + path
    edges = [(a, b) for a, b in trace["graph"]["edges"]]
    if not order:
        return [], [], nodes, 0
    drawn = drawn_nodes(order, layers(order, edges, trace["term"]))
    if len(drawn) < len(order):
        members = set(drawn)
        edges = [(a, b) for a, b in edges if a in members and b in members]
    return drawn, edges, nodes, len(order) - len(drawn)


def _label(node: dict[str, Any], lang: str) -> str:
    text = node["label"].get(lang) or node["label"]["en"]
    if node.get("known"):
        return KNOWN_MARK + fit_label(text, MAX_NODE_WIDTH - 2 * PAD_X - text_width(KNOWN_MARK))
    return fit_label(text)


def _node_width(label: str) -> float:
    return max(MIN_NODE_WIDTH, min(MAX_NODE_WIDTH, text_width(label) + 2 * PAD_X))


def trace_layout(trace: dict[str, Any], *, lang: str = "en") -> Layout:
    """The picture's geometry alone (what the geometry tests check, no markup)."""
    order, edges, nodes, _hidden = _graph(trace)
    width = {cid: _node_width(_label(nodes[cid], lang)) for cid in order}
    return layout(order, edges, trace["term"], width)


def _paths_to(order: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Each node with everything below it, in drawing order: the nodes whose path from the
    traced term passes it."""
    below: dict[str, list[str]] = {cid: [] for cid in order}
    for a, b in edges:
        below[a].append(b)
    reach: dict[str, set[str]] = {}
    for start in order:  # depth first with an explicit stack; a node is done after all below it
        if start in reach:
            continue
        stack = [(start, iter(below[start]))]
        visiting = {start}
        while stack:
            cid, rest = stack[-1]
            step = next((b for b in rest if b not in reach and b not in visiting), None)
            if step is not None:
                visiting.add(step)
                stack.append((step, iter(below[step])))
                continue
            stack.pop()
            got = {cid}
            for b in below[cid]:
                got |= reach.get(b, {b})
            reach[cid] = got
    return {cid: [x for x in order if x in reach[cid]] for cid in order}


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def render_trace_svg(trace: dict[str, Any], *, lang: str = "en", href: Callable[[str], str] | None = None,
                     title: str | None = None) -> str:
    """The ``<svg>`` of a trace document (``{"term", "path", "graph": {"nodes", "edges"}}``; nodes
    with ``"known": true`` are stopping points, see ``trace_known``)."""
    target = trace["term"]
    order, edges, nodes, hidden = _graph(trace)
    if not order:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="trace-svg" width="0" height="0" '
                f'data-term="{escape(target)}" role="group" aria-label="{escape(title or target)}"></svg>')

    label_of = {cid: _label(nodes[cid], lang) for cid in order}
    geo = layout(order, edges, target, {cid: _node_width(label_of[cid]) for cid in order})
    notes: list[tuple[str, str, str]] = []  # (class, text, extra attributes)
    if any(nodes[cid].get("known") for cid in order):
        notes.append(("trace-known-note", KNOWN_NOTE.get(lang, KNOWN_NOTE["en"]), ""))
    if hidden:
        more = MORE_TEXT.get(lang, MORE_TEXT["en"]).format(n=f"{hidden:,}")
        notes.append(("trace-more", more, f' data-hidden="{hidden}"'))
    canvas_w = max([geo.width] + [text_width(t) + 2 * MARGIN for _c, t, _a in notes])
    canvas_h = geo.height + (V_GAP / 2 + NOTE_HEIGHT * len(notes) if notes else 0)
    dx = (canvas_w - geo.width) / 2
    paths_to = _paths_to(order, edges)

    out: list[str] = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="trace-svg" viewBox="0 0 {canvas_w:.0f} {canvas_h:.0f}" '
         f'width="{canvas_w:.0f}" height="{canvas_h:.0f}" data-term="{escape(target)}" role="group" '
         f'aria-label="{escape(title or target)}" font-family="{escape(FONT_FAMILY)}" font-size="{FONT_SIZE}">'),
        ('<defs><marker id="trace-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
         f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="trace-arrowhead" fill="{EDGE_COLOUR}"/>'
         '</marker><marker id="trace-arrow-on" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
         'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="trace-arrowhead-on" '
         f'fill="{LIT_COLOUR}"/></marker></defs>'),
        '<g class="trace-edges">',
    ]
    for a, b in edges:
        d = " ".join(f"{'M' if i == 0 else 'L'}{_fmt(x + dx)},{_fmt(y)}" for i, (x, y) in enumerate(geo.routes[(a, b)]))
        out.append(
            f'<path class="trace-edge" data-from="{escape(a)}" data-to="{escape(b)}" '
            f'data-path-to="{escape(" ".join(paths_to[b]))}" d="{d}" fill="none" stroke="{EDGE_COLOUR}" '
            f'stroke-width="1.3" stroke-linejoin="round" marker-end="url(#trace-arrow)"/>'
        )
    out.append("</g>")
    out.append('<g class="trace-nodes">')
    for cid in order:
        x, y, w, h = geo.boxes[cid]
        x += dx
        node = nodes[cid]
        level = node.get("level", 1)
        known = bool(node.get("known"))
        classes = (f"trace-node trace-level-{level}" + (" trace-known" if known else "")
                   + (" trace-target" if cid == target else ""))
        full = node["label"]
        tip = f'{full.get("en", "")} / {full.get("ja", "")}'
        if known:
            tip += f' ({KNOWN_TIP.get(lang, KNOWN_TIP["en"])})'
        weight = ' font-weight="bold"' if cid == target else ""
        fill = KNOWN_FILL if known else LEVEL_FILL.get(level, "#eee")
        dash = ' stroke-dasharray="5 3"' if known else ""
        shape = (
            f'<g class="{classes}" data-term="{escape(cid)}" data-path-to="{escape(" ".join(paths_to[cid]))}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{NODE_HEIGHT}" rx="8" ry="8" '
            f'fill="{fill}" stroke="{LEVEL_STROKE.get(level, "#666")}" '
            f'stroke-width="{2.5 if cid == target else 1.2}"{dash}/>'
            f'<text x="{x + w / 2:.1f}" y="{y + h / 2:.1f}" text-anchor="middle" dominant-baseline="central" '
            f'fill="{KNOWN_TEXT_FILL if known else "#1f2328"}"{weight}>{escape(label_of[cid])}</text>'
            "</g>"
        )
        if href is not None:
            shape = f'<a class="trace-link" href="{escape(href(cid))}">{shape}</a>'
        out.append(shape)
    out.append("</g>")
    y = geo.height + V_GAP / 2
    for cls, text, extra in notes:
        out.append(f'<text class="{cls}" x="{canvas_w / 2:.1f}" y="{y + FONT_SIZE / 2:.1f}" text-anchor="middle" '
                   f'fill="#57606a"{extra}>{escape(text)}</text>')
        y += NOTE_HEIGHT
    out.append("</svg>")
    return "".join(out)
