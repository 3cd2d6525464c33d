"""Bytes to text: the one decoder for every charset clue a saved page or upload carries.

Saved Japanese pages are often Shift_JIS, EUC-JP or ISO-2022-JP, so bytes are never assumed to
be UTF-8: the BOM decides first, then a declared charset, then detection.
"""

from __future__ import annotations

import re

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.IGNORECASE)
#: ISO-2022-JP switches character sets with these escape sequences.
_ISO2022_JP_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b$(D")
_CHARSET_ALIASES = {"x-sjis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis", "windows-31j": "cp932",
                    "x-euc-jp": "euc_jp", "euc-jp": "euc_jp"}


class SourceError(ValueError):
    """A file that cannot be read as text; the message names the file and the reason."""


def canonical_charset(name: str) -> str | None:
    """A Python codec name for a declared charset (``Shift_JIS`` → ``cp932``), or ``None``."""
    import codecs

    declared = name.strip().strip("\"'").lower()
    declared = _CHARSET_ALIASES.get(declared, declared)
    if declared in ("shift_jis", "cp932", "ms_kanji", "ms932"):
        return "cp932"  # the superset browsers use for Shift_JIS pages
    try:
        return codecs.lookup(declared).name
    except LookupError:
        return None


def _declared_codecs(raw: bytes, *, html: bool, declared: str | None) -> list[str]:
    """Codecs the bytes claim, in the order a browser trusts them."""
    names: list[str] = []
    if declared:
        names.append(declared)  # from outside the bytes: an MHTML part's Content-Type
    m = _XML_ENCODING.match(raw[:1024])
    if m:
        names.append(m.group(1).decode("ascii", "ignore"))
    if html:
        m = _META_CHARSET.search(raw[:4096])
        if m:
            names.append(m.group(1).decode("ascii", "ignore"))
    codecs_ = [c for c in map(canonical_charset, names) if c]
    # A UTF-16 declaration on bytes without a BOM is almost always a lie (the page was re-saved).
    return [c for c in codecs_ if not c.startswith("utf_16")]


def decode_bytes(raw: bytes, *, html: bool, declared: str | None = None) -> tuple[str, str]:
    """Text and the encoding it was read with, using every clue a browser would use.

    The BOM decides first, then a declared charset (``declared`` from outside the bytes, an XML
    declaration, ``<meta charset>``), then ISO-2022-JP's escape sequences (the encoding is 7-bit,
    so it would otherwise pass for UTF-8), then UTF-8, then detection.  A wrong declaration is
    common, so one that fails to decode falls through to the next clue.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(encoding, errors="replace"), encoding
    candidates = _declared_codecs(raw, html=html, declared=declared)
    head = raw[:65536]
    if head.isascii() and any(esc in head for esc in _ISO2022_JP_ESCAPES):
        candidates.append("iso2022_jp")
    candidates.append("utf-8")
    for codec in candidates:
        try:
            return raw.decode(codec), codec
        except (LookupError, UnicodeDecodeError):
            continue
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
