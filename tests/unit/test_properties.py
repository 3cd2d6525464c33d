"""Property tests (hypothesis) over arbitrary Unicode: the annotator's invariants always hold."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tadoru import Annotator, load_lexicon
from tadoru.pages.mark import render_marked

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "lexicon_unit"
SMALL = Annotator(load_lexicon([FIXTURE], shipped=False, use_env=False))

# Text mixing the lexicon's own labels with hostile characters: lone surrogates, NUL, controls,
# combining marks, right-to-left text, full-width forms, emoji, Japanese.
PIECES = st.sampled_from([
    "LoRA", "ＬｏＲＡ", "fine-tuning", "fine tuned", "大規模言語モデル", "層", "富裕層", "モデル", "レイヤー", "ﾚｲﾔｰ",
    "GPU", "GPUs", "RAG", "rag", "ファイン・チューニング", "学習済み", "再学習", " ", "\n", "、", "。", "-", "・", "ー",
    "\ud800", "\udfff", "\x00", "\x07", "\u0301", "\u3099", "\u200f", "שלום", "مرحبا", "😀", "👍🏽", "İ", "ß", "ﬁ",
    "\ufeff", "\u2028", "<b>", "&amp;", "e\u0301",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=40).map("".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _invariants(text, anns):
    last_end = 0
    for a in anns:
        assert 0 <= a.start < a.end <= len(text)
        assert text[a.start:a.end] == a.surface
        assert a.start >= last_end  # ordered, never overlapping
        last_end = a.end


@SETTINGS
@given(TEXT)
def test_annotate_text_invariants(text):
    _invariants(text, SMALL.annotate_text(text))


@SETTINGS
@given(TEXT, st.lists(st.sampled_from(["lora", "gpu", "layer", "model", "fine-tuning", "nonexistent"]), max_size=3))
def test_known_only_removes(text, known):
    everything = SMALL.annotate_text(text)
    fewer = SMALL.annotate_text(text, known=known)
    assert set(fewer) <= set(everything)
    assert not any(a.term in known for a in fewer)


@SETTINGS
@given(TEXT, st.integers(1, 3), st.booleans())
def test_level_and_first_only_only_remove(text, level, first_only):
    everything = set(SMALL.annotate_text(text))
    subset = SMALL.annotate_text(text, level=level, first_only=first_only)
    assert set(subset) <= everything
    if first_only:
        terms = [a.term for a in subset]
        assert len(terms) == len(set(terms))


@SETTINGS
@given(TEXT)
def test_annotate_html_invariants(text):
    page = SMALL.annotate_html("<html><body><p>" + text + "</p><pre>" + text + "</pre></body></html>")
    _invariants(page.text, page.annotations)


# Markup that parsers disagree about, next to the hostile text: unclosed, misnested and skipped
# elements, comments, character references to NUL and to a surrogate, our own tag.
HTML_PIECES = st.sampled_from([
    "<b>", "</b>", "<i>", "</i>", "<p>", "</p>", "<div>", "</span>", "<br>", "<td>", "<table>", "<li>",
    "<code>", "</code>", "<script>", "</script>", "<!--", "-->", "<tadoru-term>", "&#0;", "&#xD800;", "&lt;",
    "<p contenteditable>", "<svg>", "<?xml version='1.0'?>",
])
HTML = st.lists(st.one_of(PIECES, HTML_PIECES, st.text(max_size=5)), max_size=40).map("".join)
KNOWN = st.lists(st.sampled_from(["lora", "gpu", "layer", "model", "fine-tuning", "LoRA", "\ud800", ""]), max_size=3)


@SETTINGS
@given(HTML, KNOWN)
def test_annotate_html_over_broken_markup_known_only_removes(html, known):
    everything = SMALL.annotate_html(html)
    fewer = SMALL.annotate_html(html, known=known)
    _invariants(everything.text, everything.annotations)
    _invariants(fewer.text, fewer.annotations)
    assert fewer.text == everything.text
    assert set(fewer.annotations) <= set(everything.annotations)
    known_ids = SMALL.resolve_known(known)
    assert not any(a.term in known_ids for a in fewer.annotations)
    render_marked(fewer.page, fewer.annotations)  # marking the page never fails either


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, HTML), KNOWN)
def test_shipped_lexicon_keeps_the_invariants(annotator, text, known):
    """The real lexicon too: ambiguous words, Japanese word edges (Sudachi), case-sensitive labels."""
    everything = annotator.annotate_text(text)
    _invariants(text, everything)
    fewer = annotator.annotate_text(text, known=known)
    assert set(fewer) <= set(everything)
    page = annotator.annotate_html(text, known=known)
    _invariants(page.text, page.annotations)
