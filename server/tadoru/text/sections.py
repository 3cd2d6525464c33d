"""Where a reader's attention goes in a text: its sections, and the parts that are not its prose.

A new reader's known list is empty, so marking every occurrence of every term drowns the page
(73 marks on a 1,655-character post).  ``calm`` density (docs/ARCHITECTURE.md, "Density") marks a
term at most once per *section* and never in the page's *quiet* parts; ``first`` marks it once,
counted from the article body.  This module finds both, once per text, from what a page says
about itself:

- a section starts at every heading; a stretch of more than ``SECTION_CHARS`` characters without
  one is cut at the first block edge after that many characters (a long page without headings
  still gets a reminder now and then);
- quiet are headings, page furniture (``nav``, ``header``, ``footer``, ``aside``, ``address``,
  their ARIA roles, bylines, tag lists, tables of contents, share bars: ``FURNITURE_CLASS``),
  everything outside ``<main>`` (or the one ``<article>``) when the page has one, and URLs.
  Code is never read at all (the walk skips it).

Plain text has Markdown headings (``# …``) and URLs.  The extension's walk classifies text
nodes by the same lists (``extension/content/walk.js``, ``roleOf``) and sends headings and
furniture as ``<h2>``/``<aside>`` runs, so the service decides for every surface.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from tadoru.text.visible import VisibleText

#: A stretch without headings longer than this is more than one section.
SECTION_CHARS = 2000

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
FURNITURE_TAGS = frozenset({"nav", "header", "footer", "aside", "address"})
FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar",
                             "toolbar", "tablist"})
#: Class names of bylines, tag lists, tables of contents and share bars, as blog and docs themes
#: name them (``post-meta``, ``tag-list``, ``byline``, ``toc``…): a whole word of the class
#: attribute, or a part of one between ``-``/``_``.  Keep equal to walk.js's ``FURNITURE_CLASS``.
FURNITURE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:byline|author|authors|meta|tags?|taglist|categories|breadcrumbs?|share|social|sidebar|toc)"
    r"(?:$|[\s_-])", re.IGNORECASE)
#: Link relations of the same parts: ``rel="tag"``, ``rel="author"``.
FURNITURE_RELS = frozenset({"tag", "author"})
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'（）「」、。]+", re.IGNORECASE)
MARKDOWN_HEADING = re.compile(r"^#{1,6}[ \t].*$", re.MULTILINE)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")

BODY, HEADING, FURNITURE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Sections:
    """Section starts (sorted, the first is 0) and quiet spans (sorted, disjoint ``(start, end)``)."""

    starts: Sequence[int]
    quiet: Sequence[tuple[int, int]]

    def section_of(self, offset: int) -> int:
        """The number of the section ``offset`` lies in."""
        return bisect.bisect_right(self.starts, offset)

    def is_quiet(self, start: int, end: int) -> bool:
        """Does ``[start, end)`` touch a quiet span?"""
        k = bisect.bisect_right(self.quiet, (start, float("inf"))) - 1
        if k >= 0 and self.quiet[k][1] > start:
            return True
        return k + 1 < len(self.quiet) and self.quiet[k + 1][0] < end


def text_sections(text: str, breaks: Sequence[int] = (), headings: Sequence[tuple[int, int]] = ()) -> Sections:
    """Sections of plain text (or a PDF's): Markdown headings and the ``headings`` a layout found
    (``tadoru.pdf.layout``), URLs, long stretches cut at breaks."""
    headings = sorted({*headings, *((m.start(), m.end()) for m in MARKDOWN_HEADING.finditer(text))})
    edges = sorted({*breaks, *(m.end() for m in PARAGRAPH_BREAK.finditer(text))})
    quiet = _merge([*headings, *_urls(text)])
    return Sections(_cut_long([s for s, _ in headings], edges, len(text)), quiet)


def page_sections(page: VisibleText) -> Sections:
    """Sections of a page's visible text, from the elements its text nodes sit in."""
    role_of = _Roles(page.root)
    heading_starts: list[int] = []
    spans: list[tuple[int, int]] = []
    previous = BODY
    for slot in page.slots:
        element = slot.element.getparent() if slot.tail else slot.element
        role = role_of(element) if element is not None else BODY
        if role == HEADING and previous != HEADING:
            heading_starts.append(slot.start)
        if role != BODY:
            spans.append((slot.start, slot.end))
        previous = role
    quiet = _merge([*spans, *_urls(page.text)])
    return Sections(_cut_long(heading_starts, page.breaks, len(page.text)), quiet)


class _Roles:
    """Each element's role (body text, heading or furniture), memoised: one look per element."""

    def __init__(self, root: etree._Element | None) -> None:
        self._memo: dict[etree._Element, int] = {}
        self._main = _main_element(root)

    def __call__(self, element: etree._Element) -> int:
        memo = self._memo
        chain: list[etree._Element] = []
        node: etree._Element | None = element
        while node is not None and node not in memo:
            chain.append(node)
            node = node.getparent()
        # Above the top: outside the main content when the page has a main part.
        role = memo[node] if node is not None else (FURNITURE if self._main is not None else BODY)
        for el in reversed(chain):
            role = self._own(el, role)
            memo[el] = role
        return role

    def _own(self, el: etree._Element, inherited: int) -> int:
        if el is self._main:
            return BODY
        if inherited == FURNITURE or not isinstance(el.tag, str):
            return inherited
        if is_furniture(el.tag.lower(), el.get("role"), el.get("class"), el.get("rel")):
            return FURNITURE
        if el.tag.lower() in HEADING_TAGS or (el.get("role") or "").strip().lower() == "heading":
            return HEADING
        return inherited


def is_furniture(tag: str, role: str | None, class_attr: str | None, rel: str | None) -> bool:
    """Is an element with these attributes page furniture, not the article's prose?"""
    if tag in FURNITURE_TAGS:
        return True
    if role and role.strip().lower() in FURNITURE_ROLES:
        return True
    if rel and not FURNITURE_RELS.isdisjoint(rel.lower().split()):
        return True
    return class_attr is not None and FURNITURE_CLASS.search(class_attr) is not None


def _main_element(root: etree._Element | None) -> etree._Element | None:
    """The page's main content, when it says which: ``<main>`` or ``role=main``, else its one ``<article>``."""
    if root is None:
        return None
    for el in root.iter("main"):
        return el
    for el in root.iter():
        if isinstance(el.tag, str) and (el.get("role") or "").strip().lower() == "main":
            return el
    articles = list(root.iter("article"))
    return articles[0] if len(articles) == 1 else None


def _urls(text: str) -> list[tuple[int, int]]:
    if "://" not in text and "www." not in text:
        return []
    return [(m.start(), m.end()) for m in URL.finditer(text)]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _cut_long(heading_starts: list[int], edges: Sequence[int], length: int) -> list[int]:
    """Section starts: 0, each heading, and a cut at the first edge past every ``SECTION_CHARS``."""
    starts = [0]
    for bound in [*heading_starts, length]:
        while bound - starts[-1] > SECTION_CHARS:
            k = bisect.bisect_left(edges, starts[-1] + SECTION_CHARS)
            cut = edges[k] if k < len(edges) and edges[k] < bound else starts[-1] + SECTION_CHARS
            starts.append(cut)
        if bound > starts[-1] and bound < length:
            starts.append(bound)
    return starts
