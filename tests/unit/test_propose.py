"""``tadoru lexicon propose``'s library side: the two corpus scores by hand, ranking, drafts.

The scores are checked on examples small enough to compute on paper; ranking and drafts run on
the session's real annotator and lexicon.
"""

from __future__ import annotations

import math
import re

import pytest
import yaml

from tadoru import load_lexicon
from tadoru.discover.propose import Corpus, Source, draft_yaml, propose
from tadoru.discover.termscore import c_values, flr_scores, japanese_zipf, rarity

# --------------------------------------------------------------------------- C-value


def test_c_value_by_hand():
    freq = {
        ("retrieval", "augmented", "generation"): 3,
        ("augmented", "generation"): 3,  # only ever inside the longer term
        ("retrieval", "augmented"): 4,  # once on its own
        ("semantic", "cache"): 2,
        ("cache",): 9,  # one word: no C-value
    }
    scores = c_values(freq)
    assert scores[("retrieval", "augmented", "generation")] == pytest.approx(math.log2(3) * 3)
    assert scores[("augmented", "generation")] == pytest.approx(0.0)
    assert scores[("retrieval", "augmented")] == pytest.approx(1.0 * (4 - 3 / 1))
    assert scores[("semantic", "cache")] == pytest.approx(2.0)
    assert ("cache",) not in scores


def test_c_value_averages_over_the_longer_candidates():
    freq = {("a", "b"): 10, ("x", "a", "b"): 2, ("a", "b", "y"): 4}
    assert c_values(freq)[("a", "b")] == pytest.approx(10 - (2 + 4) / 2)


# --------------------------------------------------------------------------- FLR


def test_flr_by_hand():
    compounds = {("検索", "拡張", "生成"): 2, ("文書", "検索"): 1, ("生成",): 1}
    # right neighbours: 検索 2, 拡張 2, 文書 1; left neighbours: 拡張 2, 生成 2, 検索 1
    scores = flr_scores(compounds)
    assert scores[("検索", "拡張", "生成")] == pytest.approx(2 * (2 * 3 * 3 * 3 * 3 * 1) ** (1 / 6))
    assert scores[("文書", "検索")] == pytest.approx(1 * (1 * 2 * 2 * 3) ** (1 / 4))
    assert scores[("生成",)] == pytest.approx(math.sqrt(3 * 1))


def test_rarity_falls_with_frequency():
    assert rarity(0.0) > 0.99
    assert rarity(7.7) < 0.02
    assert rarity(4.8) == pytest.approx(0.5)
    assert rarity(3.0) > rarity(4.8) > rarity(6.0)


def test_japanese_zipf_combines_parts_and_knows_unseen_words():
    assert japanese_zipf(("天気",)) > 4
    assert 0 < japanese_zipf(("検索", "拡張", "生成")) < japanese_zipf(("検索",))
    assert japanese_zipf(("ゾークパイプラインズ",)) == 0.0


# --------------------------------------------------------------------------- ranking

CACHE_1 = ("Our chatbot sends each prompt to a large language model. A semantic cache stores past answers: the "
           "semantic cache embeds the prompt with an embedding model and returns a stored answer when a vector "
           "is close, so the semantic cache saves tokens and latency.")
CACHE_2 = ("We added a semantic cache in front of the LLM. With retrieval-augmented generation the semantic cache "
           "also skips the vector database lookup for repeated questions, and its hit rate is easy to monitor.")
JA = ("検索拡張生成の精度を上げるため、プロンプト圧縮を試しました。プロンプト圧縮では、大規模言語モデルに渡す前に"
      "関係の薄い文を落とします。プロンプト圧縮でトークン数が減り、ファインチューニングなしで費用が下がりました。")
BREAD = ("A sourdough starter is a culture of wild yeast. Feed the sourdough starter daily, then shape the dough "
         "and let the proofing basket hold it overnight. A proofing basket gives the loaf its spiral.")


@pytest.fixture(scope="module")
def proposals(annotator):
    return propose([Source("cache-1", CACHE_1), Source("cache-2", CACHE_2), Source("ja", JA),
                    Source("bread", BREAD), Source("page", f"<p>{CACHE_2}</p>", html=True)], annotator, top=20)


def test_a_term_several_documents_use_comes_first(proposals):
    first = proposals[0]
    assert first.term == "semantic cache"
    assert first.df == 3 and first.count >= 7
    assert "c-value" in first.sources
    assert len(first.contexts) == 3 and all("semantic cache" in c.lower() for c in first.contexts)
    assert first.deeper is not None and first.level in (1, 2, 3)


def test_japanese_compounds_are_scored_with_flr(proposals):
    ja = next(p for p in proposals if p.term == "プロンプト圧縮")
    assert ja.lang == "ja" and "flr" in ja.sources and ja.count == 3


def test_nothing_from_a_text_that_is_not_about_ai(proposals):
    terms = {p.term.lower() for p in proposals}
    assert not terms & {"sourdough starter", "proofing basket", "wild yeast"}


def test_lexicon_labels_are_never_proposed(proposals, lexicon):
    for p in proposals:
        assert lexicon.resolve(p.term) is None, p.term
    assert "vector database" not in {p.term for p in proposals}


def test_the_order_is_deterministic(proposals, annotator):
    again = propose([Source("cache-1", CACHE_1), Source("cache-2", CACHE_2), Source("ja", JA),
                     Source("bread", BREAD), Source("page", f"<p>{CACHE_2}</p>", html=True)], annotator, top=20)
    assert [p.to_dict() for p in again] == [p.to_dict() for p in proposals]
    ranks = [p.rank for p in proposals]
    assert ranks == sorted(ranks, reverse=True)


