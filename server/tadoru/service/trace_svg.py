"""The learning path drawn as an SVG graph, made on the server (no JavaScript, no CDN).

A layered drawing (Sugiyama style, kept small): the traced term on top, each prerequisite one
row below the lowest term that builds on it, rows ordered by the barycentre of their
neighbours to keep crossings down, arrows from a term to what it builds on.  Every node is a
link to its term page and carries ``class="trace-node"`` and ``data-term`` so pages, tests and
user stylesheets can find it.  Colours are presentation attributes, which the page stylesheet
overrides (dark mode) and which a CSP without inline styles allows.

The picture is bounded: at most ``MAX_DRAWN_ROWS`` rows of at most ``MAX_ROW_NODES`` nodes (the
shipped lexicon needs 12 rows of 8), and a line under it says how many terms were left out; the
page's reading order lists them all.  A user lexicon chaining 3,000 terms would otherwise make a
picture 240,000 pixels tall.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

FONT_SIZE = 13
NODE_HEIGHT = 34
PAD_X = 12
MIN_NODE_WIDTH = 72
MAX_NODE_WIDTH = 210
H_GAP = 18
V_GAP = 46
MARGIN = 14
FONT_FAMILY = "system-ui, 'Hiragino Sans', 'Noto Sans CJK JP', 'Yu Gothic', sans-serif"
LEVEL_FILL = {1: "#e6f4ea", 2: "#e3eefc", 3: "#f1e8fb"}
LEVEL_STROKE = {1: "#3c8a55", 2: "#3b6fb6", 3: "#7a4fb0"}
MAX_DRAWN_ROWS = 30
MAX_ROW_NODES = 30
MORE_TEXT = {"en": "+ {n} more terms not drawn (see the reading order)", "ja": "ほか {n} 語は省略（読む順番を参照）"}


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
    """The label, cut with an ellipsis when it would not fit in a node."""
    if text_width(text) <= max_width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…") > max_width:
            break
        out += ch
    return out.rstrip() + "…"


def layers(path: Sequence[str], edges: Sequence[Sequence[str]], target: str) -> dict[str, int]:
    """Row of each node: 0 for the target, one more than the lowest node building on it."""
    below: dict[str, list[str]] = {cid: [] for cid in path}
    for a, b in edges:
        below[a].append(b)
    row = dict.fromkeys(path, 0)
    # ``path`` lists prerequisites first, so its reverse is a topological order (target first).
    for cid in reversed(path):
        for b in below[cid]:
            row[b] = max(row[b], row[cid] + 1)
    row[target] = 0
    return row


def drawn_nodes(path: Sequence[str], row: dict[str, int]) -> list[str]:
    """The nodes of ``path`` the picture shows: the first ``MAX_ROW_NODES`` of each of the first
    ``MAX_DRAWN_ROWS`` rows, in path order (the target, on row 0, always)."""
    per_row: dict[int, int] = {}
    keep: set[str] = set()
    for cid in reversed(path):  # target first, as ``_order_rows`` fills the rows
        r = row[cid]
        if r < MAX_DRAWN_ROWS and per_row.get(r, 0) < MAX_ROW_NODES:
            per_row[r] = per_row.get(r, 0) + 1
            keep.add(cid)
    return [cid for cid in path if cid in keep]


def _order_rows(path: Sequence[str], edges: Sequence[Sequence[str]], row: dict[str, int]) -> list[list[str]]:
    """Nodes per row, ordered by the barycentre of their neighbours (a few sweeps).

    Sorting a row moves only that row's positions, so only those are recomputed: linear per
    sweep, where recomputing every row after each one was quadratic in the number of rows.
    """
    depth = max(row.values(), default=0)
    rows: list[list[str]] = [[] for _ in range(depth + 1)]
    for cid in reversed(path):
        rows[row[cid]].append(cid)
    up: dict[str, list[str]] = {cid: [] for cid in path}
    down: dict[str, list[str]] = {cid: [] for cid in path}
    for a, b in edges:
        down[a].append(b)
        up[b].append(a)
    pos: dict[str, float] = {}

    def place(r: list[str]) -> None:
        for i, cid in enumerate(r):
            pos[cid] = (i + 0.5) / len(r)

    for r in rows:
        place(r)
    for _sweep in range(3):
        for r in rows[1:]:
            r.sort(key=lambda cid: sum(pos[p] for p in up[cid]) / len(up[cid]) if up[cid] else pos[cid])
            place(r)
        for r in reversed(rows[:-1]):
            r.sort(key=lambda cid: sum(pos[c] for c in down[cid]) / len(down[cid]) if down[cid] else pos[cid])
            place(r)
    return rows


def render_trace_svg(trace: dict[str, Any], *, lang: str = "en", href: Callable[[str], str] | None = None,
                     title: str | None = None) -> str:
    """The ``<svg>`` of a trace document (``{"term", "path", "graph": {"nodes", "edges"}}``)."""
    path: list[str] = list(trace["path"])
    edges = [tuple(e) for e in trace["graph"]["edges"]]
    nodes = {n["id"]: n for n in trace["graph"]["nodes"]}
    target = trace["term"]
    if not path:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="trace-svg" width="0" height="0" '
                f'data-term="{escape(target)}" role="group" aria-label="{escape(title or target)}"></svg>')

    row = layers(path, edges, target)
    drawn = drawn_nodes(path, row)
    hidden = len(path) - len(drawn)
    if hidden:
        members = set(drawn)
        path, edges = drawn, [(a, b) for a, b in edges if a in members and b in members]
        row = {cid: row[cid] for cid in drawn}
    rows = _order_rows(path, edges, row)
    label_of = {cid: fit_label(nodes[cid]["label"].get(lang) or nodes[cid]["label"]["en"]) for cid in path}
    width_of = {cid: max(MIN_NODE_WIDTH, min(MAX_NODE_WIDTH, text_width(label_of[cid]) + 2 * PAD_X)) for cid in path}
    row_widths = [sum(width_of[c] for c in r) + H_GAP * (len(r) - 1) for r in rows]
    more = MORE_TEXT.get(lang, MORE_TEXT["en"]).format(n=f"{hidden:,}") if hidden else ""
    canvas_w = max(max(row_widths), text_width(more)) + 2 * MARGIN
    canvas_h = len(rows) * NODE_HEIGHT + (len(rows) - 1) * V_GAP + 2 * MARGIN + (V_GAP if hidden else 0)
    box: dict[str, tuple[float, float, float]] = {}  # id → (x, y, width)
    for i, r in enumerate(rows):
        x = (canvas_w - row_widths[i]) / 2
        y = MARGIN + i * (NODE_HEIGHT + V_GAP)
        for cid in r:
            box[cid] = (x, y, width_of[cid])
            x += width_of[cid] + H_GAP

    out: list[str] = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="trace-svg" viewBox="0 0 {canvas_w:.0f} {canvas_h:.0f}" '
         f'width="{canvas_w:.0f}" height="{canvas_h:.0f}" data-term="{escape(target)}" role="group" '
         f'aria-label="{escape(title or target)}" font-family="{escape(FONT_FAMILY)}" font-size="{FONT_SIZE}">'),
        ('<defs><marker id="trace-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
         'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="trace-arrowhead" fill="#7d8590"/></marker></defs>'),
        '<g class="trace-edges">',
    ]
    for a, b in edges:
        ax, ay, aw = box[a]
        bx, by, bw = box[b]
        x1, y1 = ax + aw / 2, ay + NODE_HEIGHT
        x2, y2 = bx + bw / 2, by - 2
        mid = (y2 - y1) / 2
        out.append(
            f'<path class="trace-edge" data-from="{escape(a)}" data-to="{escape(b)}" '
            f'd="M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + mid:.1f} {x2:.1f},{y2 - mid:.1f} {x2:.1f},{y2:.1f}" '
            f'fill="none" stroke="#7d8590" stroke-width="1.3" marker-end="url(#trace-arrow)"/>'
        )
    out.append("</g>")
    out.append('<g class="trace-nodes">')
    for cid in path:
        x, y, w = box[cid]
        node = nodes[cid]
        level = node.get("level", 1)
        classes = f"trace-node trace-level-{level}" + (" trace-target" if cid == target else "")
        full = node["label"]
        tip = f'{full.get("en", "")} / {full.get("ja", "")}'
        weight = ' font-weight="bold"' if cid == target else ""
        shape = (
            f'<g class="{classes}" data-term="{escape(cid)}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{NODE_HEIGHT}" rx="8" ry="8" '
            f'fill="{LEVEL_FILL.get(level, "#eee")}" stroke="{LEVEL_STROKE.get(level, "#666")}" '
            f'stroke-width="{2.5 if cid == target else 1.2}"/>'
            f'<text x="{x + w / 2:.1f}" y="{y + NODE_HEIGHT / 2:.1f}" text-anchor="middle" dominant-baseline="central" '
            f'fill="#1f2328"{weight}>{escape(label_of[cid])}</text>'
            "</g>"
        )
        if href is not None:
            shape = f'<a class="trace-link" href="{escape(href(cid))}">{shape}</a>'
        out.append(shape)
    out.append("</g>")
    if hidden:
        out.append(f'<text class="trace-more" x="{canvas_w / 2:.1f}" y="{canvas_h - MARGIN - V_GAP / 2 + FONT_SIZE / 2:.1f}" '
                   f'text-anchor="middle" fill="#57606a" data-hidden="{hidden}">{escape(more)}</text>')
    out.append("</svg>")
    return "".join(out)
