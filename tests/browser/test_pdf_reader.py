"""The PDF reader (/read) in headless Chromium against the real ``tadoru serve`` (issue 13 #3).

A PDF Chromium printed from a fixture article is opened in the reader: pdf.js (vendored, run from
the service) draws the pages, the API's boxes become highlights over the words, the shared
tooltip opens on hover, traces deeper, and works from the keyboard; the page's strict policy
holds (no CSP violation); a PDF uploaded through the paste form opens in the reader.
"""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.browser

TOOLTIP = "tadoru-tooltip"
CARD_TERM = "() => document.querySelector('tadoru-tooltip').shadowRoot.querySelector('.tadoru-card').dataset.term"


def open_in_reader(page, live_server, pdf: bytes, name: str = "paper.pdf", lang: str = "en", query: str = "") -> None:
    page.goto(f"{live_server.url}/read?lang={lang}{query}")
    page.wait_for_function("() => document.getElementById('reader').dataset.state === 'idle'")
    page.set_input_files("#reader-file", files=[{"name": name, "mimeType": "application/pdf", "buffer": pdf}])
    page.wait_for_function("() => document.getElementById('reader').dataset.state === 'ready'", timeout=60_000)


def test_a_paper_opens_with_highlights_over_its_words(page, live_server, pdfs):
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    open_in_reader(page, live_server, pdfs["paper_en"])
    api = requests.post(f"{live_server.url}/api/v1/annotate-pdf", data=pdfs["paper_en"], timeout=60,
                        headers={"Content-Type": "application/pdf"}).json()

    shells = page.locator(".reader-page")
    assert shells.count() == len(api["pages"])
    # Page 1 is drawn (lazily: the pages near the viewport), with pixels on its canvas.
    page.wait_for_function("() => document.querySelector('.reader-page[data-page=\"1\"] canvas')")
    page.wait_for_function(
        "() => { const c = document.querySelector('.reader-page[data-page=\"1\"] canvas');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 0; i < d.length; i += 4) if (d[i] < 128) return true; return false; }")
    # One highlight per box the API gave, each inside its page.
    marks = page.locator("tadoru-term.reader-mark")
    assert marks.count() == sum(len(a["rects"]) for a in api["annotations"]) > 10
    first = api["annotations"][0]
    mark = page.locator(f'.reader-page[data-page="{first["page"]}"] tadoru-term[data-term="{first["term"]}"]').first
    shell_box = page.locator(f'.reader-page[data-page="{first["page"]}"]').bounding_box()
    box = mark.bounding_box()
    assert shell_box["x"] <= box["x"] and box["x"] + box["width"] <= shell_box["x"] + shell_box["width"] + 1
    assert shell_box["y"] <= box["y"] and box["y"] + box["height"] <= shell_box["y"] + shell_box["height"] + 1
    assert mark.get_attribute("role") == "button" and mark.get_attribute("aria-label") == first["exact"]
    # Tinted by level, from the cards of the API's answer (issue 15 #2).
    tinted = page.evaluate("Array.from(document.querySelectorAll('tadoru-term.reader-mark'), (el) => [el.dataset.term, el.dataset.level])")
    assert all(level == str(api["terms"][term]["level"]) for term, level in tinted)
    status = page.locator("#reader-status").inner_text()
    assert "paper.pdf" in status and str(len(api["annotations"])) in status

    # Hover: the shared tooltip shows the card; a deeper term traces down, Back comes up again.
    term_id = first["term"]
    card = requests.get(f"{live_server.url}/api/v1/terms/{term_id}", timeout=30).json()
    mark.hover()
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    assert page.locator(f"{TOOLTIP} .tadoru-definition").inner_text() == card["definition"]["en"]
    if card["deeper"]:
        deeper = card["deeper"][0]
        page.locator(f'{TOOLTIP} .tadoru-deeper button[data-term="{deeper}"]').click()
        page.wait_for_function(f"id => ({CARD_TERM})() === id", arg=deeper)
        page.locator(f"{TOOLTIP} .tadoru-back").click()
        page.wait_for_function(f"id => ({CARD_TERM})() === id", arg=term_id)
    assert not [m for m in console if "Content Security Policy" in m or "Refused" in m], console


def test_keyboard_reaches_the_highlights(page, live_server, pdfs):
    open_in_reader(page, live_server, pdfs["paper_en"])
    first = page.locator("tadoru-term.reader-mark[tabindex='0']").first
    first.focus()
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('tadoru-tooltip').shadowRoot.activeElement !== null")
    page.keyboard.press("Escape")
    page.wait_for_function("() => getComputedStyle(document.querySelector('tadoru-tooltip')).display === 'none'")
    assert page.evaluate("document.activeElement.tagName") == "TADORU-TERM"


def test_a_japanese_article_in_japanese(page, live_server, pdfs):
    open_in_reader(page, live_server, pdfs["article_ja"], name="記事.pdf", lang="ja")
    assert page.locator("#reader-pages").get_attribute("lang") == "ja"
    terms = {m.get_attribute("data-term") for m in page.locator("tadoru-term.reader-mark").all()}
    assert len(terms) >= 10
    page.locator("tadoru-term.reader-mark").first.hover()
    page.locator(f"{TOOLTIP} .tadoru-definition").wait_for()
    assert page.locator(f"{TOOLTIP} .tadoru-known").inner_text() == "知っている"


def test_i_know_this_removes_the_boxes_of_that_term(page, live_server, pdfs):
    open_in_reader(page, live_server, pdfs["paper_en"])
    mark = page.locator("tadoru-term.reader-mark").first
    term_id = mark.get_attribute("data-term")
    mark.hover()
    page.locator(f"{TOOLTIP} .tadoru-known").click()
    page.wait_for_function(f"() => !document.querySelector('tadoru-term[data-term=\"{term_id}\"]')")
    assert page.evaluate("JSON.parse(localStorage.getItem('tadoru.known'))") == [term_id]


