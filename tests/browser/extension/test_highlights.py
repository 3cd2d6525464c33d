"""The content script on realistic pages: what it marks, what it leaves alone, and that the page
still looks and works the same.  Real Chromium, the unpacked extension, the real service."""

from __future__ import annotations

import pytest
import requests

from harness.extension import HIGHLIGHTS_JS, api_annotations, page_path

pytestmark = pytest.mark.browser

STATIC_PAGES = [
    "ja_tech_blog.html",
    "en_arxiv_paper.html",
    "encyclopedia.html",
    "emoji_surrogates.html",
    "hostile_css.html",
]

#: Elements whose text must never be marked (docs/ARCHITECTURE.md, "The walk"), as a selector of marks inside them.
MARKED_INSIDE_SKIPPED = ", ".join(
    f"{tag} tadoru-term" for tag in
    ("code", "pre", "kbd", "samp", "textarea", "button", "select", "svg", "math", "[contenteditable=true]")
)


@pytest.mark.parametrize("name", STATIC_PAGES)
def test_every_highlight_is_exactly_what_the_service_found(ext, pages_url, live_server, name):
    """The page's highlights, in order, are the service's annotations of the same page."""
    page, info = ext.open(f"{pages_url}/{name}")
    assert info["lastError"] is None
    marked = [tuple(x) for x in page.evaluate(HIGHLIGHTS_JS)]
    expected = api_annotations(live_server.url, page_path(name).read_text(encoding="utf-8"))
    assert len(expected) >= 10, "the fixture page should hold plenty of terms"
    assert marked == expected
    assert info["count"] == len(expected)
    # Every annotation was placed where its offsets said: no quote fallback was needed.
    assert info["timings"]["anchoredByQuote"] == 0 and info["timings"]["dropped"] == 0


@pytest.mark.parametrize("name", ["ja_tech_blog.html", "en_arxiv_paper.html", "emoji_surrogates.html"])
def test_nothing_inside_code_pre_or_editable_is_marked(ext, pages_url, name):
    page, _ = ext.open(f"{pages_url}/{name}")
    # The fixtures do put term words there, so this checks the walk, not an empty page.
    assert page.evaluate("""() => Array.from(document.querySelectorAll('pre, code, textarea, [contenteditable], button'))
                              .some((el) => /LoRA|fine-tuning|large language model|RAG/.test(el.textContent))""")
    assert page.locator(MARKED_INSIDE_SKIPPED).count() == 0
    assert page.locator("tadoru-term").count() > 0


def test_terms_after_emoji_and_surrogate_pairs_land_exactly(ext, pages_url):
    """Code-point offsets from the API, UTF-16 offsets in the DOM: 𠮷 and emoji before terms."""
    ext.set_settings(density="all")  # every occurrence: each one after an emoji must land
    page, _ = ext.open(f"{pages_url}/emoji_surrogates.html")
    marked = page.evaluate(HIGHLIGHTS_JS)
    texts = [t for _, t in marked]
    for surface in ("LoRA", "ファインチューニング", "大規模言語モデル", "RAG", "Transformer", "過学習", "トークン", "埋め込み"):
        assert surface in texts
    # No highlight starts or ends inside a surrogate pair or on an emoji.
    assert page.evaluate(r"""() => Array.from(document.querySelectorAll('tadoru-term')).every((el) =>
        !/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(el.textContent) && !/\p{Extended_Pictographic}/u.test(el.textContent))""")


def test_terms_split_across_inline_markup_are_marked_piece_by_piece(ext, pages_url):
    """`Fine-<i>tuning</i>`, `over<span>fitting</span>`, `large <i>language</i> models`."""
    ext.set_settings(density="all")  # every occurrence, repeats included, is split somewhere
    page, _ = ext.open(f"{pages_url}/encyclopedia.html")
    marked = [tuple(x) for x in page.evaluate(HIGHLIGHTS_JS)]
    assert ("fine-tuning", "Fine-tuning") in marked
    assert ("overfitting", "overfitting") in marked
    assert ("large-language-model", "large language models") in marked
    # The pieces of one annotation: only the first is a Tab stop; the <i> is still there.
    pieces = page.evaluate("""() => Array.from(document.querySelectorAll('i tadoru-term'))
                               .map((el) => [el.dataset.term, el.textContent, el.getAttribute('tabindex')])""")
    assert ["fine-tuning", "tuning", "-1"] in pieces
    assert page.locator("a[href='target.html#llm'] b i").count() == 1


