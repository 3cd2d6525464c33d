"""Inlining a saved page's images and stylesheets so its annotated copy opens offline.

An MHTML archive carries its images and stylesheets as parts; a "Webpage, Complete" save keeps
them in a ``<name>_files/`` folder beside the page.  The annotated copy lives elsewhere (the
``--out`` folder), so every resource that can be found is embedded as a ``data:`` URL and every
linked stylesheet becomes a ``<style>``.  What cannot be found is left as it was (a remote URL
then loads when the reader is online) unless the copy is offline-strict
(``tadoru.pages.offline``), which drops it.

The work is bounded by what it writes (issue 18 #7: one 4.5 MiB image referenced 2,000 times
took 50 s, decoded once per reference): each resource is read or decoded once, every use of it
is charged to the page's budget *before* anything is read, and inlining stops at a deadline.
"""

from __future__ import annotations

import base64
import re
import time

from lxml import etree

from tadoru.pages.reader import Resources, resolve_url

#: All inlined resources of one page together may not write more than this into the copy.
MAX_INLINED_BYTES = 25 * 1024 * 1024
#: Seconds one page may spend inlining; what is left then stays as it was (or is dropped offline).
MAX_INLINE_SECONDS = 10.0
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(['"]?)([^'")\s;]+)\1\s*\)?\s*([^;]*);""", re.IGNORECASE)
_MAX_IMPORT_DEPTH = 3


class _Budget:
    """What one page may still write into its copy, and until when."""

    def __init__(self) -> None:
        self.left = MAX_INLINED_BYTES
        self.deadline = time.monotonic() + MAX_INLINE_SECONDS

    def fetchable(self) -> int:
        """The largest resource worth reading now (its data: URL is 4/3 its size); 0 past the deadline."""
        if time.monotonic() > self.deadline:
            return 0
        return self.left * 3 // 4

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
        """The ``data:`` URL for ``url``, charged to the budget each time it is written."""
        if url.startswith(("data:", "#")) or not url.strip():
            return None
        absolute = resolve_url(self.resources.base_url if base is None else base, url).partition("#")[0]
        if absolute not in self.cache:
            found = self.resources.fetch(absolute, self.budget.fetchable())
            result = None
            if found is not None and found[0] != "text/css":
                result = f"data:{found[0]};base64,{base64.b64encode(found[1]).decode('ascii')}"
            self.cache[absolute] = result
        result = self.cache[absolute]
        if result is None or not self.budget.take(len(result)):
            return None
        self.count += 1
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
            for url, descriptor in split_srcset(srcset):
                found = url if url.lower().startswith("data:") else self.data_url(url)
                complete = complete and found is not None
                pieces.append((found or url) + (" " + descriptor if descriptor else ""))
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
        found = self.resources.fetch(absolute, self.budget.fetchable())
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
            text = CSS_IMPORT.sub(imported, text)
        return CSS_URL.sub(url, text)


def split_srcset(srcset: str) -> list[tuple[str, str]]:
    """``a.png 1x, b.png 2x`` → ``[("a.png", "1x"), ("b.png", "2x")]``.

    As the HTML standard parses it: a URL is a run of non-space characters (so a ``data:`` URL
    keeps its commas; trailing commas end the candidate), then descriptors up to the next comma.
    """
    candidates: list[tuple[str, str]] = []
    pos, end = 0, len(srcset)
    while pos < end:
        while pos < end and (srcset[pos].isspace() or srcset[pos] == ","):
            pos += 1
        start = pos
        while pos < end and not srcset[pos].isspace():
            pos += 1
        url = srcset[start:pos]
        if not url:
            break
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = srcset.find(",", pos)
            stop = end if comma < 0 else comma
            descriptor, pos = srcset[pos:stop].strip(), stop
        if url:
            candidates.append((url, descriptor))
    return candidates


def _decode_css(data: bytes) -> str:
    match = re.match(rb'@charset\s+"([^"]+)"\s*;', data)
    encoding = match.group(1).decode("ascii", "ignore") if match else "utf-8"
    try:
        return data.decode(encoding.removeprefix("\ufeff"), errors="replace").lstrip("\ufeff")
    except LookupError:
        return data.decode("utf-8", errors="replace")
