"""Round-2 breaks proven in real Chromium (issue 18 #1, #2, #8, #12).

Each saved page goes through the real ``tadoru annotate`` and its copy is opened from disk twice:
with the copy's Content-Security-Policy on, and with it bypassed, so the proof rests on the
markup alone.  A local "trap" server records every request: a refresh, a prefetch, an iframe or
a form that reached the browser would show up there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.conftest import recording_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Parser-differential breakouts (#1): lxml reads these as text or inert, Chromium as markup.
BREAKOUTS = {
    "svg-style-meta.html": '<p>LoRA</p><svg><style><meta http-equiv="refresh" content="0;url=TRAP/NAV"></style></svg>',
    "svg-style-active.html": ("<p>LoRA</p><svg><style><img src=x onerror=\"window.__pwned=1;alert(1)\">"
                              "<script>window.__pwned=2;alert(2)</script>"
                              '<a id="go" href="javascript:window.__pwned=3">LoRA</a>'
                              '<iframe src="TRAP/IFRAME"></iframe><embed src="TRAP/EMBED"><object data="TRAP/OBJECT">'
                              '</object></style></svg>'),
    "svg-style-base-form.html": ('<svg><style><base href="TRAP/BASE/"><link rel=prefetch href="TRAP/PREFETCH">'
                                 '<form id="f" action="TRAP/FORM"><input name="q" value="x"></form></style></svg>'
                                 '<p>LoRA <a id="rel" href="relative.html">relative</a></p>'),
    "noscript-title.html": '<p>LoRA</p><noscript><p title="</noscript><img src=x onerror=alert(4)>"></p></noscript>',
}
#: A page's own element named like the copy's data (#8).
SPOOFS = {
    "spoof-div.html": ('<p>LoRA adapts a model.</p><div id="tadoru-data" hidden>{"version":1,"lang":"en","css":"",'
                       '"cards":{"lora":{"id":"lora","label":{"en":"LoRA","ja":"LoRA"},"definition":{"en":"SPOOFED",'
                       '"ja":"SPOOFED"},"deeper":[]}}}</div>'),
    "spoof-empty.html": '<p id="tadoru-data"></p><p>LoRA adapts a model.</p>',
    "spoof-after-body.html": '<p>LoRA adapts a model.</p></body></html><script type="application/json" '
                             'id="tadoru-data">{"version":1,"lang":"en","css":"","cards":{}}</script>',
}


class _Trap(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def _record(self) -> None:
        _Trap.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<p>trapped</p>")

    do_GET = do_POST = _record

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def trap() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Trap)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def copies(tmp_path_factory, trap) -> Path:
    pages = tmp_path_factory.mktemp("saved")
    for name, body in {**BREAKOUTS, **SPOOFS}.items():
        html = f"<!DOCTYPE html><html><head><title>{name}</title></head><body>{body}</body></html>"
        (pages / name).write_text(html.replace("TRAP", trap), encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(pages), "--out", str(out), "--jobs", "1"],
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(params=["csp-on", "csp-bypassed"])
def reader(request, browser) -> Iterator[Any]:
    with recording_page(browser, bypass_csp=request.param == "csp-bypassed") as page:
        yield page


def _settle(page: Any) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)  # the refresh in the attack fires after 0 s; prefetches are quick


def _hover_definition(page: Any, term: str = "lora") -> str:
    page.hover(f'tadoru-term[data-term="{term}"] >> nth=0')
    definition = page.locator("tadoru-tooltip .tadoru-definition")
    definition.wait_for(state="visible", timeout=5000)
    return definition.text_content() or ""


@pytest.mark.parametrize("name", sorted(BREAKOUTS))
def test_a_parser_differential_carries_nothing_active_into_the_copy(copies, reader, trap, name):
    _Trap.hits.clear()
    url = (copies / name).as_uri()
    reader.goto(url)
    _settle(reader)
    assert reader.url == url, "the copy navigated away"
    assert reader.dialogs == [] and reader.evaluate("window.__pwned") is None
    assert _Trap.hits == [], _Trap.hits
    assert reader.locator("iframe, embed, object, form, base, meta[http-equiv=refresh], img[onerror]").count() == 0
    if reader.locator("#rel").count():  # no <base> reached the browser: a relative link stays beside the copy
        assert reader.evaluate("document.querySelector('#rel').href") == (copies / "relative.html").as_uri()
    scripts = reader.evaluate("[...document.scripts].map((s) => s.id)")
    assert scripts == ["tadoru-data", "tadoru-tooltip-script", "tadoru-bootstrap"], scripts
    assert _hover_definition(reader)  # and the tooltips still work


@pytest.mark.parametrize("name", sorted(SPOOFS))
def test_a_page_cannot_stand_in_for_the_copys_card_data(copies, reader, name):
    reader.goto((copies / name).as_uri())
    reader.wait_for_load_state("load")
    definition = _hover_definition(reader)
    assert "SPOOFED" not in definition and "low-rank" in definition.lower(), definition


def test_a_public_page_cannot_make_the_browser_post_the_paste_form(live_server, browser, tmp_path):
    """#2: a page elsewhere auto-submitted 5 MB to the form and the service spent 15 s and 3 GB on it."""
    attacker = tmp_path / "attack.html"
    attacker.write_text(f'<!DOCTYPE html><form id="f" method="post" action="{live_server.url}/?lang=en">'
                        '<textarea name="text">LoRA LoRA LoRA</textarea></form>'
                        "<script>document.getElementById('f').submit()</script>", encoding="utf-8")
    with recording_page(browser) as page:
        with page.expect_navigation(url=f"{live_server.url}/?lang=en"):
            page.goto(attacker.as_uri())
        assert page.locator("tadoru-term").count() == 0
        assert "own page" in page.locator("main").inner_text()
        # The form itself still works from the service's own page.
        page.goto(f"{live_server.url}/?lang=en")
        page.fill("#text", "LoRA adapts a model.")
        page.click("#tadoru-form button[type=submit]")
        page.wait_for_selector('#tadoru-result tadoru-term[data-term="lora"]')