def test_links_still_navigate(ext, pages_url):
    page, _ = ext.open(f"{pages_url}/encyclopedia.html")
    link = page.locator("#tl-link")
    assert link.locator("tadoru-term").count() == 1, "the link's text is highlighted"
    assert link.get_attribute("href") == "target.html#tl"
    with page.expect_navigation():
        link.locator("tadoru-term").click()
    assert page.url == f"{pages_url}/target.html#tl"
    assert page.locator("#arrived").is_visible()


def test_hostile_css_does_not_restyle_highlights_and_layout_does_not_move(ext, pages_url):
    """A page that restyles every span, mark and div: the custom element is untouched, and
    every element of the page sits exactly where it sits without Tadoru."""
    rects_js = """() => Array.from(document.body.querySelectorAll('*'))
        .filter((el) => el.localName !== 'tadoru-term')
        .map((el) => { const r = el.getBoundingClientRect(); return [el.localName, r.x, r.y, r.width, r.height]; })"""
    url = f"{pages_url}/hostile_css.html"
    ext.set_settings(siteMode="all", sites=["127.0.0.1"])  # off for this site
    plain = ext.new_page()
    plain.goto(url)
    plain.wait_for_timeout(300)
    assert plain.locator("tadoru-term").count() == 0
    before = plain.evaluate(rects_js)

    ext.set_settings(sites=[])
    page, _ = ext.open(url)
    assert page.locator("tadoru-term").count() >= 10
    style = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('tadoru-term'));
        return [s.display, s.paddingTop, s.borderTopWidth, s.fontSize, s.position]; }""")
    assert style[0] == "inline" and style[1] == "0px" and style[2] == "0px" and style[4] == "static"
    after = page.evaluate(rects_js)
    assert len(after) == len(before)
    for a, b in zip(after, before):
        assert a[0] == b[0]
        assert all(abs(x - y) < 0.5 for x, y in zip(a[1:], b[1:])), (a, b)


def test_content_added_later_is_annotated_once(ext, pages_url):
    page, _ = ext.open(f"{pages_url}/dynamic_content.html")
    page.wait_for_selector("body[data-all-added]")
    page.click("#more")
    expected_terms = {"overfitting", "learning-rate", "retrieval-augmented-generation", "vector-database",
                      "kv-cache", "rlhf", "diffusion-model"}

    def marked_terms() -> set[str]:
        return {t for t, _ in page.evaluate(HIGHLIGHTS_JS)}

    page.wait_for_function(
        "(want) => want.every((t) => document.querySelector(`tadoru-term[data-term='${t}']`))",
        arg=sorted(expected_terms), timeout=10000)
    info = ext.wait_done(page, batches=2)
    assert expected_terms <= marked_terms()
    assert page.locator("tadoru-term tadoru-term").count() == 0, "a highlight was annotated again"
    # Every text node was sent exactly once: the characters sent add up to the page's text.
    walk_length = page.evaluate("""() => { let n = 0; const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let t = w.nextNode(); t; t = w.nextNode()) { if (!t.parentElement.closest('script, style, button')) n += t.data.length; }
        return n; }""")
    assert info["timings"]["sentChars"] == walk_length
    assert info["timings"]["batches"] >= 2


def test_first_occurrence_only_and_level(ext, pages_url, live_server):
    ext.set_settings(firstOnly=True, level=2)  # stored before density existed: read as density "first"
    page, _ = ext.open(f"{pages_url}/en_arxiv_paper.html")
    marked = [tuple(x) for x in page.evaluate(HIGHLIGHTS_JS)]
    expected = api_annotations(live_server.url, page_path("en_arxiv_paper.html").read_text(encoding="utf-8"),
                               first_only=True, level=2)
    assert marked == expected
    terms = [t for t, _ in marked]
    assert len(terms) == len(set(terms))


def test_switching_the_site_off_removes_highlights_and_on_brings_them_back(ext, pages_url):
    page, _ = ext.open(f"{pages_url}/hostile_css.html")
    count = page.locator("tadoru-term").count()
    assert count > 0
    original = page.evaluate("() => document.getElementById('p1').innerHTML")
    ext.set_settings(siteMode="all", sites=["127.0.0.1"])
    page.wait_for_function("() => !document.querySelector('tadoru-term')")
    assert "tadoru-term" not in page.evaluate("() => document.body.innerHTML")
    ext.set_settings(sites=[])
    page.wait_for_function(f"() => document.querySelectorAll('tadoru-term').length === {count}")
    assert page.evaluate("() => document.getElementById('p1').innerHTML") == original


def test_a_huge_page_is_sent_in_chunks_and_marked_to_the_end(ext, pages_url):
    """Past 400,000 characters the walk is split at text-node boundaries (the service caps
    request bodies): every chunk is annotated, down to the page's last paragraph."""
    ext.set_settings(density="all")  # a mark in every paragraph shows every chunk was done
    paragraph = ("<p>Section {i}: we fine-tune a large language model with LoRA on one GPU, "
                 "watch for overfitting, and tune the learning rate. " + "Plain words fill the rest. " * 20 + "</p>\n")
    html = "<!doctype html><html><body>" + "".join(paragraph.format(i=i) for i in range(1000)) + "</body></html>"
    url = f"{pages_url}/huge-generated.html"
    page = ext.new_page()
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
    page.goto(url)
    info = ext.wait_done(page, batches=2, timeout=60)
    assert info["lastError"] is None
    assert info["timings"]["batches"] == 2 and info["timings"]["sentChars"] > 400_000
    last = page.locator("p").last
    assert last.locator("tadoru-term[data-term='lora']").count() == 1
    assert info["count"] == 6 * 1000  # fine-tune, large language model, LoRA, GPU, overfitting, learning rate


