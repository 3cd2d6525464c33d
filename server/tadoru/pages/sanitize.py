"""Making a saved page inert before it is written out as an annotated copy.

A saved page is someone else's markup.  Opened from disk it must not run its scripts, follow
a ``<meta refresh>``, resolve links against a ``<base>`` or call home from an ``<iframe>``: the
copy is for reading, offline.  This removes everything that can run or navigate by itself; the
annotated page's Content-Security-Policy (``page_output``) is the second line of defence for
anything this misses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree

#: Elements removed with their content (their tail text stays: it belongs to the parent).
DROP_ELEMENTS = frozenset({
    "script", "iframe", "frame", "object", "embed", "applet", "base", "portal", "fencedframe",
    "tadoru-tooltip",  # a page saved while the extension was open
    # With scripts on, a browser reads <noscript> as text and lxml (like lexbor) as markup, a
    # classic parser differential; Tadoru's copy runs its scripts, so a <noscript> never shows.
    "noscript",
})
#: ``<link rel>`` values kept; everything else (preload, prefetch, import, manifest…) goes.
KEEP_LINK_RELS = frozenset({"stylesheet", "icon", "shortcut", "apple-touch-icon", "canonical", "alternate",
                            "author", "license", "help", "prev", "next"})
#: Attributes removed wherever they appear.
DROP_ATTRIBUTES = frozenset({"srcdoc", "ping", "nonce", "manifest", "http-equiv"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
                            "lowsrc", "dynsrc", "cite", "longdesc", "codebase", "srcset", "imagesrcset", "to", "values",
                            "from", "by"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:application/xhtml", "data:text/xml",
                      "data:application/xml", "livescript:")


def is_dangerous_url(value: str) -> bool:
    """True for URLs that run code when followed (``java\\tscript:`` counts: browsers strip it)."""
    compact = _CONTROL.sub("", value).lower()
    if ":" not in compact:
        return False
    # SVG animation ``values`` is a ;-separated list; a srcset a ,-separated one.
    return any(piece.startswith(_DANGEROUS_SCHEMES) for piece in re.split(r"[;,]", compact))


#: Ids the annotated copy's own elements use; a page naming one could stand in for them (issue 18 #8).
RESERVED_ID_PREFIX = "tadoru-"


def drops_element(name: str, attributes: Mapping[str, str | None]) -> bool:
    """Whether an element (lower-case ``name``) goes with its content.

    Shared by ``make_inert`` (lxml's tree) and ``tadoru.pages.as_parsed`` (the HTML5 parse of the
    finished copy), so both apply one rule.
    """
    if name in DROP_ELEMENTS:
        return True
    if name == "meta":  # refresh, set-cookie, CSP and the old charset: ours come first
        return "http-equiv" in attributes or "charset" in attributes
    if name == "link":
        rels = set((attributes.get("rel") or "").lower().split())
        return not (rels and rels <= KEEP_LINK_RELS)
    return False


def doomed_attributes(attributes: Mapping[str, str | None], *, reserved_ids: bool = False) -> list[str]:
    """The attributes (as spelled) that can run code or navigate, and with ``reserved_ids`` Tadoru's ids."""
    doomed = []
    for attribute, value in attributes.items():
        key = attribute.lower()
        if key.startswith("on") or key in DROP_ATTRIBUTES or (
                key in URL_ATTRIBUTES and is_dangerous_url(value or "")) or (
                reserved_ids and key == "id" and (value or "").lower().startswith(RESERVED_ID_PREFIX)):
            doomed.append(attribute)
    return doomed


def make_inert(root: etree._Element) -> int:
    """Strip scripts, handlers, frames, refreshes, ``<base>`` and ``tadoru-`` ids in place; returns how many.

    Runs on the page before Tadoru adds its own elements, so every ``tadoru-`` id left is Tadoru's.
    """
    removed = 0
    doomed: list[etree._Element] = []
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions are inert
        attributes = element.attrib
        if drops_element(tag.lower(), attributes):
            doomed.append(element)
            continue
        for attribute in doomed_attributes(attributes, reserved_ids=True):
            del attributes[attribute]
            removed += 1
    for element in doomed:
        if element.getparent() is not None:
            drop_keeping_tail(element)
            removed += 1
    return removed


def drop_keeping_tail(element: etree._Element) -> None:
    """Remove an element and its content but keep its tail text where it was."""
    parent = element.getparent()
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
