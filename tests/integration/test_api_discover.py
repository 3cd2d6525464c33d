"""``discover: true`` through real HTTP (issue 16): the answer lists the page's candidate terms.

The texts use names checked to be missing from the shipped lexicon (KTO, SimPO, FastMCP, judge
model, 教師モデル); ``tests/unit/test_discover.py`` fails first, by name, if the lexicon gains one.
"""

from __future__ import annotations

import requests

from harness.pdfgen import simple_pdf

EN = ("Kahneman-Tversky Optimization (KTO) tunes a large language model from thumbs-up labels, and KTO needs "
      "no paired data. SimPO (Simple Preference Optimization) drops the reference. With FastMCP an agent "
      "calls tools; a judge model scores the outputs after supervised fine-tuning.")
JA = ("カーネマン・トヴェルスキー最適化（KTO）は、二値のラベルだけで大規模言語モデルを学習する手法です。"
      "KTOでは教師モデルを使わずにファインチューニングを行い、強化学習の報酬も必要ありません。")


def annotate(live_server, **body) -> requests.Response:
    return requests.post(f"{live_server.url}/api/v1/annotate", json=body, timeout=30)


def assert_no_overlap(doc: dict, text: str) -> None:
    spans = [(a["start"], a["end"]) for a in doc["annotations"]]
    for c in doc["candidates"]:
        assert text[c["start"]:c["end"]] == c["surface"]
        assert not any(s < c["end"] and c["start"] < e for s, e in spans), c


def test_english_candidates_of_every_kind(live_server):
    r = annotate(live_server, text=EN, discover=True, density="all")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert_no_overlap(doc, EN)
    by = {(c["surface"], c["kind"]): c for c in doc["candidates"]}
    kto = [c for c in doc["candidates"] if c["surface"] == "KTO"]
    assert len(kto) == 2 and {c["long_form"] for c in kto} == {"Kahneman-Tversky Optimization"}
    assert {c["defined_at"] for c in kto} == {kto[0]["start"]}  # the later use points to the definition
    assert by[("SimPO", "definition")]["long_form"] == "Simple Preference Optimization"
    assert ("FastMCP", "acronym") in by
    judge = by[("judge model", "compound")]
    assert judge["head"] == "model" and doc["terms"]["model"]["id"] == "model"  # the head's card, to trace
    assert judge["prefix"].endswith("tools; a ") and judge["suffix"].startswith(" scores")


def test_japanese_candidates(live_server):
    doc = annotate(live_server, text=JA, discover=True).json()
    assert_no_overlap(doc, JA)
    kinds = {(c["surface"], c["kind"]) for c in doc["candidates"]}
    assert ("KTO", "definition") in kinds and ("教師モデル", "compound") in kinds
    assert {c["long_form"] for c in doc["candidates"] if c["surface"] == "KTO"} == {"カーネマン・トヴェルスキー最適化"}


def test_reader_options_still_apply_and_no_candidates_unless_asked(live_server):
    plain = annotate(live_server, text=EN).json()
    assert "candidates" not in plain
    asked = annotate(live_server, text=EN, discover=True, known=["large-language-model"]).json()
    assert "candidates" in asked
    assert "large-language-model" not in {a["term"] for a in asked["annotations"]}
    assert asked["known_found"] == {"large-language-model": 1}
    html = annotate(live_server, html=f"<article><p>{EN}</p></article>", discover=True).json()
    assert {c["surface"] for c in html["candidates"]} >= {"KTO", "FastMCP"}


def test_discover_must_be_a_boolean_or_kinds(live_server):
    r = annotate(live_server, text=EN, discover="yes")
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "discover"
    r = annotate(live_server, text=EN, discover=["acronym", "guess"])
    assert r.status_code == 422 and r.json()["error"]["field"] == "discover[1]"


def test_only_the_kinds_asked_for_and_their_heads_stay_marked(live_server):
    """The extension's default asks for definitions and acronyms only (their held-out precision
    meets the target): no compound, and the head a compound would have taken stays a term."""
    every = annotate(live_server, text=EN, discover=True, density="all").json()
    judge = next(c for c in every["candidates"] if c["surface"] == "judge model")
    assert not any(a["start"] >= judge["start"] and a["end"] <= judge["end"] for a in every["annotations"])
    names = annotate(live_server, text=EN, discover=["definition", "acronym"], density="all").json()
    assert {c["kind"] for c in names["candidates"]} == {"definition", "acronym"}
    assert [c for c in names["candidates"]] == [c for c in every["candidates"] if c["kind"] != "compound"]
    assert any(a["term"] == "model" and a["start"] == judge["end"] - len("model") for a in names["annotations"])
    pdf = requests.post(f"{live_server.url}/api/v1/annotate-pdf", data=simple_pdf([[EN]]),
                        params={"discover": "acronym"}, headers={"Content-Type": "application/pdf"}, timeout=120)
    assert pdf.status_code == 200 and {c["kind"] for c in pdf.json()["candidates"]} == {"acronym"}


def test_pdf_candidates_carry_page_and_boxes(live_server):
    pdf = simple_pdf([[EN[:120]], [EN[120:]]])
    r = requests.post(f"{live_server.url}/api/v1/annotate-pdf", data=pdf, params={"discover": "true"},
                      headers={"Content-Type": "application/pdf"}, timeout=120)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert_no_overlap(doc, doc["text"])
    kto = [c for c in doc["candidates"] if c["surface"] == "KTO"]
    assert kto and all(c["page"] == 1 and c["rects"] for c in kto)
    assert any(c["page"] == 2 for c in doc["candidates"])
    without = requests.post(f"{live_server.url}/api/v1/annotate-pdf", data=pdf,
                            headers={"Content-Type": "application/pdf"}, timeout=120).json()
    assert "candidates" not in without
