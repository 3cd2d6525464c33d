"""The compiled lexicon, kept on disk so a new process starts from it instead of rebuilding it.

Building an ``Annotator`` costs about a second before Sudachi: 0.8 s to load and validate the
YAML, 0.2 s to compile the automaton.  A corpus run starts that cost on every worker, and on a
cluster workers come and go (docs/ARCHITECTURE.md, "Corpus scale").  The result is a pickle of
the validated ``Lexicon`` and the automaton, keyed by everything it depends on: the content of
every lexicon file that would be read (``lexicon_fingerprint``), the code that compiles it, and
the library and Python versions.  A stale key is never read, so the cache needs no expiry.

A pickle runs code when loaded, so the cache is only read from a folder this user owns and
no one else can write to; anything else is ignored (and rebuilt in memory).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from tadoru import fastcore
from tadoru.files import write_atomic
from tadoru.lexicon.load import lexicon_fingerprint, load_lexicon
from tadoru.matcher import CompiledLexicon
from tadoru.version import __version__

ENV_CACHE_DIR = "TADORU_CACHE_DIR"
#: Sources whose code decides what the compiled lexicon holds.
_SOURCES = ("lexicon", "text/variants.py", "text/normalize.py", "matcher.py", "compiled_cache.py")


def default_cache_dir() -> Path:
    """``$TADORU_CACHE_DIR``, else ``$XDG_CACHE_HOME/tadoru``, else ``~/.cache/tadoru``."""
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tadoru"


def cache_key(extra: Iterable[str | os.PathLike[str]] = ()) -> str:
    """What the compiled lexicon of ``load_lexicon(extra)`` depends on, as one digest."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    # fastcore.tables_key(): an entry built without the compiled core's tables is not read by one that has it.
    for part in (__version__, sys.version, _version("pyahocorasick"), fastcore.tables_key(), lexicon_fingerprint(extra)):
        digest.update(part.encode("utf-8") + b"\n")
    for entry in _SOURCES:
        path = package / entry
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def load_compiled(extra: Iterable[str | os.PathLike[str]] = (), *,
                  cache_dir: Path | None = None) -> tuple[CompiledLexicon, bool]:
    """The compiled lexicon of ``load_lexicon(extra)``, and whether it came from the cache.

    Built and stored when the cache has no entry for its key (or cannot be used: the build
    then just happens in memory, as without a cache).
    """
    extra = list(extra)
    folder = cache_dir or default_cache_dir()
    path = folder / f"compiled-{cache_key(extra)}.pickle"
    cached = _read(path)
    if cached is not None:
        return cached, True
    compiled = CompiledLexicon(load_lexicon(extra))
    _write(folder, path, compiled)
    return compiled, False


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def _private_folder(folder: Path) -> bool:
    """Owned by this user and writable by no one else (a pickle from elsewhere could run code)."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read(path: Path) -> CompiledLexicon | None:
    if not _private_folder(path.parent):
        return None
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_uid != os.getuid():
                return None
            parts = pickle.load(handle)
        return CompiledLexicon.from_parts(*parts)
    except (OSError, EOFError, pickle.UnpicklingError, TypeError, ValueError, AttributeError, ImportError):
        return None  # absent, half-written by a killed process, or from another layout: rebuild


def _write(folder: Path, path: Path, compiled: CompiledLexicon) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private_folder(folder):
            return
        # Whole or absent: two workers building at once both succeed, a killed one leaves no half.
        write_atomic(path, pickle.dumps(compiled.parts(), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        return  # a read-only home or a full disk: the compiled lexicon still works, uncached
