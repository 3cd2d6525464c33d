"""Numbers about the lexicon, for ``tadoru lexicon stats`` and the health endpoint."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tadoru.lexicon.model import LANGS, Lexicon


def longest_trace(lexicon: Lexicon) -> list[str]:
    """The concept whose learning path is longest, with that path (prerequisites first)."""
    best: list[str] = []
    for concept in lexicon:
        path = lexicon.trace(concept.id)
        if len(path) > len(best):
            best = path
    return best


def lexicon_stats(lexicon: Lexicon) -> dict[str, Any]:
    concepts = list(lexicon)
    trace = longest_trace(lexicon)
    missing_links = sorted(c.id for c in concepts if not c.links)
    missing_wikipedia = {lang: sorted(c.id for c in concepts if not c.links.get("wikipedia", {}).get(lang)) for lang in LANGS}
    return {
        "concepts": len(concepts),
        "files": len(lexicon.sources),
        "labels": {lang: sum(len(c.labels[lang]) for c in concepts) for lang in LANGS},
        "concepts_with_labels": {lang: sum(bool(c.labels[lang]) for c in concepts) for lang in LANGS},
        "definitions": {lang: sum(bool(c.definition.get(lang)) for c in concepts) for lang in LANGS},
        "by_level": {str(k): v for k, v in sorted(Counter(c.level for c in concepts).items())},
        "by_category": dict(sorted(Counter(c.category for c in concepts).items())),
        "deeper_edges": sum(len(c.deeper) for c in concepts),
        "related_edges": sum(len(c.related) for c in concepts),
        "ambiguous": sum(bool(c.ambiguous_labels) for c in concepts),
        "missing_links": {"count": len(missing_links), "ids": missing_links,
                          "wikipedia_en": len(missing_wikipedia["en"]), "wikipedia_ja": len(missing_wikipedia["ja"])},
        "longest_trace": {"term": trace[-1] if trace else None, "length": len(trace), "path": trace},
        "problems": {"errors": len(lexicon.errors), "warnings": len(lexicon.problems) - len(lexicon.errors),
                     "list": [str(p) for p in lexicon.problems]},
    }


def format_stats(stats: dict[str, Any]) -> str:
    lines = [
        f"concepts        {stats['concepts']} in {stats['files']} files",
        f"labels          en {stats['labels']['en']} · ja {stats['labels']['ja']}",
        f"definitions     en {stats['definitions']['en']} · ja {stats['definitions']['ja']}",
        "by level        " + " · ".join(f"L{k} {v}" for k, v in stats["by_level"].items()),
        f"deeper edges    {stats['deeper_edges']} (related {stats['related_edges']})",
        f"ambiguous       {stats['ambiguous']}",
        f"missing links   {stats['missing_links']['count']} with none · no Wikipedia en {stats['missing_links']['wikipedia_en']} · ja {stats['missing_links']['wikipedia_ja']}",
        f"longest trace   {stats['longest_trace']['length']} steps to {stats['longest_trace']['term']}",
        f"problems        {stats['problems']['errors']} errors, {stats['problems']['warnings']} warnings",
        "by category",
    ]
    width = max((len(k) for k in stats["by_category"]), default=0)
    lines += [f"  {k.ljust(width)}  {v}" for k, v in stats["by_category"].items()]
    return "\n".join(lines)
