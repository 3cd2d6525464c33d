"""Terms marked in place: a parsed page or plain text with each annotation wrapped in ``<tadoru-term>``.

The marks are the contract with the tooltip (``extension/shared/tooltip.js``): a ``data-term``
attribute with the concept id, the first piece of each annotation focusable. A candidate term
(``tadoru.discover``, issue 16) is a mark with ``data-candidate`` (its kind) instead, and what its
card shows as attributes: ``data-surface``, ``data-long-form``, ``data-head``. See
docs/ARCHITECTURE.md ("Markup").
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree

from tadoru.text.visible import TextSlot, VisibleText

if TYPE_CHECKING:
    from tadoru.annotate import Annotation
    from tadoru.discover import Candidate

TERM_TAG = "tadoru-term"
Attributes = tuple[tuple[str, str], ...]


def mark_attributes(item: Annotation | Candidate) -> Attributes:
    """The attributes of one mark: a term's id, or what a candidate's card is made from."""
    kind = getattr(item, "kind", None)
    if kind is None:
        return (("data-term", item.term),)  # type: ignore[union-attr]
    attrs = [("data-candidate", str(kind)), ("data-surface", xml_safe(item.surface))]
    long_form, head = getattr(item, "long_form", None), getattr(item, "head", None)
    if long_form:
        attrs.append(("data-long-form", xml_safe(long_form)))
    if head:
        attrs.append(("data-head", head))
    return tuple(attrs)


def _in_order(annotations: Sequence[Annotation], candidates: Sequence[Candidate]) -> list[Annotation | Candidate]:
    """Annotations and candidates (which never overlap them) as one list ordered by start."""
    if not candidates:
        return list(annotations)
    return sorted([*annotations, *candidates], key=lambda item: (item.start, item.end))


def render_marked(page: VisibleText, annotations: Sequence[Annotation], candidates: Sequence[Candidate] = ()) -> str:
    """The whole page as HTML with every annotation wrapped in ``<tadoru-term>`` (marks in place)."""
    if page.root is None:
        return ""
    mark_page(page, annotations, candidates)
    out = lxml.html.tostring(page.root, encoding="unicode", method="html")
    return (page.doctype + "\n" if page.doctype else "") + out


def mark_page(page: VisibleText, annotations: Sequence[Annotation], candidates: Sequence[Candidate] = ()) -> None:
    """Wrap annotated text (and candidates) in ``<tadoru-term>`` elements, in place.

    An annotation that spans several text nodes (``<b>fine</b>-tuning``) is wrapped piece by
    piece, each piece carrying the same ``data-term``; the pieces together read ``exact``.
    """
    if not annotations and not candidates:
        return
    slot_starts = [s.start for s in page.slots]
    pieces: dict[int, list[tuple[int, int, Attributes, bool]]] = {}
    for ann in _in_order(annotations, candidates):
        attrs = mark_attributes(ann)
        k = bisect.bisect_right(slot_starts, ann.start) - 1
        first = True
        while k < len(page.slots) and page.slots[k].start < ann.end:
            slot = page.slots[k]
            a, b = max(ann.start, slot.start), min(ann.end, slot.end)
            if b > a:
                pieces.setdefault(k, []).append((a - slot.start, b - slot.start, attrs, first))
                first = False
            k += 1
    # Work from the last slot backwards so earlier slots' elements stay where they are.
    for k in sorted(pieces, reverse=True):
        _wrap_slot(page.slots[k], sorted(pieces[k]))


#: Code points lxml's HTML parser keeps in text nodes but refuses in text it is handed
#: (XML 1.0 forbids them); replaced one for one, so offsets do not move.
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: str) -> str:
    """``value`` with the code points lxml refuses replaced one for one by U+FFFD."""
    return _NOT_XML_TEXT.sub("\ufffd", value)


def _wrap_slot(slot: TextSlot, spans: list[tuple[int, int, Attributes, bool]]) -> None:
    element = slot.element
    value = element.tail if slot.tail else element.text
    assert value is not None
    value = xml_safe(value)
    new_elements: list[etree._Element] = []
    cursor = spans[0][0]
    head = value[:cursor]
    for i, (a, b, attrs, first) in enumerate(spans):
        mark = etree.Element(TERM_TAG)
        for name, attr in attrs:
            mark.set(name, attr)
        mark.set("tabindex", "0" if first else "-1")
        mark.text = value[a:b]
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(value)
        mark.tail = value[b:nxt] or None
        new_elements.append(mark)
    # One slice assignment, not one ``insert`` per mark: lxml finds an insert position by
    # walking the children, so a text node with 100,000 terms took hours (quadratic).
    if slot.tail:
        element.tail = head or None
        parent = element.getparent()
        index = parent.index(element) + 1
        parent[index:index] = new_elements
    else:
        element.text = head or None
        element[0:0] = new_elements


def render_text_fragment(text: str, annotations: Sequence[Annotation], candidates: Sequence[Candidate] = ()) -> str:
    """Plain text as an HTML fragment (escaped) with annotations wrapped in ``<tadoru-term>``."""
    out: list[str] = []
    pos = 0
    for ann in _in_order(annotations, candidates):
        attrs = " ".join(f'{name}="{html_lib.escape(value)}"' for name, value in mark_attributes(ann))
        out.append(html_lib.escape(text[pos : ann.start]))
        out.append(f'<{TERM_TAG} {attrs} tabindex="0">{html_lib.escape(text[ann.start : ann.end])}</{TERM_TAG}>')
        pos = ann.end
    out.append(html_lib.escape(text[pos:]))
    return "".join(out)
