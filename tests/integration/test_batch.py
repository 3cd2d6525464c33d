"""``tadoru annotate PATH… --out DIR``, run as a reader runs it: the real CLI in a subprocess.

One batch over the whole fixture tree (every kind of page, every kind of broken file) is shared
by most tests; the others run their own batch for the option they check.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

try:
    from . import batch_support as bs
except ImportError:  # tests/integration is not a package
    import batch_support as bs


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return bs.build_tree(tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="module")
def batch(tree):
    """The whole tree, both formats, two worker processes."""
    before = bs.tree_digest(tree)
    out = tree.parent / "out"
    proc = bs.run_cli(tree, "--out", out, "--format", "both", "--jobs", "2")
    return {"proc": proc, "out": out, "before": before, "tree": tree}


@pytest.fixture(scope="module")
def lexicon_cards():
    from tadoru import load_lexicon

    lex = load_lexicon()
    return {c.id: c.to_card() for c in lex}


def _page(batch, rel: str) -> str:
    return (batch["out"] / rel).read_text(encoding="utf-8")


def _terms_marked(html: str) -> list[str]:
    return re.findall(r'<tadoru-term data-term="([a-z0-9-]+)"', html)


# --------------------------------------------------------------------------- the whole batch


def test_exit_status_1_and_every_failure_named_in_the_summary(batch):
    proc = batch["proc"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr == ""  # not a terminal: no progress bar
    failed_lines = proc.stdout.split("failed pages:")[1]
    for rel, reason in bs.EXPECTED_FAILURES.items():
        line = next(ln for ln in failed_lines.splitlines() if rel in ln)
        assert reason in line
    counts = bs.summary_counts(proc.stdout)
    assert counts == {"annotated": len(bs.GOOD_PAGES), "up to date": 0, "failed": len(bs.EXPECTED_FAILURES)}


def test_report_lists_every_page_with_status_and_reason(batch):
    report = bs.report(batch["out"])
    pages = {p["input"]: p for p in report["pages"]}
    assert set(pages) == set(bs.GOOD_PAGES) | set(bs.EXPECTED_FAILURES)  # .hidden.html and _files/ skipped
    for rel, reason in bs.EXPECTED_FAILURES.items():
        assert pages[rel]["status"] == "failed" and pages[rel]["reason"] == reason and pages[rel]["message"]
    for rel in bs.GOOD_PAGES:
        assert pages[rel]["status"] == "done"
        assert pages[rel]["terms"] > 0 and pages[rel]["unknown_terms"] == pages[rel]["terms"]
    assert pages["broken/oversized.html"]["message"].endswith("over the 20 MiB limit")


def test_outputs_mirror_the_input_tree(batch):
    written = set(bs.outputs(batch["out"]))
    expected = {"index.html", "report.json"}
    for rel in bs.GOOD_PAGES:
        stem = rel.rsplit(".", 1)[0]
        expected |= {stem + ".html", stem + ".jsonld"}
    assert written == expected
    assert not any(name.endswith(".tadoru-tmp") for name in os.listdir(batch["out"]))


def test_inputs_are_never_modified(batch):
    assert bs.tree_digest(batch["tree"]) == batch["before"]


@pytest.mark.parametrize("rel, encoding", [
    ("encodings/sjis-meta.html", "cp932"),
    ("encodings/sjis-nometa.html", "cp932"),
    ("encodings/eucjp.html", "euc_jp"),
    ("articles/ja/llm-nyumon.html", "utf-8"),
])
def test_japanese_pages_in_every_encoding_are_read_and_marked(batch, rel, encoding):
    report = {p["input"]: p for p in bs.report(batch["out"])["pages"]}
    assert report[rel]["encoding"] == encoding
    assert report[rel]["lang"] == "ja"
    html = _page(batch, rel.rsplit(".", 1)[0] + ".html")
    assert '<meta charset="utf-8">' in html and "Shift_JIS" not in html
    assert '<tadoru-term data-term="fine-tuning" tabindex="0">ファインチューニング</tadoru-term>' in html
    assert {"fine-tuning", "lora", "gpu"} <= set(_terms_marked(html))


def test_mhtml_archive_becomes_one_self_contained_page(batch):
    html = _page(batch, "saved/transformer-single-file.html")
    page = {p["input"]: p for p in bs.report(batch["out"])["pages"]}["saved/transformer-single-file.mhtml"]
    assert page["title"] == "Transformer のしくみ"
    assert page["source"] == "https://news.example.jp/articles/transformer"
    assert '<img src="data:image/png;base64,' in html  # the archive's image part, inlined
    assert "max-width: 40rem" in html  # its stylesheet part, inlined
    assert "cid:" not in html and "__mhtmlScriptRan" not in html
    assert {"transformer", "self-attention", "large-language-model", "embedding"} <= set(_terms_marked(html))


def test_saved_page_is_made_inert_and_offline(batch):
    html = _page(batch, "articles/en/lora-explained.html")
    root = lxml.html.document_fromstring(html)
    scripts = root.xpath("//script")
    assert [s.get("id") for s in scripts] == ["tadoru-data", "tadoru-tooltip-script", "tadoru-bootstrap"]
    assert not root.xpath("//iframe | //base | //meta[@http-equiv='refresh'] | //link[@rel='preload']")
    for element in root.iter():
        if isinstance(element.tag, str):
            assert not [a for a in element.attrib if a.lower().startswith("on")], element.tag
            assert not (element.get("href") or "").startswith("javascript:")
    csp = root.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert root.xpath("//head/*[1]")[0].get("charset") == "utf-8"
    # The page's own files (Webpage, Complete) are inlined; the code block is left alone.
    assert '<img src="data:image/png;base64,' in html and 'url("data:image/png;base64,' in html
    assert "Georgia" in html
    assert "LoRA in code is not annotated</code>" in html
    assert {"lora", "fine-tuning", "low-rank-matrix", "gpu", "qlora"} <= set(_terms_marked(html))


def test_embedded_cards_cover_the_page_terms_and_their_trace(batch, lexicon_cards):
    html = _page(batch, "articles/en/lora-explained.html")
    data = bs.embedded_data(html)
    cards = data["cards"]
    assert data["lang"] == "en" and data["css"]
    for term in set(_terms_marked(html)):
        assert cards[term]["definition"] == lexicon_cards[term]["definition"]
    for card in cards.values():  # every deeper and related button opens an embedded card
        assert set(card["deeper"]) <= set(cards) and set(card["related"]) <= set(cards)
    assert {"machine-learning", "matrix"} <= set(cards)  # the trace of LoRA works offline


def test_text_and_markdown_are_escaped_and_annotated(batch):
    source = (batch["tree"] / "notes" / "reading-list.md").read_text(encoding="utf-8")
    html = _page(batch, "notes/reading-list.html")
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; not markup" in html and "<b>" not in html
    assert {"transformer", "embedding", "overfitting"} <= set(_terms_marked(html))
    collection = json.loads((batch["out"] / "notes" / "reading-list.jsonld").read_text(encoding="utf-8"))
    for item in collection["first"]["items"]:
        quote, position = item["target"]["selector"]
        assert source[position["start"]:position["end"]] == quote["exact"]
        assert source[:position["start"]].endswith(quote.get("prefix", ""))
        assert source[position["end"]:].startswith(quote.get("suffix", ""))


def test_web_annotation_collection_is_w3c_shaped(batch, lexicon_cards):
    collection = json.loads((batch["out"] / "articles" / "ja" / "llm-nyumon.jsonld").read_text(encoding="utf-8"))
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection" and collection["id"].startswith("urn:uuid:")
    assert collection["label"] == "大規模言語モデル入門"
    items = collection["first"]["items"]
    assert collection["total"] == len(items) > 0 and collection["first"]["type"] == "AnnotationPage"
    ids = [i["id"] for i in items]
    assert len(set(ids)) == len(ids)
    for item in items:
        assert item["type"] == "Annotation"
        tag = item["body"][0]
        assert tag["purpose"] == "tagging" and tag["value"] in lexicon_cards
        described = {b["language"]: b["value"] for b in item["body"][1:]}
        assert described["ja"].endswith(lexicon_cards[tag["value"]]["definition"]["ja"])
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        assert position["end"] - position["start"] == len(quote["exact"])
        assert item["target"]["source"].startswith("file://")


def test_reading_order_puts_prerequisites_first(batch, lexicon_cards):
    report = bs.report(batch["out"])
    order = [entry["term"] for entry in report["reading_order"]]
    assert len(order) == len(set(order)) == report["totals"]["reading_order"]
    position = {term: i for i, term in enumerate(order)}
    for term in order:
        for prerequisite in lexicon_cards[term]["deeper"]:
            assert position[prerequisite] < position[term], f"{prerequisite} must come before {term}"
    used = {t for p in report["pages"] for t in p.get("term_ids", [])}
    assert used <= set(order)  # every unknown term of every page is in the plan
    assert position["machine-learning"] < position["fine-tuning"] < position["lora"]
    lora = next(e for e in report["reading_order"] if e["term"] == "lora")
    assert set(lora["pages"]) >= {"articles/en/lora-explained.html", "articles/ja/llm-nyumon.html"}
    matrix = next(e for e in report["reading_order"] if e["term"] == "matrix")
    assert "low-rank-matrix" in matrix["needed_by"]


def test_recurring_terms_are_ranked_by_pages(batch):
    report = bs.report(batch["out"])
    recurring = report["recurring_terms"]
    assert recurring and all(r["pages"] >= 2 for r in recurring)
    keys = [(-r["pages"], -r["occurrences"], r["term"]) for r in recurring]
    assert keys == sorted(keys)
    fine_tuning = next(r for r in recurring if r["term"] == "fine-tuning")
    assert fine_tuning["pages"] >= 5  # the English article, the Japanese one, three encoded copies


def test_index_links_each_term_to_the_pages_using_it(batch):
    html = _page(batch, "index.html")
    root = lxml.html.document_fromstring(html)
    item = root.get_element_by_id("term-lora")
    hrefs = item.xpath(".//a/@href")
    assert "articles/en/lora-explained.html#tadoru=lora" in hrefs
    assert item.xpath(".//tadoru-term/@data-term") == ["lora"]
    assert "broken/binary.html" in html  # failures are listed, not hidden
    assert bs.embedded_data(html)["cards"]["lora"]["id"] == "lora"


# --------------------------------------------------------------------------- options


def test_jobs_2_gives_exactly_the_output_of_jobs_1(batch, tmp_path):
    out = tmp_path / "serial"
    proc = bs.run_cli(batch["tree"], "--out", out, "--format", "both", "--jobs", "1")
    assert proc.returncode == 1
    assert bs.outputs(out) == bs.outputs(batch["out"])


def test_known_terms_are_not_marked_nor_in_the_plan_and_exit_0(tree, tmp_path):
    known = tmp_path / "known.json"
    known.write_text(json.dumps({"format": "tadoru-known", "version": 1, "known": ["lora", "GPU"]}), encoding="utf-8")
    plain, with_known = tmp_path / "plain", tmp_path / "known"
    args = [tree / "articles", tree / "notes"]
    first = bs.run_cli(*args, "--out", plain, "--jobs", "1")
    second = bs.run_cli(*args, "--out", with_known, "--known", known, "--jobs", "1")
    assert first.returncode == 0 and second.returncode == 0, second.stdout + second.stderr
    page = "articles/en/lora-explained.html"  # common root: tree
    before, after = ((d / page).read_text(encoding="utf-8") for d in (plain, with_known))
    assert {"lora", "gpu"} <= set(_terms_marked(before))
    assert not {"lora", "gpu"} & set(_terms_marked(after))
    assert "fine-tuning" in _terms_marked(after)
    rows = {p["input"]: p for p in bs.report(with_known)["pages"]}
    assert rows[page]["unknown_terms"] == rows[page]["terms"] - 2
    order = [e["term"] for e in bs.report(with_known)["reading_order"]]
    assert "lora" not in order and "gpu" not in order and "fine-tuning" in order
    assert bs.report(with_known)["options"]["known"] == ["gpu", "lora"]


def test_density_is_calm_by_default_and_all_on_request(tmp_path):
    pages = tmp_path / "saved"
    pages.mkdir()
    para = "<p>We fine-tune a large language model with LoRA; LoRA keeps the base weights frozen.</p>"
    (pages / "post.html").write_text(f"<html><body><main><h1>LoRA in practice</h1>{para}<h2>Again</h2>{para}"
                                     "</main><footer>More about LoRA adapters and GPUs</footer></body></html>", encoding="utf-8")
    calm, every = tmp_path / "calm", tmp_path / "all"
    assert bs.run_cli(pages, "--out", calm, "--jobs", "1").returncode == 0
    assert bs.run_cli(pages, "--out", every, "--jobs", "1", "--density", "all").returncode == 0
    marked = {d: _terms_marked((d / "post.html").read_text(encoding="utf-8")) for d in (calm, every)}
    assert marked[calm].count("lora") == 2 and marked[every].count("lora") == 6
    assert bs.report(calm)["options"]["density"] == "calm" and bs.report(every)["options"]["density"] == "all"


def test_level_hides_basic_terms(tree, tmp_path):
    out = tmp_path / "level3"
    proc = bs.run_cli(tree / "articles" / "en", "--out", out, "--level", "3", "--jobs", "1")
    assert proc.returncode == 0
    marked = set(_terms_marked((out / "lora-explained.html").read_text(encoding="utf-8")))
    assert "qlora" in marked and "gpu" not in marked and "lora" not in marked  # LoRA is level 2
    order = bs.report(out)["reading_order"]
    assert order and all(entry["level"] == 3 for entry in order)


def test_a_definition_can_never_break_out_of_the_data_script(tmp_path):
    lexicon = tmp_path / "team-lexicon"
    lexicon.mkdir()
    evil = "A test term whose text holds </script><script>window.__pwned = 1</script> & \u2028 odd separators."
    (lexicon / "team.yaml").write_text(json.dumps({"concepts": [{
        "id": "zorblax-engine", "labels": {"en": ["Zorblax engine"], "ja": ["ゾーブラックス"]},
        "definition": {"en": evil, "ja": "テスト用の用語。</script><!-- ここで閉じても壊れない -->"},
        "level": 1, "category": "custom"}]}), encoding="utf-8")
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "team.html").write_text("<p>Our Zorblax engine is a machine learning system.</p>", encoding="utf-8")
    out = tmp_path / "out"
    proc = bs.run_cli(pages, "--out", out, "--lexicon", lexicon, "--jobs", "1", "--format", "both")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (out / "team.html").read_text(encoding="utf-8")
    assert "window.__pwned" in html and "<script>window.__pwned" not in html and "\u2028" not in html
    assert bs.embedded_data(html)["cards"]["zorblax-engine"]["definition"]["en"] == evil
    root = lxml.html.document_fromstring(html)
    assert [s.get("id") for s in root.xpath("//script")] == ["tadoru-data", "tadoru-tooltip-script", "tadoru-bootstrap"]
    # Changing the lexicon makes the page stale: the rerun redoes it.
    assert bs.summary_counts(bs.run_cli(pages, "--out", out, "--lexicon", lexicon, "--format", "both").stdout)[
        "up to date"] == 1
    (lexicon / "team.yaml").write_text((lexicon / "team.yaml").read_text(encoding="utf-8").replace("A test", "One test"),
                                       encoding="utf-8")
    rerun = bs.run_cli(pages, "--out", out, "--lexicon", lexicon, "--format", "both")
    assert bs.summary_counts(rerun.stdout) == {"annotated": 1, "up to date": 0, "failed": 0}
    assert "One test term" in (out / "team.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- usage errors (exit 2)


def _usage_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr


def test_out_inside_or_equal_to_an_input_folder_is_refused(tree):
    inside = tree / "articles" / "annotated"
    _usage_error(bs.run_cli(tree, "--out", inside), "inside the input folder")
    assert not inside.exists()
    _usage_error(bs.run_cli(tree / "notes", "--out", tree / "notes"), "input folder itself")


def test_other_usage_errors_exit_2(tree, tmp_path):
    _usage_error(bs.run_cli(tmp_path / "missing.html", "--out", tmp_path / "o1"), "no such file or folder")
    _usage_error(bs.run_cli(str(tmp_path / "nothing-*.html"), "--out", tmp_path / "o2"), "matches no files")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.docx").write_bytes(b"mine")
    _usage_error(bs.run_cli(tree / "notes", "--out", foreign), "not empty")
    assert os.listdir(foreign) == ["thesis.docx"]
    _usage_error(bs.run_cli(tree / "notes", "--out", tmp_path / "o3", "--server", "ftp://x"), "--server")
    _usage_error(bs.run_cli(tree / "notes", "--out", tmp_path / "o4", "--server", "http://127.0.0.1:9"),
                 "cannot reach the service")


def test_quoted_globs_are_expanded(tree, tmp_path):
    out = tmp_path / "globbed"
    proc = bs.run_cli(str(tree / "encodings" / "sjis-*.html"), "--out", out, "--jobs", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p["input"] for p in bs.report(out)["pages"]) == ["sjis-meta.html", "sjis-nometa.html"]


def test_progress_bar_only_on_a_terminal(tree, tmp_path):
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tadoru", "annotate", str(tree / "notes"), "--out",
                             str(tmp_path / "tty"), "--jobs", "1"], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "annotating" in shown and "2/2" in shown and "page/s" in shown
    quiet = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(tree / "notes"), "--out",
                            str(tmp_path / "tty"), "--quiet", "--force", "--jobs", "1"], capture_output=True, text=True,
                           check=False)
    assert quiet.returncode == 0 and quiet.stderr == ""
