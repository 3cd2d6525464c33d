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
    """``deeper`` is a DAG; each cycle is reported once, as the path that closes it.

    Iterative (a user lexicon may chain thousands of terms) and linear in the edges: each
    concept's known deeper ids are listed once, and the current path keeps its positions.
    """
    out: list[Problem] = []
    deeper_of = {cid: [d for d in c.deeper if d in concepts] for cid, c in concepts.items()}
    finished: set[str] = set()
    for root in concepts:
        if root in finished:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        on_path: dict[str, int] = {root: 0}  # id → its position in ``path``
        while stack:
            cid, i = stack.pop()
            deeper = deeper_of[cid]
            if i == len(deeper):
                finished.add(cid)
                del on_path[path.pop()]
                continue
            stack.append((cid, i + 1))
            nxt = deeper[i]
            if nxt in on_path:
                cycle = path[on_path[nxt]:] + [nxt]
                out.append(_problem(concepts[cid], "deeper", "cycle: " + _arrow_path(cycle)))
            elif nxt not in finished:
                on_path[nxt] = len(path)
                path.append(nxt)
                stack.append((nxt, 0))
    return out


def _arrow_path(ids: list[str], keep: int = 5) -> str:
    """``a → b → c``, with the middle left out past ``2 * keep`` ids (a cycle can be thousands long)."""
    if len(ids) <= 2 * keep + 1:
        return " → ".join(ids)
    return " → ".join(ids[:keep]) + f" → … ({len(ids) - 2 * keep} more) → " + " → ".join(ids[-keep:])


def _id_list(ids: list[str], keep: int = 8) -> str:
    """``a, b, c``, cut to ``keep`` ids and a count: one message per owner must not list every owner."""
    shown = ", ".join(ids[:keep])
    return shown if len(ids) <= keep else f"{shown} and {len(ids) - keep} more"


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
        ids = _id_list([c.id for c, _ in pairs])
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


#: Words that readers meet in everyday, business and programming prose at least as often as in
#: AI writing (issue 14: 「十分な精度」, 「主な特徴」, "a function that loads…", "the next iteration of
#: the product").  A label that is one of them must be ``ambiguous`` (kept only among other AI
#: terms: the context rule) or ``case_sensitive`` (an acronym), else it marks ordinary prose.
EVERYDAY_WORDS = frozenset("""
    accuracy action agent attention batch bias chain class context data environment error feature framework
    function graph head input instruction iteration kernel label layer learning loss memory model
    network node noise output parameter pipeline platform policy precision prediction prompt reward sample
    score signal skill state step system temperature token tool training tree vector weight
    精度 特徴 未学習 関数 反復 モデル 層 学習 訓練 エージェント トークン 記憶 注意 ネットワーク 偏り 重み
    ラベル クラス ノード 損失 ノイズ サンプル バッチ パイプライン ツール スキル システム データ 信号
    出力 入力 予測 スコア 誤差 ベクトル 行列 グラフ 木 状態 行動 報酬 方策 環境 文脈 指示 温度 推論 認識
    判断 分類 評価 性能 検索 生成 要約 翻訳
""".split())  # noqa: SIM905 - a word list reads better as text


def _everyday(label: str) -> bool:
    word = normalize_label(label)
    return word in EVERYDAY_WORDS or (word.endswith("s") and word[:-1] in EVERYDAY_WORDS)


def check_everyday_words(concepts: Concepts) -> list[Problem]:
    """A label that is an everyday word is marked ``ambiguous`` or ``case_sensitive`` (a warning:
    ``lexicon check --strict`` fails on it, a user's lexicon still loads)."""
    out = []
    for c in concepts.values():
        for _lang, label in c.all_labels():
            if _everyday(label) and label not in c.ambiguous_labels and label not in c.case_sensitive_labels:
                out.append(Problem(c.source, c.id, "labels", f"'{label}' is an everyday word: list it under "
                                   "ambiguous (kept only among other AI terms) or case_sensitive", c.line,
                                   severity="warning"))
    return out


def check_reaches_basics(concepts: Concepts) -> list[Problem]:
    """Following ``deeper`` from any level-3 concept reaches a level-1 concept.

    Computed backwards, without recursion: start from every level-1 concept and climb to the
    concepts that build on it; whatever is reached this way reaches the basics.  Linear in the
    edges however long the chains are.
    """
    shallower: dict[str, list[str]] = {cid: [] for cid in concepts}
    for c in concepts.values():
        for d in c.deeper:
            if d in shallower and d != c.id:
                shallower[d].append(c.id)
    reached = {cid for cid, c in concepts.items() if c.level == 1}
    stack = list(reached)
    while stack:
        for up in shallower[stack.pop()]:
            if up not in reached:
                reached.add(up)
                stack.append(up)
    return [_problem(c, "deeper", "no chain of deeper terms reaches a level-1 concept")
            for c in concepts.values() if c.level == 3 and c.id not in reached]


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


#: How a ``tadoru lexicon propose`` draft marks the text a person still has to write.
PLACEHOLDER = "TODO:"


def check_no_placeholders(concepts: Concepts) -> list[Problem]:
    """A served concept has no draft placeholder left: removing ``status: proposed`` from a draft
    whose definition was never written must not put "TODO: …" on a reader's card."""
    return [_problem(c, f"definition.{lang}", f"still the draft's placeholder ('{PLACEHOLDER} …'): write the "
                     "definition, or keep 'status: proposed' until it is written")
            for c in concepts.values() for lang, text in sorted(c.definition.items()) if text.startswith(PLACEHOLDER)]


RULES: tuple[Callable[[Concepts], list[Problem]], ...] = (
    check_no_placeholders,
    check_references,
    check_levels_have_deeper,
    check_deeper_never_climbs,
    check_deeper_acyclic,
    check_label_owners,
    check_case_sensitive_labels,
    check_everyday_words,
    check_reaches_basics,
    check_no_islands,
)


def check_graph(concepts: Concepts) -> list[Problem]:
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(concepts))
    return problems


def check_proposed(served: Concepts, proposed: Concepts) -> list[Problem]:
    """The graph rules for drafts, as if they were served: each draft's own problems only.

    A draft is checked against the served lexicon plus the other drafts (its ``deeper`` may
    name either); placeholders are expected in a draft, and a draft may not take the id of a
    served concept (it would silently unserve it once reviewed).
    """
    out = [_problem(c, "id", f"a proposed draft with the id of a served concept ({served[cid].source}): rename it")
           for cid, c in proposed.items() if cid in served]
    merged = {**served, **{cid: c for cid, c in proposed.items() if cid not in served}}
    drafts = {(c.source, c.id) for c in proposed.values()}
    for rule in RULES:
        if rule is check_no_placeholders:
            continue
        out.extend(p for p in rule(merged) if (p.file, p.concept) in drafts)
    return out
