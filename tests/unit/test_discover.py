"""Discovery (issue 16): candidate terms the lexicon does not have yet, found in the page.

Every text here uses abbreviations and names checked to be missing from the shipped lexicon
(KTO, SimPO, ORPO, DSPy, teacher model, 教師モデル…); if the lexicon gains one, the test that
uses it says so instead of failing mysteriously.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from tadoru.discover import KINDS, Candidate, discover
from tadoru.discover.definitions import COMPONENT_NAME, abbreviations, best_long_form
from tadoru.discover.evaluation import evaluate, load_paragraphs
from tadoru.discover.pipelines import SharedSudachiTokenizer, english, japanese
from tadoru.discover.shapes import technical_token

CANDIDATES = Path(__file__).resolve().parents[1] / "evaluation" / "candidates.yaml"

EN_DEFINITIONS = (
    "Preference tuning keeps moving after DPO and RLHF. Kahneman-Tversky Optimization (KTO) learns from "
    "thumbs-up and thumbs-down labels with a reward model in mind, and KTO needs no paired data. Others use "
    "SimPO (Simple Preference Optimization), which drops the reference model; SimPO is cheap to fine-tune with."
)
JA_DEFINITIONS = (
    "DPOの派生として、カーネマン・トヴェルスキー最適化（KTO）が提案された。KTOは報酬モデルを使わず、"
    "二値のラベルだけで大規模言語モデルを学習できる。SimPO（Simple Preference Optimization）も参照モデルを"
    "必要としない。ORPO(Odds Ratio Preference Optimization)はファインチューニングと同時に選好を学ぶ。"
)


def found(annotator, text: str, lang: str) -> list[Candidate]:
    return discover(text, annotator.annotate_text(text, lang=lang, density="all"), annotator, lang)


def by_surface(candidates: list[Candidate], surface: str) -> list[Candidate]:
    return [c for c in candidates if c.surface == surface]


@pytest.fixture(scope="module", autouse=True)
def _terms_still_missing(annotator):
    for term in ("KTO", "SimPO", "ORPO", "DSPy", "FastMCP", "teacher model", "critic model", "ring attention",
                 "教師モデル", "生徒モデル", "線形アテンション"):
        assert annotator.lexicon.resolve(term) is None, f"the lexicon now has {term!r}: pick another example"


# --------------------------------------------------------------------------- definitions


def test_english_definitions_in_both_orders(annotator):
    candidates = found(annotator, EN_DEFINITIONS, "en")
    kto, simpo = by_surface(candidates, "KTO"), by_surface(candidates, "SimPO")
    assert kto and {c.long_form for c in kto} == {"Kahneman-Tversky Optimization"}  # Long Form (ABBR)
    assert simpo and {c.long_form for c in simpo} == {"Simple Preference Optimization"}  # ABBR (Long Form)
    assert all(c.kind == "definition" for c in kto + simpo)


def test_japanese_definitions_in_both_orders_and_both_parentheses(annotator):
    candidates = found(annotator, JA_DEFINITIONS, "ja")
    assert {c.long_form for c in by_surface(candidates, "KTO")} == {"カーネマン・トヴェルスキー最適化"}  # 長い形（略語）
    assert {c.long_form for c in by_surface(candidates, "SimPO")} == {"Simple Preference Optimization"}  # 略語（長い形）
    assert {c.long_form for c in by_surface(candidates, "ORPO")} == {"Odds Ratio Preference Optimization"}  # ASCII ( )


def test_japanese_long_form_inside_the_parentheses(annotator):
    text = "DPOやRLHFに続いて、ORPO（オッズ比選好最適化）が大規模言語モデルのファインチューニングに使われ始めた。"
    assert {c.long_form for c in by_surface(found(annotator, text, "ja"), "ORPO")} == {"オッズ比選好最適化"}


def test_every_later_use_points_to_the_definition(annotator):
    text = "ORPO is new. " + EN_DEFINITIONS  # a use before the definition is not one of its uses
    candidates = found(annotator, text, "en")
    kto = by_surface(candidates, "KTO")
    first = text.index("(KTO)") + 1
    assert [c.start for c in kto] == [first, text.index("KTO needs")]
    assert all(c.defined_at == first and c.long_form == "Kahneman-Tversky Optimization" for c in kto)
    simpo = by_surface(candidates, "SimPO")
    assert len(simpo) == 2 and all(c.defined_at == text.index("SimPO") for c in simpo)


@pytest.mark.parametrize("aside", [
    "the scores (see Fig. 3) improved", "as reported earlier (2023) by the team", "a report (in Japanese) on it",
    "adapters (e.g. LoRA, DoRA) help", "the tuned variant (i.e. the SFT model) wins", "option (A) is used",
    "about (42) runs", "the base model (Table 1) and more", "a paper (Rafailov et al., 2023) showed"])
def test_asides_in_parentheses_are_not_definitions(annotator, aside):
    text = f"We fine-tuned a large language model with LoRA on GPUs, and {aside} during training."
    assert [c for c in found(annotator, text, "en") if c.kind == "definition"] == []


def test_japanese_asides_are_not_definitions(annotator):
    text = "大規模言語モデルをLoRAでファインチューニングした結果（図3参照）と、推論の速さ（2023年）と、RAG（ラグ）の読み方。"
    assert [c for c in found(annotator, text, "ja") if c.kind == "definition"] == []


def test_the_component_runs_on_a_blank_english_pipeline():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe(COMPONENT_NAME)
    pairs = abbreviations(nlp("We use Direct Preference Optimization (DPO) and SimPO (Simple Preference Optimization)."))
    assert [(a.short, a.long) for a in pairs] == [("DPO", "Direct Preference Optimization"),
                                                 ("SimPO", "Simple Preference Optimization")]
    assert abbreviations(english()("Results (see Fig. 3) and dates (2023) and notes (in Japanese).")) == []


def test_the_japanese_pipeline_shares_the_process_sudachi():
    nlp = japanese()
    assert nlp.lang == "ja" and isinstance(nlp.tokenizer, SharedSudachiTokenizer)
    doc = nlp("検索拡張生成（RAG）を使う。")
    assert doc.text == "検索拡張生成（RAG）を使う。"
    assert [(a.short, a.long) for a in abbreviations(doc)] == [("RAG", "検索拡張生成")]


def test_schwartz_hearst_core():
    assert best_long_form("DPO", "with Direct Preference Optimization") == 5
    assert best_long_form("KTO", "the results") is None
    assert best_long_form("DoRA", "Weight-Decomposed Low-Rank Adaptation") == 0  # D starts a hyphenated word


# --------------------------------------------------------------------------- acronyms


@pytest.mark.parametrize("token", ["DPO", "LiteLLM", "FastMCP", "ChromaDB", "MoE", "GRPO", "DSPy", "vLLM", "NVFP4"])
def test_technical_names_are_kept(token):
    assert technical_token(token)


@pytest.mark.parametrize("token", ["US", "UK", "EU", "ID", "OK", "GB", "CEO", "USA", "NASA", "PDF", "HTML", "URL",
                                   "FAQ", "IV", "XII", "H100", "Q3", "GDP", "ETF", "IMPORTANT", "YouTube", "Fig",
                                   "Japanese", "GHz", "USD", "OAuth"])
def test_general_words_and_the_stoplist_are_rejected(token):
    assert not technical_token(token)


def test_acronyms_in_running_text(annotator):
    text = ("We built the agent with DSPy and exposed its tools through FastMCP, then compared it with an RLHF "
            "baseline on GPUs. The USA office (NASA grant, CEO approval, PDF report) paid for the GPU time; "
            "see os.PATH and DeepSeek-V3 for the rest.")
    acronyms = {c.surface for c in found(annotator, text, "en") if c.kind == "acronym"}
    assert {"DSPy", "FastMCP"} <= acronyms
    assert not acronyms & {"USA", "NASA", "CEO", "PDF", "PATH", "RLHF", "GPU", "GPUs", "DeepSeek", "V3"}


def test_acronyms_in_japanese_text(annotator):
    text = "エージェントの開発にはDSPyを使い、ツールはFastMCPでMCPサーバーとして公開した。大規模言語モデルはGPUで動かす。"
    acronyms = {c.surface for c in found(annotator, text, "ja") if c.kind == "acronym"}
    assert {"DSPy", "FastMCP"} <= acronyms and "MCP" not in acronyms


# --------------------------------------------------------------------------- compounds


def test_english_compounds_link_to_their_head_concept(annotator):
    text = ("Distillation is back: a teacher model writes reasoning traces and a critic model with fewer "
            "parameters scores them, and the ring attention of Liu et al. spreads long sequences across GPUs. "
            "Our new model and the final model are not terms; to compare embeddings is not one either.")
    compounds = {c.surface: c.head for c in found(annotator, text, "en") if c.kind == "compound"}
    assert compounds.get("teacher model") == "model" and compounds.get("critic model") == "model"
    assert compounds.get("ring attention") == "attention"
    assert not {"new model", "final model", "compare embeddings"} & set(compounds)


def test_grades_quantities_and_verbs_are_no_compounds(annotator):
    """Measures and amounts grade a head ("median latency", "short prompts", "billion vectors"),
    and a head written as a past participle is the clause's verb ("models fine-tuned on…")."""
    text = ("Median latency stayed low for short prompts, even with a billion vectors in the index. "
            "We used retrieval models fine-tuned on our own logs, next to a teacher model.")
    compounds = {c.surface: c.head for c in found(annotator, text, "en") if c.kind == "compound"}
    assert compounds.get("teacher model") == "model"  # the rule still finds real ones
    assert not {"Median latency", "short prompts", "billion vectors", "retrieval models fine-tuned"} & set(compounds)


