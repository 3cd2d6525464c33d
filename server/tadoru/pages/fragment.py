"""A marked page's body as a fragment to show inside another page: its structure, nothing active.

The web form shows an uploaded page inside the service's own page, so the copy's rules
(``tadoru.pages.sanitize``: no scripts, handlers, frames; the copy's own policy behind them) are
not enough: the fragment shares the service's origin, ids and stylesheet.  So this keeps an
allowlist — headings, paragraphs, lists, tables, code, quotes, inline emphasis, links out and
``<tadoru-term>`` — with a few harmless attributes each, unwraps every other element (its text
stays where it was), and drops with their content the elements the walk does not read
(``tadoru.text.visible``) or that load or run something: images, media, forms' controls, SVG,
MathML, styles, scripts.  No ``id``, ``class`` or ``style`` survives, so nothing of the page can
stand in for the service's elements or restyle them.  Headings move one level down: the
result page's own ``<h1>`` stays the only one.

The serialised fragment is parsed again as a browser parses it (lexbor, as in
``tadoru.pages.as_parsed``) and checked against the same allowlist; a fragment that does not pass
is refused (``UnsafeMarkup``), and the caller shows the page's text instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import lxml.html
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from tadoru.pages.as_parsed import UnsafeMarkup
from tadoru.pages.mark import TERM_TAG, mark_page
from tadoru.pages.sanitize import doomed_attributes, is_dangerous_url

if TYPE_CHECKING:
    from tadoru.annotate import Annotation
    from tadoru.discover import Candidate
    from tadoru.text.visible import VisibleText

#: Elements kept, with the attributes each may keep (besides ``GLOBAL_ATTRIBUTES``).
KEEP: dict[str, frozenset[str]] = {
    **{tag: frozenset() for tag in (
        "p", "div", "section", "article", "aside", "header", "footer", "nav", "blockquote", "figure",
        "figcaption", "h2", "h3", "h4", "h5", "h6", "hr", "br", "pre", "address", "details", "summary",
        "dl", "dt", "dd", "ul", "li", "table", "caption", "thead", "tbody", "tfoot", "tr", "colgroup",
        "em", "strong", "b", "i", "u", "s", "small", "sub", "sup", "mark", "code", "kbd", "samp", "var",
        "cite", "q", "dfn", "span", "del", "ins", "ruby", "rt", "rp", "bdi", "bdo", "wbr", "abbr", "time")},
    "ol": frozenset({"start", "reversed", "type"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "td": frozenset({"colspan", "rowspan"}),
    "col": frozenset({"span"}),
    "a": frozenset({"href", "rel"}),
    TERM_TAG: frozenset({"data-term", "tabindex", "data-candidate", "data-surface", "data-long-form", "data-head"}),
}
GLOBAL_ATTRIBUTES = frozenset({"lang", "dir", "title"})
#: Renamed on the way: the page's ``<h1>`` under the result's own, its ``<main>`` a plain block.
RENAME = {"h1": "h2", "h2": "h3", "h3": "h4", "h4": "h5", "h5": "h6", "main": "div", "center": "div"}
#: Removed with everything inside (the walk reads none of it, or it would load or run something).
DROP = frozenset({
    "head", "title", "meta", "link", "base", "style", "script", "noscript", "template", "iframe", "frame",
    "frameset", "object", "embed", "applet", "param", "portal", "fencedframe", "svg", "math", "canvas",
    "img", "picture", "source", "track", "video", "audio", "map", "area", "input", "select", "option",
    "optgroup", "datalist", "textarea", "button", "output", "progress", "meter", "dialog", "slot",
    "tadoru-tooltip", "xmp", "plaintext", "listing", "noembed", "noframes",
})
LINK_REL = "noopener noreferrer nofollow"
_ALLOWED_SCHEMES = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
#: What the browser's parser adds around a fragment by itself.
_IMPLIED = frozenset({"html", "head", "body", "tbody"})


def render_page_fragment(page: VisibleText, annotations: Sequence[Annotation],
                         candidates: Sequence[Candidate] = ()) -> str:
    """The page's ``<body>`` with its terms marked, as an inert HTML fragment (``page`` is modified).

    Raises ``UnsafeMarkup`` when the result, parsed as a browser parses it, holds anything but
    the allowlist.
    """
    root = page.root
    if root is None:
        return ""
    # A page saved while Tadoru's marks were on it brings its own: they give way to today's.
    foreign = list(root.iter(TERM_TAG))
    mark_page(page, annotations, candidates)
    for element in foreign:
        _unwrap(element)
    body = root.find("body")
    container = body if body is not None else root
    holder = etree.Element("div")
    holder.text = container.text
    for child in list(container):
        holder.append(child)  # moves it (with its tail) out of the page
    _clean(holder)
    html = lxml.html.tostring(holder, encoding="unicode", method="html")
    html = html[len("<div>"):-len("</div>")] if html.startswith("<div>") and html.endswith("</div>") else html
    check_fragment(html)
    return html.strip()


def _clean(holder: etree._Element) -> None:
    doomed: list[etree._Element] = []
    unwrap: list[etree._Element] = []
    for element in holder.iter():
        if element is holder:
            continue
        tag = element.tag
        if not isinstance(tag, str):  # comments, processing instructions
            doomed.append(element)
            continue
        name = RENAME.get(tag.lower(), tag.lower())
        if name in DROP:
            doomed.append(element)
            continue
        if name not in KEEP:
            unwrap.append(element)
            continue
        element.tag = name
        allowed = KEEP[name] | GLOBAL_ATTRIBUTES
        for attribute in list(element.attrib):
            if attribute.lower() not in allowed:
                del element.attrib[attribute]
        if name == "a":
            href = (element.get("href") or "").strip()
            if href and _ALLOWED_SCHEMES.match(href) and not is_dangerous_url(href):
                element.set("href", href)
                element.set("rel", LINK_REL)
            else:
                element.attrib.pop("href", None)
                element.attrib.pop("rel", None)
        elif name == TERM_TAG and element.get("tabindex") not in ("0", "-1"):
            element.set("tabindex", "-1")
    gone = {id(element) for element in doomed}
    for element in doomed:
        if not any(id(a) in gone for a in element.iterancestors()):
            _drop(element)
    for element in reversed(unwrap):
        if element.getparent() is not None:
            _unwrap(element)


def _drop(element: etree._Element) -> None:
    """Remove an element and its content; its tail text stays (it belongs to the parent)."""
    parent = element.getparent()
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _unwrap(element: etree._Element) -> None:
    """Replace an element by its content (its text, children and tail stay in order)."""
    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    text = element.text or ""
    previous = element.getprevious()
    if text:
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
    children = list(element)
    tail = element.tail or ""
    parent.remove(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if tail:
        if children:
            last = children[-1]
            last.tail = (last.tail or "") + tail
        else:
            before = parent[index - 1] if index > 0 else None
            if before is not None:
                before.tail = (before.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail


def check_fragment(html: str) -> None:
    """Parse ``html`` as a browser parses a fragment in ``<body>``; refuse anything off the allowlist."""
    tree = LexborHTMLParser("<!DOCTYPE html><html><head></head><body>" + html + "</body></html>")
    body = tree.body
    if body is None:
        raise UnsafeMarkup("the fragment has no body")
    for node in body.traverse(include_text=False):
        name = (node.tag or "").lower()
        if name.startswith(("#", "-")) or node is body or name == "body":
            continue
        if name not in KEEP and name not in _IMPLIED:
            raise UnsafeMarkup(f"<{name}> is not allowed in a fragment")
        attributes = node.attributes
        allowed = KEEP.get(name, frozenset()) | GLOBAL_ATTRIBUTES
        if doomed_attributes(attributes) or any(a.lower() not in allowed for a in attributes):
            raise UnsafeMarkup(f"<{name}> carries an attribute that is not allowed")
        if name == "a" and attributes.get("href") and not _ALLOWED_SCHEMES.match(attributes["href"] or ""):
            raise UnsafeMarkup("a link that does not lead out over http(s) or mailto")
    if tree.head is not None and tree.head.child is not None:
        raise UnsafeMarkup("the fragment adds to <head>")