def test_a_scan_says_it_has_no_text(page, live_server, pdfs):
    open_in_reader(page, live_server, pdfs["scanned"], name="scan.pdf")
    assert page.locator("tadoru-term").count() == 0
    assert "scan.pdf" in page.locator("#reader-status").inner_text()
    assert "text" in page.locator("#reader-status").inner_text()


def test_not_a_pdf_is_said_plainly(page, live_server):
    page.goto(f"{live_server.url}/read?lang=en")
    page.wait_for_function("() => document.getElementById('reader').dataset.state === 'idle'")
    page.set_input_files("#reader-file", files=[{"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"hello"}])
    page.wait_for_function("() => document.getElementById('reader-status').textContent.length > 0")
    assert page.locator("#reader-status").inner_text() == "This is not a PDF."


def test_the_paste_form_opens_a_pdf_in_the_reader(page, live_server, pdfs):
    page.goto(f"{live_server.url}/?lang=en")
    page.set_input_files("#file", files=[{"name": "paper.pdf", "mimeType": "application/pdf", "buffer": pdfs["paper_en"]}])
    page.select_option("#level", "2")
    page.select_option("#discover", "names")
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_url("**/read?level=2&discover=names")
    page.wait_for_function("() => document.getElementById('reader').dataset.state === 'ready'", timeout=60_000)
    assert page.locator("#reader-level").input_value() == "2"
    assert page.locator("#reader-discover").input_value() == "names"
    assert page.locator("tadoru-term.reader-mark").count() > 0


#: A paper with words Tadoru does not know yet: one spelled out, two coined names, one compound.
NEW_WORDS = [["Kahneman-Tversky Optimization (KTO) learns from thumbs-up labels.",
              "We compare KTO with ORPO and SimPO on a pretrained large language model.",
              "A judge model scores the answers."]]


def test_words_tadoru_does_not_know_yet_are_dashed_in_the_reader(page, live_server):
    """Issue 16 in the PDF reader: the kinds asked for come back with boxes and become dashed marks
    whose card says what the page says; changing the choice annotates the open PDF again."""
    from harness.pdfgen import simple_pdf

    pdf = simple_pdf(NEW_WORDS)
    open_in_reader(page, live_server, pdf, query="&discover=names")
    api = requests.post(f"{live_server.url}/api/v1/annotate-pdf?discover=definition,acronym", data=pdf, timeout=60,
                        headers={"Content-Type": "application/pdf"}).json()
    assert {c["kind"] for c in api["candidates"]} == {"definition", "acronym"}
    marks = page.locator("tadoru-term.reader-mark[data-candidate]")
    assert marks.count() == sum(len(c["rects"]) for c in api["candidates"])
    shown = {(m.get_attribute("data-surface"), m.get_attribute("data-candidate")) for m in marks.all()}
    assert shown == {(c["surface"], c["kind"]) for c in api["candidates"]} >= {("KTO", "definition"), ("ORPO", "acronym")}
    assert page.locator("tadoru-term.reader-mark[data-term='large-language-model']").count() >= 1
    assert "Tadoru does not know yet" in page.locator("#reader-status").inner_text()

    kto = page.locator("tadoru-term.reader-mark[data-candidate='definition']").first
    assert kto.get_attribute("aria-label") == "KTO (no card yet)" and kto.get_attribute("data-lang") == "en"
    kto.hover()
    page.locator(f"{TOOLTIP} .tadoru-candidate-note").first.wait_for()
    assert page.locator(f"{TOOLTIP} .tadoru-long-form-text").inner_text() == "Kahneman-Tversky Optimization"
    page.mouse.move(0, 0)

    # Compounds too ("all"): the judge model's card traces into the model card.
    page.select_option("#reader-discover", "all")
    page.wait_for_function("() => document.getElementById('reader').dataset.state === 'ready'"
                           " && document.querySelector('tadoru-term[data-candidate=\"compound\"]')", timeout=60_000)
    compound = page.locator("tadoru-term.reader-mark[data-candidate='compound']")
    assert compound.get_attribute("data-surface") == "judge model" and compound.get_attribute("data-head") == "model"
    # Off: the dashed marks go, the terms stay.
    page.select_option("#reader-discover", "off")
    page.wait_for_function("() => document.getElementById('reader').dataset.state === 'ready'"
                           " && !document.querySelector('tadoru-term[data-candidate]')", timeout=60_000)
    assert page.locator("tadoru-term.reader-mark[data-term='large-language-model']").count() >= 1
    assert "Tadoru does not know yet" not in page.locator("#reader-status").inner_text()


def test_japanese_with_a_font_that_is_not_embedded_is_drawn(page, live_server):
    """pdf.js needs its CMaps (vendored, served by the service) to draw such a PDF: the page gets ink."""
    from harness.pdfgen import japanese_pdf

    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    pdf = japanese_pdf(["大規模言語モデルをファインチューニングする。", "LoRAは低ランク行列だけを学習する手法です。"])
    open_in_reader(page, live_server, pdf, name="ja.pdf", lang="ja")
    assert {m.get_attribute("data-term") for m in page.locator("tadoru-term.reader-mark").all()} >= {
        "large-language-model", "fine-tuning", "lora"}
    page.wait_for_function(
        "() => { const c = document.querySelector('.reader-page[data-page=\"1\"] canvas'); if (!c) return false;"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++; return dark > 200; }")
    assert not [m for m in console if "CMap" in m or "Content Security Policy" in m], console
