"""Where the trace picture's boxes stand and where its arrows run (no SVG here: geometry only).

A layered (Sugiyama) drawing, with the two rules that keep it honest (issue 15 #5):

* **Every arrow runs between rows or down a lane of its own.**  Each term sits one layer below
  the lowest term that builds on it.  An arrow that spans several rows passes every row in
  between through a *lane*: a thin slot of that row, as wide as a line, with gaps to its
  neighbours like a box.  So an arrow's straight pieces lie either in the empty band between two
  rows or vertically inside its lane, and never behind a box: it cannot be misread as coming out
  of a term it only passes.  Arrows into the same term share their lanes (they join before they
  arrive), which keeps hubs such as "machine learning" from filling a row with lanes.
* **A row is narrow.**  A layer wider than ``ROW_BUDGET`` is dealt out over several rows, in
  turn, so the picture stays readable when it is scaled down to a phone (360 px).  Terms of one
  layer never build on each other, so splitting a layer adds no arrow inside a row.

Rows are ordered by barycentre sweeps (crossings down), then each row's items are pulled
towards their neighbours (straighter arrows) without changing their order or their gaps: an
order-keeping least-squares fit (pool adjacent violators), so the layout stays overlap-free by
construction.  All of it is linear or n log n per row and sweep: the shipped lexicon's 1,700
pictures lay out in about a second per language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

NODE_HEIGHT = 34
H_GAP = 16
LANE_WIDTH = 2
LANE_GAP = 12
V_GAP = 46
MARGIN = 14
ROW_BUDGET = 420
"""Width of the boxes (and their gaps) one row may hold before its layer is split."""
STUB = 7
"""Arrows leave and enter boxes and lanes vertically for this long, so every slanted piece lies
clear inside the band between two rows (and the arrowhead points straight into its box)."""
SWEEPS = 4
PULLS = 4

Point = tuple[float, float]


@dataclass
class Layout:
    """Boxes as ``(x, y, width, height)``, each edge's route (first point on its term, last on
    the term it builds on), the rows of ids top-down, and the canvas size."""

    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    routes: dict[tuple[str, str], list[Point]] = field(default_factory=dict)
    rows: list[list[str]] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def layers(path: Sequence[str], edges: Sequence[Sequence[str]], target: str) -> dict[str, int]:
    """Row of each node: 0 for the target, one more than the lowest node building on it.

    ``path`` lists prerequisites first, so its reverse is a topological order (target first).
    """
    below: dict[str, list[str]] = {cid: [] for cid in path}
    for a, b in edges:
        below[a].append(b)
    row = dict.fromkeys(path, 0)
    for cid in reversed(path):
        for b in below[cid]:
            row[b] = max(row[b], row[cid] + 1)
    row[target] = 0
    return row


def _sort_by_barycentre(items: list[str], neighbours: Mapping[str, list[str]], pos: Mapping[str, float]) -> None:
    def key(item: str) -> float:
        near = neighbours[item]
        return sum(pos[n] for n in near) / len(near) if near else pos[item]

    items.sort(key=key)


def _order_layers(order: Sequence[str], edges: Sequence[tuple[str, str]], layer: Mapping[str, int]) -> list[list[str]]:
    """Nodes per layer, ordered by the barycentre of their neighbours (a few sweeps)."""
    depth = max(layer.values(), default=0)
    rows: list[list[str]] = [[] for _ in range(depth + 1)]
    for cid in order:
        rows[layer[cid]].append(cid)
    up: dict[str, list[str]] = {cid: [] for cid in order}
    down: dict[str, list[str]] = {cid: [] for cid in order}
    for a, b in edges:
        down[a].append(b)
        up[b].append(a)
    _sweep(rows, up, down, 3)
    return rows


def _sweep(rows: list[list[str]], up: Mapping[str, list[str]], down: Mapping[str, list[str]], times: int) -> None:
    """Barycentre sweeps down and up; sorting a row moves only its own positions."""
    pos: dict[str, float] = {}

    def place(r: list[str]) -> None:
        for i, item in enumerate(r):
            pos[item] = (i + 0.5) / len(r)

    for r in rows:
        place(r)
    for _ in range(times):
        for r in rows[1:]:
            _sort_by_barycentre(r, up, pos)
            place(r)
        for r in reversed(rows[:-1]):
            _sort_by_barycentre(r, down, pos)
            place(r)


def _split(layer_rows: list[list[str]], width: Mapping[str, float]) -> list[list[str]]:
    """Each layer as one or more rows of at most ``ROW_BUDGET``, dealt out in turn so every
    row of a layer spans its whole breadth (neighbours stay near, arrows stay short)."""
    out: list[list[str]] = []
    for items in layer_rows:
        k = 1
        while True:
            parts = [items[i::k] for i in range(k)]
            if all(len(p) <= 1 or sum(width[c] for c in p) + H_GAP * (len(p) - 1) <= ROW_BUDGET for p in parts):
                break
            k += 1
        out.extend(parts)
    return out


def _isotonic(targets: list[float], weights: list[float]) -> list[float]:
    """The non-decreasing sequence nearest ``targets`` in weighted least squares (pool adjacent
    violators)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for t, w in zip(targets, weights, strict=True):
        blocks.append([t, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out: list[float] = []
    for mean, _w, n in blocks:
        out.extend([mean] * int(n))
    return out


def layout(order: Sequence[str], edges: Sequence[tuple[str, str]], target: str, width: Mapping[str, float]) -> Layout:
    """Lay out the nodes ``order`` (prerequisites first, the target last) and the edges
    ``(term, what it builds on)`` among them; ``width`` is each node's box width."""
    if not order:
        return Layout()
    layer = layers(order, edges, target)
    rows = _split(_order_layers(list(reversed(order)), edges, layer), width)
    row_of = {cid: i for i, r in enumerate(rows) for cid in r}

    # Lanes: the rows an edge passes, one slot per (term it ends on, row), shared by edges that end
    # on the same term.
    hops: dict[tuple[str, str], list[str]] = {}
    up: dict[str, list[str]] = {cid: [] for cid in order}
    down: dict[str, list[str]] = {cid: [] for cid in order}
    item_width: dict[str, float] = dict(width)
    links: set[tuple[str, str]] = set()
    for a, b in edges:
        chain = [a]
        for passed in range(row_of[a] + 1, row_of[b]):
            lane = f"\x00{b}\x00{passed}"  # no node id holds NUL
            if lane not in item_width:
                item_width[lane] = LANE_WIDTH
                rows[passed].append(lane)
                up[lane], down[lane] = [], []
            chain.append(lane)
        chain.append(b)
        hops[(a, b)] = chain
        for u, v in pairwise(chain):
            if (u, v) not in links:
                links.add((u, v))
                down[u].append(v)
                up[v].append(u)
    _sweep(rows, up, down, SWEEPS)

    def gap(u: str, v: str) -> float:
        return LANE_GAP if u[0] == "\x00" or v[0] == "\x00" else H_GAP

    # x: each row packed, then pulled towards its neighbours, order and gaps kept.
    centre: dict[str, float] = {}
    row_width: list[float] = []
    for r in rows:
        x = 0.0
        for i, item in enumerate(r):
            if i:
                x += gap(r[i - 1], item)
            centre[item] = x + item_width[item] / 2
            x += item_width[item]
        row_width.append(x)
    widest = max(row_width)
    for r, w in zip(rows, row_width, strict=True):
        for item in r:
            centre[item] += (widest - w) / 2
    for _ in range(PULLS):
        for rows_in_turn, near in ((rows[1:], up), (list(reversed(rows[:-1])), down)):
            for r in rows_in_turn:
                _pull(r, near, centre, item_width, gap, widest)
    left = min(centre[i] - item_width[i] / 2 for r in rows for i in r)
    right = max(centre[i] + item_width[i] / 2 for r in rows for i in r)

    out = Layout(width=right - left + 2 * MARGIN,
                 height=len(rows) * NODE_HEIGHT + (len(rows) - 1) * V_GAP + 2 * MARGIN)
    top = [MARGIN + i * (NODE_HEIGHT + V_GAP) for i in range(len(rows))]
    for i, r in enumerate(rows):
        for item in r:
            centre[item] += MARGIN - left
            if item[0] != "\x00":
                out.boxes[item] = (centre[item] - width[item] / 2, top[i], width[item], NODE_HEIGHT)
    out.rows = [[c for c in r if c[0] != "\x00"] for r in rows]
    for (a, b), chain in hops.items():
        ax, bx = centre[a], centre[b]
        ay, by = top[row_of[a]] + NODE_HEIGHT, top[row_of[b]]
        route: list[Point] = [(ax, ay), (ax, ay + STUB)]
        for passed, lane in enumerate(chain[1:-1], start=row_of[a] + 1):
            route.append((centre[lane], top[passed] - STUB))
            route.append((centre[lane], top[passed] + NODE_HEIGHT + STUB))
        route.append((bx, by - STUB))
        route.append((bx, by))
        out.routes[(a, b)] = route
    return out


def _pull(row: list[str], near: Mapping[str, list[str]], centre: dict[str, float], item_width: Mapping[str, float],
          gap: Callable[[str, str], float], widest: float) -> None:
    """Move a row's items towards the mean of their neighbours, keeping order and gaps, and
    within ``[0, widest]`` (the widest row packed): pulling never widens the picture.  Clipping
    the least-squares fit to the interval is the best fit within it."""
    if not row:
        return
    offsets = [0.0]
    for u, v in pairwise(row):
        offsets.append(offsets[-1] + item_width[u] / 2 + gap(u, v) + item_width[v] / 2)
    targets, weights = [], []
    for item, off in zip(row, offsets, strict=True):
        n = near[item]
        want = sum(centre[x] for x in n) / len(n) if n else centre[item]
        targets.append(want - off)
        weights.append(float(len(n)) if n else 0.3)
    lo = item_width[row[0]] / 2
    hi = widest - item_width[row[-1]] / 2 - offsets[-1]
    for item, base, off in zip(row, _isotonic(targets, weights), offsets, strict=True):
        centre[item] = min(max(base, lo), hi) + off
