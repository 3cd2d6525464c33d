"""A page's visible text: the walk over its text nodes that every surface shares.

The walk is the one the extension does in the browser: the text nodes of ``<body>`` in
document order, skipping the elements readers do not read as prose (code, forms, scripts…),
the apparatus of LaTeXML papers such as arXiv's HTML (maths, citations, bibliography…, see
``LATEXML_SKIP_CLASSES``) and Tadoru's own UI.  ``extension/content/walk.js`` holds the same
lists; a unit test keeps the two in step (docs/ARCHITECTURE.md, "The walk").  lxml parses
about ten times faster than BeautifulSoup, and it recovers from broken markup the way browsers
do closely enough that the TextQuoteSelector covers the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

#: Elements whose text is never annotated (docs/ARCHITECTURE.md, "The walk") plus those that are not page prose at all.
SKIP_TAGS = frozenset({
    "code", "pre", "kbd", "samp", "script", "style", "textarea", "input", "select", "button",
    "svg", "math", "noscript", "template", "iframe", "object", "head", "title", "tadoru-tooltip",
})
#: Elements that end a run of words: text on either side of their edges never forms one term,
#: even when the page's markup puts no whitespace there (``<p>model</p><p>card</p>``).  ``math``
#: is one although it is inline: a formula between two words (``neural<math>…</math>network``)
#: separates them for the reader, and the normaliser would otherwise read "neuralnetwork".
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "img", "li", "main", "nav", "ol", "p", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "body", "html", "math",
})
#: LaTeXML (arXiv's HTML papers) marks up what is not prose with classes, not elements: an
#: element with one of these classes is skipped with all it holds, and like ``math`` it is a
#: word break (``attention<cite>[3]</cite>mechanism`` is never "attention mechanism").  The names
#: are LaTeXML's own (its XSLT writes ``ltx_`` plus the name of the element in its document
#: model: ``ltx_cite``, ``ltx_bibliography``…), and a whole class name must match, so the rule
#: holds on every page rather than only inside ``article.ltx_document``: sites embed LaTeXML
#: fragments (ar5iv, paper readers) without the document wrapper.  Kept on purpose:
#: captions (``ltx_caption``, minus their ``ltx_tag`` "Figure 1:"), footnote text (only the
#: ``ltx_note_mark`` numbers go), tables, and ``\href`` links (``a.ltx_ref.ltx_href``: the link
#: text is the author's prose, see ``LATEXML_KEEP_CLASSES``).
LATEXML_SKIP_CLASSES = frozenset({
    "ltx_equation", "ltx_equationgroup", "ltx_eqn_table",  # display maths (tables, rows, cells)
    "ltx_cite", "ltx_ref",  # citations, cross-references ("Section 3", "[12]")
    "ltx_tag",  # numbers and labels: "1 " before a heading, "(2)", "Figure 1:", "[7]", bullets
    "ltx_note_mark",  # footnote marks ("1", "†"), in the prose and before the note's text
    "ltx_bibliography", "ltx_authors", "ltx_dates", "ltx_page_footer",
    "ltx_listing",  # code listings and algorithm bodies
})
#: An element with one of these classes is not skipped for its other classes: ``\href`` links
#: are ``a.ltx_ref.ltx_href`` and read as prose ("see our <a>fine-tuning recipe</a>").
LATEXML_KEEP_CLASSES = frozenset({"ltx_href"})
#: Only a page whose source holds this can carry LaTeXML classes: pages without it skip the class
#: test altogether and pay for one substring search (about 0.5 ms per MB) instead.
_LATEXML_MARK = "ltx_"


class HtmlTooDeep(ValueError):
    """The page nests elements deeper than a reader's page ever does."""


#: No page a person reads nests elements this deep.  libxml2 (under lxml) stops building the tree
#: at depth 2048 even in huge-tree mode and silently drops everything below, so a page that
#: reaches this depth is refused rather than annotated with its text quietly missing.
MAX_DEPTH = 1000

#: An XML declaration with an encoding makes lxml refuse a ``str`` ("Unicode strings with
#: encoding declaration are not supported"); the text is already decoded, so it is dropped.
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>", re.IGNORECASE)


@dataclass(slots=True)
class TextSlot:
    """One text node: ``element.text`` (``tail=False``) or ``element.tail``, and where it sits."""

    element: etree._Element
    tail: bool
    start: int
    end: int


@dataclass(slots=True)
class VisibleText:
    text: str
    slots: list[TextSlot]
    root: etree._Element | None
    doctype: str
    breaks: list[int] = field(default_factory=list)  # offsets of block edges, sorted


