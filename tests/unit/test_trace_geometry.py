"""The trace picture's geometry (issue 15 #5): no arrow runs behind a box it does not join.

An arrow drawn behind a term reads as "that term builds on this one" (Transformer → neural
network behind self-attention).  Every shipped concept's picture is laid out (geometry only: no
markup, no HTTP) and every straight piece of every route is checked against every box but its
own two ends, grown by a small margin so a line grazing a box counts too.
"""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from tadoru.service.trace_svg import render_trace_svg, trace_layout

MARGIN = 2.0
EPS = 1e-9


def segment_hits_box(p: tuple[float, float], q: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    """Does the segment p–q meet the closed box ``(x, y, width, height)``? (Liang–Barsky clipping.)"""
    (x0, y0), (x1, y1) = p, q
    left, top, w, h = box
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for pk, qk in ((-dx, x0 - left), (dx, left + w - x0), (-dy, y0 - top), (dy, top + h - y0)):
        if abs(pk) < EPS:
            if qk < 0:  # parallel to this side and outside it
                return False
            continue
        t = qk / pk
        if pk < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def grown(box: tuple[float, float, float, float], m: float = MARGIN) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return (x - m, y - m, w + 2 * m, h + 2 * m)


@pytest.mark.parametrize(("p", "q", "hit"), [
    ((0, 5), (20, 5), True),        # straight through
    ((5, -10), (5, 20), True),      # vertical through
    ((-5, -5), (15, 15), True),     # diagonal through a corner-to-corner line
    ((2, 2), (3, 3), True),         # wholly inside
    ((0, 5), (2, 5), True),         # ends inside
    ((-5, 5), (0, 5), True),        # touches the left side
    ((-5, -5), (-1, 20), False),    # passes left of it
    ((11, -10), (11, 20), False),   # vertical, just right of it
    ((-10, 12), (20, 11), False),   # below it, nearly horizontal
    ((-3, 8), (8, 21), False),      # cuts past the lower left corner, outside
    ((-2, 8), (8, 18), True),       # ...and this one clips the corner
    ((20, 20), (30, 30), False),    # far away
])
def test_segment_hits_box_on_hand_examples(p, q, hit):
    box = (0.0, 0.0, 10.0, 10.0)
    assert segment_hits_box(p, q, box) is hit
    assert segment_hits_box(q, p, box) is hit  # direction does not matter


def crossings(geo) -> list[tuple[str, str, str]]:
    """(edge from, edge to, box it passes) for every route piece that meets a foreign box."""
    bad = []
    boxes = [(cid, grown(box)) for cid, box in geo.boxes.items()]
    for (a, b), route in geo.routes.items():
        for p, q in pairwise(route):
            low, high = min(p[1], q[1]), max(p[1], q[1])
            for cid, box in boxes:
                # boxes outside the piece's rows cannot meet it (a cheap cut before the real test)
                if box[1] <= high and box[1] + box[3] >= low and cid not in (a, b) and segment_hits_box(p, q, box):
                    bad.append((a, b, cid))
    return bad


def test_the_check_catches_an_arrow_behind_a_box():
    """A straight arrow from the top to the bottom of a column passes the middle box: caught."""
    from tadoru.service.trace_layout import Layout

    geo = Layout(boxes={"t": (0, 0, 100, 34), "m": (0, 80, 100, 34), "n": (0, 160, 100, 34)},
                 routes={("t", "n"): [(50, 34), (50, 160)], ("t", "m"): [(50, 34), (50, 80)]})
    assert crossings(geo) == [("t", "n", "m")]


def _doc(lexicon, cid, known=()):
    from tadoru.lexicon.trace import trace_payload

    payload = trace_payload(lexicon, cid, known)
    return {**payload, "known": sorted(known)}


@pytest.fixture(scope="module")
def shipped_layouts(lexicon):
    """Every shipped concept's picture in both languages (labels differ in width), laid out once."""
    return {(c.id, lang): trace_layout(_doc(lexicon, c.id), lang=lang) for c in lexicon for lang in ("ja", "en")}


def test_no_arrow_crosses_a_box_in_any_shipped_picture(shipped_layouts):
    bad = {key: found[:3] for key, geo in shipped_layouts.items() if (found := crossings(geo))}
    assert not bad, f"{len(bad)} pictures draw an arrow behind a box, e.g. {list(bad.items())[:5]}"


def test_boxes_do_not_overlap_in_any_shipped_picture(shipped_layouts):
    for key, geo in shipped_layouts.items():
        boxes = sorted(geo.boxes.values())
        for i, (x1, y1, w1, h1) in enumerate(boxes):
            for x2, y2, w2, h2 in boxes[i + 1:]:
                if x2 >= x1 + w1:
                    break
                assert y1 + h1 <= y2 or y2 + h2 <= y1, key


@pytest.mark.parametrize("cid", ["fine-tuning", "lora", "transformer", "convolutional-neural-network"])
def test_the_issues_pictures_are_narrow_and_drawn_as_laid_out(lexicon, cid):
    doc = _doc(lexicon, cid)
    geo = trace_layout(doc, lang="ja")
    assert geo.width <= 420, geo.width  # scaled into a 360 px phone, labels stay near full size
    svg = render_trace_svg(doc, lang="ja")
    assert float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1)) <= 420
    # every arrow is drawn through its route's points, so the checked geometry is the drawn one
    for (a, b), route in geo.routes.items():
        d = re.search(rf'data-from="{a}" data-to="{b}" [^>]* d="([^"]+)"', svg).group(1)
        points = [tuple(float(v) for v in xy.split(",")) for xy in re.findall(r"[\d.]+,[\d.]+", d)]
        assert len(points) == len(route)
        for (x1, y1), (x2, y2) in zip(points, route):
            assert abs(x1 - x2) < 0.1 and abs(y1 - y2) < 0.1


def test_the_widest_shipped_picture_stays_bounded(shipped_layouts):
    widest = max(geo.width for geo in shipped_layouts.values())
    assert widest <= 700, widest