def test_japanese_compounds_link_to_their_head_concept(annotator):
    text = ("大規模言語モデルの知識蒸留では、教師モデルが推論過程を生成し、パラメータ数の少ない生徒モデルをLoRAで"
            "ファインチューニングする。Transformerの線形アテンションで計算量を減らす研究も多い。"
            "弊社の最新モデルや既存モデル、4ビットモデルは用語ではない。")
    compounds = {c.surface: c.head for c in found(annotator, text, "ja") if c.kind == "compound"}
    assert compounds.get("教師モデル") == "model" and compounds.get("生徒モデル") == "model"
    assert compounds.get("線形アテンション") == "attention"
    assert not {"最新モデル", "既存モデル", "ビットモデル", "4ビットモデル"} & set(compounds)


def test_a_head_inside_a_longer_word_is_no_head(annotator):
    text = "機械学習の授業のあと、生涯学習センターで強化学習と大規模言語モデルの講座を受けた。"
    compounds = {c.surface for c in found(annotator, text, "ja") if c.kind == "compound"}
    assert "生涯学習" not in compounds


# --------------------------------------------------------------------------- the contract


@pytest.fixture(scope="module")
def all_results(annotator):
    out = []
    for p in load_paragraphs(CANDIDATES):
        annotated = annotator.annotate_text(p.text, lang=p.lang, density="all")
        out.append((p, annotated, discover(p.text, annotated, annotator, p.lang)))
    return out


