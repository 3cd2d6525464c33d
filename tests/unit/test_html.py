"""The visible-text walk (docs/ARCHITECTURE.md) and rendering with <tadoru-term> marks."""

import lxml.html
import pytest

from tadoru.pages.mark import render_marked
from tadoru.text.visible import SKIP_TAGS, visible_text

PAGE = """<!doctype html><html><head><title>LoRA title</title><style>.x{}</style>
<script>var LoRA = 1</script></head><body>
<h1>LoRA &amp; <b>fine</b>-tuning</h1>
<p>We use <a href="/lora">LoRA</a> on a <code>LoRA()</code> GPU.</p>
<pre>GPU</pre><kbd>GPU</kbd><samp>GPU</samp><textarea>GPU</textarea><button>GPU</button>
<select><option>GPU</option></select><svg><text>GPU</text></svg><math><mi>GPU</mi></math>
<div contenteditable="true">LoRA</div><div contenteditable="false">LLM</div><!-- LoRA -->
<tadoru-tooltip>LoRA</tadoru-tooltip>
<p>大規模言語モデルの<i>学習</i>と<b>ファイン</b>チューニング</p></body></html>"""


@pytest.fixture(scope="module")
def result(annotator):
    return annotator.annotate_html(PAGE, density="all")


def test_visible_text_skips_what_readers_do_not_read(result):
    assert "var LoRA" not in result.text and "LoRA title" not in result.text
    assert "LoRA()" not in result.text and "GPU\n" not in result.text.replace(" GPU.", "")
    assert "LLM" in result.text  # contenteditable="false" is ordinary text


def test_annotations_point_into_the_visible_text(result):
    for a in result.annotations:
        assert result.text[a.start:a.end] == a.surface
    assert [(a.surface, a.term) for a in result.annotations][:3] == [("LoRA", "lora"), ("fine-tuning", "fine-tuning"), ("LoRA", "lora")]
    assert ("ファインチューニング", "fine-tuning") in [(a.surface, a.term) for a in result.annotations]


def test_rendered_marks_join_to_exact_and_keep_links(result):
    html = render_marked(result.page, result.annotations)
    doc = lxml.html.document_fromstring(html)
    marks = doc.findall(".//tadoru-term")
    by_term: dict[str, str] = {}
    for m in marks:
        assert m.get("data-term") and m.get("tabindex") in ("0", "-1")
        by_term.setdefault(m.get("data-term"), "")
    assert doc.find(".//a").get("href") == "/lora" and doc.find(".//a/tadoru-term").text == "LoRA"
    # a term split over <b>ファイン</b>チューニング is marked piece by piece
    pieces = [m.text for m in marks if m.get("data-term") == "fine-tuning"]
    assert "".join(pieces).endswith("ファインチューニング")
    assert doc.find(".//code").text == "LoRA()" and doc.find(".//pre").text == "GPU"
    assert html.startswith("<!DOCTYPE html>")
    # rendering does not change the visible text
    assert visible_text(html).text == result.text


def test_block_edges_are_word_breaks(annotator):
    page = annotator.annotate_html("<p>model</p><p>LoRA</p><div>GPU</div>GPU<span>LLM</span>")
    # "modelLoRAGPUGPULLM" joined: the block edges make model, LoRA and the first GPU words;
    # the second GPU is glued to LLM by an inline <span>, as a browser would show it.
    assert [(a.surface, a.term) for a in page.annotations] == [("model", "model"), ("LoRA", "lora"), ("GPU", "gpu")]


def test_text_split_by_inline_markup_still_matches(annotator):
    page = annotator.annotate_html("<p>We <em>fine</em>-tuned <b>Lo</b>RA.</p>")
    assert [(a.surface, a.term) for a in page.annotations] == [("fine-tuned", "fine-tuning"), ("LoRA", "lora")]


@pytest.mark.parametrize("html", ["", "   ", "<!-- only a comment -->", "no markup at all LoRA", b"<p>LoRA</p>"])
def test_degenerate_pages(annotator, html):
    page = annotator.annotate_html(html)
    assert all(page.text[a.start:a.end] == a.surface for a in page.annotations)


def test_html_type_error(annotator):
    with pytest.raises(TypeError, match="html"):
        annotator.annotate_html(123)


def test_skip_list_matches_spec():
    spec = {"code", "pre", "kbd", "samp", "script", "style", "textarea", "input", "select", "button", "svg", "math"}
    assert spec <= SKIP_TAGS and "tadoru-tooltip" in SKIP_TAGS


@pytest.mark.parametrize("declaration", [
    '<?xml version="1.0" encoding="utf-8"?>',
    "  <?XML version='1.0' encoding='Shift_JIS'?>\n",
])
def test_an_xml_declaration_on_decoded_text_does_not_hide_the_page(annotator, declaration):
    # lxml refuses a str that declares an encoding; an XHTML page saved to disk often starts so.
    page = declaration + "<html><body><p>LoRA で fine-tuning する。</p></body></html>"
    assert [a.exact for a in annotator.annotate_html(page).annotations] == ["LoRA", "fine-tuning"]


def test_nesting_at_the_parser_limit_is_refused_not_truncated():
    from tadoru.text.visible import MAX_DEPTH, HtmlTooDeep

    assert visible_text("<span>" * (MAX_DEPTH - 5) + "deep" + "</span>" * (MAX_DEPTH - 5)).text == "deep"
    with pytest.raises(HtmlTooDeep):
        visible_text("<span>" * 3000 + "deep" + "</span>" * 3000)
