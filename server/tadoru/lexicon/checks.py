"""Graph rules of the lexicon (docs/ARCHITECTURE.md, "Contracts"; README, "Your own terms"), one function per rule.

Each rule returns ``Problem``s in the ``file: id.field: problem`` form; ``check_graph`` runs
them all so that a broken edit is reported completely, not one error at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tadoru.lexicon.model import Concept, Problem
from tadoru.text.normalize import normalize_label

Concepts = Mapping[str, Concept]


def _problem(c: Concept, fld: str, message: str) -> Problem:
    return Problem(c.source, c.id, fld, message, c.line)


def check_references(concepts: Concepts) -> list[Problem]:
    """Every id named in ``deeper`` or ``related`` exists, and none names itself."""
    out = []
    for c in concepts.values():
        for fld in ("deeper", "related"):
            for ref in getattr(c, fld):
                if ref == c.id:
                    out.append(_problem(c, fld, "refers to itself"))
                elif ref not in concepts:
                    out.append(_problem(c, fld, f"unknown id '{ref}'"))
    return out


def check_levels_have_deeper(concepts: Concepts) -> list[Problem]:
    """A concept above level 1 says what it builds on."""
    return [_problem(c, "deeper", f"level {c.level} concept needs at least one deeper term (found none)")
            for c in concepts.values() if c.level > 1 and not c.deeper]


def check_deeper_never_climbs(concepts: Concepts) -> list[Problem]:
    """A trace only descends: a deeper term is never harder than the concept it explains, or a
    beginner tracing a level-1 word lands on specialist cards (keep such links in ``related``)."""
    out = []
    for c in concepts.values():
        for ref in c.deeper:
            target = concepts.get(ref)
            if target is not None and target.level > c.level:
                out.append(_problem(c, "deeper", f"'{ref}' is level {target.level}, harder than this level-{c.level} "
                                    "concept (deeper terms are prerequisites; move it to related)"))
    return out


def check_deeper_acyclic(concepts: Concepts) -> list[Problem]:
    """``deeper`` is a DAG; each cycle is reported once, as the path that closes it."""
    out: list[Problem] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in concepts:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            cid, i = stack.pop()
            if i == 0:
                state[cid] = 1
                path.append(cid)
            deeper = [d for d in concepts[cid].deeper if d in concepts]
            if i < len(deeper):
                stack.append((cid, i + 1))
                nxt = deeper[i]
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt):] + [nxt]
                    out.append(_problem(concepts[cid], "deeper", "cycle: " + " → ".join(cycle)))
                elif not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[cid] = 2
                path.pop()
    return out


def check_label_owners(concepts: Concepts) -> list[Problem]:
    """A label belongs to one concept unless every owner declares it in ``shared_labels``."""
    owners: dict[str, list[tuple[Concept, str]]] = {}
    for c in concepts.values():
        seen_here: set[str] = set()
        for _lang, label in c.all_labels():
            key = normalize_label(label)
            if key in seen_here:
                continue
            seen_here.add(key)
            owners.setdefault(key, []).append((c, label))
    out = []
    for key, pairs in owners.items():
        if len(pairs) < 2:
            continue
        if all(label in c.shared_labels for c, label in pairs):
            continue
        ids = ", ".join(c.id for c, _ in pairs)
        for c, label in pairs:
            if label not in c.shared_labels:
                out.append(_problem(c, "labels", f"label '{label}' is also a label of another concept ({ids}); declare it in shared_labels of each or remove it"))
    return out


def check_case_sensitive_labels(concepts: Concepts) -> list[Problem]:
    """``case_sensitive``, ``ambiguous`` and ``shared_labels`` list only labels the concept has."""
    out = []
    for c in concepts.values():
        labels = {label for _lang, label in c.all_labels()}
        for label in sorted(c.case_sensitive_labels - labels):
            out.append(_problem(c, "case_sensitive", f"'{label}' is not one of the concept's labels"))
        for label in sorted(c.ambiguous_labels - labels):
            out.append(_problem(c, "ambiguous", f"'{label}' is not one of the concept's labels"))
        for label in sorted(c.shared_labels - labels):
            out.append(_problem(c, "shared_labels", f"'{label}' is not one of the concept's labels"))
    return out


def check_reaches_basics(concepts: Concepts) -> list[Problem]:
    """Following ``deeper`` from any level-3 concept reaches a level-1 concept."""
    memo: dict[str, bool] = {}

    def reaches(cid: str, guard: frozenset[str]) -> bool:
        if cid in memo:
            return memo[cid]
        c = concepts[cid]
        ok = c.level == 1 or any(reaches(d, guard | {cid}) for d in c.deeper if d in concepts and d not in guard)
        memo[cid] = ok
        return ok

    return [_problem(c, "deeper", "no chain of deeper terms reaches a level-1 concept")
            for c in concepts.values() if c.level == 3 and not reaches(c.id, frozenset())]


def check_no_islands(concepts: Concepts) -> list[Problem]:
    """Every concept is linked to another one, in either direction, by deeper or related."""
    linked: set[str] = set()
    for c in concepts.values():
        refs = [r for r in (*c.deeper, *c.related) if r in concepts]
        if refs:
            linked.add(c.id)
            linked.update(refs)
    return [_problem(c, "deeper", "island: no deeper or related link to or from any other concept")
            for c in concepts.values() if c.id not in linked and len(concepts) > 1]


RULES: tuple[Callable[[Concepts], list[Problem]], ...] = (
    check_references,
    check_levels_have_deeper,
    check_deeper_never_climbs,
    check_deeper_acyclic,
    check_label_owners,
    check_case_sensitive_labels,
    check_reaches_basics,
    check_no_islands,
)


def check_graph(concepts: Concepts) -> list[Problem]:
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(concepts))
    return problems
