"""``tadoru annotate --discover`` (issue 16): batch copies mark the words Tadoru does not know yet,
in process and through a running service alike, and ``--json`` lists them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import lxml.html
import pytest

try:
    from . import batch_support as bs
except ImportError:  # run as a top-level module
    import batch_support as bs

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "en_agents_2025.html"


def _candidates(html: str) -> list[tuple[str, str, str | None, str | None]]:
    root = lxml.html.document_fromstring(html)
    return [(el.get("data-candidate"), el.get("data-surface"), el.get("data-long-form"), el.get("data-head"))
            for el in root.iter("tadoru-term") if el.get("data-candidate")]


def test_batch_copies_mark_candidates_and_carry_the_head_cards(tmp_path, live_server):
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(PAGE, pages / PAGE.name)
    (pages / "notes.txt").write_text("We fine-tuned a large language model; the judge model graded every "
                                     "answer, and FastMCP served the tools during supervised fine-tuning.\n",
                                     encoding="utf-8")
    out = tmp_path / "out"
    proc = bs.run_cli(pages, "--out", out, "--discover", "--jobs", "1", "--quiet", "--format", "both")
    assert proc.returncode == 0, proc.stderr
    html = (out / "en_agents_2025.html").read_text(encoding="utf-8")
    marked = _candidates(html)
    assert ("definition", "KTO", "Kahneman-Tversky Optimization", None) in marked
    assert ("compound", "judge model", None, "model") in marked
    assert "model" in bs.embedded_data(html)["cards"]  # the head's card travels with the copy, to trace into
    assert ("acronym", "FastMCP", None, None) in _candidates((out / "notes.html").read_text(encoding="utf-8"))
    # Through a running service: the same copies.
    served = tmp_path / "served"
    proc = bs.run_cli(pages, "--out", served, "--discover", "--jobs", "1", "--quiet", "--server", live_server.url,
                      "--format", "both")
    assert proc.returncode == 0, proc.stderr
    assert _candidates((served / "en_agents_2025.html").read_text(encoding="utf-8")) == marked
    # The Web Annotation copy lists them too, after the terms, told apart by a classifying body.
    listed = _jsonld_candidates(out / "en_agents_2025.jsonld")
    assert ("candidate:definition", "KTO", "Kahneman-Tversky Optimization", None) in listed
    assert ("candidate:compound", "judge model", None, "model") in listed
    assert len(listed) == len(marked)
    assert _jsonld_candidates(served / "en_agents_2025.jsonld") == listed


def _jsonld_candidates(path: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(kind, word, long form, head) of the collection's candidates, each checked against its selectors."""
    items = json.loads(path.read_text(encoding="utf-8"))["first"]["items"]
    out = []
    for item in items:
        bodies = {b["purpose"]: b["value"] for b in item["body"]}
        if not bodies.get("classifying", "").startswith("candidate:"):
            continue
        quote, position = item["target"]["selector"][:2]
        assert quote["exact"] == bodies["tagging"] and position["end"] - position["start"] == len(quote["exact"])
        out.append((bodies["classifying"], bodies["tagging"], bodies.get("describing"), bodies.get("linking")))
    return out


def test_a_pdfs_candidates_carry_their_page(tmp_path):
    from harness.pdfgen import simple_pdf

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "paper.pdf").write_bytes(simple_pdf([
        ["We fine-tune a large language model with supervised fine-tuning."],
        ["Kahneman-Tversky Optimization (KTO) learns from thumbs-up labels; KTO needs no pairs."]]))
    out = tmp_path / "out"
    proc = bs.run_cli(papers, "--out", out, "--discover", "--jobs", "1", "--quiet", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    items = json.loads((out / "paper.jsonld").read_text(encoding="utf-8"))["first"]["items"]
    kto = [i for i in items if {"purpose": "classifying", "type": "TextualBody", "value": "candidate:definition"} in i["body"]]
    assert kto and all(i["target"]["selector"][2]["value"] == "page=2" for i in kto)


@pytest.fixture(scope="module")
def every_kind() -> dict:
    """``annotate --json --discover`` of the page: every kind of candidate."""
    proc = bs.run_cli("--json", "--discover", PAGE)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_json_lists_candidates_when_asked(every_kind):
    doc = every_kind
    spans = [(a["start"], a["end"]) for a in doc["annotations"]]
    assert {c["surface"] for c in doc["candidates"]} >= {"KTO", "SimPO", "FastMCP"}
    assert not any(s < c["end"] and c["start"] < e for c in doc["candidates"] for s, e in spans)
    assert "candidates" not in json.loads(bs.run_cli("--json", PAGE).stdout)


def test_discover_kinds_asks_for_those_kinds_only(tmp_path, every_kind):
    """``--discover-kinds definition,acronym``: what the extension shows by default, in the CLI;
    a compound not asked for leaves its head highlighted as the term it is."""
    proc = bs.run_cli("--json", "--discover-kinds", "definition,acronym", PAGE)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    kinds = {c["kind"] for c in doc["candidates"]}
    assert kinds == {"definition", "acronym"}
    assert "compound" in {c["kind"] for c in every_kind["candidates"]}
    assert [c for c in every_kind["candidates"] if c["kind"] != "compound"] == doc["candidates"]

    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(PAGE, pages / PAGE.name)
    out = tmp_path / "out"
    proc = bs.run_cli(pages, "--out", out, "--discover-kinds", "acronym", "--jobs", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert {kind for kind, *_ in _candidates((out / PAGE.name).read_text(encoding="utf-8"))} == {"acronym"}
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["options"]["discover"] == ["acronym"]

    bad = bs.run_cli("--json", "--discover-kinds", "definition,acronyms", PAGE)
    assert bad.returncode == 2 and "acronyms is not a kind" in bad.stderr and "Traceback" not in bad.stderr
