"""The trace picture: layout rules, escaping, well-formed SVG, the lit paths, known stopping points.

The geometry of every shipped picture (no arrow behind a box) is in test_trace_geometry.py.
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

from tadoru.service.trace_svg import MAX_NODE_WIDTH, fit_label, layers, render_trace_svg

SVG = "{http://www.w3.org/2000/svg}"


def _trace(path, edges, target, labels=None):
    labels = labels or {}
    nodes = [{"id": c, "label": labels.get(c, {"en": c, "ja": c + "（日本語）"}), "level": 1 + i % 3} for i, c in enumerate(path)]
    return {"term": target, "path": path, "graph": {"nodes": nodes, "edges": [list(e) for e in edges]}}


DIAMOND = _trace(["ml", "data", "model", "training", "ft"],
                 [("ft", "model"), ("ft", "training"), ("model", "ml"), ("training", "ml"), ("training", "data"),
                  ("ft", "ml")], "ft")


def test_rows_put_each_prerequisite_below_everything_that_builds_on_it():
    row = layers(DIAMOND["path"], DIAMOND["graph"]["edges"], "ft")
    assert row["ft"] == 0
    assert row["model"] == row["training"] == 1
    assert row["ml"] == row["data"] == 2  # ft → ml directly, but also through model: the lower row wins
    for a, b in DIAMOND["graph"]["edges"]:
        assert row[b] > row[a]


def _parse(svg: str):
    return etree.fromstring(svg.encode())


def test_every_node_and_edge_is_drawn_and_linked():
    svg = render_trace_svg(DIAMOND, lang="ja", href=lambda c: f"/terms/{c}")
    root = _parse(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    nodes = root.findall(".//s:g[@data-term]", ns)
    assert [n.get("data-term") for n in nodes] == DIAMOND["path"]
    assert all("trace-node" in n.get("class") for n in nodes)
    assert [n.get("class") for n in nodes if "trace-target" in n.get("class")] and nodes[-1].get("data-term") == "ft"
    links = root.findall(".//s:a", ns)
    assert {a.get("href") for a in links} == {f"/terms/{c}" for c in DIAMOND["path"]}
    edges = root.findall(".//s:path[@class='trace-edge']", ns)
    assert {(e.get("data-from"), e.get("data-to")) for e in edges} == {tuple(e) for e in DIAMOND["graph"]["edges"]}
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "ml（日本語）" in texts


def test_nodes_do_not_overlap():
    svg = render_trace_svg(DIAMOND, lang="en")
    boxes = [tuple(float(v) for v in m) for m in
             re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="(\d+)"', svg)]
    assert len(boxes) == 5
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_labels_and_ids_are_escaped():
    evil = _trace(['"><script>x</script>', "ok"], [('"><script>x</script>', "ok")], '"><script>x</script>',
                  labels={'"><script>x</script>': {"en": "<b>&amp;</b>", "ja": "<i>"}, "ok": {"en": "ok", "ja": "ok"}})
    svg = render_trace_svg(evil, lang="en", href=lambda c: "/terms/" + c)
    assert "<script>" not in svg and "<b>" not in svg
    root = _parse(svg)  # still well-formed
    assert any(t.text == "<b>&amp;</b>" for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_empty_trace_is_an_empty_picture():
    svg = render_trace_svg({"term": "x", "path": [], "graph": {"nodes": [], "edges": []}})
    assert _parse(svg).get("data-term") == "x"


@pytest.mark.parametrize("label", ["short", "a" * 80, "大規模言語モデル" * 6])
def test_long_labels_are_cut_with_an_ellipsis(label):
    cut = fit_label(label)
    assert cut == label or (cut.endswith("…") and len(cut) < len(label))


def test_the_whole_lexicon_draws(annotator, lexicon):
    from tadoru.service.api import trace_document
    from tadoru.service.app import create_app

    app = create_app({"TESTING": True}, annotator=annotator)

    with app.test_request_context():
        for concept in lexicon:
            doc = trace_document(concept.id, [])
            svg = render_trace_svg(doc, lang="ja", href=lambda c: "/terms/" + c)
            root = _parse(svg)
            assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) == len(doc["path"])


def test_each_node_and_arrow_names_the_paths_it_lies_on():
    """Pointing at a term lights everything with that term in ``data-path-to``: the nodes and
    arrows on some path from the traced term down to it, and nothing else."""
    root = _parse(render_trace_svg(DIAMOND, lang="en"))
    on = {g.get("data-term"): set(g.get("data-path-to").split()) for g in root.iter(f"{SVG}g") if g.get("data-term")}
    assert on == {"ft": {"ft", "model", "training", "ml", "data"}, "model": {"model", "ml"},
                  "training": {"training", "ml", "data"}, "ml": {"ml"}, "data": {"data"}}
    edges = {(p.get("data-from"), p.get("data-to")): set(p.get("data-path-to").split())
             for p in root.iter(f"{SVG}path") if p.get("class") == "trace-edge"}
    lit_for_data = {e for e, to in edges.items() if "data" in to}
    assert lit_for_data == {("ft", "training"), ("training", "data")}
    lit_for_ml = {e for e, to in edges.items() if "ml" in to}
    assert lit_for_ml == {("ft", "model"), ("ft", "training"), ("model", "ml"), ("training", "ml"), ("ft", "ml")}


def test_the_picture_scales_by_its_viewbox_and_long_labels_keep_it_narrow():
    wide = _trace(["a", "b", "c", "d", "e", "t"], [("t", x) for x in "abcde"], "t",
                  labels={c: {"en": "a rather long label for a term " * 2, "ja": "長い" * 30} for c in "abcdet"})
    root = _parse(render_trace_svg(wide, lang="en"))
    _x, _y, w, h = (float(v) for v in root.get("viewBox").split())
    assert (w, h) == (float(root.get("width")), float(root.get("height")))
    assert w <= 440  # five wide terms under one: dealt out over rows, not one row 800 wide
    assert all(float(r.get("width")) <= MAX_NODE_WIDTH for r in root.iter(f"{SVG}rect"))
    rows = {float(r.get("y")) for r in root.iter(f"{SVG}rect")}
    assert len(rows) >= 3


KNOWN = {**DIAMOND, "path": ["data", "training", "ft"], "known": ["model"],
         "graph": {"nodes": [n for n in DIAMOND["graph"]["nodes"] if n["id"] in ("data", "training", "ft")]
                   + [{"id": "model", "label": {"en": "model", "ja": "モデル"}, "level": 1, "known": True}],
                   "edges": [["ft", "training"], ["training", "data"], ["ft", "model"]]}}


def test_a_known_term_is_a_marked_stopping_point():
    root = _parse(render_trace_svg(KNOWN, lang="ja", href=lambda c: f"/terms/{c}"))
    nodes = {g.get("data-term"): g for g in root.iter(f"{SVG}g") if g.get("data-term")}
    assert list(nodes) == ["model", "data", "training", "ft"]  # stopping points, then the reading order
    model = nodes["model"]
    assert "trace-known" in model.get("class") and model.get("class").startswith("trace-node trace-level-")
    assert model.find(f"{SVG}rect").get("stroke-dasharray")
    assert model.find(f"{SVG}text").text == "✓ モデル"
    assert "既知" in model.find(f"{SVG}title").text
    assert not any("trace-known" in g.get("class") for c, g in nodes.items() if c != "model")
    assert root.find(f".//{SVG}text[@class='trace-known-note']") is not None
    assert not [p for p in root.iter(f"{SVG}path") if p.get("data-from") == "model"]  # not expanded


def test_term_page_draws_known_terms_as_stops_and_leaves_their_basics_out(annotator, lexicon):
    from tadoru.service.app import create_app

    client = create_app({"TESTING": True}, annotator=annotator).test_client()
    plain = client.get("/terms/fine-tuning?lang=en").text
    text = client.get("/terms/fine-tuning?lang=en&known=machine-learning").text
    assert "trace-known" not in plain and 'class="trace-known-note"' not in plain
    known = re.findall(r'<g class="([^"]*)" data-term="([^"]+)"', text)
    stops = [cid for cls, cid in known if "trace-known" in cls]
    assert stops == ["machine-learning"]
    drawn = {cid for _cls, cid in known}
    # the reading order leaves the known term out, as the API's trace does
    steps = re.findall(r'<li data-term="([^"]+)">', text.split('class="trace-steps"')[1])
    assert "machine-learning" not in steps and set(steps) == drawn - {"machine-learning"}
    assert not re.search(r'data-from="machine-learning"', text)
    # what only machine learning builds on is not drawn: its closure minus what unknown terms reach
    assert len(drawn) < len(re.findall(r'<g class="[^"]*" data-term=', plain))
    svg = client.get("/terms/fine-tuning/trace.svg?known=machine-learning").text
    assert 'class="trace-node trace-level-1 trace-known" data-term="machine-learning"' in svg
    # a known target is drawn alone, as known
    alone = client.get("/terms/fine-tuning?known=fine-tuning").text
    assert re.findall(r'<g class="([^"]*)" data-term="([^"]+)"', alone) == [
        (f"trace-node trace-level-{lexicon['fine-tuning'].level} trace-known trace-target", "fine-tuning")]


def test_term_page_loads_the_picture_script_and_styles_from_its_own_origin(annotator):
    from tadoru.service.app import create_app

    client = create_app({"TESTING": True}, annotator=annotator).test_client()
    page = client.get("/terms/lora")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<script src="/static/trace.js" defer></script>' in page.text
    assert '<link rel="stylesheet" href="/static/trace.css">' in page.text
    for name in ("trace.js", "trace.css"):
        assert client.get(f"/static/{name}").status_code == 200
    script = client.get("/static/trace.js").text
    assert "innerHTML" not in script and "data-path-to" in script
