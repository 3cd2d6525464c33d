"""One saved page from disk, as text ready to annotate, or a named reason why not.

Readers keep pages in whatever shape their browser saved them: HTML in any encoding (Japanese
pages in Shift_JIS and EUC-JP are common), Chromium's single-file ``.mhtml``, or notes in
``.txt``/``.md``.  This module reads one file, applies the batch's hard limits and returns a
``PageInput``; every refusal is a ``PageError`` whose ``reason`` is one of ``REASONS``, so the
batch summary can say exactly what happened to each file without a traceback.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import unquote, urljoin, urlsplit

from tadoru.pages.mhtml import MHTML_SUFFIXES, MhtmlDocument, MhtmlError, parse_mhtml
from tadoru.text.decoding import (
    HTML_SUFFIXES,
    TEXT_SUFFIXES,
    SourceError,
    decode_bytes,
    looks_binary,
)

#: Pages (HTML or text) larger than this are refused: no article is 20 MB of text, and one huge
#: file must not stall a batch or exhaust a worker's memory.
MAX_PAGE_BYTES = 20 * 1024 * 1024
#: An MHTML archive also carries its images, so the archive may be larger; its page part is
#: still held to ``MAX_PAGE_BYTES``.
MAX_ARCHIVE_BYTES = 100 * 1024 * 1024
#: Bytes examined for the binary-file test.
_SNIFF_BYTES = 65536

PAGE_SUFFIXES = HTML_SUFFIXES + (".shtml",) + MHTML_SUFFIXES + TEXT_SUFFIXES

#: Every reason a page can fail, with the wording the summary uses.
REASONS = {
    "unreadable": "cannot be read",
    "bad-name": "its file name is not UTF-8 text",
    "binary": "binary data, not a page",
    "empty": "nothing to read in it",
    "oversized": "too large",
    "too-deep": "pathologically nested",
    "unparsable": "cannot be parsed",
    "undecodable": "unknown text encoding",
    "unsupported": "not a page type Tadoru reads",
    "server": "the Tadoru service failed",
    "unwritable": "its output cannot be written",
    "unsafe-markup": "its markup would not come out inert",
    "outside-input": "a symbolic link out of its folder",
    "malformed-record": "a corpus line or row that is not a record {id, text|html, url?, lang?}",
    "encrypted": "protected by a password",
    "error": "unexpected error",
}

#: lxml refuses a str that still carries an XML encoding declaration (the bytes are decoded
#: already), so an XHTML page's ``<?xml … encoding="EUC-JP"?>`` is dropped after decoding.
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)


class PageError(Exception):
    """A page that cannot be annotated: ``reason`` (a key of ``REASONS``) and a message."""

    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS, reason
        super().__init__(message)
        self.reason = reason
        self.message = message


class Resources(Protocol):
    """Where a page's images and stylesheets can be found while writing the offline copy."""

    base_url: str

    def fetch(self, url: str, max_bytes: int = ...) -> tuple[str, bytes] | None:
        """``(content type, bytes)`` for an absolute URL, or ``None`` when not available or
        larger than ``max_bytes`` (checked before anything is read or decoded)."""


@dataclass(slots=True)
class PageInput:
    path: Path
    kind: str  # "html" or "text"
    text: str
    encoding: str
    sha256: str
    title: str | None = None
    source_url: str | None = None
    resources: Resources | None = None


def page_kind(path: Path) -> str | None:
    """``"html"``, ``"mhtml"``, ``"text"`` from the file name, or ``None`` for other files."""
    suffix = path.suffix.lower()
    if suffix in MHTML_SUFFIXES:
        return "mhtml"
    if suffix in HTML_SUFFIXES or suffix == ".shtml":
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    return None


@dataclass(frozen=True, slots=True)
class PageLimits:
    """The hard limits of one read; each surface passes its own (the service's body cap is lower)."""

    page_bytes: int = MAX_PAGE_BYTES
    archive_bytes: int = MAX_ARCHIVE_BYTES

    def cap(self, kind: str | None) -> int:
        return self.archive_bytes if kind == "mhtml" else self.page_bytes


