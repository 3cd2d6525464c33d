"""The extension's pure helpers run in real Chromium (the browser that runs them for readers),
next to their Python counterparts: the walk (walk.js ↔ text/visible.py), the offsets, and the
known-terms file (known.js ↔ known.py).  A plain page, no extension: the scripts are loaded
into the page itself."""

from __future__ import annotations

import json

import pytest

from harness.extension import EXTENSION_DIR, PAGES_DIR
from tadoru.lexicon import known as known_py
from tadoru.text.visible import visible_text

pytestmark = pytest.mark.browser

WALK_PAGES = ["ja_tech_blog.html", "en_arxiv_paper.html", "encyclopedia.html", "emoji_surrogates.html",
              "hostile_css.html", "dynamic_content.html", "target.html", "arxiv-latexml.html"]


def load_scripts(page, *paths: str) -> None:
    for rel in paths:
        page.add_script_tag(path=str(EXTENSION_DIR / rel))


def utf16_to_cp(text: str, offsets: list[int]) -> list[int]:
    """Code-point offsets of UTF-16 offsets into ``text``."""
    out = []
    for u16 in offsets:
        cp = len(text.encode("utf-16-le", "surrogatepass")[: 2 * u16].decode("utf-16-le", "surrogatepass"))
        out.append(cp)
    return out


@pytest.mark.parametrize("name", WALK_PAGES)
def test_walk_equals_the_services_visible_text_and_breaks(page, name):
    """The text the extension sends, and its block-edge breaks, are what the service reads
    from the same page (browsers put the whitespace after </body> into the body: that trailing
    whitespace is the one difference, and it holds no term)."""
    html = (PAGES_DIR / name).read_text(encoding="utf-8").replace("<script>", "<script type='text/inert'>")
    page.set_content(html)  # the page as loaded, before its scripts change it
    load_scripts(page, "content/walk.js")
    walk = page.evaluate("() => { const w = TadoruWalk.walkText([TadoruWalk.pageRoot(document)]);"
                         " return {text: w.text, breaks: w.breaks}; }")
    server = visible_text(html)
    assert walk["text"].rstrip() == server.text.rstrip()
    assert walk["text"].startswith(server.text)
    breaks = utf16_to_cp(walk["text"], walk["breaks"])
    assert [b for b in breaks if b < len(server.text)] == server.breaks


def test_walk_lists_equal_the_python_walk_lists():
    """SKIP_TAGS, BLOCK_TAGS and the LaTeXML class lists in walk.js are text/visible.py's, name
    for name."""
    import re

    from tadoru.text import visible

    source = (EXTENSION_DIR / "content" / "walk.js").read_text(encoding="utf-8")
    for name in ("SKIP_TAGS", "BLOCK_TAGS", "LATEXML_SKIP_CLASSES", "LATEXML_KEEP_CLASSES"):
        block = re.search(name + r" = new Set\(\[(.*?)\]\)", source, re.DOTALL)
        assert block, f"{name} not found in walk.js"
        assert set(re.findall(r'"([a-z0-9_-]+)"', block.group(1))) == set(getattr(visible, name)), name


def test_walk_skips_the_latexml_apparatus_as_the_service_does(page):
    """On the LaTeXML fixture the extension's walk drops maths, citations, cross-references, tags,
    footnote marks, the bibliography, authors, dates, the listing and the page footer, and keeps
    the captions and the footnote text — the text and the word breaks the service reads."""
    from tests.unit.test_latexml import KEPT_TEXT, SKIPPED_TEXT

    html = (PAGES_DIR / "arxiv-latexml.html").read_text(encoding="utf-8")
    page.set_content(html)
    load_scripts(page, "content/walk.js")
    walk = page.evaluate("() => { const w = TadoruWalk.walkText([TadoruWalk.pageRoot(document)]);"
                         " return {text: w.text, breaks: w.breaks}; }")
    server = visible_text(html)
    assert walk["text"].rstrip() == server.text.rstrip()
    assert [b for b in utf16_to_cp(walk["text"], walk["breaks"]) if b < len(server.text)] == server.breaks
    for fragment in SKIPPED_TEXT:
        assert fragment not in walk["text"], fragment
    for fragment in KEPT_TEXT:
        assert fragment in walk["text"], fragment


