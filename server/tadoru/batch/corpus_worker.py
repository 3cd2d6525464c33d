"""One chunk of a corpus, start to finish, where the work runs (a worker process or a Dask worker).

It checks each record, annotates it with this process's engine (``tadoru.batch.worker``, built
once per process), and hands back the annotation rows as columns plus the chunk's statistics —
nothing is written here, so a chunk can run on any machine and run twice without harm (a Dask
worker that dies mid-chunk has its chunk rerun elsewhere).  Like ``process_page`` it never
raises for bad input: a malformed line becomes a failure with its line number or row.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from tadoru.batch.corpus_inputs import MAX_RECORD_BYTES, Chunk
from tadoru.batch.worker import current_engine
from tadoru.options import LANG_CHOICES
from tadoru.pages.reader import PageError

#: The columns of the annotation files, one row per highlighted term.
ROW_COLUMNS = ("id", "term", "start", "end", "exact", "lang")
#: Co-occurrence counts pairs of a document's distinct terms; past this many terms a document
#: (a whole wiki page, not an abstract) contributes pairs among its most used ones only.
MAX_PAIR_TERMS = 100
MAX_ID_CHARS = 1000


class RecordError(ValueError):
    """A line or row that is not a corpus record; the message says what is wrong with it."""


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    text: str | None
    html: str | None
    url: str | None
    lang: str | None


def parse_record(value: Any) -> Record:
    """``{"id", "text" | "html", "url"?, "lang"?}`` checked field by field."""
    if not isinstance(value, dict):
        raise RecordError(f"a record is a JSON object, not {_kind(value)}")
    raw_id = value.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        raise RecordError('"id" is missing (a string or an integer)' if raw_id is None
                          else f'"id" must be a string or an integer, not {_kind(raw_id)}')
    doc_id = str(raw_id)
    if not doc_id.strip() or len(doc_id) > MAX_ID_CHARS:
        raise RecordError(f'"id" must be 1–{MAX_ID_CHARS} characters')
    text, html = value.get("text"), value.get("html")
    if (text is None) == (html is None):
        raise RecordError('a record has exactly one of "text" and "html"' if text is not None
                          else 'no "text" or "html"')
    body = text if text is not None else html
    if not isinstance(body, str):
        raise RecordError(f'"{"text" if text is not None else "html"}" must be a string, not {_kind(body)}')
    url, lang = value.get("url"), value.get("lang")
    if url is not None and not isinstance(url, str):
        raise RecordError(f'"url" must be a string, not {_kind(url)}')
    if lang is not None and lang not in LANG_CHOICES:
        raise RecordError(f'"lang" must be one of {", ".join(LANG_CHOICES)} (got {str(lang)[:20]!r})')
    return Record(doc_id, text, html, url, lang)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _records(chunk: Chunk) -> list[tuple[int, Any]]:
    """``(line or row, value)`` per document; a value that cannot be parsed is a ``RecordError``."""
    out: list[tuple[int, Any]] = []
    if chunk.kind == "jsonl":
        for offset, line in enumerate(chunk.lines):
            where = chunk.first + offset
            if line is None:
                out.append((where, PageError("oversized", f"a line longer than {MAX_RECORD_BYTES >> 20} MiB")))
            elif line.strip():
                try:
                    out.append((where, json.loads(line)))
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    out.append((where, RecordError(f"not JSON: {exc}")))
    else:
        for offset, row in enumerate(chunk.rows):
            body = row.get("text") if row.get("text") is not None else row.get("html")
            if isinstance(body, str) and len(body) > MAX_RECORD_BYTES:
                out.append((chunk.first + offset, PageError("oversized", f"a cell longer than {MAX_RECORD_BYTES >> 20} MiB")))
            else:
                out.append((chunk.first + offset, {k: v for k, v in row.items() if v is not None}))
    return out


def process_chunk(chunk: Chunk) -> dict[str, Any]:
    """Annotate every document of ``chunk``: rows (as columns), statistics and failures."""
    engine, config = current_engine()
    where_name = "line" if chunk.kind == "jsonl" else "row"
    columns: dict[str, list[Any]] = {name: [] for name in ROW_COLUMNS}
    failures: list[dict[str, Any]] = []
    stats = ChunkStats()
    seen: set[str] = set()
    for where, value in _records(chunk):
        failure = {"input": chunk.source, where_name: where}
        if isinstance(value, Exception):
            reason = value.reason if isinstance(value, PageError) else "malformed-record"
            failures.append({**failure, "reason": reason, "message": str(value)})
            continue
        if isinstance(value, dict) and isinstance(value.get("id"), (str, int)) and not isinstance(value["id"], bool):
            failure["id"] = str(value["id"])[:MAX_ID_CHARS]
        try:
            record = parse_record(value)
        except RecordError as exc:
            failures.append({**failure, "reason": "malformed-record", "message": str(exc)})
            continue
        failure["id"] = record.id
        if record.id in seen:
            failures.append({**failure, "reason": "malformed-record", "message": f'"id" {record.id!r} repeats in this chunk'})
            continue
        seen.add(record.id)
        options = config.options if record.lang in (None, config.options.lang) else replace(config.options, lang=record.lang)
        try:
            if record.html is not None:
                _page, annotations, lang = engine.annotate_html(record.html, options)
            else:
                annotations, lang = engine.annotate_text(record.text or "", options)
        except PageError as exc:
            failures.append({**failure, "reason": exc.reason, "message": exc.message})
            continue
        except RecursionError:
            failures.append({**failure, "reason": "too-deep", "message": "nested too deeply to process"})
            continue
        except MemoryError:
            failures.append({**failure, "reason": "oversized", "message": "ran out of memory on this document"})
            continue
        for a in annotations:
            columns["id"].append(record.id)
            columns["term"].append(a.term)
            columns["start"].append(a.start)
            columns["end"].append(a.end)
            columns["exact"].append(a.surface)
            columns["lang"].append(lang)
        stats.add(lang, Counter(a.term for a in annotations))
    return {"key": chunk.key, "columns": columns, "stats": stats.to_json(), "failures": failures}


class ChunkStats:
    """What the corpus report needs from a chunk; sums of counts, so chunks merge in any order."""

    def __init__(self) -> None:
        self.documents = 0
        self.langs: Counter[str] = Counter()
        self.occurrences: Counter[str] = Counter()  # term frequency
        self.documents_with: Counter[str] = Counter()  # document frequency
        self.pairs: Counter[str] = Counter()  # "a b" (a < b): documents holding both

    def add(self, lang: str, terms: Counter[str]) -> None:
        self.documents += 1
        self.langs[lang] += 1
        self.occurrences.update(terms)
        self.documents_with.update(terms.keys())
        top = sorted(terms, key=lambda t: (-terms[t], t))[:MAX_PAIR_TERMS]
        top.sort()
        for i, a in enumerate(top):
            for b in top[i + 1:]:
                self.pairs[f"{a} {b}"] += 1

    def merge(self, data: dict[str, Any]) -> None:
        self.documents += int(data.get("documents", 0))
        for name in ("langs", "occurrences", "documents_with", "pairs"):
            getattr(self, name).update({str(k): int(v) for k, v in (data.get(name) or {}).items()})

    def to_json(self) -> dict[str, Any]:
        return {"documents": self.documents, "langs": dict(sorted(self.langs.items())),
                "occurrences": dict(sorted(self.occurrences.items())),
                "documents_with": dict(sorted(self.documents_with.items())), "pairs": dict(sorted(self.pairs.items()))}
