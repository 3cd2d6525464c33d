"""PDFs in ``tadoru annotate`` (issue 13 #6), run as a reader runs it: the real CLI in a subprocess.

A folder of papers batch-annotates into readable pages (the text reflowed into paragraphs with
page markers, highlights and the tooltip, offline), W3C Web Annotation JSON-LD whose targets
carry an RFC 8118 ``page=N`` FragmentSelector beside the text selectors, and the study plan;
bad PDFs fail with a named reason while the rest are done; ``--json paper.pdf`` prints the API's
answer; ``--server`` gives the same files as the in-process engine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from harness.pdfgen import encrypted_pdf, simple_pdf
from tests.integration.batch_support import run_cli

PAPER = [
    ["Fine-tuning adapts a pretrained large language model to a new task.",
     "LoRA trains small low-rank matrices instead of every weight."],
    ["The transformer relies on self-attention; a GPU makes training fast."],
]


def _encrypted(data: bytes) -> bytes:
    pytest.importorskip("pypdf")  # test-only: PDFium cannot encrypt
    return encrypted_pdf(data)


@pytest.fixture
def papers(tmp_path: Path) -> Path:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "paper.pdf").write_bytes(simple_pdf(PAPER))
    (folder / "damaged.pdf").write_bytes(simple_pdf(PAPER)[:250])
    (folder / "locked.pdf").write_bytes(_encrypted(simple_pdf(PAPER)))
    (folder / "thesis.pdf").write_bytes(simple_pdf([["page"]] * 301))
    (folder / "notes.txt").write_text("Notes on RAG and embeddings.\n", encoding="utf-8")
    return folder


def test_a_folder_of_pdfs_becomes_pages_annotations_and_a_study_plan(papers, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(papers, "--out", out, "--format", "both", "--jobs", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # some inputs failed, the rest are done
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    pages = {p["input"]: p for p in report["pages"]}
    assert pages["paper.pdf"]["status"] == "done"
    assert {n: pages[n]["reason"] for n in ("damaged.pdf", "locked.pdf", "thesis.pdf")} == {
        "damaged.pdf": "unparsable", "locked.pdf": "encrypted", "thesis.pdf": "oversized"}
    assert pages["notes.txt"]["status"] == "done"
    for name in ("damaged.pdf", "locked.pdf", "thesis.pdf"):
        assert name in proc.stdout  # named in the summary, with its reason, never a traceback
    assert "Traceback" not in proc.stdout + proc.stderr

    html = (out / "paper.html").read_text(encoding="utf-8")
    assert html.count('class="tadoru-page"') == 2 and 'id="page-2"' in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    terms = re.findall(r'<tadoru-term data-term="([^"]+)"', main)
    assert {"fine-tuning", "large-language-model", "lora", "transformer", "gpu"} <= set(terms)
    assert "tadoru-tooltip-script" in html and "http://" not in html.split("<script", 1)[0].lower().replace(
        "http://www.w3.org", "")
    # Reflowed: the page's two lines are one paragraph, not two lines of a PDF.
    assert re.search(r"new task\. <tadoru-term data-term=\"lora\"", html)

    doc = json.loads((out / "paper.jsonld").read_text(encoding="utf-8"))
    items = doc["first"]["items"]
    assert len(items) == len(terms)
    for item in items:
        selectors = {s["type"]: s for s in item["target"]["selector"]}
        assert set(selectors) == {"TextQuoteSelector", "TextPositionSelector", "FragmentSelector"}
        assert selectors["FragmentSelector"]["conformsTo"] == "http://tools.ietf.org/rfc/rfc8118"
        assert re.fullmatch(r"page=[12]", selectors["FragmentSelector"]["value"])
        assert item["target"]["format"] == "application/pdf"
    by_term = {i["body"][0]["value"]: i for i in items}
    page_of = {t: next(s["value"] for s in i["target"]["selector"] if s["type"] == "FragmentSelector")
               for t, i in by_term.items()}
    assert page_of["lora"] == "page=1" and page_of["transformer"] == "page=2"

    plan = (out / "index.html").read_text(encoding="utf-8")
    assert "paper.html#tadoru=lora" in plan


def test_json_prints_the_apis_answer(papers, live_server):
    proc = run_cli("--json", papers / "paper.pdf")
    assert proc.returncode == 0, proc.stderr
    mine = json.loads(proc.stdout)
    api = requests.post(f"{live_server.url}/api/v1/annotate-pdf", data=(papers / "paper.pdf").read_bytes(),
                        headers={"Content-Type": "application/pdf"}, timeout=60).json()
    assert mine == api
    bad = run_cli("--json", papers / "locked.pdf")
    assert bad.returncode != 0 and "locked.pdf" in bad.stderr and "password" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_through_a_service_the_files_are_the_same(papers, tmp_path, live_server):
    (papers / "damaged.pdf").unlink()
    (papers / "locked.pdf").unlink()
    (papers / "thesis.pdf").unlink()
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert run_cli(papers, "--out", local, "--format", "both", "--jobs", "1").returncode == 0
    proc = run_cli(papers, "--out", remote, "--format", "both", "--server", live_server.url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("paper.html", "paper.jsonld"):
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name
