"""Nothing executed (issue 8 point 4): hostile lexicon and page content is only ever text.

One user lexicon (``TADORU_LEXICON_PATH``) holds a term whose definition is
``<img src=x onerror=alert(1)>`` plus a ``</script>`` break-out, and whose label is a
``<script>`` tag.  Its text, and pasted and saved pages full of scripts and handlers, go through
every surface: the paste form, an uploaded page, the glossary, the term page and its trace.svg,
a batch output opened from disk, and the extension's tooltip.  Chromium runs with CSP bypassed
(``bypass_csp``), so the proof rests on escaping alone, not on the pages' policies: any markup
that got through would fire a dialog or set ``window.__pwned``.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from harness.extension import launched_extension
from tests.conftest import LiveServer, record_dialogs, recording_page, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Every payload either alerts or sets window.__pwned when it runs.
EVIL_DEFINITION_EN = ("<img src=x onerror=alert(1)> </script><script>window.__pwned=1;alert(2)</script> "
                      "<svg onload=alert(3)> a term defined to break things")
EVIL_DEFINITION_JA = "<img src=x onerror=alert(4)>の定義。</script><script>alert(5)</script>"
EVIL_LABEL = "<script>alert(6)</script>"
PASTED = ("evilterm and LoRA <img src=x onerror=alert(7)> <script>window.__pwned=1;alert(8)</script> "
          '<a href="javascript:alert(9)">click</a> "><svg onload=alert(10)>')
SAVED_PAGE = ("<!DOCTYPE html><html><head><title>Saved</title><script>window.__pwned=1;alert(11)</script>"
              '<meta http-equiv="refresh" content="0;url=javascript:alert(12)"><base href="javascript:alert(13)//">'
              "</head><body onload=\"alert(14)\"><h1>evilterm</h1><p onclick=alert(15)>LoRA on GPUs "
              "<img src=x onerror=alert(16)> &lt;script&gt;alert(17)&lt;/script&gt;</p>"
              '<iframe srcdoc="<script>alert(18)</script>"></iframe><a href="javascript:alert(19)">evilterm</a>'
              "<svg><script>alert(20)</script></svg><object data=\"javascript:alert(21)\"></object>"
              "</body></html>")


@pytest.fixture(scope="module")
def evil_lexicon(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("evil-lexicon")
    (folder / "evil.yaml").write_text(json.dumps({"concepts": [{
        "id": "evil-term", "labels": {"en": ["evilterm", EVIL_LABEL], "ja": ["イービル"]},
        "definition": {"en": EVIL_DEFINITION_EN, "ja": EVIL_DEFINITION_JA},
        "level": 2, "category": "custom", "deeper": ["machine-learning"]}]}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def evil_server(tmp_path_factory, evil_lexicon) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("evil-serve"), env={"TADORU_LEXICON_PATH": str(evil_lexicon)})
    yield server
    stop_server(server.process)


@pytest.fixture
def naked_page(browser):
    """A page with the site's Content-Security-Policy ignored, recording dialogs and errors."""
    with recording_page(browser, bypass_csp=True) as page:
        yield page


def assert_inert(page: Any) -> None:
    page.wait_for_timeout(200)  # let any handler that got through fire (onerror of a broken image is quick)
    assert page.dialogs == [], page.dialogs
    assert page.evaluate("window.__pwned") is None


def hover_definition(page: Any, term: str = "evil-term") -> str:
    page.hover(f'tadoru-term[data-term="{term}"] >> nth=0')
    definition = page.locator("tadoru-tooltip .tadoru-definition")
    definition.wait_for(state="visible", timeout=5000)
    return definition.text_content()


