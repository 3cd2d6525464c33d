"""The known-terms file: what a reader already knows, shared by the extension and the CLI.

Format (what the extension's options page exports)::

    {"format": "tadoru-known", "version": 1, "known": ["dataset", "gpu"]}

A plain JSON list of ids is accepted too, for people writing the file by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMAT = "tadoru-known"
VERSION = 1
MAX_BYTES = 1_000_000


class KnownFileError(ValueError):
    """The file is missing or not a known-terms list; the message names the file and why."""


def parse_known(data: Any) -> list[str]:
    """Ids from a decoded known-terms document; ``ValueError`` says what is wrong."""
    if isinstance(data, dict):
        if data.get("format", FORMAT) != FORMAT:
            raise ValueError(f"not a known-terms file (format is {data.get('format')!r}, expected {FORMAT!r})")
        version = data.get("version", VERSION)
        if not isinstance(version, int) or version > VERSION:
            raise ValueError(f"unsupported version {version!r} (this Tadoru reads version {VERSION})")
        data = data.get("known")
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise ValueError('expected {"known": [term ids...]} or a list of term ids')
    seen: dict[str, None] = {}
    for item in data:
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)


def known_document(ids: list[str]) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "known": sorted(set(ids))}


def read_known_file(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KnownFileError(f"{path}: cannot read known-terms file ({exc.strerror or exc})") from None
    if len(raw) > MAX_BYTES:
        raise KnownFileError(f"{path}: known-terms file is larger than {MAX_BYTES} bytes")
    try:
        return parse_known(json.loads(raw.decode("utf-8-sig")))
    except UnicodeDecodeError:
        raise KnownFileError(f"{path}: known-terms file is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise KnownFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:
        raise KnownFileError(f"{path}: {exc}") from None
