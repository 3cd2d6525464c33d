"""``POST /api/v1/annotate-pdf`` through real HTTP (issue 13 #2): the answer's shape and meaning,
the reader options as query parameters, and every kind of bad or hostile PDF as a clear 4xx.

PDFs come from ``harness.pdfgen`` (written byte by byte: fast, no browser) and, for the papers
with layout and Japanese, from Chromium printing the fixture articles (``pdfs`` in conftest).
"""

from __future__ import annotations

import random
import time

import pytest
import requests

from harness.pdfgen import encrypted_pdf, japanese_pdf, simple_pdf
from harness.service import start_server, stop_server

PAPER = [
    ["Fine-tuning adapts a pretrained large language model to a new task.",
     "LoRA trains small low-rank matrices instead of every weight of the neural network."],
    ["The transformer relies on self-attention; a GPU makes training fast."],
]
PDF_HEADERS = {"Content-Type": "application/pdf"}


def post_pdf(server, data: bytes, **params):
    return requests.post(f"{server.url}/api/v1/annotate-pdf", data=data, params=params, headers=PDF_HEADERS,
                         timeout=120)


def test_a_paper_comes_back_with_pages_boxes_and_cards(live_server, annotator):
    r = post_pdf(live_server, simple_pdf(PAPER))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["lang"] == "en"
    assert [p["page"] for p in doc["pages"]] == [1, 2]
    assert all(p["width"] == 612 and p["height"] == 792 for p in doc["pages"])
    text = doc["text"]
    # The same text annotated as text gives the same terms at the same offsets.
    expected = [(a.start, a.end, a.term) for a in annotator.annotate_text(text)]
    assert [(a["start"], a["end"], a["term"]) for a in doc["annotations"]] == expected
    terms = {a["term"] for a in doc["annotations"]}
    assert {"fine-tuning", "large-language-model", "lora", "neural-network", "transformer", "gpu"} <= terms
    assert set(doc["terms"]) == terms and doc["terms"]["lora"]["id"] == "lora"
    for a in doc["annotations"]:
        assert text[a["start"]:a["end"]] == a["exact"]
        page = doc["pages"][a["page"] - 1]
        assert a["rects"]
        for x0, y0, x1, y1 in a["rects"]:
            assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]
    by_term = {a["term"]: a for a in doc["annotations"]}
    assert by_term["lora"]["page"] == 1 and by_term["transformer"]["page"] == 2
    # Lines go down the page: the first line's boxes sit above the second's (top-left origin).
    assert by_term["fine-tuning"]["rects"][0][1] < by_term["lora"]["rects"][0][1]


def test_reader_options_are_query_parameters(live_server):
    pdf = simple_pdf([["LoRA and LoRA again: fine-tuning with LoRA on a GPU."]])
    everything = [a["term"] for a in post_pdf(live_server, pdf, density="all").json()["annotations"]]
    assert everything.count("lora") == 3
    first = [a["term"] for a in post_pdf(live_server, pdf, first_only="true").json()["annotations"]]
    assert first.count("lora") == 1
    calm = [a["term"] for a in post_pdf(live_server, pdf).json()["annotations"]]  # the default
    assert calm == list(dict.fromkeys(everything))
    known = post_pdf(live_server, pdf, known="lora,GPU").json()
    assert {a["term"] for a in known["annotations"]} == {"fine-tuning"}
    assert known["known_found"] == {"lora": 3, "gpu": 1}
    assert post_pdf(live_server, pdf, lang="ja").json()["lang"] == "ja"
    bad = post_pdf(live_server, pdf, level="7")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_parameter"


@pytest.mark.browser
def test_chromium_printed_papers_in_both_languages(live_server, pdfs):
    for name, lang in (("paper_en", "en"), ("article_ja", "ja")):
        r = post_pdf(live_server, pdfs[name])
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["lang"] == lang and len(doc["annotations"]) >= 15 and "warnings" not in doc
        for a in doc["annotations"]:
            page = doc["pages"][a["page"] - 1]
            assert all(0 <= x0 < x1 <= page["width"] + 1 and 0 <= y0 < y1 <= page["height"] + 1
                       for x0, y0, x1, y1 in a["rects"])


@pytest.mark.browser
def test_calm_starts_a_section_at_each_heading_of_a_paper_and_marks_none(live_server, pdfs):
    """Issue 15 #1 for PDFs: the printed paper's <h1>/<h2> come back as headings of its layout;
    by default nothing in them is marked, with density=all the title's terms are."""
    from tadoru.pdf import extract_pdf

    for name, expected in (("paper_en", ["Abstract", "1 Introduction", "2 Method", "3 Experiments", "4 Conclusion",
                                         "References"]),
                           ("article_ja", ["1. アテンションの役割", "2. 学習の進め方"])):
        layout = extract_pdf(pdfs[name])
        headings = [layout.text[s:e] for s, e in layout.headings]
        assert all(h in headings for h in expected), headings
        assert headings[0].startswith(("Sparse Attention", "大規模言語モデル"))  # the title, set large

        calm = post_pdf(live_server, pdfs[name]).json()
        assert calm["text"] == layout.text and calm["annotations"]
        assert not _in_headings(calm["annotations"], layout.headings)
        everything = post_pdf(live_server, pdfs[name], density="all").json()
        assert _in_headings(everything["annotations"], layout.headings), "the headings do hold terms"


def _in_headings(annotations, headings):
    return [a["exact"] for a in annotations if any(s <= a["start"] < e for s, e in headings)]


@pytest.mark.browser
def test_a_scan_without_text_answers_200_with_a_warning(live_server, pdfs):
    r = post_pdf(live_server, pdfs["scanned"])
    assert r.status_code == 200, r.text
    assert r.json()["annotations"] == [] and r.json()["warnings"] == ["no_text_layer"]