def test_a_guessed_head_is_one_level_up(annotator):
    text = ("The student model learns from the teacher. Layer-wise distillation copies hidden states; "
            "layer-wise distillation is cheaper than full fine-tuning of the large language model.")
    corpus = Corpus(annotator)
    corpus.add(Source("a", text))
    found = {p.term.lower(): p for p in corpus.proposals(20)}
    p = found.get("layer-wise distillation")
    assert p is not None, found
    assert p.head == "knowledge-distillation" == p.deeper
    assert p.level == min(3, annotator.lexicon["knowledge-distillation"].level + 1)


# --------------------------------------------------------------------------- drafts


def test_drafts_validate_as_proposed_and_are_not_served(proposals, lexicon, tmp_path):
    (tmp_path / "drafts.yaml").write_text(draft_yaml(proposals, lexicon), encoding="utf-8")
    loaded = load_lexicon([tmp_path], shipped=True, use_env=False)
    assert loaded.errors == [], [str(p) for p in loaded.errors]
    assert len(loaded.proposed) == len(proposals)
    assert len(loaded) == len(lexicon)  # nothing served was added
    assert loaded.resolve("semantic cache") is None
    draft = yaml.safe_load((tmp_path / "drafts.yaml").read_text(encoding="utf-8"))["concepts"][0]
    assert draft["status"] == "proposed" and draft["definition"]["en"].startswith("TODO:")


BASE = """concepts:
  - id: base-thing
    labels: {en: [base thing], ja: [基礎のもの]}
    definition: {en: A made-up basic concept that the drafts of these tests build on., ja: このテストの下書きが土台にする架空の概念です。}
    level: 1
    category: custom
    related: [other-thing]
  - id: other-thing
    labels: {en: [other thing], ja: [別のもの]}
    definition: {en: A second made-up basic concept that keeps the base from being an island., ja: 土台が孤立しないための二つ目の架空の概念です。}
    level: 1
    category: custom
"""


def _layers(tmp_path, *files):
    """Each text as a lexicon layer of its own (shipped lexicon left out: these tests stay fast)."""
    folders = []
    for n, text in enumerate(files):
        folder = tmp_path / f"layer{n}"
        folder.mkdir()
        (folder / "terms.yaml").write_text(text, encoding="utf-8")
        folders.append(folder)
    return load_lexicon(folders, shipped=False, use_env=False)


def test_a_draft_with_its_mark_removed_but_no_definition_is_an_error(proposals, lexicon, tmp_path):
    text = re.sub(r"(?m)^ *status: proposed\n", "", draft_yaml(proposals[:1], lexicon))
    assert not re.search(r"(?m)^ +status:", text) and "TODO:" in text
    concept = yaml.safe_load(text)["concepts"][0]
    concept["deeper"] = ["base-thing"]
    loaded = _layers(tmp_path, BASE, yaml.safe_dump({"concepts": [concept]}, allow_unicode=True))
    assert concept["id"] in loaded and not loaded.proposed
    assert any("placeholder" in p.message and p.field == f"definition.{lang}"
               for p in loaded.errors for lang in ("en", "ja"))


def test_a_written_draft_still_proposed_passes_the_schema(tmp_path):
    loaded = _layers(tmp_path, BASE, """concepts:
  - id: semantic-cache
    status: proposed
    labels: {en: [semantic cache], ja: [セマンティックキャッシュ]}
    definition:
      en: A store of earlier answers that is searched by meaning, so a similar question reuses an answer.
      ja: 意味の近い質問に、保存しておいた過去の回答を使い回す仕組みです。
    level: 2
    category: retrieval
    deeper: [base-thing]
""")
    assert loaded.errors == [] and "semantic-cache" in loaded.proposed and "semantic-cache" not in loaded
    assert loaded.resolve("semantic cache") is None


def test_drafts_are_checked_by_the_graph_rules_too(tmp_path):
    loaded = _layers(tmp_path, BASE, """concepts:
  - id: semantic-cache
    status: proposed
    labels: {en: [semantic cache], ja: [セマンティックキャッシュ]}
    definition: {en: "TODO: a beginner-level definition, in our own words.", ja: "TODO: 自分の言葉で説明する。"}
    level: 2
    category: retrieval
    deeper: [no-such-thing]
""")
    assert {(p.concept, p.field) for p in loaded.errors} == {("semantic-cache", "deeper")}  # the served ones are clean
    assert any("unknown id 'no-such-thing'" in p.message for p in loaded.errors)


def test_a_draft_may_not_take_a_served_id(tmp_path):
    loaded = _layers(tmp_path, BASE, """concepts:
  - id: base-thing
    status: proposed
    labels: {en: [base thing draft], ja: [基礎のものの下書き]}
    definition: {en: "TODO: a beginner-level definition, in our own words.", ja: "TODO: 自分の言葉で説明する。"}
    level: 1
    category: custom
    related: [other-thing]
""")
    assert loaded["base-thing"].labels["en"] == ("base thing",)  # the served one stays served
    assert any(p.concept == "base-thing" and p.field == "id" and "served" in p.message for p in loaded.errors)


def test_status_takes_only_proposed(tmp_path):
    loaded = _layers(tmp_path, BASE.replace("    level: 1\n    category: custom\n    related",
                                            "    status: approved\n    level: 1\n    category: custom\n    related"))
    assert any(p.concept == "base-thing" and p.field == "status" for p in loaded.errors)
