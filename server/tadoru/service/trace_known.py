"""The reader's known terms as stopping points of the trace picture (issue 15 #5).

The trace leaves a known term out together with everything below it (``Lexicon.trace``): whoever
knows fine-tuning is assumed to know what it builds on.  The reading order should; the picture
should not simply lose the term, or a reader cannot tell "known, so not expanded" from "not
needed".  So the picture shows each known term that an unknown one builds on, marked known, with
nothing drawn below it — unless a deeper term is also reached through an unknown one, in which
case the trace already holds it.
"""

from __future__ import annotations

from typing import Any

from tadoru.lexicon.model import Lexicon


def with_known_stops(doc: dict[str, Any], lexicon: Lexicon) -> dict[str, Any]:
    """A copy of a trace document (``tadoru.service.api.trace_document``) whose graph also holds
    the known terms its path stops at, as nodes with ``"known": true`` and edges into them.

    ``path`` (the reading order) is unchanged.  A known target gives a graph of itself alone.
    """
    known = set(doc.get("known", ()))
    path = list(doc["path"])
    nodes = [dict(n) for n in doc["graph"]["nodes"]]
    edges = [list(e) for e in doc["graph"]["edges"]]
    target = doc["term"]
    stops: list[str] = []
    if not path and target in known and target in lexicon:
        stops.append(target)
    members = set(path)
    for cid in path:
        for d in lexicon[cid].deeper:
            if d in known and d in lexicon and d not in members:
                if d not in stops:
                    stops.append(d)
                edges.append([cid, d])
    for cid in stops:
        concept = lexicon[cid]
        nodes.append({"id": cid, "label": {lang: concept.label(lang) for lang in ("en", "ja")},
                      "level": concept.level, "category": concept.category, "known": True})
    return {**doc, "graph": {"nodes": nodes, "edges": edges}}
