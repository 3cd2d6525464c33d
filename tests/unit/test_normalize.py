"""The normalised copy and its map back to the original text (docs/ARCHITECTURE.md, "Offsets")."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tadoru.text.normalize import normalize, normalize_label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fine-Tuning", "fine tuning"),
        ("fine_tuning", "fine tuning"),
        ("fine\u2010tuning", "fine tuning"),  # Unicode hyphen
        ("fine\u2013tuning", "fine tuning"),  # en dash
        ("ＬｏＲＡ", "lora"),  # full-width
        ("ﾚｲﾔｰ", "レイヤ"),  # half-width katakana, long-vowel mark
        ("レイヤー", "レイヤ"),
        ("ファイン・チューニング", "ファインチュニング"),
        ("ファイン･チューニング", "ファインチュニング"),  # half-width nakaguro
        ("AI・機械学習", "ai 機械学習"),  # nakaguro after a Latin letter separates words
        ("ｶﾞ", "ガ"),  # half-width voiced mark composes
        ("e\u0301", "é"),  # combining acute composes
        ("ﬁne", "fine"),  # ligature
        ("すごーい", "すごーい"),  # long vowel after hiragana stays
        ("GPU\u3000x", "gpu x"),  # ideographic space
    ],
)
def test_normalised_text(text, expected):
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["plain ascii text", "レイヤーを追加", "ﾚｲﾔｰ", "ファイン・チューニング", "😀 e\u0301 LoRA ﬁne İstanbul", "x" * 10,
     "\ud800 lone surrogate", "NUL\x00byte", "𝐀𝐁 math letters", "カ\u3099 combining dakuten"],
)
def test_every_copy_character_maps_inside_the_original(text):
    norm = normalize(text)
    last_start = 0
    for i in range(len(norm.text)):
        start, end = norm.original_span(i, i + 1)
        assert 0 <= start < end <= len(text)
        assert start >= last_start  # the map never goes backwards
        last_start = start


def test_span_after_emoji_and_surrogate_pairs():
    text = "😀👍🏽 LoRA"
    norm = normalize(text)
    i = norm.text.index("lora")
    assert norm.original_span(i, i + 4) == (text.index("LoRA"), len(text))


def test_trailing_long_vowel_is_inside_the_span():
    text = "新しいレイヤーを"
    norm = normalize(text)
    i = norm.text.index("レイヤ")
    start, end = norm.original_span(i, i + 3)
    assert text[start:end] == "レイヤー"


def test_long_vowel_after_half_width_katakana_extends_span():
    text = "ﾚｲﾔｰを"
    norm = normalize(text)
    start, end = norm.original_span(0, 3)
    assert text[start:end] == "ﾚｲﾔｰ"


def test_combining_sequence_maps_to_whole_cluster():
    text = "cafe\u0301 x"
    norm = normalize(text)
    assert norm.text == "café x"
    assert norm.original_span(0, 4) == (0, 5)


def test_case_is_kept_when_not_folding():
    assert normalize("ＬｏＲＡ", fold=False).text == "LoRA"


def test_label_normalisation_collapses_separator_runs():
    assert normalize_label("  Fine - - tuning ") == "fine tuning"
    assert normalize_label("") == ""


def test_ascii_fast_path_is_identity_mapped():
    text = "The model was fine-tuned."
    norm = normalize(text)
    assert norm.text == "the model was fine tuned."
    assert norm.original_span(4, 9) == (4, 9)


def _reference(text: str, fold: bool):
    """The whole-text algorithm without the ASCII split: one translate table, one regex pass."""
    from tadoru.text.normalize import _Builder, _tables

    table, _ascii, irregular = _tables(fold)
    builder = _Builder(fold)
    pos = 0
    for m in irregular.finditer(text):
        if m.start() > pos:
            builder.linear(text[pos : m.start()].translate(table), pos)
        builder.cluster(m.group(), m.start(), m.end())
        pos = m.end()
    if pos < len(text):
        builder.linear(text[pos:].translate(table), pos)
    return builder.build(len(text))


_MIXED = st.text(
    alphabet=st.sampled_from(list("ab -_.Ee") + ["\u0301", "\u3099", "ー", "ｰ", "・", "･", "ﾌ", "ｧ", "ｲ", "ﾞ",
                                                  "フ", "ァ", "層", "Ａ", "é", "ﬁ", "İ", "—", "\u00a0", "😀", "\ud800"]),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(_MIXED, st.booleans(), st.sampled_from([0.0, 1.01]))
def test_ascii_split_gives_the_same_copy_and_map_as_the_whole_text_pass(text, fold, threshold):
    from unittest.mock import patch

    import tadoru.text.normalize as module

    with patch.object(module, "MOSTLY_ASCII", threshold):  # 0.0: always split; 1.01: never
        fast = normalize(text, fold=fold)
    slow = _reference(text, fold)
    assert fast.text == slow.text
    for i in range(len(fast.text)):
        assert fast.original_span(i, i + 1) == slow.original_span(i, i + 1), (text, i)


def test_the_limit_holds_with_and_without_characters_that_expand():
    """The copy's length is bounded as it is built (ordinary text pays no pre-pass), and text
    holding a character that triples or more is counted in C before any of it is mapped."""
    from tadoru.text.normalize import TextTooLong, normalize

    with pytest.raises(TextTooLong):
        normalize("ｱｲｳ" * 10, limit=20)  # half-width katakana: one character each, 30 > 20
    assert normalize("ｱｲｳ" * 10, limit=30).text == "アイウ" * 10
    hostile = "\ufdfa" * (1 << 20)  # (its time is a row of benchmarks/reliability.py)
    with pytest.raises(TextTooLong) as caught:
        normalize(hostile, limit=2 * len(hostile) + 1024)
    assert caught.value.length > caught.value.limit
