"""The options page and the popup: settings bound by data-setting and stored with a version,
the known-terms list exported and imported in known.py's format, malformed files refused, the
per-site switch, and what the reader is told when the service is down or not a Tadoru service."""

from __future__ import annotations

import json

import pytest

from harness.service import start_server, stop_server
from tadoru.lexicon.known import known_document, read_known_file

pytestmark = pytest.mark.browser


def open_options(ext):
    page = ext.new_page()
    page.goto(ext.url("options/options.html"))
    page.wait_for_selector("body[data-ready='true']")
    return page


def open_popup(ext, tab_id: int):
    popup = ext.new_page()
    popup.goto(ext.url(f"popup/popup.html?tab={tab_id}"))
    popup.wait_for_selector("body[data-ready='true']")
    return popup


def test_options_are_bound_by_data_setting_and_stored_with_a_version(ext, live_server):
    page = open_options(ext)
    assert page.locator("[data-setting]").count() >= 6
    assert page.input_value("[data-setting='serviceUrl']") == live_server.url
    assert page.locator("#grant-access").is_hidden(), "loopback services need no extra permission"
    page.select_option("[data-setting='level']", "3")
    page.select_option("[data-setting='definitionLang']", "ja")
    page.select_option("[data-setting='density']", "first")
    page.fill("[data-setting='sites']", "example.com\nhttps://News.Example.org/path")
    page.locator("[data-setting='sites']").blur()
    page.wait_for_function("() => document.getElementById('saved').textContent !== ''")
    page.wait_for_timeout(200)
    stored = ext.settings()
    assert stored["version"] == 1
    assert (stored["level"], stored["definitionLang"], stored["density"]) == (3, "ja", "first")
    assert stored["sites"] == ["example.com", "news.example.org"]

    page.fill("[data-setting='serviceUrl']", "ftp://nowhere")
    page.locator("[data-setting='serviceUrl']").blur()
    page.wait_for_selector("#service-status[data-kind='error']")
    assert ext.settings()["serviceUrl"] == live_server.url, "an invalid URL is refused"


def test_known_list_export_then_import_round_trips(ext, tmp_path, live_server):
    ext.set_known(["lora", "gpu", "dataset"])
    page = open_options(ext)
    items = page.locator("#known-list li")
    assert sorted(items.evaluate_all("(lis) => lis.map((li) => li.dataset.term)")) == ["dataset", "gpu", "lora"]
    page.wait_for_function("() => document.querySelector(\"#known-list li[data-term='lora'] .term-label\").textContent !== ''")

    with page.expect_download() as download_info:
        page.click("#export-known")
    exported = tmp_path / "known.json"
    download_info.value.save_as(exported)
    assert json.loads(exported.read_text(encoding="utf-8")) == known_document(["lora", "gpu", "dataset"])
    assert sorted(read_known_file(exported)) == ["dataset", "gpu", "lora"]  # what `tadoru annotate --known` reads

    page.click("#known-list li[data-term='gpu'] button.remove")
    page.wait_for_function("() => !document.querySelector(\"#known-list li[data-term='gpu']\")")
    assert sorted(ext.known()) == ["dataset", "lora"]

    page.set_input_files("#import-known", str(exported))
    page.wait_for_selector("#known-status[data-kind='ok']")
    page.wait_for_function("() => document.querySelectorAll('#known-list li').length === 3")
    assert sorted(ext.known()) == ["dataset", "gpu", "lora"]


@pytest.mark.parametrize("content", [
    "{not json",
    '{"format": "something-else", "known": ["x"]}',
    '{"format": "tadoru-known", "version": 9, "known": ["x"]}',
    '{"known": [1, 2]}',
    '"lora"',
    "",
])
def test_malformed_import_is_refused_and_the_list_is_kept(ext, tmp_path, content):
    ext.set_known(["lora", "gpu"])
    page = open_options(ext)
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    page.set_input_files("#import-known", str(bad))
    status = page.locator("#known-status[data-kind='error']")
    status.wait_for()
    assert "bad.json" in status.text_content()
    assert sorted(ext.known()) == ["gpu", "lora"]
    assert page.locator("#known-list li").count() == 2


