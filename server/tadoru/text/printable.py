"""File names and other outside strings made safe to print on a terminal or write as UTF-8.

A name may hold terminal escape sequences (which could retitle or garble the reader's terminal)
or bytes that are not UTF-8 (a Shift_JIS name from an unzipped Windows archive reaches Python as
lone surrogates, which cannot be printed or encoded at all). Both are shown as visible escapes.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def printable(name: str) -> str:
    """``name`` with control characters and undecodable bytes written as ``\\xNN``/``\\uNNNN``."""
    return _UNSAFE.sub(_escape, name)


def is_text(name: str) -> bool:
    """False for a name holding bytes that were not UTF-8 (lone surrogates from the file system)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
