"""The compiled matching core gives exactly the pure-Python path's annotations (issue 20 #3).

The pure-Python path (``CompiledLexicon.find`` → ``resolve_overlaps`` → the annotator's rules) is
the reference; the compiled core (tadoru/fastcore/_scan.pyx) must agree with it on everything a
reader can send: the evaluation paragraphs, every definition in the lexicon, saved pages with
their word breaks, every reader option, and thousands of generated texts full of the characters
normalisation treats specially.  Where the core is not built these tests skip, except in CI,
where ``TADORU_REQUIRE_COMPILED`` makes a missing core a failure (``.ci/run``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.evalset import load_paragraphs
from tadoru import Annotator, fastcore
from tadoru.annotate import CONTEXT_MIN_TERMS, CONTEXT_WINDOW, Annotation, acronym_in_name
from tadoru.matcher import MAX_CANDIDATES
from tadoru.text.normalize import TextTooLong

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
#: CI builds with TADORU_REQUIRE_COMPILED=1: the core must then be there, unless the run is the
#: pure-Python fallback's (TADORU_PURE_PYTHON=1, .ci/run's second pass).
REQUIRED = (os.environ.get("TADORU_REQUIRE_COMPILED", "") not in ("", "0")
            and os.environ.get("TADORU_PURE_PYTHON", "") in ("", "0"))


@pytest.fixture(scope="module")
def fast(annotator: Annotator) -> Annotator:
    if annotator.compiled.core is None:
        if REQUIRED:
            pytest.fail(f"TADORU_REQUIRE_COMPILED is set but the annotator runs the {fastcore.status()}")
        pytest.skip(f"the compiled core is not built here: {fastcore.status()}")
    return annotator


@pytest.fixture(scope="module")
def pure(annotator: Annotator) -> Annotator:
    reference = Annotator(compiled=annotator.compiled.pure_python())
    assert reference.compiled.core is None
    return reference


def outcome(annotator: Annotator, text: str, **options) -> object:
    """Everything a caller sees of one call: annotations, known terms counted, the cut, or the error."""
    try:
        result = annotator.annotate_text(text, **options)
    except TextTooLong as exc:
        return ("TextTooLong", str(exc))
    return [(a.start, a.end, a.surface, a.term) for a in result], result.known_found, result.truncated_at


def test_ci_tests_the_compiled_core(annotator):
    """CI installs with TADORU_REQUIRE_COMPILED=1: the differential tests must not quietly skip there."""
    if REQUIRED:
        assert annotator.compiled.core is not None, fastcore.status()
        assert fastcore.status() == "compiled matching core"


def test_evaluation_paragraphs(fast, pure):
    paragraphs = load_paragraphs()
    assert len(paragraphs) >= 40
    for p in paragraphs:
        assert outcome(fast, p.text) == outcome(pure, p.text), p.id


@pytest.mark.parametrize("options", [
    {},
    {"level": 2},
    {"level": 3, "first_only": True},
    {"first_only": True},
    {"known": ["neural-network", "モデル", "GPU", "transformer", "機械学習"]},
    {"known": ["layer", "model", "attention"], "level": 2},
], ids=repr)
def test_every_lexicon_definition_with_reader_options(fast, pure, lexicon, options):
    """About 3,500 short texts in both languages, written to be full of the lexicon's own terms."""
    texts = [concept.definition[lang] for concept in lexicon for lang in ("ja", "en")]
    found = 0
    for text in texts:
        a, b = outcome(fast, text, **options), outcome(pure, text, **options)
        assert a == b, text
        found += len(a[0])
    assert found > 500  # the comparison was about something (level 3 alone still finds ~900)