def test_the_service_pages_show_hostile_content_as_text(evil_server, naked_page, tmp_path):
    page = naked_page
    url = evil_server.url
    assert "evil-term" in page.request.get(f"{url}/api/v1/terms/evil-term").json()["id"]

    # The paste form: the text is shown as typed, the tooltip holds the definition as text.
    page.goto(f"{url}/?lang=en")
    page.fill("#text", PASTED)
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result tadoru-term")
    assert page.locator("#tadoru-result").inner_text() == PASTED
    assert page.locator("#tadoru-result img, #tadoru-result script, #tadoru-result svg, #tadoru-result a").count() == 0
    assert hover_definition(page) == EVIL_DEFINITION_EN
    assert page.evaluate("document.querySelector('tadoru-tooltip').shadowRoot.querySelectorAll('img, script, svg')"
                         ".length") == 0
    assert_inert(page)

    # An uploaded saved page: its structure kept (issue 15), nothing active or loading.
    saved = tmp_path / "saved.html"
    saved.write_text(SAVED_PAGE, encoding="utf-8")
    page.goto(f"{url}/?lang=en")
    page.set_input_files("#file", str(saved))
    page.click("#tadoru-form button[type=submit]")
    page.wait_for_selector("#tadoru-result tadoru-term")
    assert page.locator("#tadoru-result script, #tadoru-result img, #tadoru-result svg, #tadoru-result iframe, "
                        "#tadoru-result object, #tadoru-result [onclick], #tadoru-result a[href]").count() == 0
    assert "<script>alert(17)</script>" in page.locator("#tadoru-result").inner_text()
    assert hover_definition(page) == EVIL_DEFINITION_EN
    assert_inert(page)

    # The glossary, the term page (definitions, label, trace picture) and the SVG alone.
    page.goto(f"{url}/terms?q=evil&lang=en")
    assert EVIL_DEFINITION_EN in page.locator("main").inner_text()
    assert_inert(page)
    for lang, definition in (("en", EVIL_DEFINITION_EN), ("ja", EVIL_DEFINITION_JA)):
        page.goto(f"{url}/terms/evil-term?lang={lang}")
        assert definition in page.locator("main").inner_text()
        assert page.locator("main img, main iframe").count() == 0
        assert page.locator("main script").count() == 0
        assert_inert(page)
    page.goto(f"{url}/terms/evil-term/trace.svg")
    assert page.evaluate("document.documentElement.localName") == "svg"
    assert page.locator("script").count() == 0
    assert_inert(page)


def test_a_batch_output_opened_from_disk_runs_nothing_of_the_page_or_lexicon(evil_lexicon, naked_page, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "saved.html").write_text(SAVED_PAGE, encoding="utf-8")
    (pages / "pasted.txt").write_text(PASTED, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(pages), "--out", str(out), "--jobs", "1",
                           "--lexicon", str(evil_lexicon)], capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = naked_page
    for name in ("saved.html", "pasted.html", "index.html"):
        page.goto((out / name).as_uri())
        page.wait_for_load_state("load")
        assert_inert(page)
        assert page.url == (out / name).as_uri()  # no refresh, no <base> navigation
        scripts = page.evaluate("[...document.scripts].map((s) => s.id)")
        assert scripts and all(s.startswith("tadoru-") for s in scripts), scripts
    page.goto((out / "pasted.html").as_uri())
    assert PASTED in page.locator("main").inner_text()
    assert hover_definition(page) == EVIL_DEFINITION_EN
    page.goto((out / "saved.html").as_uri())
    assert hover_definition(page) == EVIL_DEFINITION_EN
    assert page.locator("iframe, object, [onclick], [onload], [onerror], a[href^='javascript']").count() == 0
    assert_inert(page)


# --------------------------------------------------------------------------- the extension


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Iterator[str]:
    """An article served over http (content scripts do not run on file:// pages)."""
    root = tmp_path_factory.mktemp("site")
    # No script of its own: every dialog on this page could only come from Tadoru's markup.
    (root / "article.html").write_text("<!DOCTYPE html><title>Article</title><p>Our evilterm runs on GPUs with "
                                       "LoRA. &lt;img src=x onerror=alert(1)&gt;</p>", encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_extension_tooltip_shows_the_hostile_definition_as_text(playwright_instance, chromium_executable,
                                                                     evil_server, hostile_site, tmp_path):
    with launched_extension(playwright_instance, chromium_executable, tmp_path / "profile", bypass_csp=True) as ext:
        control = ext.control
        control.evaluate("""async (url) => { await chrome.storage.local.clear();
            await chrome.storage.local.set({settings: {version: 1, serviceUrl: url, definitionLang: 'en'},
                                            known: {version: 1, ids: []}}); }""", evil_server.url)
        page = record_dialogs(ext.context.new_page())
        page.goto(f"{hostile_site}/article.html")
        page.wait_for_selector('tadoru-term[data-term="evil-term"]', timeout=15000)
        assert hover_definition(page) == EVIL_DEFINITION_EN
        shadow = "document.querySelector('tadoru-tooltip').shadowRoot"
        assert page.evaluate(f"{shadow}.querySelectorAll('img, script, svg:not(.tadoru-icon), iframe').length") == 0
        assert page.evaluate(f"{shadow}.querySelector('.tadoru-label-en').textContent") in ("evilterm", EVIL_LABEL)
        assert_inert(page)
