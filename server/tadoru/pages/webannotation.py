"""A page's annotations as a W3C Web Annotation ``AnnotationCollection`` (JSON-LD).

The Web Annotation Data Model (https://www.w3.org/TR/annotation-model/) is what annotation
tools already read, so a batch's findings can leave Tadoru.  Each annotation targets the page
with two selectors: a ``TextQuoteSelector`` (exact text plus up to 32 characters either side,
robust when the page changes a little) and a ``TextPositionSelector`` (code-point offsets into
the page's visible text as the walk reads it (docs/ARCHITECTURE.md, "The walk"), or into a text file's contents).  The bodies say
which term it is (``tagging``) and what it means (``describing``, one per language).

Words Tadoru does not know yet (``--discover``, issue 16) follow the terms, each an annotation
of its own with the same selectors: the word (``tagging``), ``candidate:definition|acronym|
compound`` (``classifying``), what the page spells it out as (``describing``) and the known
concept it builds on (``linking``, the concept's id), so a tool can tell them from the terms.

Ids are ``urn:uuid`` values derived from the page and the annotation, so the same input gives
the same document byte for byte (and ``--jobs`` or ``--server`` cannot change it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tadoru.annotate import quote_context
from tadoru.version import __version__

if TYPE_CHECKING:
    from tadoru.annotate import Annotation
    from tadoru.discover import Candidate

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
_NAMESPACE = uuid.UUID("8b0c6f0e-5a1c-4f7e-9a53-7a6f1d2b3c4d")  # Tadoru's, fixed forever


def annotation_collection(*, source: str, text: str, annotations: Sequence[Annotation],
                          cards: Mapping[str, Mapping[str, Any]], title: str | None = None,
                          text_sha256: str | None = None, fmt: str = "text/html",
                          pages: Sequence[int] | None = None, candidates: Sequence[Candidate] = (),
                          candidate_pages: Sequence[int] | None = None) -> dict[str, Any]:
    """The collection for one page; ``source`` is the page's IRI (original URL or file URI).

    ``pages`` (for a PDF: the page of each annotation, from 1) adds to each target a
    ``FragmentSelector`` ``page=N`` conforming to RFC 8118, beside the text selectors;
    ``candidate_pages`` does the same for ``candidates``.
    """
    collection_uuid = uuid.uuid5(_NAMESPACE, f"{source}\n{text_sha256 or ''}")
    collection_id = f"urn:uuid:{collection_uuid}"
    items = [_annotation(collection_uuid, i, a, text, source, fmt, cards.get(a.term),
                         None if pages is None else pages[i]) for i, a in enumerate(annotations)]
    items += [_candidate(collection_uuid, i, c, text, source, fmt, None if candidate_pages is None else candidate_pages[i])
              for i, c in enumerate(candidates)]
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
    }
    if title:
        document["label"] = title
    document.update({
        "generator": {"type": "Software", "name": f"Tadoru {__version__}"},
        "total": len(items),
        "first": {"id": f"urn:uuid:{uuid.uuid5(collection_uuid, 'page-0')}", "type": "AnnotationPage",
                  "startIndex": 0, "items": items},
    })
    return document


#: RFC 8118 (application/pdf fragment identifiers), as the Web Annotation model names it.
PDF_FRAGMENT = "http://tools.ietf.org/rfc/rfc8118"


def _annotation(collection: uuid.UUID, index: int, ann: Annotation, text: str, source: str, fmt: str,
                card: Mapping[str, Any] | None, page: int | None = None) -> dict[str, Any]:
    bodies: list[dict[str, Any]] = [{"type": "TextualBody", "purpose": "tagging", "value": ann.term}]
    if card:
        for lang, definition in sorted((card.get("definition") or {}).items()):
            label = (card.get("label") or {}).get(lang)
            bodies.append({"type": "TextualBody", "purpose": "describing", "format": "text/plain",
                           "language": lang, "value": f"{label}: {definition}" if label else definition})
    return {
        "id": f"urn:uuid:{uuid.uuid5(collection, f'{index}:{ann.term}:{ann.start}:{ann.end}')}",
        "type": "Annotation",
        "motivation": "identifying",
        "body": bodies,
        "target": _target(text, ann.start, ann.end, ann.surface, source, fmt, page),
    }


def _candidate(collection: uuid.UUID, index: int, c: Candidate, text: str, source: str, fmt: str,
               page: int | None) -> dict[str, Any]:
    bodies: list[dict[str, Any]] = [{"type": "TextualBody", "purpose": "tagging", "value": c.surface},
                                    {"type": "TextualBody", "purpose": "classifying", "value": f"candidate:{c.kind}"}]
    if c.long_form:
        bodies.append({"type": "TextualBody", "purpose": "describing", "format": "text/plain", "value": c.long_form})
    if c.head:
        bodies.append({"type": "TextualBody", "purpose": "linking", "value": c.head})
    return {
        "id": f"urn:uuid:{uuid.uuid5(collection, f'candidate:{index}:{c.surface}:{c.start}:{c.end}')}",
        "type": "Annotation",
        "motivation": "identifying",
        "body": bodies,
        "target": _target(text, c.start, c.end, c.surface, source, fmt, page),
    }


def _target(text: str, start: int, end: int, exact: str, source: str, fmt: str, page: int | None) -> dict[str, Any]:
    """Where an annotation points: the quote with its context, the offsets, and the PDF page."""
    prefix, suffix = quote_context(text, start, end)
    quote: dict[str, Any] = {"type": "TextQuoteSelector", "exact": exact}
    if prefix:
        quote["prefix"] = prefix
    if suffix:
        quote["suffix"] = suffix
    return {
        "source": source,
        "format": fmt,
        "selector": [quote, {"type": "TextPositionSelector", "start": start, "end": end}]
        + ([{"type": "FragmentSelector", "conformsTo": PDF_FRAGMENT, "value": f"page={page}"}] if page else []),
    }
