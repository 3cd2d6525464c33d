"""Making a saved page inert before it is written out as an annotated copy.

A saved page is someone else's markup.  Opened from disk it must not run its scripts, follow
a ``<meta refresh>``, resolve links against a ``<base>`` or call home from an ``<iframe>``: the
copy is for reading, offline.  This removes everything that can run or navigate by itself; the
annotated page's Content-Security-Policy (``page_output``) is the second line of defence for
anything this misses.
"""

from __future__ import annotations

import re

from lxml import etree

#: Elements removed with their content (their tail text stays: it belongs to the parent).
DROP_ELEMENTS = frozenset({
    "script", "iframe", "frame", "object", "embed", "applet", "base", "portal", "fencedframe",
    "tadoru-tooltip",  # a page saved while the extension was open
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


def make_inert(root: etree._Element) -> int:
    """Strip scripts, handlers, frames, refreshes and ``<base>`` in place; returns how many."""
    removed = 0
    doomed: list[etree._Element] = []
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions are inert
        name = tag.lower()
        if name in DROP_ELEMENTS:
            doomed.append(element)
            continue
        if name == "meta" and (element.get("http-equiv") is not None or element.get("charset") is not None):
            doomed.append(element)  # refresh, set-cookie, CSP and the old charset: ours come first
            continue
        if name == "link" and not _kept_link(element):
            doomed.append(element)
            continue
        for attribute in list(element.attrib):
            key = attribute.lower()
            if key.startswith("on") or key in DROP_ATTRIBUTES or (
                    key in URL_ATTRIBUTES and is_dangerous_url(element.get(attribute, ""))):
                del element.attrib[attribute]
                removed += 1
    for element in doomed:
        if element.getparent() is not None:
            _drop(element)
            removed += 1
    return removed


def _kept_link(element: etree._Element) -> bool:
    rels = set((element.get("rel") or "").lower().split())
    return bool(rels) and rels <= KEEP_LINK_RELS


def _drop(element: etree._Element) -> None:
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
