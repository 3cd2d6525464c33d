"""Word-level variants of labels: plurals, participles, spacing."""

import pytest

from tadoru.text.variants import bare_verbs, match_keys, participle, plural


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


@pytest.mark.parametrize(
    ("label", "expected"),
    [("fine-tuning", ["fine-tune", "fine-tunes"]), ("pre-training", ["pre-train", "pre-trains"]),
     ("retraining", ["retrain", "retrains"]), ("overfitting", ["overfit", "overfits"]),
     ("preprocessing", ["preprocess", "preprocesses"]), ("fine tuning", ["fine tune", "fine tunes"]),
     # no prefix, or a prefix with an -ing word that is not a known verb: nothing
     ("training", []), ("instruction tuning", []), ("machine learning", []), ("self-driving", []),
     ("reasoning", [])],
)
def test_bare_verbs_only_for_prefixed_verbs(label, expected):
    assert bare_verbs(label) == expected


@pytest.mark.parametrize(("text", "term"), [
    ("We fine-tune the model on our data.", "fine-tuning"),
    ("The team pre-trains a transformer on web text.", "pre-training"),
    ("A small dataset makes the network overfit.", "overfitting"),
])
def test_prefixed_verbs_are_found_in_running_text(annotator, text, term):
    assert term in {a.term for a in annotator.annotate_text(text, lang="en")}


def test_spacing_variants_cover_every_join():
    keys = {k for k, _ in match_keys("pre-trained model", "en")}
    assert {"pre trained model", "pretrained model", "pretrainedmodel", "pre trained models"} <= keys


def test_written_form_keeps_case():
    assert ("lora", "LoRA") in match_keys("LoRA", "en")


def test_japanese_labels_do_not_inflect():
    assert [k for k, _ in match_keys("ファインチューニング", "ja")] == ["ファインチュニング"]
