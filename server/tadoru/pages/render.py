"""The annotated copy of a page: one self-contained, inert HTML file that works from disk.

The page keeps its own markup and styles, gains ``<tadoru-term>`` marks (docs/ARCHITECTURE.md, "Markup"), and carries
everything its tooltips need inline: the shared tooltip script and stylesheet (one copy in the
source tree, ``tadoru.paths.tooltip_asset``) and the term cards as JSON data.  Nothing of the
page's own can run: its scripts and handlers are removed (``page_sanitize``) and a
Content-Security-Policy admits only Tadoru's two scripts, by hash.  The cards are written into
``<script type="application/json">`` with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, so no
definition or label can ever close the element and become markup.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import lxml.html
from lxml import etree

from tadoru.pages.as_parsed import OwnParts, inert_as_parsed
from tadoru.pages.mark import mark_page, render_text_fragment, xml_safe
from tadoru.pages.offline import strip_remote
from tadoru.pages.resources import inline_resources
from tadoru.pages.sanitize import make_inert
from tadoru.paths import tooltip_asset
from tadoru.text.visible import VisibleText, parse_html
from tadoru.version import __version__

if TYPE_CHECKING:
    from tadoru.annotate import Annotation
    from tadoru.discover import Candidate
    from tadoru.pages.reader import Resources

DATA_ID = "tadoru-data"
KNOWN_STORAGE_KEY = "tadoru-known"

#: The only code an annotated page runs besides tooltip.js.  It reads the embedded cards,
#: attaches the shared tooltip, keeps "I know this" in localStorage (shared by every page opened
#: from disk, so a term known on one page stops being marked on the others), and opens the term
#: named in ``#tadoru=ID`` (the study plan links there).
BOOTSTRAP_JS = """(function () {
  "use strict";
  // The data is two elements before this script (data, tooltip.js, this): a place the page cannot
  // name, where an id could be (issue 18 #8).  tadoru.pages.as_parsed checks they are last in <body>.
  var self = document.currentScript;
  var node = self && self.previousElementSibling && self.previousElementSibling.previousElementSibling;
  if (!node || node.id !== "__DATA_ID__" || node.type !== "application/json" ||
      typeof TadoruTooltip === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var cards = data.cards || {};
  var KEY = "__KNOWN_KEY__";
  function readKnown() {
    try {
      var list = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) { return []; }
  }
  function unmark(id) {
    var marks = document.querySelectorAll("tadoru-term[data-term]");
    for (var i = 0; i < marks.length; i++) {
      if (marks[i].getAttribute("data-term") === id) { marks[i].replaceWith(marks[i].textContent); }
    }
  }
  readKnown().forEach(unmark);
  if (TadoruTooltip.tint) {
    TadoruTooltip.tint(document, function (id) {
      return Object.prototype.hasOwnProperty.call(cards, id) ? cards[id].level : null;
    });
  }
  TadoruTooltip.attach({
    root: document,
    lang: data.lang,
    cssText: data.css,
    getCard: function (id) {
      return Promise.resolve(Object.prototype.hasOwnProperty.call(cards, id) ? cards[id] : null);
    },
    termPageUrl: function () { return null; },
    onKnown: function (id) {
      var known = readKnown();
      if (known.indexOf(id) < 0) { known.push(id); }
      try { window.localStorage.setItem(KEY, JSON.stringify(known)); } catch (e) { /* storage off */ }
      unmark(id);
      return Promise.resolve();
    }
  });
  function openFromHash() {
    var match = /^#tadoru=([A-Za-z0-9._-]+)$/.exec(window.location.hash);
    if (!match) { return; }
    var first = document.querySelector('tadoru-term[data-term="' + match[1] + '"]');
    if (first) { first.scrollIntoView({ block: "center" }); first.focus(); }
  }
  openFromHash();
  window.addEventListener("hashchange", openFromHash);
})();
""".replace("__DATA_ID__", DATA_ID).replace("__KNOWN_KEY__", KNOWN_STORAGE_KEY)

TEXT_PAGE_CSS = """:root{color-scheme:light dark}
body{margin:0;font:16px/1.8 system-ui,-apple-system,"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",sans-serif}
main.tadoru-text{max-width:46rem;margin:0 auto;padding:2rem 1.25rem;white-space:pre-wrap;overflow-wrap:anywhere}
"""

PDF_PAGE_CSS = """:root{color-scheme:light dark}
body{margin:0;font:16px/1.8 system-ui,-apple-system,"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",sans-serif}
main.tadoru-pdf{max-width:46rem;margin:0 auto;padding:2rem 1.25rem;overflow-wrap:anywhere}
main.tadoru-pdf h1{font-size:1.4rem;line-height:1.4}
p.tadoru-page{margin:2.5rem 0 1rem;color:#777;font-size:.85rem;text-align:center;border-top:1px solid #8884}
"""


@dataclass(frozen=True, slots=True)
class TooltipKit:
    """What every annotated page embeds: scripts, stylesheet and the policy admitting them."""

    script: str
    css: str
    bootstrap: str
    csp: str  #: admits remote images, styles, fonts and media (the copy may load what was not saved)
    csp_offline: str  #: admits ``data:`` alone: the copy fetches nothing (``tadoru.pages.offline``)

    def policy(self, offline: bool) -> str:
        return self.csp_offline if offline else self.csp


def script_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


@lru_cache(maxsize=1)
def tooltip_kit() -> TooltipKit:
    """Read the shared tooltip files once per process."""
    script = _raw_text_safe(tooltip_asset("tooltip.js").read_text(encoding="utf-8"))
    css = tooltip_asset("tooltip.css").read_text(encoding="utf-8")
    bootstrap = BOOTSTRAP_JS

    def policy(sources: str) -> str:
        return "; ".join([
            "default-src 'none'",
            f"script-src {script_hash(script)} {script_hash(bootstrap)}",
            f"style-src 'unsafe-inline' {sources}",
            f"img-src {sources}",
            f"font-src {sources}",
            f"media-src {sources}",
            "base-uri 'none'",
            "form-action 'none'",
        ])

    return TooltipKit(script, css, bootstrap, policy("data: http: https:"), policy("data:"))


def kit_fingerprint() -> str:
    """Changes whenever the embedded tooltip files change (their outputs are then stale)."""
    kit = tooltip_kit()
    return hashlib.sha256(f"{kit.script}\0{kit.css}\0{kit.bootstrap}".encode()).hexdigest()


def script_json(data: Any) -> str:
    """JSON that is safe as the text of a ``<script>`` element, whatever strings it holds."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _raw_text_safe(source: str) -> str:
    """A script's text that cannot end its ``<script>`` element early."""
    return source.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT").replace("<!--", "<\\!--")


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True, slots=True)
class RenderedPage:
    html: str
    remote_dropped: int = 0  #: references an offline copy dropped (not saved with the page)


def render_html_page(page: VisibleText, annotations: Sequence[Annotation], *, cards: Mapping[str, Any],
                     lang: str, title: str | None = None, resources: Resources | None = None,
                     offline: bool = True, candidates: Sequence[Candidate] = ()) -> RenderedPage:
    """The annotated, inert, self-contained copy of an HTML page (``page`` is modified).

    ``offline`` (the default) drops what was not saved with the page, so opening the copy
    fetches nothing; otherwise such images and styles load from their servers.
    """
    root = page.root
    dropped = 0
    if root is None:
        root = parse_html("<html><body></body></html>")
        assert root is not None
    else:
        mark_page(page, annotations, candidates)
        if resources is not None:
            inline_resources(root, resources)
        make_inert(root)
        if offline:
            dropped = strip_remote(root)
    return RenderedPage(finish_document(root, cards=cards, lang=lang, title=title, offline=offline), dropped)


def render_text_page(text: str, annotations: Sequence[Annotation], *, cards: Mapping[str, Any], lang: str,
                     title: str, candidates: Sequence[Candidate] = ()) -> str:
    """A text or Markdown file as an annotated HTML page (its text escaped, line breaks kept)."""
    skeleton = (f"<html lang=\"{html_lib.escape(lang)}\"><head><title>{html_lib.escape(title)}</title>"
                f"<style>{TEXT_PAGE_CSS}</style></head><body><main class=\"tadoru-text\">"
                f"{render_text_fragment(text, annotations, candidates)}</main></body></html>")
    root = lxml.html.document_fromstring(skeleton, parser=lxml.html.HTMLParser(huge_tree=True, remove_comments=False))
    return finish_document(root, cards=cards, lang=lang, title=title)


def render_pdf_page(text: str, annotations: Sequence[Annotation], page_starts: Sequence[int], *,
                    cards: Mapping[str, Any], lang: str, title: str, page_label: str = "Page {page}",
                    candidates: Sequence[Candidate] = ()) -> str:
    """A PDF's text as a readable annotated page: its paragraphs reflowed, with page markers.

    The extracted text separates paragraphs (and pages) with a blank line and no term spans one,
    so each paragraph is rendered with its own annotations; a marker (``id="page-N"``) stands
    before the paragraph where page N begins, so the copy can be read beside the PDF.
    """
    marks = {start: number for number, start in enumerate(page_starts, start=1) if start < len(text)}
    parts: list[str] = []
    k = c = 0
    pos = 0
    for paragraph in text.split("\n\n"):
        start, end = pos, pos + len(paragraph)
        pos = end + 2
        for offset in sorted(o for o in marks if o <= start):
            number = marks.pop(offset)
            label = html_lib.escape(page_label.format(page=number))
            parts.append(f'<p class="tadoru-page" id="page-{number}" role="separator">{label}</p>')
        own: list[Annotation] = []
        while k < len(annotations) and annotations[k].start < end:
            a = annotations[k]
            own.append(type(a)(a.start - start, a.end - start, a.surface, a.term))
            k += 1
        own_candidates: list[Candidate] = []
        while c < len(candidates) and candidates[c].start < end:
            own_candidates.append(replace(candidates[c], start=candidates[c].start - start, end=candidates[c].end - start))
            c += 1
        if paragraph.strip():
            parts.append(f"<p>{render_text_fragment(paragraph, own, own_candidates)}</p>")
    skeleton = (f"<html lang=\"{html_lib.escape(lang)}\"><head><title>{html_lib.escape(title)}</title>"
                f"<style>{PDF_PAGE_CSS}</style></head><body><main class=\"tadoru-pdf\">"
                f"<h1>{html_lib.escape(title)}</h1>{''.join(parts)}</main></body></html>")
    root = lxml.html.document_fromstring(skeleton, parser=lxml.html.HTMLParser(huge_tree=True, remove_comments=False))
    return finish_document(root, cards=cards, lang=lang, title=title)


def finish_document(root: etree._Element, *, cards: Mapping[str, Any], lang: str, title: str | None,
                    offline: bool = True) -> str:
    """Add the charset, the policy, the mark style, the cards and the tooltip; serialise."""
    kit = tooltip_kit()
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    if root.get("lang") is None and root.get("xml:lang") is None:
        root.set("lang", lang)
    first = [
        _element("meta", charset="utf-8"),
        _element("meta", **{"http-equiv": "Content-Security-Policy", "content": kit.policy(offline)}),
        _element("meta", name="generator", content=f"Tadoru {__version__}"),
    ]
    for index, element in enumerate(first):
        head.insert(index, element)
    if title and head.find("title") is None:
        head.append(_element("title", text=title))
    # tooltip.css also styles the marks in the page (its last block), as on the service's pages.
    head.append(_element("style", id="tadoru-style", text=kit.css.replace("</", "<\\/")))
    body = root.find("body")
    container = body if body is not None else root
    data = script_json({"version": 1, "lang": lang, "css": kit.css, "cards": dict(cards)})
    scripts = [_element("script", type="application/json", id=DATA_ID, text=data),
               _element("script", id="tadoru-tooltip-script", text=kit.script),
               _element("script", id="tadoru-bootstrap", text=kit.bootstrap)]
    container.extend(scripts)
    html = "<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="unicode", method="html") + "\n"
    # lxml's parser is not the browser's: check (and if need be clean) what the browser will see.
    own = OwnParts(scripts=tuple(script.text or "" for script in scripts), policy=kit.policy(offline))
    html, _removed = inert_as_parsed(html, own)
    return html


def _element(tag: str, *, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.Element(tag)
    for key, value in attributes.items():
        element.set(key, xml_safe(value))
    if text is not None:
        element.text = xml_safe(text)  # a title may come from a file name or an <h1> holding U+0007
    return element
