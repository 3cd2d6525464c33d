"""Inlining a saved page's images and stylesheets so its annotated copy opens offline.

An MHTML archive carries its images and stylesheets as parts; a "Webpage, Complete" save keeps
them in a ``<name>_files/`` folder beside the page.  The annotated copy lives elsewhere (the
``--out`` folder), so every resource that can be found is embedded as a ``data:`` URL and every
linked stylesheet becomes a ``<style>``.  What cannot be found is left as it was: a remote URL
still loads when the reader is online.
"""

from __future__ import annotations

import base64
import re

from lxml import etree

from tadoru.pages.reader import Resources, resolve_url

#: All inlined resources of one page together may not exceed this.
MAX_INLINED_BYTES = 25 * 1024 * 1024
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(['"]?)([^'")\s;]+)\1\s*\)?\s*([^;]*);""", re.IGNORECASE)
_MAX_IMPORT_DEPTH = 3


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_INLINED_BYTES

    def take(self, size: int) -> bool:
        if size > self.left:
            return False
        self.left -= size
        return True


def inline_resources(root: etree._Element, resources: Resources) -> int:
    """Embed what ``resources`` can supply, in place; returns how many URLs were inlined."""
    inliner = _Inliner(resources)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "link":
            inliner.link(element)
        elif tag == "style" and element.text:
            element.text = inliner.css(element.text, resources.base_url, 0)
        if tag in ("img", "source", "input", "video", "audio", "track", "image", "use", "feimage"):
            inliner.media(element)
        style = element.get("style")
        if style and "url(" in style.lower():
            element.set("style", inliner.css(style, resources.base_url, _MAX_IMPORT_DEPTH))
    return inliner.count


class _Inliner:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.budget = _Budget()
        self.count = 0
        self.cache: dict[str, str | None] = {}

    def data_url(self, url: str, *, base: str | None = None) -> str | None:
        if url.startswith(("data:", "#")) or not url.strip():
            return None
        absolute = resolve_url(self.resources.base_url if base is None else base, url)
        if absolute in self.cache:
            return self.cache[absolute]
        found = self.resources.fetch(absolute)
        result = None
        if found is not None:
            content_type, data = found
            if content_type != "text/css" and self.budget.take(len(data)):
                result = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
                self.count += 1
        self.cache[absolute] = result
        return result

    def media(self, element: etree._Element) -> None:
        inlined_src = False
        for attribute in ("src", "poster", "href", "xlink:href"):
            value = element.get(attribute)
            if value:
                found = self.data_url(value)
                if found:
                    element.set(attribute, found)
                    inlined_src = inlined_src or attribute == "src"
        srcset = element.get("srcset")
        if srcset:
            pieces, complete = [], True
            for candidate in _split_srcset(srcset):
                url, _, descriptor = candidate.partition(" ")
                found = self.data_url(url)
                complete = complete and found is not None
                pieces.append((found or url) + (" " + descriptor.strip() if descriptor.strip() else ""))
            if complete:
                element.set("srcset", ", ".join(pieces))
            elif inlined_src or element.tag.lower() == "source":
                del element.attrib["srcset"]  # offline, the browser would pick a missing candidate

    def link(self, element: etree._Element) -> None:
        rels = set((element.get("rel") or "").lower().split())
        href = element.get("href")
        if not href:
            return
        if "stylesheet" in rels:
            absolute = resolve_url(self.resources.base_url, href)
            css = self.stylesheet(absolute, 0)
            if css is None:
                return
            style = etree.Element("style")
            if element.get("media"):
                style.set("media", element.get("media"))
            style.text = css
            style.tail = element.tail
            element.getparent().replace(element, style)
            self.count += 1
        elif "icon" in rels:
            found = self.data_url(href)
            if found:
                element.set("href", found)

    def stylesheet(self, absolute: str, depth: int) -> str | None:
        found = self.resources.fetch(absolute)
        if found is None or found[0] != "text/css" or not self.budget.take(len(found[1])):
            return None
        # Inside <style>, "</style" would end the element early: CSS reads "\/" as "/".
        return self.css(_decode_css(found[1]), absolute, depth).replace("</", "<\\/")

    def css(self, text: str, base: str, depth: int) -> str:
        def imported(match: re.Match[str]) -> str:
            if depth >= _MAX_IMPORT_DEPTH:
                return match.group(0)
            inner = self.stylesheet(resolve_url(base, match.group(2)), depth + 1)
            if inner is None:
                return match.group(0)
            media = match.group(3).strip()
            return f"@media {media} {{\n{inner}\n}}" if media else inner

        def url(match: re.Match[str]) -> str:
            found = self.data_url(match.group(2), base=base)
            return f'url("{found}")' if found else match.group(0)

        if "@import" in text.lower():
            text = _CSS_IMPORT.sub(imported, text)
        return _CSS_URL.sub(url, text)


def _split_srcset(srcset: str) -> list[str]:
    """``a.png 1x, b.png 2x`` → candidates (a commaed ``data:`` URL is kept whole)."""
    if "data:" in srcset:
        return [srcset.strip()]
    return [c.strip() for c in srcset.split(",") if c.strip()]


def _decode_css(data: bytes) -> str:
    match = re.match(rb'@charset\s+"([^"]+)"\s*;', data)
    encoding = match.group(1).decode("ascii", "ignore") if match else "utf-8"
    try:
        return data.decode(encoding.removeprefix("\ufeff"), errors="replace").lstrip("\ufeff")
    except LookupError:
        return data.decode("utf-8", errors="replace")
