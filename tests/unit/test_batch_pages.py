"""The batch's building blocks, one at a time (the CLI end to end is in tests/integration)."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import lxml.html
import pytest

from tadoru.batch.inputs import BatchError, assign_outputs, check_out_dir, discover
from tadoru.lexicon.graph import embedded_cards, reading_order
from tadoru.pages.mhtml import MhtmlError, parse_mhtml
from tadoru.pages.reader import PageError, read_page
from tadoru.pages.render import script_json
from tadoru.pages.sanitize import is_dangerous_url, make_inert
from tadoru.text.decoding import decode_bytes

# --------------------------------------------------------------------------- script data

@pytest.mark.parametrize("value", [
    "</script><script>alert(1)</script>", "</SCRIPT >", "<!-- <script>", "a & b > c", "\u2028\u2029", "]]>",
])
def test_script_json_cannot_end_its_script_element(value):
    text = script_json({"v": value, value: [value]})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"v": value, value: [value]}


# --------------------------------------------------------------------------- sanitizer

@pytest.mark.parametrize("url, dangerous", [
    ("javascript:alert(1)", True), (" JaVaScRiPt:alert(1)", True), ("java\tscript:x", True),
    ("vbscript:x", True), ("data:text/html,<script>", True), ("https://example.com/?q=javascript:x", False),
    ("data:image/png;base64,AAAA", False), ("#top", False), ("/relative", False),
])
def test_dangerous_urls(url, dangerous):
    assert is_dangerous_url(url) is dangerous


def test_make_inert_removes_everything_that_runs_and_keeps_text():
    root = lxml.html.document_fromstring(
        '<html><head><base href="https://x/"><meta http-equiv="refresh" content="0;url=https://x">'
        '<meta charset="shift_jis"><link rel="preload" href="a.js"><link rel="stylesheet" href="s.css">'
        '<script>evil()</script></head><body onload="evil()"><p>one<script>evil()</script>two'
        '<iframe src="https://x"></iframe>three</p><a href="javascript:evil()" onclick="evil()">link</a>'
        '<svg><a xlink:href="javascript:evil()"><text>t</text></a></svg><object data="x.swf"></object>'
        '<img src="x.png" onerror="evil()" srcdoc="x"></body></html>')
    make_inert(root)
    html = lxml.html.tostring(root, encoding="unicode")
    assert "evil" not in html and "<base" not in html and "refresh" not in html and "shift_jis" not in html
    assert "<iframe" not in html and "<object" not in html and "preload" not in html
    assert 'rel="stylesheet"' in html and '<img src="x.png">' in html
    assert root.xpath("string(//p)") == "onetwothree"  # tails of removed elements stay


# --------------------------------------------------------------------------- reading

def test_iso_2022_jp_is_not_mistaken_for_utf8():
    text = "<p>大規模言語モデルのファインチューニング</p>"
    assert decode_bytes(text.encode("iso2022_jp"), html=True) == (text, "iso2022_jp")
    assert decode_bytes(text.encode("shift_jis"), html=True, declared="Shift_JIS") == (text, "cp932")


def test_mhtml_without_mime_structure_is_refused():
    with pytest.raises(MhtmlError):
        parse_mhtml(b"just some text, no headers\n")


def test_mhtml_start_parameter_picks_the_root_part():
    raw = (b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="B"; start="<root@x>"; type="text/html"\r\n\r\n'
           b'--B\r\nContent-Type: text/html; charset=utf-8\r\nContent-ID: <frame@x>\r\n\r\n<p>frame</p>\r\n'
           b'--B\r\nContent-Type: text/html; charset=shift_jis\r\nContent-ID: <root@x>\r\n\r\n'
           + "<p>機械学習</p>".encode("shift_jis") + b"\r\n--B--\r\n")
    document = parse_mhtml(raw)
    assert document.charset == "shift_jis"
    assert decode_bytes(document.html, html=True, declared=document.charset)[0].strip() == "<p>機械学習</p>"


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"), (b"  \n\t ", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (bytes(range(1, 32)) * 40, "binary"),
])
def test_unreadable_pages_get_named_reasons(tmp_path, content, reason):
    path = tmp_path / "page.html"
    path.write_bytes(content)
    with pytest.raises(PageError) as caught:
        read_page(path)
    assert caught.value.reason == reason


def test_unsupported_suffix_is_named(tmp_path):
    path = tmp_path / "paper.pdf"
    path.write_bytes(b"%PDF-1.7")
    with pytest.raises(PageError) as caught:
        read_page(path)
    assert caught.value.reason == "unsupported"


def test_nesting_limit(annotator, tmp_path):
    from tadoru.batch.worker import LocalEngine, WorkerConfig
    from tadoru.text.visible import MAX_DEPTH

    engine = LocalEngine(WorkerConfig(out_dir=str(tmp_path)), annotator=annotator)
    _page, annotations, _lang = engine.annotate_html("<div>" * (MAX_DEPTH - 10) + "LoRA")
    assert [a.exact for a in annotations] == ["LoRA"]
    with pytest.raises(PageError) as caught:
        engine.annotate_html("<div>" * 10_000 + "LoRA")
    assert caught.value.reason == "too-deep"


# --------------------------------------------------------------------------- term graph

def test_reading_order_of_one_term_is_the_lexicons_trace(lexicon):
    def card_of(cid):
        concept = lexicon.get(cid)
        return concept.to_card() if concept else None

    for cid in list(lexicon.concepts)[:200]:
        assert reading_order([cid], card_of) == lexicon.trace(cid)
        assert reading_order([cid], card_of, skip={"machine-learning"}) == lexicon.trace(cid, ["machine-learning"])


def test_reading_order_of_several_terms_is_one_valid_order():
    cards = {
        "c": {"id": "c", "deeper": ["b", "a"]}, "b": {"id": "b", "deeper": ["a"]}, "a": {"id": "a", "deeper": []},
        "d": {"id": "d", "deeper": ["a", "x", "e"]}, "e": {"id": "e", "deeper": ["d"]},  # a cycle, an unknown id
    }
    order = reading_order(["c", "d", "c"], cards.get)
    assert order == ["a", "b", "c", "e", "d"]
    assert reading_order(["c", "d"], cards.get, skip=lambda cid: cid == "b") == ["a", "c", "e", "d"]


def test_embedded_cards_are_closed_under_their_buttons():
    cards = {
        "t": {"id": "t", "deeper": ["p"], "related": ["r", "far"]},
        "p": {"id": "p", "deeper": [], "related": ["t", "elsewhere"]},
        "r": {"id": "r", "deeper": ["q"], "related": []},
        "q": {"id": "q", "deeper": [], "related": []},
        "far": {"id": "far", "deeper": [], "related": []},
        "elsewhere": {"id": "elsewhere", "deeper": [], "related": []},
    }
    embedded = embedded_cards(["t"], cards.get)
    assert set(embedded) == {"t", "p", "r", "q", "far"}
    assert embedded["p"]["related"] == ["t"]  # trimmed to what is embedded
    assert cards["p"]["related"] == ["t", "elsewhere"]  # the source cards are untouched


# --------------------------------------------------------------------------- inputs and outputs

def test_outputs_mirror_inputs_and_never_collide(tmp_path):
    root = tmp_path / "saved"
    for rel in ("index.html", "notes.txt", "notes.html", "a/page.mhtml", "a/page.htm", "b/old.xhtml", "c/Q.md",
                "c/q.html", "a/page_files/frame.html", ".git/x.html"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("<p>x</p>", encoding="utf-8")
    inputs = discover([str(root)])
    assign_outputs(inputs, "both")
    html = {str(rel): str(out["html"]) for rel, out in inputs.outputs.items()}
    assert html == {
        "index.html": "index-html.html",  # index.html is the study plan
        "notes.html": "notes.html", "notes.txt": "notes-txt.html",
        "a/page.htm": "a/page.htm", "a/page.mhtml": "a/page-mhtml.html",
        "b/old.xhtml": "b/old.html", "c/q.html": "c/q.html", "c/Q.md": "c/Q-md.html",
    }
    every = [str(p) for out in inputs.outputs.values() for p in out.values()]
    assert len({p.casefold() for p in every}) == len(every)
    assert inputs.outputs[PurePosixPath("notes.txt")]["json"] == PurePosixPath("notes-txt.jsonld")


def test_out_dir_rules(tmp_path):
    root = tmp_path / "saved"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "p.html").write_text("<p>x</p>", encoding="utf-8")
    inputs = discover([str(root)])
    for bad in (root, root / "sub", root / "new" / "deeper"):
        with pytest.raises(BatchError):
            check_out_dir(bad, inputs)
    assert check_out_dir(tmp_path / "elsewhere", inputs) == (tmp_path / "elsewhere").resolve()
    single = discover([str(root / "sub" / "p.html")])
    assert check_out_dir(root / "out", single) == (root / "out").resolve()  # next to a file is fine
    with pytest.raises(BatchError):
        check_out_dir(root, single)  # …but not a folder holding an input


# --------------------------------------------------------------------------- worker crashes

def test_a_page_that_kills_its_worker_fails_alone(tmp_path):
    """A worker killed mid-page (as the OOM killer would): that page fails, every other one is done."""
    import os
    import signal

    from tadoru.batch.runners import drive, make_runner
    from tadoru.batch.worker import LocalEngine, PageJob, WorkerConfig, process_page

    class Fragile(LocalEngine):
        def __init__(self) -> None:  # no annotator needed
            self._cards = {}
            self.known_found = {}
            self.truncated_at = None
            self.candidates = []

        def annotate_text(self, text, options=None):
            if "CRASH" in text:
                os.kill(os.getpid(), signal.SIGKILL)
            return [], "en"

        def card(self, concept_id):
            return None

    jobs = []
    for n in range(6):
        page = tmp_path / f"p{n}.txt"
        page.write_text("CRASH" if n == 2 else f"page {n}", encoding="utf-8")
        jobs.append(PageJob(str(page), page.name, {"html": f"p{n}.html"}))
    results: dict[str, dict] = {}
    runner = make_runner(process_page, WorkerConfig(out_dir=str(tmp_path / "out")), jobs=2, dask=None,
                         engine=Fragile(), warn=print,
                         died=lambda job, message: {"input": job.rel, "status": "failed", "message": message})
    try:
        drive(runner, jobs, lambda r: results.setdefault(r["input"], r))
    finally:
        runner.close()
    assert set(results) == {f"p{n}.txt" for n in range(6)}
    assert results["p2.txt"]["status"] == "failed" and "worker process died" in results["p2.txt"]["message"]
    assert all(results[f"p{n}.txt"]["status"] == "done" for n in (0, 1, 3, 4, 5))
    assert (tmp_path / "out" / "p5.html").is_file()