PAGEDOC_CASES = [
    ("LoRA22GB3時間", [4, 8]),
    ("  leading space\n\n  <b>not markup</b> & &amp; entities", [2, 17]),
    ("😀 emoji then LoRA𠮷 and \r\n CRLF \r lone CR", [1, 3, 20]),
    ("controls \x00 \x01 \x0b \x0c \x1f \x7f \x85 \ufffe \uffff end", [9, 11]),
    ("\ud800 lone surrogate \udc00 and whitespace-only pieces", [0, 1, 2, 3]),
    ("   ", [1, 2]),
    ("a\n\n\n   \t\nb", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ("", []),
]


@pytest.mark.parametrize("text,breaks", PAGEDOC_CASES)
def test_pagedoc_round_trips_through_the_services_walk(page, text, breaks):
    """The html the worker sends reads, by the service's walk, as exactly the walked text,
    with a word break at exactly the walked breaks."""
    page.set_content("<body></body>")
    load_scripts(page, "shared/pagedoc.js")
    got = page.evaluate("""([t, b]) => ({html: TadoruPageDoc.toHtml(t, b), safe: TadoruPageDoc.parserSafe(t)})""",
                        [text, breaks])
    assert len(got["safe"]) == len(text)  # one replacement character per character replaced
    server = visible_text(got["html"])
    assert server.text == got["safe"]
    units = text.encode("utf-16-le", "surrogatepass")
    inside_pair = {b for b in breaks if 0 < b < len(units) // 2
                   and 0xD800 <= int.from_bytes(units[2 * b - 2: 2 * b], "little") <= 0xDBFF
                   and 0xDC00 <= int.from_bytes(units[2 * b: 2 * b + 2], "little") <= 0xDFFF}
    expected = [b for b in utf16_to_cp(text, [b for b in breaks if b not in inside_pair]) if 0 < b < len(server.text)]
    assert [b for b in server.breaks if b > 0] == expected


def test_walk_skips_the_same_elements_as_the_service(page):
    html = """<body><p>a<code>b</code>c<pre>d</pre><kbd>e</kbd><samp>f</samp><textarea>g</textarea>
      <select><option>h</option></select><button>i</button><svg><text>j</text></svg><math><mi>k</mi></math>
      <noscript>l</noscript><iframe>m</iframe><object>n</object><div contenteditable>o</div>
      <div contenteditable="true">p</div><div contenteditable="false">q</div><tadoru-tooltip>r</tadoru-tooltip>
      <template>s</template>t</p></body>"""
    page.set_content(html)
    load_scripts(page, "content/walk.js")
    text = page.evaluate("() => TadoruWalk.walkText([document.body]).text")
    assert text.split() == visible_text(html).text.split() == ["ac", "q", "t"]


OFFSET_CASES = ["plain LoRA", "😀 LoRA", "𠮷野家で大規模言語モデル", "a👩‍💻b 🇯🇵 RAG", "\ud800 lone", "x\udc00y 😀😀 z"]


def test_offsets_in_the_browser_match_python_code_points(page):
    """TadoruOffsets converts Python's code-point offsets to the DOM's UTF-16 offsets."""
    page.set_content("<body></body>")
    load_scripts(page, "content/offsets.js")
    for text in OFFSET_CASES:
        js_text = json.dumps(text)  # lone surrogates survive as \\ud800 escapes
        for cp in range(len(text) + 1):
            u16 = len(text[:cp].encode("utf-16-le", "surrogatepass")) // 2
            got = page.evaluate(f"""() => {{ const m = new TadoruOffsets.OffsetMap({js_text});
                                   return [m.toUtf16({cp}), m.toCodePoint({u16})]; }}""")
            assert got == [u16, cp], (text, cp)


KNOWN_CASES = [
    {"format": "tadoru-known", "version": 1, "known": ["lora", " gpu ", "lora", ""]},
    ["dataset", "gpu"],
    {"known": ["a"]},
    {"format": "other", "known": []},
    {"version": 2, "known": ["a"]},
    {"known": "lora"},
    {"known": [1, 2]},
    {"format": "tadoru-known"},
    "just a string",
    None,
    42,
]


@pytest.mark.parametrize("case", KNOWN_CASES, ids=[json.dumps(c)[:40] for c in KNOWN_CASES])
def test_known_file_parser_agrees_with_known_py(page, case):
    page.set_content("<body></body>")
    load_scripts(page, "shared/known.js")
    got = page.evaluate("""(data) => { try { return {ids: TadoruKnown.parseKnown(data)}; }
                                       catch (e) { return {error: e.message}; } }""", case)
    try:
        expected = {"ids": known_py.parse_known(case)}
    except ValueError as exc:
        expected = {"error": str(exc)}
    assert got == expected
    document = page.evaluate("() => TadoruKnown.knownDocument(['b', 'a', 'b'])")
    assert document == known_py.known_document(["b", "a", "b"])


def test_anchoring_falls_back_to_the_quote_when_the_page_changed_meanwhile(page, annotator):
    """Position first; when the page changed its text while the service answered, the
    exact/prefix/suffix quote finds each term again, and marking follows the new text."""
    from tadoru.annotate import quote_context

    page.set_content("<body><p id='first'>😀 We fine-tune with LoRA on a GPU.</p>"
                     "<p id='second'>Then 𠮷 LoRA again, and <b>fine</b>-tuning.</p></body>")
    load_scripts(page, "content/offsets.js", "content/walk.js", "content/anchor.js", "content/mark.js")
    page.evaluate("() => { window.walk = TadoruWalk.walkText([document.body]); }")
    text = page.evaluate("() => walk.text")
    annotations = []
    for a in annotator.annotate_text(text, density="all"):
        prefix, suffix = quote_context(text, a.start, a.end)
        annotations.append({**a.to_dict(), "prefix": prefix, "suffix": suffix})
    assert [a["exact"] for a in annotations].count("LoRA") == 2

    unchanged = page.evaluate("""(anns) => { const r = TadoruAnchor.anchorAll(walk, anns, () => { throw new Error('no rewalk'); });
                                 return [r.byPosition, r.byQuote, r.dropped]; }""", annotations)
    assert unchanged == [len(annotations), 0, 0]

    # The page rewrites the first paragraph's text (a live counter, a translation script…).
    page.evaluate("() => { document.getElementById('first').firstChild.data = '🎉🎉 BREAKING: we fine-tune with LoRA on a GPU.'; }")
    result = page.evaluate("""(anns) => {
        const r = TadoruAnchor.anchorAll(walk, anns, () => TadoruWalk.walkText([document.body]));
        TadoruMark.markPlaced(r.snapshot, r.placed, new WeakSet());
        return {byPosition: r.byPosition, byQuote: r.byQuote, dropped: r.dropped,
                marks: Array.from(document.querySelectorAll('tadoru-term')).map((e) => [e.dataset.term, e.textContent, e.parentElement.id || e.parentElement.localName])};
    }""", annotations)
    assert result["byQuote"] == len(annotations) and result["dropped"] == 0
    marks = result["marks"]
    assert ["lora", "LoRA", "first"] in marks and ["lora", "LoRA", "second"] in marks
    assert ["fine-tuning", "fine", "b"] in marks  # the piece inside <b>…
    assert ["fine-tuning", "-tuning", "second"] in marks  # …and the piece after it
    assert page.evaluate("() => document.body.innerText").startswith("🎉🎉 BREAKING: we fine-tune with LoRA")
