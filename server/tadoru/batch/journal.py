"""What a batch remembers between runs, so an interrupted batch resumes where it stopped.

``DIR/.tadoru/pages.jsonl`` is a journal: one JSON line per finished page, appended as soon as
its outputs are in place (a run killed mid-line leaves one bad line, which is ignored).  A line
holds the page's *fingerprint* — a hash of the input's bytes, the lexicon, the code and tooltip
files that shape the output, and the options — plus the size and mtime of each output.  A page
is skipped when both still match; ``--force`` redoes everything.  At the end of a run the
journal is rewritten with one line per page.

Outputs themselves are written atomically (a temporary file beside the target, then
``os.replace``): an output file is either the old one or the new one, never half of either.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from tadoru.batch.inputs import STATE_DIR, BatchError
from tadoru.files import TEMP_SUFFIX, write_atomic
from tadoru.pages.reader import open_regular
from tadoru.version import __version__

JOURNAL_NAME = "pages.jsonl"
LOCK_NAME = "lock"
#: Modules whose code shapes a page's output: a change to any of them makes outputs stale.
#: What shapes an output page, as packages and modules of ``tadoru``: packages are walked, so a
#: module added, renamed or edited under them makes every output stale without editing this.
OUTPUT_SOURCES = ("text", "lexicon", "pages", "batch", "matcher.py", "annotate.py", "options.py")
#: Journals open in this process: a forked worker closes its copies, so the lock dies with the
#: main process even if a worker outlives it.
_OPEN: list[Journal] = []


# --------------------------------------------------------------------------- files


def remove_stale_temporaries(out_dir: Path) -> int:
    """Delete temporary files a killed run left behind; returns how many."""
    removed = 0
    for current, _dirs, files in os.walk(out_dir):
        for name in files:
            if name.endswith(TEMP_SUFFIX):
                try:
                    os.unlink(os.path.join(current, name))
                    removed += 1
                except OSError:
                    pass
    return removed


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (``PageError`` for a pipe or device: hashing one would block forever)."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- fingerprints


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def code_fingerprint(package: Path | None = None) -> str:
    """The package version, the output-shaping modules, the tooltip files and key libraries.

    ``package`` is the ``tadoru`` folder to hash (tests pass a copy).
    """
    from tadoru.pages.render import kit_fingerprint

    package = package or Path(__file__).resolve().parent.parent
    modules = []
    for entry in OUTPUT_SOURCES:
        path = package / entry
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for source in files:
            # A missing source is a packaging bug, not a reason to hash ``None`` and carry on.
            modules.append((source.relative_to(package).as_posix(), hashlib.sha256(source.read_bytes()).hexdigest()))
    libraries: list[tuple[str, str | None]] = []
    for dist in ("lxml", "sudachipy", "sudachidict-core", "spacy"):
        try:
            libraries.append((dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            libraries.append((dist, None))
    return _digest(__version__, modules, kit_fingerprint(), libraries)


def server_fingerprint(url: str, health: Mapping[str, Any], cards: Mapping[str, Any] | None) -> str:
    """What identifies a service's lexicon: its URL, version and lexicon summary, and its cards."""
    volatile = {"uptime", "uptime_s", "time", "now", "pid", "workers", "requests", "started", "started_at"}
    stable = {k: v for k, v in health.items() if k not in volatile}
    return _digest(url.rstrip("/"), stable, cards)


def page_fingerprint(input_sha256: str, engine: str, options: Mapping[str, Any], outputs: Mapping[str, str]) -> str:
    return _digest(input_sha256, engine, dict(options), dict(outputs))


# --------------------------------------------------------------------------- journal


class Journal:
    """The per-page journal in ``DIR/.tadoru`` and the lock that keeps two runs apart."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.state_dir = out_dir / STATE_DIR
        self.path = self.state_dir / JOURNAL_NAME
        self._lock: IO[str] | None = None
        self._handle: IO[str] | None = None

    def open(self) -> None:
        _OPEN.append(self)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.state_dir / LOCK_NAME, "w")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise BatchError(f"another 'tadoru annotate' is writing into {self.out_dir}; wait for it to finish") from None

    def close(self) -> None:
        if self in _OPEN:
            _OPEN.remove(self)
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def load(self) -> dict[str, dict[str, Any]]:
        """The last entry per input; unreadable lines (from a killed run) are skipped."""
        entries: dict[str, dict[str, Any]] = {}
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return entries
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("input"), str):
                entries[entry["input"]] = entry
        return entries

    def append(self, entry: Mapping[str, Any]) -> None:
        if self._handle is None:
            self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - appended to per page
        self._handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        self._handle.flush()

    def compact(self, entries: Mapping[str, Mapping[str, Any]]) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        lines = "".join(json.dumps(entries[k], ensure_ascii=False, sort_keys=True) + "\n" for k in sorted(entries))
        write_atomic(self.path, lines)


def outputs_intact(out_dir: Path, recorded: Mapping[str, Any]) -> bool:
    """True when every recorded output still has the size and mtime it was written with."""
    if not recorded:
        return False
    for rel, stamp in recorded.items():
        try:
            stat = (out_dir / rel).stat()
        except OSError:
            return False
        if not isinstance(stamp, list) or [stat.st_size, stat.st_mtime_ns] != stamp:
            return False
    return True


def _forget_in_child() -> None:
    """After ``fork``: drop the parent's journal and lock without flushing or unlocking them.

    Each descriptor is pointed at /dev/null rather than closed: the child must stop sharing the
    lock's open file (or the lock would outlive the parent), yet the file objects still close
    their descriptor when collected, and closing one twice raises ``EBADF`` (printed as a
    traceback under Python 3.13).
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for journal in _OPEN:
            for handle in (journal._handle, journal._lock):
                if handle is not None:
                    try:
                        os.dup2(devnull, handle.fileno())
                    except (OSError, ValueError):
                        pass
            journal._handle = journal._lock = None
        _OPEN.clear()
    finally:
        os.close(devnull)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
