"""The placement: about twenty terms across the three levels that tell what a new reader knows.

A reader whose known list is empty gets every term marked.  Instead of asking them to press
"I know this" a hundred times, the first visit (the extension's install, the web pages' first
visit) asks once — "which of these could you explain?" — and from the answer sets the level and
seeds the known list (docs/ARCHITECTURE.md, "Placement").

The terms are the ones most others build on (the most ``deeper`` edges point at them), at most
two per category so the list spans the field, ``PER_LEVEL`` per level, in a fixed order so that
every surface shows the same list and the same answers give the same result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tadoru.lexicon.model import Lexicon

PER_LEVEL = 7
PER_CATEGORY = 2
#: A reader who can explain this share of a level's terms reads above that level.
PASS_SHARE = 0.6
LEVELS = (1, 2, 3)


def placement_terms(lexicon: Lexicon, per_level: int = PER_LEVEL) -> list[str]:
    """The placement's concept ids: per level, the most built-upon, spread over categories,
    listed level by level (1, 2, 3) so the questions get harder as the reader goes."""
    builds_on = lexicon.shallower
    chosen: list[str] = []
    for level in LEVELS:
        ranked = sorted((c for c in lexicon if c.level == level), key=lambda c: (-len(builds_on[c.id]), c.id))
        per_category: dict[str, int] = {}
        picked: list[str] = []
        for concept in ranked:
            if per_category.get(concept.category, 0) >= PER_CATEGORY:
                continue
            per_category[concept.category] = per_category.get(concept.category, 0) + 1
            picked.append(concept.id)
            if len(picked) == per_level:
                break
        chosen.extend(picked)
    return chosen


@dataclass(frozen=True, slots=True)
class Placement:
    """What the answers say: the level to read at and the terms to count as known."""

    level: int
    known: list[str]


def place(lexicon: Lexicon, can_explain: Iterable[str], terms: list[str] | None = None) -> Placement:
    """The reader's level and known list from the placement terms they say they can explain.

    The level rises past each level whose terms the reader mostly knows (``PASS_SHARE``), one
    level at a time.  The known list is what they ticked plus what those terms build on: whoever
    can explain fine-tuning can explain what a model is.  Ids not in the placement are ignored.
    """
    asked = terms if terms is not None else placement_terms(lexicon)
    ticked = [cid for cid in dict.fromkeys(can_explain) if cid in asked]
    level = 1
    for below in LEVELS[:-1]:
        of_level = [cid for cid in asked if lexicon[cid].level == below]
        if level != below or not of_level:
            break
        if sum(cid in ticked for cid in of_level) / len(of_level) >= PASS_SHARE:
            level = below + 1
    known: dict[str, None] = {}
    for cid in ticked:
        for prerequisite in lexicon.trace(cid):  # the closure, prerequisites first, cid last
            known[prerequisite] = None
    return Placement(level, sorted(known))
