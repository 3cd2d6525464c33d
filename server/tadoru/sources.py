"""Reading what people feed Tadoru: text files, saved pages, standard input.

Saved Japanese pages are often Shift_JIS or EUC-JP, so bytes are never assumed to be UTF-8:
the BOM decides first, then a declared ``<meta charset>``, then detection.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
MAX_SOURCE_BYTES = 50 * 1024 * 1024

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_CHARSET_ALIASES = {"x-sjis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis", "windows-31j": "cp932",
                    "x-euc-jp": "euc_jp", "euc-jp": "euc_jp"}


class SourceError(ValueError):
    """A file that cannot be read as text; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    text: str
    is_html: bool
    encoding: str


def decode_bytes(raw: bytes, *, html: bool) -> tuple[str, str]:
    """Text and the encoding it was read with."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(encoding, errors="replace"), encoding
    if html:
        m = _META_CHARSET.search(raw[:4096])
        if m:
            declared = m.group(1).decode("ascii", "ignore").lower()
            declared = _CHARSET_ALIASES.get(declared, declared)
            if declared in ("shift_jis", "cp932"):
                declared = "cp932"  # a superset browsers use for Shift_JIS pages
            try:
                return raw.decode(declared), declared
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration is common; fall through to detection
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=["cp932", "shift_jis", "euc_jp", "iso2022_jp", "utf_8", "cp1252", "latin_1"]).best()
    if best is None:
        raise SourceError("cannot tell the text encoding (binary file?)")
    return str(best), best.encoding


def looks_binary(raw: bytes) -> bool:
    """NUL bytes in the first KiB mean an image, archive or other binary, not text."""
    head = raw[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text has NULs
    return b"\x00" in head


def read_source(path: str, *, force_html: bool = False) -> Source:
    """Read one file (or ``-`` for standard input) as text, telling HTML by its extension."""
    if path == "-":
        raw = sys.stdin.buffer.read(MAX_SOURCE_BYTES + 1)
        name, is_html = "<stdin>", force_html
    else:
        p = Path(path)
        if p.is_dir():
            raise SourceError(f"{path}: is a folder (use --out DIR to annotate a folder)")
        try:
            size = p.stat().st_size
            if size > MAX_SOURCE_BYTES:
                raise SourceError(f"{path}: file is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB")
            raw = p.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"{path}: no such file") from None
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
        name, is_html = path, force_html or p.suffix.lower() in HTML_SUFFIXES
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceError(f"{name}: input is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB")
    if looks_binary(raw):
        raise SourceError(f"{name}: binary data, not text")
    try:
        text, encoding = decode_bytes(raw, html=is_html)
    except SourceError as exc:
        raise SourceError(f"{name}: {exc}") from None
    return Source(name, text, is_html, encoding)
