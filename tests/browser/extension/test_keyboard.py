"""Keyboard and assistive tech in the extension (issue 15 #3): one Tab stop for all highlights,
roles, a keyboard command that switches the tab's highlights off and on, a hover delay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.extension import HIGHLIGHTS_JS

pytestmark = pytest.mark.browser

MANIFEST = json.loads(Path("extension/manifest.json").read_text(encoding="utf-8"))
TOGGLE = """async (tabId) => chrome.tabs.sendMessage(tabId, {type: "toggleHighlights", payload: {}})"""


def test_the_command_is_declared_with_a_default_key():
    command = MANIFEST["commands"]["toggle-highlights"]
    assert command["suggested_key"]["default"] == "Alt+Shift+H"
    assert command["description"] == "__MSG_cmdToggleHighlights__"


def test_highlights_are_one_tab_stop_and_the_command_switches_them_off_and_on(ext, pages_url):
    page, info = ext.open(f"{pages_url}/encyclopedia.html")
    marks = page.locator("tadoru-term[data-term]")
    assert info["count"] >= 10
    page.wait_for_function("() => document.querySelectorAll('tadoru-term[tabindex=\"0\"]').length === 1")
    assert page.locator("tadoru-term[data-tadoru-stop]:not([role=button])").count() == 0
    before = page.evaluate(HIGHLIGHTS_JS)
    tab = ext.tab_id(page.url)
    assert ext.call(TOGGLE, tab) == {"ok": True, "result": {"running": False}}
    assert marks.count() == 0
    assert ext.call(TOGGLE, tab) == {"ok": True, "result": {"running": True}}
    stops = info["count"] + info["candidates"]  # a word Tadoru does not know yet is a highlight too
    page.wait_for_function(f"() => document.querySelectorAll('tadoru-term[data-tadoru-stop]').length === {stops}")
    assert page.evaluate(HIGHLIGHTS_JS) == before


def test_the_card_opens_after_the_hover_delay_the_reader_chose(ext, pages_url):
    ext.set_settings(hoverDelay=800)
    page, _ = ext.open(f"{pages_url}/en_arxiv_paper.html")
    page.locator("tadoru-term[data-term='lora']").first.hover()
    page.wait_for_timeout(350)
    assert page.locator("tadoru-tooltip .tadoru-card").count() == 0 or not page.locator(
        "tadoru-tooltip .tadoru-card").is_visible()
    page.locator("tadoru-tooltip .tadoru-card[data-term='lora'] .tadoru-definition").wait_for(timeout=3000)


def test_options_hints_show_commands_as_code_not_backticks(ext):
    page = ext.new_page()
    page.goto(ext.url("options/options.html"))
    page.wait_for_selector("body[data-ready='true']")
    assert "`" not in page.locator("body").inner_text()
    assert "tadoru serve" in page.locator("[data-i18n='optionsServiceUrlHint'] code").first.inner_text()
