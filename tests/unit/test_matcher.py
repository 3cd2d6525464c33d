"""Matching rules (docs/ARCHITECTURE.md, "Matching"), on a small fixed lexicon (tests/fixtures/lexicon_unit)."""

import itertools
from pathlib import Path

import pytest

from tadoru import Annotator, load_lexicon

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "lexicon_unit"


@pytest.fixture(scope="module")
def small():
    lexicon = load_lexicon([FIXTURE], shipped=False, use_env=False)
    assert lexicon.problems == []
    return Annotator(lexicon)


def spans(annotator, text, **kw):
    if "first_only" not in kw:
        kw.setdefault("density", "all")  # the matcher's every find
    return [(a.surface, a.term) for a in annotator.annotate_text(text, **kw)]


# ---------------------------------------------------------------- English

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We tried fine-tuning today.", [("fine-tuning", "fine-tuning")]),
        ("We tried fine tuning today.", [("fine tuning", "fine-tuning")]),
        ("We tried finetuning today.", [("finetuning", "fine-tuning")]),
        ("We fine-tuned it.", [("fine-tuned", "fine-tuning")]),
        ("Fine-Tuning works.", [("Fine-Tuning", "fine-tuning")]),
        ("Two GPUs and one GPU.", [("GPUs", "gpu"), ("GPU", "gpu")]),
        ("Word embeddings help.", [("embeddings", "embedding")]),
        ("Sparse matrices.", [("matrices", "matrix")]),
        ("A pre-trained model, a pretrained model.", [("pre-trained model", "pretrained-model"), ("pretrained model", "pretrained-model")]),
        ("Big neural\nnetworks.", [("neural\nnetworks", "neural-network")]),
        ("ＬｏＲＡ in full width.", [("ＬｏＲＡ", "lora")]),
    ],
)
def test_english_variants(small, text, expected):
    assert spans(small, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The GPUS? no: subGPU, GPUx, XGPU.", [("GPUS", "gpu")]),  # word boundaries on both sides
        ("a dataset-ish word: datasets2", [("dataset", "dataset")]),  # a digit glued to the word
        ("Clean the rag with a ragged cloth.", []),  # case-sensitive RAG
        ("lora and Lora are not LoRA", [("LoRA", "lora")]),
    ],
)
def test_english_word_boundaries_and_case(small, text, expected):
    assert spans(small, text) == expected


def test_case_sensitive_acronym_matches_only_as_written(small):
    assert spans(small, "We use RAG daily.") == [("RAG", "rag")]
    assert spans(small, "An old rag.") == []
    assert spans(small, "We use Rag daily.") == []


def test_acronym_plural_keeps_case_rule(small):
    assert spans(small, "Many BERTs here.") == [("BERTs", "bert")]
    assert spans(small, "bert and berts") == []


def test_longest_match_wins(small):
    assert spans(small, "A large language model answers.") == [("large language model", "large-language-model")]
    assert spans(small, "大規模言語モデルです。") == [("大規模言語モデル", "large-language-model")]


def test_annotations_never_overlap_and_are_ordered(small):
    text = "large language model language model LLM fine-tuning LoRA " * 20
    anns = small.annotate_text(text, density="all")
    assert [a.start for a in anns] == sorted(a.start for a in anns)
    for a, b in itertools.pairwise(anns):
        assert a.end <= b.start
    assert all(text[a.start:a.end] == a.surface for a in anns)


# ---------------------------------------------------------------- Japanese

SEED_JA = "ファインチューニングとは、既に学習済みのモデルに新たな層を追加し、モデル全体を再学習する手法です。"


def test_seed_sentence_japanese(small):
    assert spans(small, SEED_JA) == [
        ("ファインチューニング", "fine-tuning"), ("学習済み", "pretrained-model"), ("モデル", "model"),
        ("層", "layer"), ("モデル", "model"), ("再学習", "retraining"),
    ]


@pytest.mark.parametrize("word", ["階層", "富裕層", "地層", "高層", "断層"])
def test_layer_inside_a_longer_word_is_not_layer(small, word):
    text = f"ファインチューニングと再学習の話。{word}について。"
    assert ("層", "layer") not in spans(small, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ファイン・チューニングを試す。", ("ファイン・チューニング", "fine-tuning")),
        ("ﾌｧｲﾝﾁｭｰﾆﾝｸﾞを試す。", ("ﾌｧｲﾝﾁｭｰﾆﾝｸﾞ", "fine-tuning")),
        ("ＬｏＲＡで試す。", ("ＬｏＲＡ", "lora")),
    ],
)
def test_japanese_variants(small, text, expected):
    assert expected in spans(small, text)