def test_offsets_kinds_and_lexicon_labels(annotator, all_results):
    for p, _annotated, candidates in all_results:
        for c in candidates:
            assert p.text[c.start : c.end] == c.surface, (p.id, c)
            assert c.kind in KINDS
            assert annotator.lexicon.resolve(c.surface) is None, (p.id, c.surface)  # never a lexicon label
            assert (c.long_form is not None) == (c.kind == "definition"), (p.id, c)
            assert c.kind != "compound" or c.head in annotator.lexicon, (p.id, c)
        assert [c.start for c in candidates] == sorted(c.start for c in candidates)
        assert all(a.end <= b.start for a, b in pairwise(candidates)), p.id  # no overlaps among them


def test_candidates_never_overlap_annotations(all_results):
    """Definitions and acronyms never touch an annotation.  A compound extends the annotation of
    its head to the left, so it may hold annotations, but only whole ones and its head last."""
    checked = 0
    for p, annotated, candidates in all_results:
        for c in candidates:
            touching = [a for a in annotated if a.start < c.end and c.start < a.end]
            if c.kind != "compound":
                assert touching == [], (p.id, c, touching)
                continue
            assert all(c.start <= a.start and a.end <= c.end for a in touching), (p.id, c, touching)
            assert touching and touching[-1].end == c.end and touching[-1].term == c.head, (p.id, c, touching)
            checked += 1
    assert checked >= 10


