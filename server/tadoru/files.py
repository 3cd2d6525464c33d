"""Files written whole: a reader sees the old file or the new one, never half of either.

Batch outputs and their journal (``tadoru.batch.journal``) and the compiled-lexicon cache
(``tadoru.compiled_cache``) are written this way: a temporary file beside the target, then
``os.replace``.  A killed process leaves at most a temporary file, named with ``TEMP_SUFFIX`` so
it can be found and removed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tadoru-tmp"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Path, data: str | bytes) -> tuple[int, int]:
    """Write ``data`` to ``path`` all at once; returns the file's ``(size, mtime_ns)``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(temp, 0o666 & ~_UMASK)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns
