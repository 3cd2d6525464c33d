"""Wikipedia links go to the article about the same sense (issue 14 #5).

Most wrong links are homonyms — "Tokenization (lexical analysis)" for an LLM's tokens,
"Attention" (psychology) for the attention mechanism — and Wikipedia names a homonym by the
field in its parentheses.  So every qualifier a title carries must be one reviewed here as a
field of this lexicon; a new one fails until someone looks at it.
"""

from __future__ import annotations

import re

import pytest

#: Parenthesised qualifiers reviewed as naming the same sense as a concept of this lexicon.
REVIEWED_QUALIFIERS = {
    "en": {
        "artificial intelligence", "artificial neural network", "chatbot", "chess computer", "clustering",
        "computer science", "computer security", "computer vision", "computing", "deep learning",
        "deep learning architecture", "engineering", "image processing", "information science", "information theory",
        "language model", "linear algebra", "linguistics", "machine learning", "mathematics", "media", "patent",
        "mathematics and physics", "metric", "neural networks", "programming language", "recommender systems",
        "reinforcement learning", "signal processing", "software", "speech recognition system", "statistics",
        "text-to-image model", "text-to-video model", "vector space", "decision tree",
        "reinforcement learning technique", "vector database",
    },
    "ja": {"コンピュータ", "ベクトル解析", "人工知能", "情報科学", "数学", "機械学習モデル", "確率論", "言語モデル"},
}
#: (concept, language, a title that is the wrong sense): the homonyms met so far.
WRONG_SENSES = [
    ("token", "en", "Tokenization (lexical analysis)"),
    ("attention", "en", "Attention"),
    ("ai-agent", "en", "Agent (economics)"),
    ("transformer", "en", "Transformer"),
    ("model", "en", "Model"),
    ("layer", "en", "Layer"),
]
_QUALIFIER = re.compile(r"[（(]([^()（）]+)[)）]\s*$")


def _titles(lexicon):
    for concept in lexicon:
        for lang, title in ((concept.links or {}).get("wikipedia") or {}).items():
            yield concept, lang, title


def test_every_qualifier_names_a_field_of_this_lexicon(lexicon):
    unreviewed = []
    for concept, lang, title in _titles(lexicon):
        m = _QUALIFIER.search(title)
        if m and m.group(1) not in REVIEWED_QUALIFIERS[lang]:
            unreviewed.append(f"{concept.id}: {title}")
    assert not unreviewed, "titles about another sense? review and add the field, or fix: " + "; ".join(unreviewed)


def test_no_disambiguation_pages_or_urls(lexicon):
    for concept, _lang, title in _titles(lexicon):
        assert not title.lower().endswith("(disambiguation)") and "曖昧さ回避" not in title, concept.id
        assert not title.startswith(("http:", "https:")) and "_" not in title, f"{concept.id}: a title, not a URL"


@pytest.mark.parametrize(("concept_id", "lang", "wrong"), WRONG_SENSES)
def test_known_homonyms_are_not_linked(lexicon, concept_id, lang, wrong):
    if concept_id in lexicon:
        assert ((lexicon[concept_id].links or {}).get("wikipedia") or {}).get(lang) != wrong

