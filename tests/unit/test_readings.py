"""Readings (issue 14 #4): a reader who hears a term but cannot write it still finds it."""

from __future__ import annotations

import pytest

from tadoru.lexicon.readings import reading
from tadoru.text.readings import is_kana, to_hiragana


@pytest.mark.parametrize(("label", "expected"), [
    ("過学習", "かがくしゅう"),
    ("機械学習", "きかいがくしゅう"),
    ("自己注意機構", "じこちゅういきこう"),
    ("ファインチューニング", "ふぁいんちゅーにんぐ"),
    ("LoRAモデル", None),  # a part without a kana reading: no reading rather than a wrong one
    ("", None),
])
def test_labels_read_as_sudachi_reads_them(label, expected):
    assert reading(label) == expected


def test_kana_helpers():
    assert to_hiragana("カガクシュウ・ー") == "かがくしゅう・ー"
    assert is_kana("かがくしゅう") and is_kana("ファイン") and not is_kana("過学習") and not is_kana("lora")


@pytest.mark.parametrize(("query", "first"), [
    ("かがくしゅう", "overfitting"),
    ("カガクシュウ", "overfitting"),
    ("きかいがくしゅう", "machine-learning"),
    ("ふぁいんちゅーにんぐ", "fine-tuning"),
    ("きょうかがくしゅう", "reinforcement-learning"),
])
def test_search_finds_a_term_by_its_reading(lexicon, query, first):
    assert lexicon.search(query)[0].id == first


def test_a_card_carries_the_reading_of_a_kanji_label_only(lexicon):
    assert lexicon["overfitting"].to_card()["reading"] == {"ja": "かがくしゅう"}
    assert "reading" not in lexicon["fine-tuning"].to_card()  # katakana is its own guide



def test_the_shipped_readings_file_is_up_to_date():
    """lexicon/readings.tsv is what scripts/readings writes for today's labels (run it after editing them)."""
    from tadoru.lexicon.load import load_lexicon
    from tadoru.lexicon.readings import READINGS_FILE, readings_table
    from tadoru.paths import lexicon_dir

    shipped = (lexicon_dir() / READINGS_FILE).read_text(encoding="utf-8")
    assert shipped == readings_table(load_lexicon(use_env=False)), "stale: run python scripts/readings"


@pytest.mark.parametrize("label", ["1×1畳み込み", "OpenAI Five", "1ショット学習"])
def test_no_reading_is_guessed_for_symbols_digits_or_spaces(label):
    from tadoru.text.readings import sudachi_reading

    assert sudachi_reading(label) is None  # Sudachi would say キゴウ ("symbol") or イチ for "one"


@pytest.mark.parametrize(("query", "first"), [
    ("lroa", "lora"), ("attension", "attention"), ("trnasformer", "transformer"), ("finetunning", "fine-tuning"),
    ("ファインチューニグ", "fine-tuning"),
])
def test_a_typo_finds_the_closest_labels_when_nothing_else_matches(lexicon, query, first):
    """Issue 15: "attension" found nothing and /terms/lroa offered no "did you mean"."""
    assert lexicon.search(query, limit=5)[0].id == first


def test_typo_tolerance_does_not_crowd_real_matches_or_invent_some(lexicon):
    assert lexicon.search("lora", limit=3)[0].id == "lora"  # a real match: no fuzzy extras
    assert lexicon.search("zzzzzz") == [] and lexicon.search("qx") == []


@pytest.mark.parametrize(("kana", "romaji"), [
    ("ろら", "rora"), ("ローラ", "rora"), ("ふぁいんちゅーにんぐ", "fainchuningu"), ("きゃっしゅ", "kyashu"),
    ("しゃどう", "shadou"), ("うぃき", "wiki"),
])
def test_kana_read_as_romaji(kana, romaji):
    from tadoru.lexicon.readings import kana_to_romaji

    assert kana_to_romaji(kana) == romaji


@pytest.mark.parametrize(("query", "first"), [("ろら", "lora"), ("ローラ", "lora"), ("らま", "llama")])
def test_kana_find_a_latin_label_by_its_sound(lexicon, query, first):
    """Issue 15: ろら found nothing; LoRA has no kana label whose reading could match."""
    assert lexicon.search(query, limit=5)[0].id == first


def test_a_sound_match_does_not_crowd_a_reading_match(lexicon):
    assert lexicon.search("かがくしゅう")[0].id == "overfitting"
    assert "lora" not in [c.id for c in lexicon.search("ろ", limit=len(lexicon))]  # one kana: readings only


@pytest.mark.parametrize(("query", "first"), [("attens", "attention"), ("attensi", "attention"), ("trnasfor", "transformer")])
def test_a_half_typed_typo_already_finds_the_term(lexicon, query, first):
    """Search as you type: "attension" typed letter by letter never shows an empty glossary."""
    assert first in [c.id for c in lexicon.search(query, limit=5)]