def parse_html(source: str | bytes) -> etree._Element | None:
    """Parse a page leniently; ``None`` for input with no elements at all."""
    if isinstance(source, str):
        source = source.replace("\x00", "\ufffd")
        if not source.strip():
            return None
        if source.lstrip()[:5].lower() == "<?xml":
            source = _XML_DECLARATION.sub("", source, count=1)
    elif not source.strip():
        return None
    parser = lxml.html.HTMLParser(recover=True, huge_tree=True, remove_comments=False,
                                  encoding=None if isinstance(source, str) else "utf-8")
    try:
        root = lxml.html.document_fromstring(source, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root


def visible_text(source: str | bytes) -> VisibleText:
    """The page's visible text, its text nodes and its word breaks, as the extension walks it."""
    root = parse_html(source)
    if root is None:
        return VisibleText("", [], None, "")
    doctype = root.getroottree().docinfo.doctype or ""
    # One substring search decides whether the page can hold LaTeXML classes at all; ordinary
    # pages then never pay for reading class attributes (docs/ARCHITECTURE.md, "The walk").
    latexml = (_LATEXML_MARK in source) if isinstance(source, str) else (_LATEXML_MARK.encode() in source)
    body = root.find("body")
    start_at = body if body is not None else root
    parts: list[str] = []
    slots: list[TextSlot] = []
    breaks: list[int] = []
    pos = 0
    skipped, ends_block = (_skipped_latexml, _ends_block_latexml) if latexml else (_skipped, _ends_block)
    for element, tail, value in _text_nodes(start_at, skipped):
        # A tail follows the end of its element; own text follows the element's start.  Either
        # edge of a block element is a word break, and so is the end of a skipped LaTeXML part.
        at_block_edge = element.tag in BLOCK_TAGS or (tail and ends_block(element))
        if at_block_edge and (not breaks or breaks[-1] != pos):
            breaks.append(pos)
        slots.append(TextSlot(element, tail, pos, pos + len(value)))
        parts.append(value)
        pos += len(value)
    return VisibleText("".join(parts), slots, root, doctype, breaks)


def _ends_block(element: etree._Element) -> bool:
    """Is there a block edge between ``element``'s content and its tail?"""
    return isinstance(element.tag, str) and element.tag in BLOCK_TAGS


def _ends_block_latexml(element: etree._Element) -> bool:
    """``_ends_block``, plus the end of a skipped LaTeXML part (a citation, a footnote mark…)."""
    return isinstance(element.tag, str) and (element.tag in BLOCK_TAGS or latexml_skipped(element.get("class")))


def _text_nodes(top: etree._Element, skipped: Callable[[etree._Element], bool]
                ) -> Iterator[tuple[etree._Element, bool, str]]:
    """Text nodes under ``top`` in document order (iteratively: pages can nest deeply), leaving
    out what ``skipped`` says readers do not read (``_skipped`` or ``_skipped_latexml``)."""
    # Each stack item: (element, phase) — phase 0 = emit own text and push children.
    stack: list[tuple[etree._Element, bool]] = [(top, False)]
    depth_of = {top: 0}
    while stack:
        element, is_tail = stack.pop()
        if is_tail:
            if element.tail:
                yield element, True, element.tail
            continue
        if not isinstance(element.tag, str) or skipped(element):
            continue  # comments, processing instructions and skipped elements: their tail still counts
        if element.text:
            yield element, False, element.text
        depth = depth_of.pop(element, 0)
        if depth > MAX_DEPTH:
            raise HtmlTooDeep(f"elements nested more than {MAX_DEPTH} deep")
        children = list(element)
        for child in reversed(children):
            if child is not top:
                stack.append((child, True))
                stack.append((child, False))
                depth_of[child] = depth + 1


def _skipped(element: etree._Element) -> bool:
    return element.tag.lower() in SKIP_TAGS or element.get("contenteditable") not in (None, "false")


def _skipped_latexml(element: etree._Element) -> bool:
    """``_skipped``, plus the LaTeXML classes: used only on pages whose source mentions ``ltx_``."""
    return _skipped(element) or latexml_skipped(element.get("class"))


def latexml_skipped(class_attr: str | None) -> bool:
    """Does an element with this ``class`` attribute hold LaTeXML apparatus rather than prose?

    ``LATEXML_SKIP_CLASSES`` says which parts, and why the rule applies on any page; walk.js's
    ``latexmlSkipped`` is the same test.  The substring check first keeps the common case (no
    ``ltx_`` in the attribute) to one C-level search.
    """
    if not class_attr or _LATEXML_MARK not in class_attr:
        return False
    names = class_attr.split()
    return not LATEXML_SKIP_CLASSES.isdisjoint(names) and LATEXML_KEEP_CLASSES.isdisjoint(names)
