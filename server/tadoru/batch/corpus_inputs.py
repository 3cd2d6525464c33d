"""Corpora as inputs: JSON Lines and Parquet files of documents, read in chunks.

A corpus holds one document per line (``.jsonl``, ``.jsonl.gz``) or row (``.parquet``):
``{"id", "text" | "html", "url"?, "lang"?}``.  It is cut into chunks of a fixed number of
lines or rows, so a chunk is the same from run to run and can be skipped when its bytes, the
lexicon and the options are unchanged (docs/ARCHITECTURE.md, "Corpus scale").  The main process
only reads and hashes bytes; records are checked where they are annotated
(``tadoru.batch.corpus_worker``), so a malformed line costs the client nothing and is reported
with its line number or row.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tadoru.pages.reader import PageError, open_regular

CORPUS_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")
#: Documents per chunk: big enough that a task's overhead vanishes, small enough that a killed
#: worker loses little and progress moves (an abstract-sized chunk takes about a second).
DEFAULT_CHUNK_SIZE = 1000
#: One document's largest line or cell; a larger one is reported, not read.
MAX_RECORD_BYTES = 8 << 20
COLUMNS = ("id", "text", "html", "url", "lang")


def corpus_kind(path: Path) -> str | None:
    """``"jsonl"`` or ``"parquet"`` from the file name, else ``None``."""
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz")):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return None


@dataclass(frozen=True, slots=True)
class Chunk:
    """Lines ``first``… (1-based) of a JSON Lines file, or rows ``first``… (0-based) of a Parquet file.

    ``lines`` hold raw bytes (``None`` for a line over ``MAX_RECORD_BYTES``); ``rows`` hold
    column values.  ``digest`` identifies the content, for resuming.
    """

    source: str  # the corpus file, as the report names it
    index: int
    kind: str
    first: int
    digest: str
    lines: tuple[bytes | None, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    count: int = 0  # documents (non-blank lines or rows)

    @property
    def key(self) -> str:
        return f"{self.source}#{self.index}"


def read_chunks(path: Path, source: str, size: int = DEFAULT_CHUNK_SIZE) -> Iterator[Chunk]:
    """The chunks of one corpus file, in order; ``PageError`` if the file cannot be read at all."""
    kind = corpus_kind(path)
    if kind == "jsonl":
        yield from _jsonl_chunks(path, source, size)
    elif kind == "parquet":
        yield from _parquet_chunks(path, source, size)
    else:
        raise PageError("unsupported", f"not a corpus file ({', '.join(CORPUS_SUFFIXES)})")


# --------------------------------------------------------------------------- JSON Lines


def _jsonl_chunks(path: Path, source: str, size: int) -> Iterator[Chunk]:
    try:
        handle: Any = open_regular(path)
    except OSError as exc:
        raise PageError("unreadable", exc.strerror or str(exc)) from None
    with handle:
        if path.name.lower().endswith(".gz"):
            handle = gzip.GzipFile(fileobj=handle)
        index, first, lineno = 0, 1, 0
        lines: list[bytes | None] = []
        digest = hashlib.sha256()
        try:
            for line in _lines(handle):
                lineno += 1
                lines.append(line)
                digest.update(line if line is not None else b"\0oversized")
                digest.update(b"\n")
                if len(lines) == size:
                    yield _line_chunk(source, index, first, lines, digest)
                    index, first, lines, digest = index + 1, lineno + 1, [], hashlib.sha256()
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise PageError("unreadable", f"after line {lineno}: {exc}") from None
        if lines or index == 0:
            yield _line_chunk(source, index, first, lines, digest)


def _line_chunk(source: str, index: int, first: int, lines: list[bytes | None], digest: Any) -> Chunk:
    count = sum(1 for line in lines if line is None or line.strip())
    return Chunk(source, index, "jsonl", first, digest.hexdigest(), lines=tuple(lines), count=count)


def _lines(handle: Any) -> Iterator[bytes | None]:
    """Lines without their end, ``None`` for one over ``MAX_RECORD_BYTES`` (skipped, not held)."""
    while True:
        line = handle.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of it
                line = handle.readline(1 << 20)
            yield None
            continue
        yield line.rstrip(b"\r\n")


# --------------------------------------------------------------------------- Parquet


def _parquet_chunks(path: Path, source: str, size: int) -> Iterator[Chunk]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise PageError("unsupported", "reading Parquet needs pyarrow: pip install 'tadoru[dask]'") from None
    import pyarrow as pa

    try:
        parquet = pq.ParquetFile(open_regular(path))
    except (OSError, pa.ArrowException) as exc:
        raise PageError("unparsable", f"not a Parquet file: {exc}") from None
    with parquet:
        names = set(parquet.schema_arrow.names)
        if "text" not in names and "html" not in names:
            raise PageError("unparsable", "a corpus needs a 'text' or 'html' column (and 'id')")
        columns = [c for c in COLUMNS if c in names]
        index, first = 0, 0
        try:
            for batch in parquet.iter_batches(batch_size=size, columns=columns):
                rows = tuple(batch.to_pylist())
                digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False, default=str).encode("utf-8"))
                yield Chunk(source, index, "parquet", first, digest.hexdigest(), rows=rows, count=len(rows))
                index, first = index + 1, first + len(rows)
        except (OSError, pa.ArrowException) as exc:
            raise PageError("unparsable", f"from row {first}: {exc}") from None
        if index == 0:
            yield Chunk(source, 0, "parquet", 0, hashlib.sha256(b"").hexdigest())
