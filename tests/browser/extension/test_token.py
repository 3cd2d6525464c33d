"""The extension against a service started with ``TADORU_TOKEN``: without the token the page is
left alone and the popup says the service needs one; the token typed in the options page makes
the highlights appear (the worker sends it as a bearer header).  Real Chromium, real service."""

from __future__ import annotations

import json
import secrets

import pytest

from harness.extension import HIGHLIGHTS_JS, api_annotations, page_path
from harness.service import start_server, stop_server

pytestmark = pytest.mark.browser

TOKEN = "browser-test-" + secrets.token_urlsafe(20)
PAGE = "en_arxiv_paper.html"


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("locked"), env={"TADORU_TOKEN": TOKEN})
    yield server
    stop_server(server.process)


def _open(ext, path):
    page = ext.new_page()
    page.goto(ext.url(path))
    page.wait_for_selector("body[data-ready='true']")
    return page


def test_the_token_set_in_options_makes_highlights_work(ext, pages_url, live_server, locked_server):
    ext.set_settings(serviceUrl=locked_server.url)
    url = f"{pages_url}/{PAGE}"
    page, info = ext.open(url)
    assert info["lastError"]["code"] == "unauthorized"
    assert page.locator("tadoru-term, tadoru-tooltip").count() == 0, "the page is left alone"
    assert ext.badge() == "!"
    popup = _open(ext, f"popup/popup.html?tab={ext.tab_id(page.url)}")
    assert popup.locator("#service-state").get_attribute("data-state") == "unauthorized"
    assert "needs a token" in popup.text_content("#service-text")
    assert "Service token" in popup.text_content("#service-detail")

    options = _open(ext, "options/options.html")
    field = options.locator("#service-token")
    assert field.get_attribute("type") == "password"
    field.fill(TOKEN)
    field.blur()
    options.wait_for_selector("#service-status[data-kind='ok']")  # checked against the service at once
    assert ext.settings()["serviceToken"] == TOKEN

    page.wait_for_selector("tadoru-term")  # the page tries again with the token
    info = ext.wait_done(page)
    assert info["lastError"] is None
    expected = api_annotations(live_server.url, page_path(PAGE).read_text(encoding="utf-8"))
    assert [tuple(x) for x in page.evaluate(HIGHLIGHTS_JS)] == expected
    assert ext.badge() == ""
    # A card the page did not bring (a deeper term opened in a tooltip) comes from the locked service too.
    other = next(term for term in ("diffusion-model", "text-to-image") if term not in dict(expected))
    card = ext.call("async (id) => chrome.runtime.sendMessage({type: 'term', payload: {id}})", other)
    assert card["ok"] and card["result"]["id"] == other

    # The token is not part of the known-terms export.
    with options.expect_download() as download:
        options.click("#export-known")
    exported = download.value.path().read_text(encoding="utf-8")
    assert TOKEN not in exported and json.loads(exported)["known"] == []


def test_a_wrong_token_is_reported_as_refused(ext, pages_url, locked_server):
    ext.set_settings(serviceUrl=locked_server.url, serviceToken="not-the-right-token-at-all")
    page, info = ext.open(f"{pages_url}/{PAGE}")
    assert info["lastError"]["code"] == "unauthorized"
    assert "refused the token" in info["lastError"]["message"]
    assert page.locator("tadoru-term").count() == 0
