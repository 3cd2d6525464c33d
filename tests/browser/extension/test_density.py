"""Density in the extension (issue 15 #1): real Chromium, the unpacked extension, the real service,
on a Japanese tech blog (byline, tags, URL, table of contents), an English docs page (sidebar,
breadcrumbs, code) and a long page.  Under calm no term is marked twice in a section and nothing
in headings, navigation, bylines, tag lists, URLs or code; first marks each term once from the
article body; all marks every occurrence; and the extension marks what the service finds in the
original page, in every mode."""

from __future__ import annotations

import pytest

from harness.extension import api_annotations, page_path

pytestmark = pytest.mark.browser

#: Highlights with the section they stand in (headings outside furniture start one) and whether
#: they sit in a quiet part; a term split over pieces counts once (as HIGHLIGHTS_JS joins them).
MARKS_JS = """() => {
  const QUIET = 'h1,h2,h3,h4,h5,h6,nav,header,footer,aside,address,code,pre,.byline,.tags,.toc,.post-meta,.page-meta,.breadcrumbs,[rel~=tag]';
  const out = [];
  let section = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT);
  for (let el = walker.nextNode(); el; el = walker.nextNode()) {
    if (/^h[1-6]$/.test(el.localName) && !el.closest('nav,aside,header,footer')) section++;
    if (el.localName !== 'tadoru-term' || !el.dataset.term) continue;
    const last = out[out.length - 1];
    if (el.getAttribute('tabindex') === '-1' && !el.hasAttribute('data-tadoru-stop') && last && last.term === el.dataset.term) {
      last.text += el.textContent;
      continue;
    }
    out.push({term: el.dataset.term, text: el.textContent, section, quiet: !!el.closest(QUIET)});
  }
  return out;
}"""

PAGES = ["ja_tech_blog.html", "en_docs_peft.html"]


def _long_page() -> str:
    """A long article without headings for 9,000 characters, then sections: ~2,000-character sections."""
    para = ("<p>We fine-tune a large language model with LoRA on one GPU and watch the validation loss for "
            "overfitting; the learning rate and the batch size matter more than the rank.</p>\n")
    plain = "".join(para for _ in range(55))
    sections = "".join(f"<h2>Part {i}</h2>\n" + para * 3 for i in range(6))
    return f"<!doctype html><html lang='en'><body><main><h1>Notes</h1>{plain}{sections}</main></body></html>"


def _open(ext, url, density):
    ext.set_settings(density=density)
    page, info = ext.open(url)
    assert info["lastError"] is None
    return page, page.evaluate(MARKS_JS)


@pytest.mark.parametrize("name", PAGES)
def test_each_mode_marks_what_the_service_finds_and_calm_is_calm(ext, pages_url, live_server, name):
    html = page_path(name).read_text(encoding="utf-8")
    counts = {}
    for density in ("calm", "first", "all"):
        page, marks = _open(ext, f"{pages_url}/{name}", density)
        assert [(m["term"], m["text"]) for m in marks] == api_annotations(live_server.url, html, density=density), density
        counts[density] = len(marks)
        if density != "all":
            assert not [m for m in marks if m["quiet"]], f"{density}: marked in headings, furniture or code"
            keys = [(m["section"], m["term"]) if density == "calm" else m["term"] for m in marks]
            assert len(keys) == len(set(keys)), f"{density}: a term twice where once is the rule"
        else:
            assert any(m["quiet"] for m in marks), "all marks the furniture too: the page has some"
        page.close()
    assert counts["first"] <= counts["calm"] < counts["all"], counts


def test_first_counts_from_the_article_body_not_the_byline(ext, pages_url, live_server):
    page, marks = _open(ext, f"{pages_url}/ja_tech_blog.html", "first")
    lora = [m for m in marks if m["term"] == "lora"]
    assert len(lora) == 1 and not lora[0]["quiet"]
    before_body = page.evaluate("() => document.querySelector('h1').textContent + document.querySelector('nav.toc').textContent")
    assert "LoRA" in before_body, "the title and table of contents mention LoRA first: the test must be able to fail"


def test_a_long_page_gets_a_reminder_every_section(ext, pages_url, live_server):
    url = f"{pages_url}/long-density.html"
    html = _long_page()
    ext.set_settings(density="calm")
    page = ext.new_page()
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
    page.goto(url)
    ext.wait_done(page)
    marks = page.evaluate(MARKS_JS)
    assert [(m["term"], m["text"]) for m in marks] == api_annotations(live_server.url, html, density="calm")
    lora = [m for m in marks if m["term"] == "lora"]
    # ~9,900 characters before the first <h2>: about five 2,000-character sections, then six headed ones.
    assert 4 + 6 <= len(lora) <= 6 + 6, len(lora)
    assert len([m for m in marks if m["term"] == "lora" and m["section"] >= 2]) == 6
