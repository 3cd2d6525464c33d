"""Checking a finished annotated copy as a browser will parse it, and cleaning what it finds.

``make_inert`` cleans the tree lxml built, and lxml reads HTML with libxml2's parser, which
predates HTML5: it knows no foreign content, so inside ``<svg><style>`` it sees text where
Chromium sees markup, and ``<p>LoRA</p><svg><style><meta http-equiv=refresh …>`` reached the
browser as a working refresh (issue 18 #1).  Every such trick is a difference between two parsers,
so the class is closed by parsing the finished document again with lexbor (through
``selectolax``), an HTML5-conformant parser like the browser's, and applying the same rules
(``tadoru.pages.sanitize``) to that tree.  A clean document is returned unchanged, byte for byte.
A dirty one is cleaned in lexbor's tree, serialised by lexbor, and parsed again, until a parse
finds nothing; if that does not settle within a few rounds the page is refused rather than
written.

Tadoru's own parts (its charset and policy ``<meta>``, its stylesheet, its data and two scripts)
are recognised by content, not by id, and must be the last three elements of ``<body>``: the
bootstrap finds the data next to itself, so a page cannot stand in for it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from tadoru.pages.sanitize import doomed_attributes, drops_element

#: Clean-and-reparse rounds before a page is refused (real pages settle in one).
MAX_ROUNDS = 4


class UnsafeMarkup(ValueError):
    """The page's markup would not come out inert; nothing is written for it."""


@dataclass(frozen=True, slots=True)
class OwnParts:
    """What Tadoru adds to every copy, by content: these elements are allowed where the rules would drop them."""

    scripts: tuple[str, ...]  #: the texts of the data, tooltip and bootstrap scripts, in their order
    policy: str  #: the Content-Security-Policy's ``content``


def inert_as_parsed(html: str, own: OwnParts) -> tuple[str, int]:
    """``html`` as the browser will parse it, with what would run or navigate removed; and how many were."""
    removed_total = 0
    for _ in range(MAX_ROUNDS):
        tree = LexborHTMLParser(html)
        removed = _clean(tree, own)
        if not removed:
            if not _own_scripts_last(tree, own.scripts):
                raise UnsafeMarkup("the page's markup moves the tooltip's scripts")
            return html, removed_total
        removed_total += removed
        html = tree.html or ""
    raise UnsafeMarkup(f"the page's markup still parses into something active after {MAX_ROUNDS} cleanings")


def _clean(tree: LexborHTMLParser, own: OwnParts) -> int:
    """Apply the sanitiser's rules to lexbor's tree in place; how many elements and attributes went."""
    doomed: list[LexborNode] = []
    stripped = 0
    root = tree.root
    if root is None:
        return 0
    for node in root.traverse(include_text=False):
        name = (node.tag or "").lower()
        if name.startswith(("#", "-")):
            continue  # comments, doctype
        attributes = node.attributes
        if _is_own(name, node, attributes, own):
            continue
        if drops_element(name, attributes):
            doomed.append(node)
            continue
        names = doomed_attributes(attributes)
        if names:
            attrs = node.attrs
            for attribute in names:
                del attrs[attribute]
            stripped += len(names)
    for node in doomed:
        node.decompose()
    return len(doomed) + stripped


def _is_own(name: str, node: LexborNode, attributes: dict[str, str | None], own: OwnParts) -> bool:
    if name == "script":
        return node.text(deep=True) in own.scripts and not doomed_attributes(attributes)
    if name == "meta":
        keys = {k.lower() for k in attributes}
        if keys == {"charset"}:
            return (attributes.get("charset") or "").lower() == "utf-8"
        return keys == {"http-equiv", "content"} and attributes.get("content") == own.policy and (
            (attributes.get("http-equiv") or "").lower() == "content-security-policy")
    return False


def _own_scripts_last(tree: LexborHTMLParser, scripts: Collection[str]) -> bool:
    """Tadoru's scripts are the last elements of ``<body>``, in order (the bootstrap relies on it)."""
    body = tree.body
    if body is None:
        return False
    tail = [child for child in body.iter(include_text=False)][-len(scripts):]
    return len(tail) == len(scripts) and all(
        node.tag == "script" and node.text(deep=True) == text for node, text in zip(tail, scripts, strict=True))