def test_a_page_without_text_is_no_text_layer_too(live_server):
    doc = post_pdf(live_server, simple_pdf([[], []])).json()
    assert doc["annotations"] == [] and doc["warnings"] == ["no_text_layer"] and len(doc["pages"]) == 2


def _encrypted(data: bytes) -> bytes:
    pytest.importorskip("pypdf")  # test-only: PDFium cannot encrypt
    return encrypted_pdf(data)


def _loop_pages(data: bytes) -> bytes:
    """The page tree's only kid points back at the tree itself (an object loop)."""
    return data.replace(b"/Kids [4 0 R]", b"/Kids [2 0 R]")


def _huge_count(data: bytes) -> bytes:
    return data.replace(b"/Count 1 ", b"/Count 2000000000 ")


@pytest.mark.parametrize(("name", "make", "status", "code"), [
    ("empty body", lambda: b"", 422, "invalid_pdf"),
    ("not a PDF", lambda: b"<html>hello</html>", 422, "invalid_pdf"),
    ("random bytes", lambda: random.Random(3).randbytes(5000), 422, "invalid_pdf"),
    ("cut short", lambda: simple_pdf(PAPER)[:300], 422, "invalid_pdf"),
    ("header only", lambda: b"%PDF-1.7\n" + b"\0" * 100, 422, "invalid_pdf"),
    ("encrypted", lambda: _encrypted(simple_pdf(PAPER)), 422, "pdf_encrypted"),
    ("too many pages", lambda: simple_pdf([["page"]] * 301), 422, "pdf_too_long"),
])
def test_bad_pdfs_get_clear_errors(live_server, name, make, status, code):
    r = post_pdf(live_server, make())
    assert r.status_code == status, (name, r.text)
    error = r.json()["error"]
    assert error["code"] == code and error["message"], name


@pytest.mark.parametrize("make", [_loop_pages, _huge_count], ids=["object loop", "page count of two billion"])
def test_hostile_page_trees_are_answered_quickly(live_server, make):
    """A page tree that loops or lies about its size is refused or read as what it holds, fast, never a 500."""
    started = time.monotonic()
    r = post_pdf(live_server, make(simple_pdf([["LoRA"]])))
    assert time.monotonic() - started < 10
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert r.json()["error"]["code"] in ("invalid_pdf", "pdf_too_long")
    assert requests.get(f"{live_server.url}/api/v1/health", timeout=10).status_code == 200


def test_the_body_must_be_sent_as_a_pdf(live_server):
    r = requests.post(f"{live_server.url}/api/v1/annotate-pdf", data=simple_pdf(PAPER), timeout=30,
                      headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"


def test_the_pdf_cap_is_its_own_and_configurable(tmp_path):
    """TADORU_MAX_PDF bounds the PDF route, not TADORU_MAX_BODY: a PDF larger than the JSON cap is
    read, one larger than the PDF cap answers 413."""
    pdf = simple_pdf([["LoRA " * 40] for _ in range(200)])
    server = start_server(tmp_path, env={"TADORU_MAX_BODY": "20KiB", "TADORU_MAX_PDF": str(len(pdf) + 10)})
    try:
        assert len(pdf) > 20 * 1024
        assert post_pdf(server, pdf).status_code == 200
        too_big = post_pdf(server, pdf + b"\n" * 100)
        assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "payload_too_large"
        text = requests.post(f"{server.url}/api/v1/annotate", json={"text": "x" * 30_000}, timeout=30)
        assert text.status_code == 413
    finally:
        stop_server(server.process)


def test_the_paste_form_without_javascript_shows_a_pdfs_text_marked(live_server):
    """web.js sends a chosen PDF to the reader; a form posted without it still gets the PDF's text
    marked, not "could not tell this file's text encoding" (the issue's report)."""
    r = requests.post(f"{live_server.url}/?lang=en", timeout=60, headers={"Origin": live_server.url},
                      files={"file": ("paper.pdf", simple_pdf(PAPER), "application/pdf")}, data={"level": "1"})
    assert r.status_code == 200, r.text[:500]
    assert 'data-term="lora"' in r.text and 'data-term="transformer"' in r.text
    assert "paper.pdf" in r.text


def test_the_reader_page_allows_the_pdfjs_worker_and_nothing_more(live_server):
    r = requests.get(f"{live_server.url}/read", timeout=30)
    assert r.status_code == 200
    policy = r.headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for asset in ("pdfjs/pdf.min.mjs", "pdfjs/pdf.worker.min.mjs", "reader.js", "pending.js"):
        got = requests.get(f"{live_server.url}/static/{asset}", timeout=30)
        assert got.status_code == 200 and "javascript" in got.headers["Content-Type"], asset
    assert requests.get(f"{live_server.url}/static/pdfjs/cmaps/UniJIS-UCS2-H.bcmap", timeout=30).status_code == 200


JA_LINES = ["大規模言語モデルをファインチューニングする。", "LoRAは低ランク行列だけを学習する手法です。"]


def test_japanese_in_a_font_that_is_not_embedded(live_server, annotator):
    """A CJK font named but not embedded (UniJIS-UCS2-H): the text still comes out, joined without spaces."""
    doc = post_pdf(live_server, japanese_pdf(JA_LINES)).json()
    assert doc["lang"] == "ja"
    assert doc["text"] == "".join(JA_LINES)
    expected = [(a.term, a.surface) for a in annotator.annotate_text("".join(JA_LINES))]
    assert [(a["term"], a["exact"]) for a in doc["annotations"]] == expected
    assert {"large-language-model", "fine-tuning", "lora"} <= {t for t, _ in expected}