def test_all_definitions_as_one_document(fast, pure, lexicon):
    """One long text: the context rule's windows, first-only across paragraphs, Japanese edges."""
    text = "\n\n".join(concept.definition[lang] for concept in lexicon for lang in ("en", "ja"))
    for options in ({}, {"first_only": True}, {"known": ["lora", "gpu"], "level": 2}):
        assert outcome(fast, text, **options) == outcome(pure, text, **options)


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html")))
def test_saved_pages_with_their_word_breaks(fast, pure, name):
    html = (PAGES / name).read_bytes()
    a, b = fast.annotate_html(html), pure.annotate_html(html)
    assert a.page is not None and b.page is not None
    assert [x.to_dict() for x in a] == [x.to_dict() for x in b]
    assert a.known_found == b.known_found


# Pieces that exercise every branch of the fold and the scan: labels (cased, ambiguous,
# multi-word, Japanese), the characters normalisation treats one by one (ー ・ after and not after
# katakana, half-width forms, combining marks that compose, ligatures, U+FDFA and ㍿ that expand,
# astral letters and emoji, İ whose lower case is two characters), separators and word edges.
PIECES = st.sampled_from([
    "LoRA", "lora", "LORA", "ＬｏＲＡ", "AI", "ai", "Ai", "IT", "it", "ML", "LM Studio", "Core ML", "In ML",
    "model.fit", "transformers.agents", "torch.nn", "fine-tuning", "fine tuned", "finetuning", "fine\u2010tuning",
    "neural network", "neural\u00a0network", "neural-network", "layer", "layers", "model", "attention",
    "GPU", "GPUs", "RAG", "C++", "a.i.", "A.I.", "Agents.md", "大規模言語モデル", "機械学習", "層", "富裕層",
    "モデル", "レイヤー", "レイヤ", "ﾚｲﾔｰ", "ファイン・チューニング", "ファインチューニング", "学習済み", "再学習",
    "データ", "ニューラルネットワーク", "ニューラル・ネットワーク", "深層学習", "ｱﾃﾝｼｮﾝ", "アテンション",
    " ", "  ", "\n", "\n\n", "\t", "、", "。", "-", "_", ".", ",", "(", ")", "（", "）", "・", "ー", "ｰ", "･",
    "\u0301", "\u0308", "\u3099", "\u309a", "\uff9e", "\uff9f", "e\u0301", "ﬁ", "ﬃ", "ﬂ", "\ufdfa", "㍿", "㎏", "…",
    "😀", "👍🏽", "𝐀𝐈", "𝐥𝐨𝐫𝐚", "İ", "ß", "ẞ", "Å", "é", "É", "ñ", "Ǆ", "ǅ", "\u200b", "\ufeff", "\u3000",
    "\ud800", "\x00", "שלום", "ا", "中", "か", "カ", "ｶ", "々", "ヶ", "1", "3D", "x",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=30).map("".join)
MANY = settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@MANY
@given(TEXT)
def test_generated_texts(fast, pure, text):
    assert outcome(fast, text) == outcome(pure, text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.sampled_from([{}, {"first_only": True}, {"level": 2}, {"known": ["lora", "layer", "モデル", "ai"]}]))
def test_generated_texts_with_reader_options(fast, pure, text, options):
    assert outcome(fast, text, **options) == outcome(pure, text, **options)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.lists(st.integers(0, 80), max_size=6))
def test_generated_texts_with_word_breaks(fast, pure, text, breaks):
    """Word breaks (page paragraph edges): a term may start or end at one and never spans one."""
    breaks = sorted(set(breaks))
    a = fast._annotate(text, breaks, fast_options(), {}) if text else ([], None)
    b = pure._annotate(text, breaks, fast_options(), {}) if text else ([], None)
    assert a == b


def fast_options():
    from tadoru.options import ReaderOptions

    return ReaderOptions.from_kwargs()


def test_text_that_grows_too_much_is_refused_the_same_way(fast, pure):
    """U+FDFA is 18 characters once normalised: both paths refuse the same texts with the same error."""
    for text in ("\ufdfa" * 1000, "LoRA " + "\ufdfa" * 200, "a" * 5000 + "\ufdfa" * 300, "…" * 3000):
        assert outcome(fast, text) == outcome(pure, text)
    assert outcome(fast, "\ufdfa" * 1000)[0] == "TextTooLong"


