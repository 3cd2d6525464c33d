"""The extension on a 10,000-word article: from navigation to the last highlight, measured in the
browser, with the service's own share of that time.

Real Chromium with the unpacked extension, a real ``tadoru serve``, the article served over
http.  For each language, per run (fresh tab, median of ``--runs``):

* ``last highlight``  performance.now() when the last <tadoru-term> joined the page (0 = the
  navigation started), recorded by a MutationObserver the page installs before any script runs;
* ``load event``      the same page's load event: the baseline a reader waits for anyway;
* ``script start``    when the content script started (Chromium runs it at document_idle);
* ``round trip``      content script → worker → service → back, as the content script saw it;
* ``service``         the service worker's round trip to POST /api/v1/annotate (fetch time);
* ``service alone``   the same request body POSTed by Python straight to the service (no browser);
* ``content``         walk + anchor + mark in the content script, as it reports them.

Usage: ``python benchmarks/bench_extension.py [--runs 5] [--words 10000] [--json]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import median, print_table, start_service, stop_service
from corpus import article_html

from harness.extension import launched_extension

REPO = HERE.parent
EXTENSION = REPO / "extension"
CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if os.path.exists(p)), None)
#: Installed in the page before its own scripts: the time of every highlight insertion.
RECORDER = """
(() => {
  window.__tadoruBench = { last: 0, count: 0 };
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType === 1 && n.localName === 'tadoru-term') {
        window.__tadoruBench.last = performance.now(); window.__tadoruBench.count++;
      }
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""


def visible_words(html: str) -> int:
    from tadoru.text.visible import visible_text

    text = visible_text(html).text
    if re.search(r"[\u3040-\u30ff]", text):  # Japanese: count words as Sudachi would, roughly 2.2 chars each
        return round(len(re.sub(r"\s", "", text)) / 2.2)
    return len(text.split())


def article_of(lang: str, words: int) -> str:
    """An article page of about ``words`` words of visible text."""
    size = words * (9 if lang == "en" else 8)
    html = article_html(lang, size)
    for _ in range(8):
        have = visible_words(html)
        if abs(have - words) / words < 0.02:
            break
        size = int(size * words / have)
        html = article_html(lang, size)
    return html


class Pages(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def post(url: str, body: dict) -> float:
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url + "/api/v1/annotate", data=data, headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as r:
        r.read()
    return (time.perf_counter() - t0) * 1000


def run(runs: int, words: int, workers: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    tmp = Path(tempfile.mkdtemp(prefix="tadoru-bench-ext-"))
    articles = {lang: article_of(lang, words) for lang in ("en", "ja")}
    for lang, html in articles.items():
        (tmp / f"article-{lang}.html").write_text(html, encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Pages, directory=str(tmp)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    pages = f"http://127.0.0.1:{httpd.server_address[1]}"
    service = start_service(workers)
    service_url = service.url
    results = []
    try:
        with sync_playwright() as p, launched_extension(p, CHROMIUM, tmp / "profile") as ext:
            context, control = ext.context, ext.control
            control.evaluate("(url) => chrome.storage.local.set({settings: {version: 1, serviceUrl: url}, "
                             "known: {version: 1, ids: []}})", service_url)
            for lang, html in articles.items():
                rows = []
                for i in range(runs + 1):  # the first run warms the service and the worker up
                    page = context.new_page()
                    page.add_init_script(RECORDER)
                    page.goto(f"{pages}/article-{lang}.html?run={i}", wait_until="load")
                    info = wait_done(control, page)
                    bench = page.evaluate("() => window.__tadoruBench")
                    load = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
                    page.close()
                    if i == 0:
                        continue
                    t = info["timings"]
                    rows.append({"last": bench["last"], "load": load, "count": info["count"], "pieces": bench["count"],
                                 "service": t["serviceMs"], "request": t["requestMs"], "start": t["startMs"],
                                 "content": t["walkMs"] + t["anchorMs"] + t["markMs"], "chars": t["sentChars"]})
                body = control_body(control, pages, lang)
                alone = [post(service_url, body) for _ in range(runs)]
                results.append({
                    "lang": lang, "words": visible_words(html), "html_kb": len(html.encode()) / 1024,
                    "highlights": rows[0]["count"], "chars_sent": rows[0]["chars"],
                    "last_highlight_ms": median([r["last"] for r in rows]),
                    "load_event_ms": median([r["load"] for r in rows]),
                    "script_start_ms": median([r["start"] for r in rows]),
                    "round_trip_ms": median([r["request"] for r in rows]),
                    "service_ms": median([r["service"] for r in rows]),
                    "service_alone_ms": median(alone),
                    "content_ms": median([r["content"] for r in rows]),
                })
    finally:
        stop_service(service)
        httpd.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def wait_done(control, page, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = control.evaluate("""async (url) => {
            const tabs = (await chrome.tabs.query({})).filter((t) => t.url === url);
            if (!tabs.length) return null;
            try { const r = await chrome.tabs.sendMessage(tabs[tabs.length - 1].id, {type: 'pageInfo', payload: {}});
                  return r && r.ok ? r.result : null; } catch (e) { return null; } }""", page.url)
        if info and not info["busy"] and (info["timings"]["batches"] >= 1 or info["lastError"]):
            if info["lastError"]:
                raise SystemExit(f"the page was not annotated: {info['lastError']}")
            return info
        time.sleep(0.02)
    raise SystemExit("the page was not annotated in time")


def control_body(control, pages: str, lang: str) -> dict:
    """The request body the worker sends for the article (rebuilt from the walk, in a page)."""
    page = control.context.new_page()
    page.goto(f"{pages}/article-{lang}.html")
    for script in ("content/walk.js", "shared/pagedoc.js"):
        page.add_script_tag(path=str(EXTENSION / script))
    html = page.evaluate("""() => { document.querySelectorAll('tadoru-term').forEach((el) => el.replaceWith(...el.childNodes));
        document.body.normalize();
        const w = TadoruWalk.walkText([document.body]); return TadoruPageDoc.toHtml(w.text, w.breaks); }""")
    page.close()
    return {"html": html, "lang": "auto", "known": [], "level": 1, "first_only": False}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.runs, args.words, args.workers)
    if args.json:
        print(json.dumps(results, indent=1))
        return results
    rows = []
    for r in results:
        share = r["service_ms"] / r["last_highlight_ms"]
        rows.append([r["lang"], r["words"], f"{r['html_kb']:.0f} KB", r["highlights"],
                     f"{r['last_highlight_ms']:.0f} ms", f"{r['load_event_ms']:.0f} ms",
                     f"{r['script_start_ms']:.0f} ms", f"{r['round_trip_ms']:.0f} ms",
                     f"{r['service_ms']:.0f} ms ({share:.0%})", f"{r['service_alone_ms']:.0f} ms",
                     f"{r['content_ms']:.0f} ms"])
    print_table(f"Extension: navigation → last highlight, {args.words:,}-word article (median of {args.runs})",
                ["lang", "words", "page", "highlights", "last highlight", "load event", "script start",
                 "round trip", "service (share)",
                 "service alone", "content script"], rows)
    return results


if __name__ == "__main__":
    main()