def test_nothing_without_annotations_or_on_other_fields(annotator, all_results):
    assert discover("Kahneman-Tversky Optimization (KTO) and DSPy.", [], annotator, "en") == []
    for p, _annotated, candidates in all_results:
        if p.topic == "other":
            assert len(candidates) <= 1, (p.id, candidates)


def test_candidate_to_dict():
    c = Candidate("KTO", 3, 6, "definition", "Kahneman-Tversky Optimization", None, 3)
    assert c.to_dict() == {"surface": "KTO", "start": 3, "end": 6, "kind": "definition",
                           "long_form": "Kahneman-Tversky Optimization", "defined_at": 3}


# --------------------------------------------------------------------------- measured


def test_the_labelled_set_is_big_enough_and_bilingual():
    paragraphs = load_paragraphs(CANDIDATES)
    assert len(paragraphs) >= 40
    for lang in ("en", "ja"):
        assert sum(p.lang == lang and p.topic == "ai" for p in paragraphs) >= 14
        assert sum(p.lang == lang and p.topic == "other" for p in paragraphs) >= 5
    kinds = {e.kind for p in paragraphs for e in p.expected}
    assert kinds == set(KINDS)


#: The issue's targets: precise before many.
MIN_PRECISION = {"definition": 0.85, "acronym": 0.85, "compound": 0.7}
MAX_OTHER_PER_1000 = 0.3


@pytest.fixture(scope="module")
def report(annotator):
    return evaluate(CANDIDATES, annotator)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_precision_targets(report, kind, lang):
    tally = report.tallies[(kind, lang)]
    assert tally.predicted >= 3, f"too few {kind} candidates in {lang} to measure: {report.table()}"
    assert tally.precision >= MIN_PRECISION[kind], f"{kind}/{lang}: {tally.false_positives}\n{report.table()}"


def test_recall_is_not_given_up(report):
    for kind in KINDS:
        assert report.tallies[(kind, "all")].recall >= 0.6, report.table()


def test_noise_on_other_fields(report):
    assert report.other_per_1000_chars <= MAX_OTHER_PER_1000, report.table()


# --------------------------------------------------------------------------- held out

HOLDOUT = CANDIDATES.with_name("candidates_holdout.yaml")
HOLDOUT2 = CANDIDATES.with_name("candidates_holdout2.yaml")
HOLDOUT3 = CANDIDATES.with_name("candidates_holdout3.yaml")
#: Floors, so a change that makes discovery worse fails here.  Each held-out set was written after
#: the previous one had been used for tuning; compounds measured untouched were 0.62, 0.48 and
#: 0.67, and are 0.86, 0.80 and 0.73 now.  The third set (tuned once: past-participle modifiers)
#: is the honest number (README, "Words Tadoru does not know yet"); its English compounds (0.62)
#: are below the target, so the extension shows only definitions and acronyms unless the reader
#: asks for more.  Write a fourth set before tuning on the third again.
HOLDOUT_FLOORS = {HOLDOUT: ({"definition": 0.85, "acronym": 0.8, "compound": 0.8}, 0.6, 0.35),
                  HOLDOUT2: ({"definition": 0.9, "acronym": 0.8, "compound": 0.75}, 0.5, 0.1),
                  HOLDOUT3: ({"definition": 0.8, "acronym": 0.8, "compound": 0.68}, 0.4, 0.1)}


@pytest.mark.parametrize("path", list(HOLDOUT_FLOORS), ids=lambda p: p.stem)
def test_held_out_precision_does_not_fall(annotator, path):
    held = evaluate(path, annotator)
    floors, min_recall, max_other = HOLDOUT_FLOORS[path]
    for kind, floor in floors.items():
        tally = held.tallies[(kind, "all")]
        assert tally.predicted >= 10 and tally.precision >= floor, f"{kind}\n{held.table()}"
        assert tally.recall >= min_recall, held.table()
    assert held.other_per_1000_chars <= max_other, held.table()
