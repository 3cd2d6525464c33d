"""Corpus scores for term candidates: C-value for English word sequences, FLR for Japanese compounds.

A term is a unit a field keeps reusing; across a corpus that shows as a sequence that recurs on
its own, not only as a piece of a longer one.  Two classic measures say so without a tagger:

* **C-value** (Frantzi, Ananiadou & Mima 2000) for multi-word terms: the sequence's frequency,
  minus the average frequency of the longer candidates it sits inside, times log₂ of its
  length.  "augmented generation" only ever inside "retrieval augmented generation" scores 0.
* **FLR** (Nakagawa & Mori 2003; the score of the ``termextract`` tool) for Japanese compound
  nouns: how often the compound stands alone, times the geometric mean of how many compounds
  each of its parts joins on the left and on the right.  A part that builds many compounds
  (検索, 生成) marks its compounds as the field's vocabulary.

Both are pure functions over counts, so they can be checked by hand (tests/unit/test_propose.py).
``rarity`` turns a word's frequency in general language (wordfreq) into a weight: jargon is
rare outside the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

Gram = tuple[str, ...]


def c_values(freq: Mapping[Gram, int]) -> dict[Gram, float]:
    """C-value of every candidate of length ≥ 2 in ``freq`` (candidate → frequency in the corpus,
    nested occurrences included, as the measure defines it).

    ``C(a) = log₂|a| · f(a)`` when no longer candidate contains ``a``, else
    ``log₂|a| · (f(a) − Σ_{b ∋ a} f(b) / |{b ∋ a}|)``.  "Contains" is as a contiguous sub-sequence.
    """
    containers: dict[Gram, list[int]] = {}
    for b, fb in freq.items():
        n = len(b)
        seen: set[Gram] = set()
        for size in range(2, n):
            for i in range(n - size + 1):
                a = b[i : i + size]
                if a in freq and a not in seen:
                    seen.add(a)
                    containers.setdefault(a, []).append(fb)
    out: dict[Gram, float] = {}
    for a, fa in freq.items():
        if len(a) < 2:
            continue
        nested = containers.get(a)
        weight = math.log2(len(a))
        out[a] = weight * (fa - sum(nested) / len(nested)) if nested else weight * fa
    return out


def flr_scores(compounds: Mapping[Gram, int]) -> dict[Gram, float]:
    """FLR of every compound in ``compounds`` (compound as its morphemes → how often it stands
    alone, i.e. as a whole noun run).

    ``LR(N₁…N_L) = (Π (LN(Nᵢ)+1)(RN(Nᵢ)+1))^(1/2L)`` where ``LN(N)`` counts the occurrences of
    compounds in which some morpheme stands right before ``N`` and ``RN(N)`` those in which one
    stands right after (``termextract``'s default, frequencies rather than distinct neighbours);
    ``FLR = f · LR``.
    """
    left: dict[str, int] = {}
    right: dict[str, int] = {}
    for parts, f in compounds.items():
        for i in range(len(parts) - 1):
            right[parts[i]] = right.get(parts[i], 0) + f
            left[parts[i + 1]] = left.get(parts[i + 1], 0) + f
    out: dict[Gram, float] = {}
    for parts, f in compounds.items():
        if not parts:
            continue
        log_product = sum(math.log(left.get(p, 0) + 1) + math.log(right.get(p, 0) + 1) for p in parts)
        out[parts] = f * math.exp(log_product / (2 * len(parts)))
    return out


#: Where ``rarity`` is one half: a phrase whose rarest word is as common as "language" (4.8)
#: is mostly general English; "vector" (3.8 as a phrase with "database") mostly is not.
RARITY_MIDPOINT = 4.8
RARITY_SLOPE = 1.5


def rarity(zipf: float) -> float:
    """A weight in (0, 1): near 1 for words general language never uses, near 0 for "the"."""
    return 1.0 / (1.0 + math.exp(RARITY_SLOPE * (zipf - RARITY_MIDPOINT)))


def english_zipf(term: str) -> float:
    """wordfreq's Zipf frequency of an English term (several words: as wordfreq combines them)."""
    from tadoru.discover.shapes import zipf

    return zipf(term.lower())


def japanese_zipf(parts: Sequence[str]) -> float:
    """Zipf frequency of a Japanese compound from its morphemes' frequencies in wordfreq's list.

    wordfreq's own Japanese look-up needs MeCab, which is not installed; its word list needs
    nothing.  A compound the list has is looked up whole; otherwise its parts combine as
    wordfreq combines the tokens of a phrase (``1/f = Σ 1/fᵢ``), and a part the list lacks
    makes the compound unseen (Zipf 0).
    """
    whole = _ja_frequencies().get("".join(parts))
    if whole:
        return _to_zipf(whole)
    inverse = 0.0
    for p in parts:
        f = _ja_frequencies().get(p)
        if not f:
            return 0.0
        inverse += 1.0 / f
    return _to_zipf(1.0 / inverse) if inverse else 0.0


def _to_zipf(frequency: float) -> float:
    return max(0.0, math.log10(frequency * 1e9))


@lru_cache(maxsize=1)
def _ja_frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("ja")
