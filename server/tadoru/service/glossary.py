"""What the term pages derive from the lexicon: every definition annotated, once per process.

A term page shows its definitions with their own jargon highlighted (so the reader can hover
on) and lists the terms whose definitions use this one.  Both come from annotating all
definitions — about 1,200 short texts, a fraction of a second — which is done once and kept.
"""

from __future__ import annotations

from typing import Any

from tadoru.lexicon.model import LANGS
from tadoru.pages.mark import render_text_fragment


class Glossary:
    """Annotated definitions and the reverse index "term → concepts whose definition uses it"."""

    def __init__(self, annotator: Any) -> None:
        lexicon = annotator.lexicon
        self._fragments: dict[tuple[str, str], str] = {}
        self._mentioned_in: dict[str, set[str]] = {cid: set() for cid in lexicon.concepts}
        self._mentions: dict[str, list[str]] = {}
        for concept in lexicon:
            seen: list[str] = []
            for lang in LANGS:
                text = concept.definition.get(lang, "")
                annotations = [a for a in annotator.annotate_text(text, lang=lang, density="all") if a.term != concept.id]
                self._fragments[(concept.id, lang)] = render_text_fragment(text, annotations)
                for a in annotations:
                    self._mentioned_in[a.term].add(concept.id)
                    if a.term not in seen:
                        seen.append(a.term)
            self._mentions[concept.id] = seen
        # A concept whose ``deeper`` names this one builds its definition on it, even where the
        # definition's wording does not match a label.
        for concept in lexicon:
            for d in concept.deeper:
                if d in self._mentioned_in and d != concept.id:
                    self._mentioned_in[d].add(concept.id)

    def definition_html(self, concept_id: str, lang: str) -> str:
        """The definition as an escaped HTML fragment with its terms in ``<tadoru-term>``."""
        return self._fragments.get((concept_id, lang), "")

    def used_by(self, concept_id: str) -> list[str]:
        """Ids of the concepts whose definitions use ``concept_id`` (unordered set → sorted)."""
        return sorted(self._mentioned_in.get(concept_id, ()))

    def mentions(self, concept_id: str) -> list[str]:
        """Ids of the terms highlighted in ``concept_id``'s definitions, in reading order."""
        return list(self._mentions.get(concept_id, ()))
