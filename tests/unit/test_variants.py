"""Word-level variants of labels: plurals, participles, spacing."""

import pytest

from tadoru.variants import match_keys, participle, plural


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("embedding", "embeddings"), ("GPU", "GPUs"), ("LLM", "LLMs"), ("LoRA", "LoRAs"),
        ("matrix", "matrices"), ("neural network", "neural networks"), ("bias", "biases"),
        ("frequency", "frequencies"), ("key", "keys"), ("patch", "patches"), ("AI", "AIs"),
        ("low-rank matrix", "low-rank matrices"), ("hypothesis", "hypotheses"),
    ],
)
def test_plural(label, expected):
    assert plural(label) == expected


@pytest.mark.parametrize("label", ["GPT-4", "ResNet-50", "大規模言語モデル"])
def test_no_plural(label):
    assert plural(label) is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [("fine-tuning", "fine-tuned"), ("pre-training", "pre-trained"), ("padding", "padded"),
     ("training", "trained"), ("embedding", None), ("machine learning", None), ("king", None)],
)
def test_participle(label, expected):
    assert participle(label) == expected


def test_spacing_variants_cover_every_join():
    keys = {k for k, _ in match_keys("pre-trained model", "en")}
    assert {"pre trained model", "pretrained model", "pretrainedmodel", "pre trained models"} <= keys


def test_written_form_keeps_case():
    assert ("lora", "LoRA") in match_keys("LoRA", "en")


def test_japanese_labels_do_not_inflect():
    assert [k for k, _ in match_keys("ファインチューニング", "ja")] == ["ファインチュニング"]