def test_long_vowel_variant_and_span(small):
    text = "ファインチューニングと再学習では、レイヤを足す。レイヤーも足す。"
    found = spans(small, text)
    assert ("レイヤ", "layer") in found and ("レイヤー", "layer") in found


def test_mixed_japanese_and_english(small):
    text = "LoRAでfine-tuningしたLLMを、GPU上で再学習する。"
    assert spans(small, text) == [
        ("LoRA", "lora"), ("fine-tuning", "fine-tuning"), ("LLM", "large-language-model"),
        ("GPU", "gpu"), ("再学習", "retraining"),
    ]


# ---------------------------------------------------------------- ambiguity

def test_ambiguous_words_need_ai_context(small):
    assert spans(small, "Layer the sponge cake, then add cream between the layers.") == []
    assert spans(small, "The power grid transformer failed in the storm.") == []
    ai = "We fine-tuned the LLM with LoRA, then added a layer to the transformer."
    assert ("layer", "layer") in spans(small, ai) and ("transformer", "transformer") in spans(small, ai)


def test_ambiguous_label_of_an_otherwise_plain_concept(small):
    assert spans(small, "味を微調整する。") == []  # 微調整 alone is everyday Japanese
    assert spans(small, "LoRAとRAGの話。微調整する。") == [("LoRA", "lora"), ("RAG", "rag"), ("微調整", "fine-tuning")]


def test_context_is_local(small):
    far = "LoRA and RAG. " + "Nothing to see here at all. " * 60 + "Layer the cake."
    assert ("Layer", "layer") not in spans(small, far)


# ---------------------------------------------------------------- reader options

def test_known_level_first_only(small):
    text = "LoRA fine-tuning with a dataset, again LoRA and a dataset."
    assert [t for _, t in spans(small, text)] == ["lora", "fine-tuning", "dataset", "lora", "dataset"]
    assert [t for _, t in spans(small, text, known=["dataset"])] == ["lora", "fine-tuning", "lora"]
    assert [t for _, t in spans(small, text, known=["LoRA"])] == ["fine-tuning", "dataset", "dataset"]  # a label works too
    assert [t for _, t in spans(small, text, level=2)] == ["lora", "fine-tuning", "lora"]
    assert [t for _, t in spans(small, text, level=3)] == ["lora", "lora"]
    assert [t for _, t in spans(small, text, first_only=True)] == ["lora", "fine-tuning", "dataset"]


def test_known_hides_the_whole_longest_match(small):
    assert spans(small, "a large language model", known=["large-language-model"]) == []


# ---------------------------------------------------------------- offsets

@pytest.mark.parametrize(
    "prefix",
    ["", "😀", "👍🏽👨‍👩‍👧", "e\u0301\u0301", "\U0001d400", "ｶﾞｷﾞ", "\u200b", "İİİ", "ﬁ"],
)
def test_offsets_after_tricky_characters(small, prefix):
    text = prefix + " LoRA と大規模言語モデル"
    anns = small.annotate_text(text, density="all")
    assert [(a.surface, a.term) for a in anns] == [("LoRA", "lora"), ("大規模言語モデル", "large-language-model")]
    for a in anns:
        assert text[a.start:a.end] == a.surface


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["list"]])
def test_non_string_text_is_a_type_error(small, bad):
    with pytest.raises(TypeError, match="str"):
        small.annotate_text(bad)


@pytest.mark.parametrize(
    ("kw", "error"),
    [({"lang": "fr"}, ValueError), ({"lang": 1}, TypeError), ({"level": 4}, ValueError), ({"level": "2"}, TypeError),
     ({"known": "lora"}, TypeError), ({"known": 3}, TypeError), ({"first_only": "yes"}, TypeError)],
)
def test_bad_options(small, kw, error):
    with pytest.raises(error):
        small.annotate_text("LoRA", **kw)


def test_empty_text(small):
    assert small.annotate_text("") == []
    assert small.annotate_text("   \n ") == []