DEFAULT_LIMITS = PageLimits()


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, else ``PageError("unreadable")``.

    A pipe, socket or device named ``page.html`` in an input folder would block a plain
    ``open()``/``read()`` forever (a batch hung on a FIFO).  The file is opened without
    blocking and checked through its descriptor, so it cannot be swapped between check and read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PageError("unreadable", "not a regular file (a folder, pipe, socket or device)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_raw(path: Path, limits: PageLimits = DEFAULT_LIMITS) -> bytes:
    """The file's bytes within the size cap, or ``PageError`` (unreadable, oversized, empty)."""
    cap = limits.cap(page_kind(path))
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > cap:
                raise PageError("oversized", f"{_mib(size)} is over the {_mib(cap)} limit")
            raw = handle.read(cap + 1)
    except PageError:
        raise
    except FileNotFoundError:
        raise PageError("unreadable", "no such file") from None
    except OSError as exc:
        raise PageError("unreadable", exc.strerror or str(exc)) from None
    return raw


def read_page(path: Path, raw: bytes | None = None, *, resource_root: Path | None = None,
              limits: PageLimits = DEFAULT_LIMITS, kind: str | None = None, sniff: bool = False) -> PageInput:
    """Read and decode one page: the one reader behind ``annotate --json``, the web upload and batch.

    ``raw`` when the caller already has the bytes (an upload, standard input); ``kind`` forces
    ``"html"``/``"mhtml"``/``"text"``; otherwise the file name decides, and with ``sniff`` a name
    Tadoru does not know is read as HTML when it starts with ``<`` and as text otherwise (single
    files named by a person; a batch refuses them as unsupported).
    """
    kind = kind or page_kind(path)
    if kind is None and raw is None and sniff:
        raw = read_raw(path, limits)
    if kind is None and sniff and raw is not None:
        head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        kind = "mhtml" if head[:13].lower() in (b"mime-version:", b"from: <saved ") else ("html" if head[:1] == b"<" else "text")
    if kind is None:
        raise PageError("unsupported", f"'{path.suffix or path.name}' files are not pages "
                        f"(Tadoru reads {', '.join(PAGE_SUFFIXES)})")
    if raw is None:
        raw = read_raw(path, limits)
    cap = limits.cap(kind)
    if len(raw) > cap:
        raise PageError("oversized", f"more than the {_mib(cap)} limit")
    if not raw.strip():
        raise PageError("empty", "the file is empty" if not raw else "the file holds only white space")
    digest = hashlib.sha256(raw).hexdigest()
    if kind == "mhtml":
        return _read_mhtml(path, raw, digest, limits)
    _refuse_binary(raw)
    try:
        text, encoding = decode_bytes(raw, html=kind == "html")
    except SourceError as exc:
        raise PageError("undecodable", str(exc)) from None
    if not text.strip():
        raise PageError("empty", "the file holds only white space")
    if kind == "text":
        return PageInput(path, "text", text, encoding, digest, title=None)
    text = _XML_DECLARATION.sub("", text, count=1)
    saved = _SAVED_FROM.search(text[:2048])
    folder = resource_root if resource_root is not None else path.parent
    return PageInput(path, "html", text, encoding, digest, source_url=saved.group(1) if saved else None,
                     resources=LocalResources(path, folder))


def _read_mhtml(path: Path, raw: bytes, digest: str, limits: PageLimits) -> PageInput:
    if looks_binary(raw[:1024]):
        raise PageError("binary", "binary data where an MHTML archive's headers should be")
    try:
        archive = parse_mhtml(raw)
    except MhtmlError as exc:
        raise PageError("unparsable", str(exc)) from None
    if len(archive.html) > limits.page_bytes:
        raise PageError("oversized", f"the archive's page is {_mib(len(archive.html))}, "
                        f"over the {_mib(limits.page_bytes)} limit")
    _refuse_binary(archive.html)
    try:
        text, encoding = decode_bytes(archive.html, html=True, declared=archive.charset)
    except SourceError as exc:
        raise PageError("undecodable", str(exc)) from None
    if not text.strip():
        raise PageError("empty", "the archive's page is empty")
    text = _XML_DECLARATION.sub("", text, count=1)
    return PageInput(path, "html", text, encoding, digest, title=archive.subject, source_url=archive.location,
                     resources=MhtmlResources(archive))


def _refuse_binary(raw: bytes) -> None:
    """NUL bytes, or many control bytes, mean an image or archive renamed, not a page."""
    head = raw[:_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text is full of NULs
    if looks_binary(raw[:1024]) or b"\x00" in head:
        raise PageError("binary", "NUL bytes: this is binary data (an image or archive?), not text")
    controls = sum(head.count(bytes([b])) for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B))
    if controls > max(8, len(head) // 50):
        raise PageError("binary", f"{controls} control bytes in the first {len(head)} bytes: binary data, not text")


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size % (1024 * 1024) else f"{size // (1024 * 1024)} MiB"


# --------------------------------------------------------------------------- resources

#: One inlined image or stylesheet may not exceed this; the page's total is capped too.
MAX_RESOURCE_BYTES = 5 * 1024 * 1024
_RESOURCE_TYPES = ("image/", "text/css", "font/", "application/font", "application/x-font", "application/vnd.ms-fontobject")


class MhtmlResources:
    """The other parts of an MHTML archive, by URL."""

    def __init__(self, archive: MhtmlDocument) -> None:
        self.archive = archive
        self.base_url = archive.location or ""

    def fetch(self, url: str, max_bytes: int = MAX_RESOURCE_BYTES) -> tuple[str, bytes] | None:
        found = self.archive.resource(url, min(max_bytes, MAX_RESOURCE_BYTES))
        if found is None or not found[0].startswith(_RESOURCE_TYPES):
            return None
        return found


class LocalResources:
    """Files next to a saved page ("Webpage, Complete" keeps them in ``<name>_files/``).

    Only files inside ``folder`` are read, so a page cannot pull arbitrary files of the
    reader's disk into its annotated copy.
    """

    def __init__(self, page: Path, folder: Path) -> None:
        self.base_url = page.resolve().as_uri()
        self.folder = folder.resolve()

    def fetch(self, url: str, max_bytes: int = MAX_RESOURCE_BYTES) -> tuple[str, bytes] | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        try:
            target = Path(unquote(parts.path)).resolve()
            content_type = mimetypes.guess_type(target.name)[0] or ""
            if not target.is_relative_to(self.folder) or not content_type.startswith(_RESOURCE_TYPES):
                return None
            with open_regular(target) as handle:
                limit = min(max_bytes, MAX_RESOURCE_BYTES)
                if os.fstat(handle.fileno()).st_size > limit:
                    return None
                data = handle.read(limit + 1)
            return (content_type, data) if len(data) <= limit else None
        except (OSError, ValueError, PageError):
            return None


def resolve_url(base: str, value: str) -> str:
    """``value`` made absolute against ``base`` (an empty base leaves it as it is)."""
    value = value.strip()
    return urljoin(base, value) if base else value


