"""``tadoru lexicon check --strict``: does each definition stand on terms the reader can trace?

A definition may use other jargon only if that jargon is in the lexicon and linked from the
concept — reachable through ``deeper`` (directly or further down the trace) or listed in
``related`` — so a reader who meets it in the tooltip can follow it.
The definitions are annotated with the lexicon itself — the same matcher readers get.
"""

from __future__ import annotations

import re

from tadoru.annotate import Annotator
from tadoru.lexicon.model import LANGS, Lexicon, Problem

#: Words that look like jargon (acronyms, CamelCase names) but are not: units and everyday
#: abbreviations a beginner already reads in the news.
EVERYDAY_ACRONYMS = frozenset({
    "OK", "US", "USA", "UK", "EU", "TV", "PC", "PDF", "URL", "USB", "SNS", "IT", "ID", "PR", "CEO", "FAQ",
    "GB", "MB", "KB", "TB", "MHz", "GHz", "CD", "DVD", "SD", "HTML", "WEB", "HTTP", "HTTPS", "JSON", "CSV",
    "AM", "PM", "DNA", "NG", "Q&A", "IoT", "iPhone", "YouTube", "LINE", "ChatGPT", "OpenAI", "Google",
    "Microsoft", "Apple", "Meta", "NVIDIA", "AMD", "Intel", "GitHub", "JavaScript", "TypeScript",
})
_JARGON_SHAPE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z][A-Z0-9]{1,}[a-z]?s?|[A-Z]?[a-z]+[A-Z][A-Za-z0-9]*)(?![A-Za-z0-9])")


def strict_warnings(lexicon: Lexicon, annotator: Annotator | None = None) -> list[Problem]:
    annotator = annotator or Annotator(lexicon)
    warnings: list[Problem] = []
    for concept in lexicon:
        # What the reader reaches by tracing (the whole deeper closure) or sees alongside.
        linked = set(lexicon.trace(concept.id)) | set(concept.related)
        for lang in LANGS:
            text = concept.definition[lang]
            found = annotator.annotate_text(text, density="all")
            unlinked = sorted({a.term for a in found} - linked)
            for term in unlinked:
                surface = next(a.surface for a in found if a.term == term)
                warnings.append(Problem(concept.source, concept.id, f"definition.{lang}",
                                        f"uses '{surface}' ({term}) but does not list it in deeper or related",
                                        concept.line, "warning"))
            covered = [(a.start, a.end) for a in found]
            for m in _JARGON_SHAPE.finditer(text):
                word = m.group()
                if word in EVERYDAY_ACRONYMS or word.rstrip("s") in EVERYDAY_ACRONYMS:
                    continue
                if any(s <= m.start() and m.end() <= e for s, e in covered):
                    continue
                if lexicon.resolve(word) is not None:
                    continue
                warnings.append(Problem(concept.source, concept.id, f"definition.{lang}",
                                        f"'{word}' looks like jargon but is not in the lexicon", concept.line, "warning"))
    return warnings
