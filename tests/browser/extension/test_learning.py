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