# --------------------------------------------------------------------------- #12 remote fetches from a copy

#: Every way a saved page can make its copy fetch by itself, each pointing at the trap.
REMOTE = ('<p>LoRA adapts a model.</p>'
          '<img src="TRAP/img.png" srcset="TRAP/img-2x.png 2x"><picture><source srcset="TRAP/source.webp">'
          '<img src="TRAP/picture.png"></picture><input type="image" src="TRAP/input.png" alt="go">'
          '<video poster="TRAP/poster.png" src="TRAP/video.mp4"></video><audio src="TRAP/audio.mp3"></audio>'
          '<svg width="10" height="10"><image href="TRAP/svg-image.png" width="10" height="10"/>'
          '<use href="TRAP/sprite.svg#icon"/></svg>'
          '<table background="TRAP/table-bg.png"><tr><td style="background:url(TRAP/inline-bg.png)">x</td></tr></table>'
          '<div class="bg">LoRA</div>')
REMOTE_HEAD = ('<link rel="stylesheet" href="TRAP/style.css"><link rel="icon" href="TRAP/favicon.ico">'
               '<style>@import url("TRAP/import.css"); .bg{background-image:url(TRAP/style-bg.png)}'
               '@font-face{font-family:x;src:url(TRAP/font.woff2)} body{font-family:x}</style>')


def _remote_copy(tmp_path: Path, trap: str, *extra: str) -> Path:
    pages = tmp_path / "saved"
    pages.mkdir()
    (pages / "remote.html").write_text(f"<!DOCTYPE html><html><head><title>r</title>{REMOTE_HEAD}</head>"
                                       f"<body>{REMOTE}</body></html>".replace("TRAP", trap), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "tadoru", "annotate", str(pages), "--out", str(out), "--jobs", "1",
                           *extra], capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_an_annotated_copy_fetches_nothing_when_opened(reader, trap, tmp_path):
    out = _remote_copy(tmp_path, trap)
    _Trap.hits.clear()
    reader.goto((out / "remote.html").as_uri())
    _settle(reader)
    assert _Trap.hits == [], _Trap.hits
    assert _hover_definition(reader)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["pages"][0]["remote_dropped"] >= 15  # (a <source> srcset the inliner drops is not counted)


def test_remote_resources_load_only_when_asked_for(browser, trap, tmp_path):
    """The same page with --remote-resources does reach the trap: the test above can fail."""
    out = _remote_copy(tmp_path, trap, "--remote-resources")
    _Trap.hits.clear()
    with recording_page(browser) as page:
        page.goto((out / "remote.html").as_uri())
        _settle(page)
    assert "/img.png" in _Trap.hits or "/img-2x.png" in _Trap.hits, _Trap.hits