def test_popup_switches_the_site_off_and_on(ext, pages_url, live_server):
    page, info = ext.open(f"{pages_url}/encyclopedia.html")
    assert info["count"] > 0
    popup = open_popup(ext, ext.tab_id(page.url))
    assert popup.locator("#service-state").get_attribute("data-state") == "ok"
    assert "127.0.0.1" in popup.text_content("#site-text")
    assert str(info["count"]) in popup.text_content("#page-text")
    assert popup.is_checked("#site-toggle")
    popup.uncheck("#site-toggle")
    page.wait_for_function("() => !document.querySelector('tadoru-term')")
    assert ext.settings()["sites"] == ["127.0.0.1"]
    popup.check("#site-toggle")
    page.wait_for_function(f"() => document.querySelectorAll('tadoru-term[data-term][data-tadoru-stop]').length === {info['count']}")
    assert ext.settings()["sites"] == []


def _plain_body(ext, url: str) -> str:
    """The page's body as it is without Tadoru (the site switched off)."""
    ext.set_settings(siteMode="all", sites=["127.0.0.1"])
    plain = ext.new_page()
    plain.goto(url)
    plain.wait_for_timeout(300)
    body = plain.evaluate("() => document.body.innerHTML")
    plain.close()
    ext.set_settings(sites=[])
    return body


def test_service_stopped_leaves_the_page_unchanged_and_says_so(ext, pages_url, tmp_path):
    url = f"{pages_url}/ja_tech_blog.html"
    plain = _plain_body(ext, url)
    server = start_server(tmp_path)
    try:
        ext.set_settings(serviceUrl=server.url)
        page, info = ext.open(url)  # works while the service runs…
        assert info["count"] > 0
    finally:
        stop_server(server.process)  # …then the service stops
    page.close()
    page, info = ext.open(url)
    assert info["lastError"]["code"] == "service_unreachable"
    assert page.evaluate("() => document.body.innerHTML") == plain
    assert page.locator("tadoru-term, tadoru-tooltip").count() == 0
    assert ext.badge() == "!"
    popup = open_popup(ext, ext.tab_id(page.url))
    assert popup.locator("#service-state").get_attribute("data-state") == "down"
    assert "not reachable" in popup.text_content("#service-text")
    assert server.url in popup.text_content("#service-detail")
    assert "could not be annotated" in popup.text_content("#page-text")


def test_a_server_that_is_not_tadoru_is_reported_as_too_old(ext, pages_url):
    """Pointing the extension at some other web server (here: the fixture pages' server)."""
    url = f"{pages_url}/encyclopedia.html"
    plain = _plain_body(ext, url)
    ext.set_settings(serviceUrl=pages_url.replace("127.0.0.1", "localhost"))
    page, info = ext.open(url)
    assert info["lastError"]["code"] == "service_too_old"
    assert page.evaluate("() => document.body.innerHTML") == plain
    assert ext.badge() == "!"
    popup = open_popup(ext, ext.tab_id(page.url))
    assert popup.locator("#service-state").get_attribute("data-state") == "too_old"
    assert "/api/v1/" in popup.text_content("#service-detail")


def test_badge_clears_when_the_service_answers_again(ext, pages_url, live_server):
    ext.set_settings(serviceUrl="http://127.0.0.1:9")  # nothing listens on the discard port
    page, info = ext.open(f"{pages_url}/hostile_css.html")
    assert info["lastError"] and ext.badge() == "!"
    assert page.locator("tadoru-term").count() == 0
    ext.set_settings(serviceUrl=live_server.url)  # the page tries again with the new URL
    page.wait_for_selector("tadoru-term")
    assert ext.badge() == ""


def test_a_service_on_another_host_needs_the_readers_permission(ext, pages_url):
    """Only 127.0.0.1 and localhost are granted up front; another host is saved, and the reader
    is asked to allow access (a test cannot click the browser's prompt, so access stays denied)."""
    page = open_options(ext)
    page.fill("[data-setting='serviceUrl']", "http://tadoru.example.invalid:8765/")
    page.locator("[data-setting='serviceUrl']").blur()
    page.wait_for_selector("#grant-access:not([hidden])")
    assert "tadoru.example.invalid" in page.text_content("#service-status")
    assert ext.settings()["serviceUrl"] == "http://tadoru.example.invalid:8765"
    article, info = ext.open(f"{pages_url}/hostile_css.html")
    assert info["lastError"]["code"] == "permission_denied"
    assert article.locator("tadoru-term").count() == 0
