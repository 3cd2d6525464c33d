"""The known list as a learning list (issue 15 #4): "I know this" can be undone, and a term taken
off the known list in Options is highlighted again in tabs that are already open."""

from __future__ import annotations

import pytest

from harness.extension import HIGHLIGHTS_JS

pytestmark = pytest.mark.browser

CARD = "tadoru-tooltip .tadoru-card"


def test_i_know_this_can_be_undone(ext, pages_url):
    ext.set_settings(definitionLang="en")
    page, _ = ext.open(f"{pages_url}/en_arxiv_paper.html")
    before = page.evaluate(HIGHLIGHTS_JS)
    assert any(term == "lora" for term, _ in before)
    page.locator("tadoru-term[data-term='lora']").first.hover()
    page.locator(f"{CARD}[data-term='lora'] .tadoru-known").click()
    page.wait_for_function("() => !document.querySelector(\"tadoru-term[data-term='lora']\")")
    bar = page.locator("tadoru-undo")
    assert "LoRA" in bar.locator(".bar").inner_text() and ext.known() == ["lora"]
    bar.locator("button.undo").click()
    page.wait_for_function("() => document.querySelectorAll(\"tadoru-term[data-term='lora']\").length > 0")
    page.wait_for_function(f"() => document.querySelectorAll('tadoru-term[data-tadoru-stop]').length === {len(before)}")
    assert page.evaluate(HIGHLIGHTS_JS) == before
    assert ext.known() == [] and page.locator("tadoru-undo").count() == 0


def test_removing_a_known_term_in_options_brings_it_back_in_open_tabs(ext, pages_url):
    ext.set_known(["fine-tuning"])
    page, info = ext.open(f"{pages_url}/encyclopedia.html")
    assert page.locator("tadoru-term[data-term='fine-tuning']").count() == 0 and info["count"] > 0
    options = ext.new_page()
    options.goto(ext.url("options/options.html"))
    options.wait_for_selector("body[data-ready='true']")
    options.locator("#known-list li[data-term='fine-tuning'] button.remove").click()
    # The tab that was already open marks it, without a reload.
    page.wait_for_function("() => document.querySelectorAll(\"tadoru-term[data-term='fine-tuning']\").length >= 3")
    assert ext.known() == []


def _open_card(page, term: str) -> None:
    page.locator(f"tadoru-term[data-term='{term}']").first.hover()
    page.locator(f"{CARD}[data-term='{term}']").wait_for()
    page.mouse.move(0, 0)
    page.keyboard.press("Escape")


def _popup(ext, url: str):
    tab = ext.tab_id(url)
    popup = ext.new_page()
    popup.goto(ext.url(f"popup/popup.html?tab={tab}"))
    popup.wait_for_selector("body[data-ready='true']")
    return popup


def test_the_popup_lists_the_page_terms_unknown_first_and_what_was_looked_up(ext, pages_url, live_server):
    ext.set_settings(definitionLang="en")
    ext.set_known(["gpu"])
    url = f"{pages_url}/en_arxiv_paper.html"
    page, _ = ext.open(url)
    marked = list(dict.fromkeys(t for t, _ in page.evaluate(HIGHLIGHTS_JS)))
    _open_card(page, "lora")
    _open_card(page, "fine-tuning")
    page.wait_for_function("() => true")
    history = ext.call("async () => ((await chrome.storage.local.get('history')).history || {items: []}).items.map((i) => i.id)")
    assert history[:2] == ["fine-tuning", "lora"], "newest first"
    popup = _popup(ext, url)
    listed = popup.locator("#page-terms li > span:first-child").all_inner_texts()
    assert len(listed) == len(marked) and "LoRA" in listed
    assert popup.locator("#known-here li").all_inner_texts()[0].startswith("GPU"), "known terms come after"
    looked = popup.locator("#history-terms li > span:first-child").all_inner_texts()
    assert looked[:2] == ["fine-tuning", "LoRA"]


def test_the_learning_list_exports_as_an_anki_deck(ext, pages_url, tmp_path):
    ext.set_settings(definitionLang="en")
    page, _ = ext.open(f"{pages_url}/en_arxiv_paper.html")
    _open_card(page, "lora")
    _open_card(page, "fine-tuning")
    ext.set_known(["fine-tuning"])  # known since: no longer being learned
    options = ext.new_page()
    options.goto(ext.url("options/options.html"))
    options.wait_for_selector("body[data-ready='true']")
    options.wait_for_function("() => document.querySelectorAll('#learning-list li').length === 1")
    assert options.locator("#learning-list li").get_attribute("data-term") == "lora"
    with options.expect_download() as download:
        options.click("#export-anki")
    deck = tmp_path / "deck.txt"
    download.value.save_as(deck)
    lines = deck.read_text(encoding="utf-8").splitlines()
    assert lines[:4] == ["#separator:tab", "#html:false", "#columns:Front\tBack\tTags", "#tags column:3"]
    assert len(lines) == 5
    front, back, tags = lines[4].split("\t")
    assert front == "LoRA" and "low-rank" in back.lower() and "tadoru::learning" in tags.split()


def test_one_known_list_for_the_extension_and_the_web_pages(ext, live_server):
    """On the service's own pages the extension's list is the list: what either side adds, the other has."""
    ext.set_known(["gpu"])
    page = ext.new_page()
    page.goto(f"{live_server.url}/?lang=en")
    page.wait_for_function("() => JSON.parse(localStorage.getItem('tadoru.known') || '[]').includes('gpu')")
    page.wait_for_function("() => document.getElementById('known-count').textContent === '1'")
    page.fill("#text", "LoRA fine-tunes a large language model on one GPU.")
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result")
    page.wait_for_selector("html[data-tadoru-ready]", state="attached")  # the tooltip listens from here on
    marked = {m.get_attribute("data-term") for m in page.locator("#tadoru-result tadoru-term").all()}
    assert "lora" in marked and "gpu" not in marked, "the paste form used the extension's list"
    page.locator("#tadoru-result tadoru-term[data-term='lora']").first.hover()
    page.locator(f"{CARD}[data-term='lora'] .tadoru-known").click()
    deadline_known = "async () => ((await chrome.storage.local.get('known')).known || {ids: []}).ids"
    for _ in range(50):
        if "lora" in ext.call(deadline_known):
            break
        page.wait_for_timeout(100)
    assert sorted(ext.known()) == ["gpu", "lora"], "I know this on a web page reaches the extension"
    ext.set_known(["lora"])  # removed in the extension: the page follows
    page.wait_for_function("() => JSON.stringify(JSON.parse(localStorage.getItem('tadoru.known'))) === '[\"lora\"]'")