def test_past_the_candidate_limit_the_python_path_decides(fast, pure):
    """Past MAX_CANDIDATES the core hands the call back; the result is then the reference's, cut included."""
    text = "LoRA GPU " * 20
    core = fast.compiled.core
    args = ((), [], 1, False, {}, fast.compiled.word_edges, acronym_in_name, Annotation)
    assert core.annotate(text, *args, 5, 2 * len(text) + 1024, CONTEXT_WINDOW, CONTEXT_MIN_TERMS) is None
    assert core.annotate(text, *args, MAX_CANDIDATES, 2 * len(text) + 1024, CONTEXT_WINDOW, CONTEXT_MIN_TERMS)


def test_annotations_are_real_annotations(fast):
    """The core fills Annotation objects without calling their __init__: they must be indistinguishable."""
    built = fast.annotate_text("We fine-tuned a large language model with LoRA.")
    assert built.annotations
    for a in built:
        again = Annotation(a.start, a.end, a.surface, a.term)
        assert type(a) is Annotation and a == again and hash(a) == hash(again) and repr(a) == repr(again)
        with pytest.raises(AttributeError):
            a.start = 0  # still frozen


def test_switched_off_by_the_environment(monkeypatch, annotator):
    monkeypatch.setenv("TADORU_PURE_PYTHON", "1")
    assert not fastcore.available()
    assert "TADORU_PURE_PYTHON" in fastcore.status() or "not built" in fastcore.status()
    from tadoru.matcher import CompiledLexicon

    assert CompiledLexicon.from_parts(*annotator.compiled.parts()).core is None


def test_japanese_texts_with_a_word_break_at_every_position(fast, pure, lexicon):
    """A break where a Japanese term meets a character of its own script settles the edge without Sudachi."""
    texts = [c.definition["ja"] for c in list(lexicon)[:40]] + ["富裕層の機械学習者がファインチューニング済みモデルを使う。"]
    opts = fast_options()
    compared = 0
    for text in texts:
        for p in range(len(text) + 1):
            assert fast._annotate(text, [p], opts, {}) == pure._annotate(text, [p], opts, {}), (text, p)
            compared += 1
    assert compared > 1000


TIES = """
domain: Ties inside one expanding character
concepts:
  - id: kabushiki
    labels: {en: [kabushiki gaisha], ja: [株式会社]}
    definition: {en: A joint-stock company., ja: 株式を発行する会社。}
    level: 1
    category: basics
  - id: shikikai
    labels: {en: [shikikai], ja: [式会]}
    definition: {en: A made-up key inside another., ja: 別のキーの中にある作り物のキー。}
    level: 1
    category: basics
  - id: kaisha
    labels: {en: [kaisha], ja: [会社]}
    definition: {en: A company., ja: 会社のこと。}
    level: 1
    category: basics
"""


def test_ties_inside_one_character_break_as_the_automaton_orders_them(tmp_path):
    """㍿ folds to 株式会社: three keys then cover the same original character, and the winner is the
    one pyahocorasick reports first (by end in the copy, the longest first), as in the reference."""
    from tadoru import load_lexicon

    (tmp_path / "ties.yaml").write_text(TIES, encoding="utf-8")
    small = Annotator(load_lexicon([tmp_path], shipped=False, use_env=False))
    if small.compiled.core is None:
        pytest.skip("the compiled core is not built here")
    reference = Annotator(compiled=small.compiled.pure_python())
    for text in ("㍿", "A㍿B", "㍿の㍿", "株式会社"):
        assert outcome(small, text) == outcome(reference, text), text
    assert outcome(small, "㍿")[0] == [(0, 1, "㍿", "shikikai")]
