"""Numbers about the lexicon, for ``tadoru lexicon stats`` and the health endpoint."""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml

from tadoru.lexicon.model import LANGS, Lexicon
from tadoru.paths import lexicon_dir


def longest_trace(lexicon: Lexicon) -> list[str]:
    """The concept whose learning path is longest, with that path (prerequisites first)."""
    best: list[str] = []
    for concept in lexicon:
        path = lexicon.trace(concept.id)
        if len(path) > len(best):
            best = path
    return best


def longest_reading_lists(lexicon: Lexicon) -> dict[str, dict[str, Any]]:
    """Per level, the concept whose trace (the reading list a beginner gets) is longest."""
    best: dict[str, dict[str, Any]] = {}
    for concept in lexicon:
        length = len(lexicon.trace(concept.id))
        key = str(concept.level)
        if key not in best or length > best[key]["length"]:
            best[key] = {"term": concept.id, "length": length}
    return dict(sorted(best.items()))


def coverage(lexicon: Lexicon) -> dict[str, dict[str, Any]]:
    """How much of each reference list (lexicon/coverage/*.yaml: Google's ML glossary, the G検定 and
    生成AI検定 syllabus keywords) has a card: a term counts when its mapped concept is in the lexicon."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((lexicon_dir() / "coverage").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        terms = [t for t in doc.get("terms") or [] if isinstance(t, dict)]
        covered = sum(1 for t in terms if t.get("concept") and t["concept"] in lexicon)
        out[path.stem] = {"terms": len(terms), "covered": covered,
                          "percent": round(100 * covered / len(terms), 1) if terms else 0.0}
    return out


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
        "longest_reading_list_by_level": longest_reading_lists(lexicon),
        "coverage": coverage(lexicon),
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
        "reading lists   " + " · ".join(f"L{k} ≤ {v['length']} ({v['term']})"
                                       for k, v in stats["longest_reading_list_by_level"].items()),
        "coverage        " + " · ".join(f"{k} {v['percent']}% ({v['covered']}/{v['terms']})"
                                       for k, v in stats["coverage"].items()),
        f"problems        {stats['problems']['errors']} errors, {stats['problems']['warnings']} warnings",
        "by category",
    ]
    width = max((len(k) for k in stats["by_category"]), default=0)
    lines += [f"  {k.ljust(width)}  {v}" for k, v in stats["by_category"].items()]
    return "\n".join(lines)
