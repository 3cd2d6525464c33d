"""The trace picture: layout rules, escaping, and well-formed SVG."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from tadoru.service.trace_svg import fit_label, layers, render_trace_svg


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
