"""The term graph seen through term cards: closures and the reading order.

Both the in-process annotator and a remote service hand out the same term cards (docs/ARCHITECTURE.md, "Term card"), so the batch
works on cards alone (``card_of(id) -> card | None``) and gives the same answers either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

Card = Mapping[str, Any]
CardOf = Callable[[str], Card | None]


def deeper_closure(ids: Iterable[str], card_of: CardOf, *, skip: Iterable[str] = ()) -> dict[str, Card]:
    """``ids`` and everything they build on (``deeper``, transitively), not entering ``skip``."""
    skipped = set(skip)
    found: dict[str, Card] = {}
    stack = [i for i in ids if i not in skipped]
    while stack:
        cid = stack.pop()
        if cid in found or cid in skipped:
            continue
        card = card_of(cid)
        if card is None:
            continue
        found[cid] = card
        stack.extend(d for d in card.get("deeper", ()) if d not in found)
    return found


def embedded_cards(term_ids: Iterable[str], card_of: CardOf) -> dict[str, dict[str, Any]]:
    """The cards a page carries so its tooltips work offline, sorted by id.

    The page's terms, the terms related to them, and everything those build on: every
    ``deeper`` button of every embedded card opens an embedded card, so the whole trace works
    from disk.  Following ``related`` further would pull in most of the lexicon (≈ 500 kB per
    page), so ``related`` lists are trimmed to the cards that are embedded.
    """
    terms = list(dict.fromkeys(term_ids))
    related: list[str] = []
    for tid in terms:
        card = card_of(tid)
        if card is not None:
            related.extend(card.get("related", ()))
    closure = deeper_closure(terms + related, card_of)
    out: dict[str, dict[str, Any]] = {}
    for cid in sorted(closure):
        card = dict(closure[cid])
        card["related"] = [r for r in card.get("related", ()) if r in closure]
        out[cid] = card
    return out


def reading_order(roots: Iterable[str], card_of: CardOf, *, skip: Callable[[str], bool] | Iterable[str] = ()) -> list[str]:
    """One learning path for several terms: their ``deeper`` closure, prerequisites first.

    A depth-first walk from each root in the given order, sharing what was already placed, so
    every term comes after all of its prerequisites and each prerequisite appears once, right
    before the first term that needs it.  Terms in ``skip`` (known ones) are left out together
    with what lies below them, as ``Lexicon.trace`` does for one term; ``skip`` is a set of
    ids or a predicate.  Deterministic for a given root order; iterative, so no recursion limit
    applies; each card's deeper list is filtered once, so a term with thousands of deeper terms
    costs linear time, not quadratic.
    """
    skipped: Callable[[str], bool] = skip if callable(skip) else set(skip).__contains__
    placed: list[str] = []
    done: set[str] = set()
    entered: set[str] = set()
    children: dict[str, list[str]] = {}

    def deeper_of(cid: str) -> list[str]:
        if cid not in children:
            children[cid] = [d for d in (card_of(cid) or {}).get("deeper", ()) if not skipped(d)]
        return children[cid]

    for root in roots:
        if root in done or skipped(root) or card_of(root) is None:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        entered.add(root)
        while stack:
            cid, index = stack.pop()
            deeper = deeper_of(cid)
            while index < len(deeper) and (deeper[index] in done or deeper[index] in entered
                                           or card_of(deeper[index]) is None):
                index += 1  # placed already, on the current path (a cycle: ignore), or unknown id
            if index < len(deeper):
                stack.append((cid, index + 1))
                stack.append((deeper[index], 0))
                entered.add(deeper[index])
                continue
            done.add(cid)
            placed.append(cid)
    return placed
