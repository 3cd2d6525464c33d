"""The lexicon in the formats the field uses: one JSON document, SKOS (Turtle), an Anki deck.

SKOS has no "prerequisite" relation, and ``skos:broader`` means "is a kind of", which
``deeper`` is not (LoRA is not a kind of matrix).  So ``deeper`` is exported as
``tadoru:buildsOn``, declared a sub-property of ``skos:semanticRelation``; ``related`` maps to
``skos:related`` as is.
"""

from __future__ import annotations

import json
from typing import Any

from tadoru.lexicon.model import LANGS, Lexicon
from tadoru.version import __version__

NAMESPACE = "https://tadoru.invalid/lexicon/"
EXPORT_FORMATS = ("json", "skos", "anki")


def export(lexicon: Lexicon, fmt: str) -> str:
    if fmt == "json":
        return export_json(lexicon)
    if fmt == "skos":
        return export_skos_turtle(lexicon)
    if fmt == "anki":
        return export_anki(lexicon)
    raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(EXPORT_FORMATS)})")


def export_json(lexicon: Lexicon) -> str:
    doc: dict[str, Any] = {
        "format": "tadoru-lexicon",
        "version": __version__,
        "concepts": [
            {
                "id": c.id,
                "labels": {lang: list(c.labels[lang]) for lang in LANGS},
                "definition": dict(c.definition),
                "level": c.level,
                "category": c.category,
                "deeper": list(c.deeper),
                "related": list(c.related),
                "ambiguous": sorted(c.ambiguous_labels),
                "case_sensitive": sorted(c.case_sensitive_labels),
                "links": c.links,
            }
            for c in lexicon
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _turtle_string(value: str, lang: str | None = None) -> str:
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def export_skos_turtle(lexicon: Lexicon) -> str:
    out = [
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        f"@prefix tadoru: <{NAMESPACE}> .",
        "",
        "tadoru:scheme a skos:ConceptScheme ;",
        '    skos:prefLabel "Tadoru AI/ML lexicon"@en, "Tadoru AI・機械学習用語集"@ja .',
        "",
        "tadoru:buildsOn rdfs:subPropertyOf skos:semanticRelation ;",
        '    rdfs:label "builds on"@en, "前提とする"@ja ;',
        '    rdfs:comment "The concepts a definition builds on: the next step of the trace toward the basics."@en .',
        "",
        "tadoru:level rdfs:label \"level\"@en ;",
        '    rdfs:comment "1 = words any news reader meets, 2 = practitioner basics, 3 = specialist."@en .',
        "",
    ]
    for c in lexicon:
        lines = [f"tadoru:{c.id} a skos:Concept", "    skos:inScheme tadoru:scheme", f"    skos:notation {_turtle_string(c.id)}"]
        for lang in LANGS:
            labels = c.labels[lang]
            lines.append(f"    skos:prefLabel {_turtle_string(labels[0], lang)}")
            if len(labels) > 1:
                lines.append("    skos:altLabel " + ", ".join(_turtle_string(lab, lang) for lab in labels[1:]))
            lines.append(f"    skos:definition {_turtle_string(c.definition[lang], lang)}")
        lines.append(f'    tadoru:level "{c.level}"^^xsd:integer')
        lines.append(f"    skos:scopeNote {_turtle_string(c.category)}")
        if c.deeper:
            lines.append("    tadoru:buildsOn " + ", ".join(f"tadoru:{d}" for d in c.deeper))
        if c.related:
            lines.append("    skos:related " + ", ".join(f"tadoru:{r}" for r in c.related))
        out.append(" ;\n".join(lines) + " .\n")
    return "\n".join(out)


def _anki_field(value: str) -> str:
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def export_anki(lexicon: Lexicon) -> str:
    """Tab-separated cards (front, back, tags), one per concept and language, with Anki's
    file headers so the import dialog needs no settings."""
    rows = ["#separator:tab", "#html:false", "#columns:Front\tBack\tTags", "#tags column:3"]
    for c in lexicon:
        for lang in LANGS:
            other = "ja" if lang == "en" else "en"
            front = c.labels[lang][0]
            back = f"{c.definition[lang]} ({c.labels[other][0]})"
            tags = f"tadoru tadoru::{c.category} tadoru::level{c.level} tadoru::{lang}"
            rows.append("\t".join(_anki_field(v) for v in (front, back, tags)))
    return "\n".join(rows) + "\n"
