"""Results of the paste form, kept for a while so a result page is a plain GET (Post/Redirect/Get).

The form's POST stores what the result page needs and answers ``303 See Other`` to
``/result/<id>``: switching the page's language, reloading or coming Back is then a GET of that
page, never a resubmission (issue 15).  What is kept is small and language-free: the marked
fragment, the ids of the terms in the order they appear, and the form's values; the labels,
cards and words of the page are filled in by whoever renders it, in the reader's language.

The store is bounded by count and by bytes and forgets the least recently used result first.
It lives in a private directory (``0700``) made when the app is built, which under ``tadoru
serve`` is in gunicorn's master before the workers fork: the redirect reaches whichever worker
is free first, so a result kept in one worker's memory would be missing half the time on a
two-core machine.  The directory is removed when the process that made it exits.  Ids are
``secrets.token_urlsafe`` (128 bits): a result is seen only by whoever holds its link.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

from tadoru.files import TEMP_SUFFIX, write_atomic

#: Results kept, and their total compressed size, before the least recently used are dropped.
MAX_RESULTS = 200
MAX_BYTES = 64 * 1024 * 1024
ID_BYTES = 16
_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
_SUFFIX = ".json.z"


def is_result_id(value: str) -> bool:
    """Whether ``value`` has the shape of an id this store hands out (anything else is a plain 404)."""
    return bool(_ID.match(value))


class ResultStore:
    """Results by unguessable id: a bounded, least-recently-used store shared by the workers of one service."""

    def __init__(self, directory: Path | None = None, *, max_results: int = MAX_RESULTS,
                 max_bytes: int = MAX_BYTES) -> None:
        self.max_results = max_results
        self.max_bytes = max_bytes
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="tadoru-results-"))  # 0700: this user only
            atexit.register(_remove, directory, os.getpid())
        self.directory = directory

    def put(self, record: dict[str, Any]) -> str | None:
        """Keep ``record`` (JSON-able); its id, or ``None`` when it alone is larger than the store."""
        data = zlib.compress(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 3)
        if len(data) > self.max_bytes:
            return None
        result_id = secrets.token_urlsafe(ID_BYTES)
        try:
            path = self.directory / (result_id + _SUFFIX)
            write_atomic(path, data)
            _touch(path)
        except OSError:
            return None  # a full or vanished temporary directory: the caller shows the result at once
        self._prune(keep=result_id)
        return result_id

    def get(self, result_id: str) -> dict[str, Any] | None:
        """The record kept under ``result_id``, or ``None`` (never stored, or forgotten since)."""
        if not is_result_id(result_id):
            return None
        path = self.directory / (result_id + _SUFFIX)
        try:
            data = path.read_bytes()
            _touch(path)  # recently used: forgotten last
            record = json.loads(zlib.decompress(data).decode("utf-8"))
        except (OSError, ValueError, zlib.error):
            return None
        return record if isinstance(record, dict) else None

    def _prune(self, keep: str) -> None:
        """Forget the least recently used results beyond the count and size caps."""
        entries: list[tuple[int, int, Path]] = []
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            path = self.directory / name
            try:
                stat = path.stat()
            except OSError:
                continue  # another worker removed it
            if name.endswith(TEMP_SUFFIX):
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, path))
        entries.sort(reverse=True)  # newest first
        count = total = 0
        for _mtime, size, path in entries:
            count += 1
            total += size
            if path.name == keep + _SUFFIX:
                continue
            if count > self.max_results or total > self.max_bytes:
                try:
                    path.unlink()
                except OSError:
                    pass


def _touch(path: Path) -> None:
    """Mark a result as used now, to the nanosecond (file systems stamp writes by the clock tick)."""
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def _remove(directory: Path, owner: int) -> None:
    """At exit, in the process that made the store only (forked workers inherit the hook)."""
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)