def test_a_known_list_of_ids_and_labels_hides_what_the_service_hides(ext, pages_url, live_server):
    """One known path: the extension's highlights with a known list are the service's answer for the
    same list (ids and labels in both languages), as batch and the API give (tests/integration/test_one_path.py)."""
    known = ["lora", "GPU", "ファインチューニング", "large language model"]
    ext.set_known(known)
    page, info = ext.open(f"{pages_url}/ja_tech_blog.html")
    assert info["lastError"] is None
    marked = [tuple(x) for x in page.evaluate(HIGHLIGHTS_JS)]
    expected = api_annotations(live_server.url, page_path("ja_tech_blog.html").read_text(encoding="utf-8"),
                               known=known)
    assert marked == expected
    assert not {"lora", "gpu", "fine-tuning", "large-language-model"} & {term for term, _ in marked}


LEVELS_JS = """() => Array.from(document.querySelectorAll('tadoru-term[data-term]'))
    .map((el) => [el.dataset.term, el.dataset.level || null, getComputedStyle(el).backgroundColor])"""


def test_highlights_are_tinted_by_level_and_the_tint_can_be_switched_off(ext, pages_url, live_server):
    """Issue 15 #2: each highlight carries its term's level and the level's colour; switching the
    tint off in Options takes it off the open tab without asking the service again."""
    page, info = ext.open(f"{pages_url}/ja_tech_blog.html")
    marks = page.evaluate(LEVELS_JS)
    levels = {t: requests.get(f"{live_server.url}/api/v1/terms/{t}", timeout=10).json()["level"]
              for t in {term for term, _, _ in marks}}
    assert [lvl for _, lvl, _ in marks] == [str(levels[t]) for t, _, _ in marks]
    colours: dict[str, set[str]] = {}
    for _, lvl, bg in marks:
        colours.setdefault(lvl, set()).add(bg)
    assert len(colours) >= 2, f"the page should hold terms of more than one level: {colours}"
    assert all(len(c) == 1 for c in colours.values()) and len({c.pop() for c in colours.values()}) == len(colours)

    ext.set_settings(tint=False)
    page.wait_for_function("() => !document.querySelector('tadoru-term[data-level]')")
    after = ext.page_info(page)
    assert len(page.evaluate(LEVELS_JS)) == len(marks) and after["timings"]["batches"] == info["timings"]["batches"]
    assert len({bg for _, _, bg in page.evaluate(LEVELS_JS)}) == 1, "untinted, every highlight looks the same"
    ext.set_settings(tint=True)
    page.wait_for_function(f"() => document.querySelectorAll('tadoru-term[data-level]').length === {len(marks)}")
