"""The placement in the extension (issue 15 #2): offered on install, redoable from Options; the
answers set the level and seed the known list, and pages follow.  Real Chromium, the unpacked
extension, the real service."""

from __future__ import annotations

import pytest
import requests

from harness.extension import HIGHLIGHTS_JS

pytestmark = pytest.mark.browser


def _open_placement(ext):
    page = ext.new_page()
    page.goto(ext.url("placement/placement.html"))
    page.wait_for_selector("#placement-form:not([hidden])")
    return page


def test_installing_the_extension_opens_the_placement(extension_session):
    assert extension_session.opened_on_install == [extension_session.url("placement/placement.html")]


def test_the_answers_set_level_and_known_list_and_pages_follow(ext, pages_url, live_server):
    cards = requests.get(f"{live_server.url}/api/v1/placement", timeout=30).json()["terms"]
    level1 = [c["id"] for c in cards if c["level"] == 1]
    page = _open_placement(ext)
    assert page.locator("input[name=can_explain]").count() == len(cards)
    for cid in level1:
        page.check(f"input[name=can_explain][value='{cid}']")
    page.click("#placement-done")
    page.wait_for_selector("#placement-result:not([hidden])")
    assert "2" in page.inner_text("#placement-summary")
    settings, known = ext.settings(), set(ext.known())
    assert (settings["level"], settings["placed"]) == (2, "done")
    assert set(level1) <= known and "machine-learning" in known
    article, _info = ext.open(f"{pages_url}/ja_tech_blog.html")
    marked = {t for t, _ in article.evaluate(HIGHLIGHTS_JS)}
    assert marked and not marked & known, "known terms are not highlighted"
    cards_by_id = {c["id"]: c for c in cards}
    assert all(cards_by_id.get(t, {"level": 2})["level"] >= 2 for t in marked)


def test_skipping_keeps_the_defaults_and_is_remembered(ext):
    page = _open_placement(ext)
    page.click("#placement-skip")
    page.wait_for_selector("#placement-result:not([hidden])")
    settings = ext.settings()
    assert (settings["level"], settings["placed"]) == (1, "skipped") and ext.known() == []


def test_options_can_redo_the_placement(ext):
    options = ext.new_page()
    options.goto(ext.url("options/options.html"))
    with ext.context.expect_page() as opened:
        options.click("#redo-placement")
    placement = opened.value
    ext.pages.append(placement)
    placement.wait_for_selector("#placement-form:not([hidden])")
    assert placement.url == ext.url("placement/placement.html")


def test_a_service_that_is_down_is_said_and_can_be_retried(ext, live_server):
    ext.set_settings(serviceUrl="http://127.0.0.1:9")  # nothing listens on the discard port
    page = ext.new_page()
    page.goto(ext.url("placement/placement.html"))
    page.wait_for_selector("#placement-retry:not([hidden])")
    assert page.locator("#placement-status").inner_text()
    ext.set_settings(serviceUrl=live_server.url)
    page.click("#placement-retry")
    page.wait_for_selector("#placement-form:not([hidden])")
