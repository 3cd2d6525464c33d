"""Making an annotated copy fetch nothing from the network when it is opened (issue 18 #12).

A saved page keeps its images, stylesheets, fonts and media as URLs; those that were saved with
it are inlined (``tadoru.pages.resources``), and the rest would load from their servers when the
copy is opened, telling the page's author (or a tracker) that someone is reading it, and when.
An offline-strict copy drops every reference that is not a ``data:`` URL, counts what it
dropped, and its Content-Security-Policy admits ``data:`` alone, so anything this misses (an
``image-set()`` string, a future attribute) is blocked by the browser too.
"""

from __future__ import annotations

import re

from lxml import etree

from tadoru.pages.resources import CSS_IMPORT, CSS_URL, split_srcset
from tadoru.pages.sanitize import drop_keeping_tail

#: Attributes that make the browser fetch by themselves (links the reader follows are not here).
FETCHING_ATTRIBUTES = ("src", "srcset", "poster", "background", "lowsrc", "dynsrc", "imagesrcset")
#: Elements whose ``href`` is fetched as the page loads (SVG images and uses, feImage).
FETCHING_HREF_ELEMENTS = frozenset({"image", "use", "feimage"})
#: ``<link rel>`` values whose ``href`` loads as the page opens.
FETCHING_LINK_RELS = frozenset({"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "prefetch",
                                "modulepreload", "manifest", "import"})
_NOTHING = 'url("data:,")'


def is_inline(url: str) -> bool:
    """True for what opens without a fetch: ``data:`` URLs and same-document fragments."""
    value = url.strip().lower()
    return not value or value.startswith(("data:", "#"))


def strip_remote(root: etree._Element) -> int:
    """Remove every reference that would fetch, in place; returns how many went."""
    dropped = 0
    doomed: list[etree._Element] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "link":
            rels = set((element.get("rel") or "").lower().split())
            if rels & FETCHING_LINK_RELS and not is_inline(element.get("href") or ""):
                doomed.append(element)
            continue
        for attribute in FETCHING_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None and not _all_inline(value, attribute):
                del element.attrib[attribute]
                dropped += 1
        if tag in FETCHING_HREF_ELEMENTS:
            for attribute in ("href", "{http://www.w3.org/1999/xlink}href", "xlink:href"):
                value = element.get(attribute)
                if value is not None and not is_inline(value):
                    del element.attrib[attribute]
                    dropped += 1
        style = element.get("style")
        if style:
            cleaned, count = strip_css(style)
            if count:
                element.set("style", cleaned)
                dropped += count
        if tag == "style" and element.text:
            cleaned, count = strip_css(element.text)
            if count:
                element.text = cleaned
                dropped += count
    for element in doomed:
        if element.getparent() is not None:
            drop_keeping_tail(element)
            dropped += 1
    return dropped


def strip_css(css: str) -> tuple[str, int]:
    """``css`` with every ``@import`` and ``url()`` that is not inline made inert; and how many."""
    count = 0

    def imported(match: re.Match[str]) -> str:
        nonlocal count
        if is_inline(match.group(2)):
            return match.group(0)
        count += 1
        return ""

    def url(match: re.Match[str]) -> str:
        nonlocal count
        if is_inline(match.group(2)):
            return match.group(0)
        count += 1
        return _NOTHING

    if "@import" in css.lower():
        css = CSS_IMPORT.sub(imported, css)
    if "url(" in css.lower():
        css = CSS_URL.sub(url, css)
    return css, count


def _all_inline(value: str, attribute: str) -> bool:
    if attribute.endswith("srcset"):
        return all(is_inline(url) for url, _descriptor in split_srcset(value))
    return is_inline(value)
