"""``tadoru annotate CORPUS… --out DIR``: corpora of documents in, annotation files and a study plan out.

The corpus counterpart of ``tadoru.batch.run`` (docs/ARCHITECTURE.md, "Corpus scale"):

* each corpus file is read in chunks (``corpus_inputs``); a chunk whose bytes, lexicon, code
  and options are unchanged since the last run, and whose outputs are intact, is skipped — so
  an interrupted run resumes, and a rerun does only what is missing or stale;
* the other chunks go to a runner (``runners``: this process, ``--jobs N`` processes, or
  ``--dask`` workers), which annotates them (``corpus_worker``) and hands back rows and counts;
* this process writes every output: one annotation file per chunk,
  ``annotations/<corpus>/part-NNNNN.jsonl|parquet`` (columns ``id, term, start, end, exact,
  lang``), the chunk's counts beside the journal, and at the end ``report.json`` and
  ``index.html`` from the summed counts (``corpus_report``).

A chunk's outputs depend only on its documents, so they are the same for any ``--jobs`` or
cluster, and a chunk run twice (a worker died after finishing it) writes the same bytes twice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from tadoru.batch.corpus_inputs import Chunk, read_chunks
from tadoru.batch.corpus_report import (
    build_corpus_report,
    corpus_index_language,
    failure_place,
    render_corpus_index,
)
from tadoru.batch.corpus_worker import ROW_COLUMNS, ChunkStats, process_chunk
from tadoru.batch.inputs import INDEX_NAME, REPORT_NAME, STATE_DIR, BatchError, Inputs
from tadoru.batch.journal import (
    Journal,
    outputs_intact,
    page_fingerprint,
    remove_stale_temporaries,
    write_atomic,
)
from tadoru.batch.progress import progress_bar
from tadoru.batch.runners import default_jobs, run_all
from tadoru.batch.summary import BatchSummary
from tadoru.batch.terms import BatchTerms
from tadoru.pages.reader import PageError
from tadoru.text.printable import is_text, printable

ANNOTATIONS_DIR = "annotations"
CHUNKS_DIR = "chunks"  # under DIR/.tadoru: each chunk's counts, for the report of a resumed run


def part_name(source: str, index: int, fmt: str) -> str:
    """``annotations/arxiv/abstracts/part-00003.parquet`` for chunk 3 of ``arxiv/abstracts.jsonl``."""
    stem = PurePosixPath(source)
    name = stem.name
    for suffix in (".jsonl.gz", ".jsonl", ".parquet"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return (PurePosixPath(ANNOTATIONS_DIR) / stem.parent / name / f"part-{index:05d}.{fmt}").as_posix()


def jsonl_rows(columns: dict[str, list[Any]]) -> str:
    """The rows as JSON Lines, exactly as ``json.dumps(row, ensure_ascii=False)`` writes each.

    A corpus of 100,000 abstracts has about 1.6 million rows, all written by the one main process
    while the workers annotate; encoding each string once (an id, term, surface or language
    repeats on many rows) instead of each row as a dict makes this about 5× cheaper.
    """
    seen: dict[str, str] = {}

    def quoted(value: str) -> str:
        text = seen.get(value)
        if text is None:
            text = seen[value] = json.dumps(value, ensure_ascii=False)
        return text

    return "".join(
        f'{{"id": {quoted(doc)}, "term": {quoted(term)}, "start": {start}, "end": {end}, '
        f'"exact": {quoted(exact)}, "lang": {quoted(lang)}}}\n'
        for doc, term, start, end, exact, lang in zip(*(columns[name] for name in ROW_COLUMNS), strict=True))


def write_part(path: Path, columns: dict[str, list[Any]], fmt: str) -> tuple[int, int]:
    """One chunk's annotation rows as JSON Lines or Parquet, written atomically."""
    if fmt == "jsonl":
        return write_atomic(path, jsonl_rows(columns))
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("term", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                        ("exact", pa.string()), ("lang", pa.string())])
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pydict(columns, schema=schema), sink, compression="zstd")
    return write_atomic(path, sink.getvalue().to_pybytes())


def run_corpus(inputs: Inputs, out_dir: Path, options: Any, journal: Journal, err: TextIO) -> Any:
    """Annotate the corpus files of ``inputs`` into ``out_dir``; see the module docstring."""
    if options.corpus_format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise BatchError("--corpus-format parquet needs pyarrow: pip install 'tadoru[dask]'") from None
    summary = BatchSummary(out_dir, unit="document")
    removed = remove_stale_temporaries(out_dir)
    terms = BatchTerms(options)
    known_ids, summary.unknown_known = terms.resolve_known(options.known, err)
    engine_fp = terms.engine_fingerprint()
    chunk_options = {"format": "corpus", "corpus_format": options.corpus_format, "chunk_size": options.chunk_size,
                     "lang": options.lang, "level": options.level, "density": terms.density,
                     "known": sorted(known_ids)}
    config = terms.worker_config(out_dir, known_ids)
    show_progress = not options.quiet and err.isatty()
    if removed and show_progress:
        err.write(f"removed {removed} unfinished file(s) left by an interrupted run\n")

    previous = journal.load()
    stats = ChunkStats()
    failures: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    current: dict[str, dict[str, Any]] = {}  # journal entries of this run's chunks
    pending: dict[str, tuple[Chunk, str, dict[str, str]]] = {}  # key → (chunk, fingerprint, outputs)
    progress = progress_bar(None, 0, show_progress, err, unit="doc")

    def outputs_of(chunk: Chunk) -> dict[str, str]:
        part = part_name(chunk.source, chunk.index, options.corpus_format)
        return {"part": part, "counts": f"{STATE_DIR}/{CHUNKS_DIR}/{part}.json"}

    def finish(chunk: Chunk, fingerprint: str, outputs: dict[str, str], result: dict[str, Any]) -> None:
        counts = {"stats": result["stats"], "failures": result["failures"]}
        written = {outputs["part"]: list(write_part(out_dir / outputs["part"], result["columns"], options.corpus_format)),
                   outputs["counts"]: list(write_atomic(out_dir / outputs["counts"], json.dumps(counts, ensure_ascii=False)))}
        entry = {"input": chunk.key, "fingerprint": fingerprint, "outputs": written,
                 "record": {"documents": result["stats"]["documents"], "failed": len(result["failures"])}}
        journal.append(entry)
        current[chunk.key] = entry
        _count(counts, stats, failures)
        summary.done += result["stats"]["documents"]

    def record(result: dict[str, Any]) -> None:
        chunk, fingerprint, outputs = pending.pop(result["key"])
        finish(chunk, fingerprint, outputs, result)
        progress.update(chunk.count)

    def died(chunk: Chunk, message: str) -> dict[str, Any]:
        last = chunk.first + max(len(chunk.lines), len(chunk.rows)) - 1
        where = "lines" if chunk.kind == "jsonl" else "rows"
        return {"key": chunk.key, "columns": {name: [] for name in ROW_COLUMNS}, "stats": ChunkStats().to_json(),
                "failures": [{"input": chunk.source, where[:-1]: chunk.first, "reason": "error",
                              "message": f"{message} while annotating {where} {chunk.first}–{last}; "
                                         "the run goes on, and a rerun tries this chunk again"}]}

    def todo() -> Any:
        """Chunks to annotate, streamed; up-to-date chunks are counted from their saved counts."""
        for item in inputs.files:
            rel = str(item.rel)
            if not is_text(rel):
                failures.append({"input": printable(rel), "reason": "bad-name",
                                 "message": "the file name is not UTF-8 text; rename the file to annotate it"})
                continue
            if item.outside:
                failures.append({"input": rel, "reason": "outside-input", "message": "a symbolic link that leads "
                                 "out of the folder it is in; not read (--follow-symlinks reads it)"})
                continue
            source: dict[str, Any] = {"input": rel, "documents": 0, "chunks": 0,
                      "annotations": str(PurePosixPath(part_name(rel, 0, options.corpus_format)).parent)}
            sources.append(source)
            try:
                for chunk in read_chunks(item.path, rel, options.chunk_size):
                    source["documents"] += chunk.count
                    source["chunks"] += 1
                    outputs = outputs_of(chunk)
                    fingerprint = page_fingerprint(chunk.digest, engine_fp, chunk_options, outputs)
                    old = previous.get(chunk.key)
                    if (not options.force and old is not None and old.get("fingerprint") == fingerprint
                            and outputs_intact(out_dir, old.get("outputs") or {})):
                        counts = _read_counts(out_dir / outputs["counts"])
                        if counts is not None:
                            current[chunk.key] = old
                            _count(counts, stats, failures)
                            summary.up_to_date += int(counts["stats"].get("documents", 0))
                            progress.update(chunk.count)
                            continue
                    pending[chunk.key] = (chunk, fingerprint, outputs)
                    yield chunk
            except PageError as exc:
                failures.append({"input": rel, "reason": exc.reason, "message": exc.message})
            _remove_stale_parts(out_dir, rel, source["chunks"], options.corpus_format)

    workers = options.jobs or default_jobs()
    engine = terms.engine(config) if options.dask is None else None
    run_all(process_chunk, config, todo(), options, workers=workers, engine=engine, died=died, record=record,
            progress=progress, summary=summary, err=err)

    summary.pages = summary.done + summary.up_to_date + len(failures)
    summary.failures = sorted((failure_place(f), f["reason"], f["message"]) for f in failures)
    report = build_corpus_report(stats, failures, sources, terms.card, known=known_ids, level=options.level,
                                 options={**chunk_options, "known": sorted(known_ids)})
    summary.terms_to_learn = report["totals"]["reading_order"]
    write_atomic(out_dir / REPORT_NAME, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    write_atomic(out_dir / INDEX_NAME, render_corpus_index(report, terms.card,
                                                           lang=corpus_index_language(report, options.lang)))
    journal.compact(current)
    return summary


def _count(counts: dict[str, Any], stats: ChunkStats, failures: list[dict[str, Any]]) -> None:
    stats.merge(counts["stats"])
    failures.extend(counts.get("failures") or [])


def _read_counts(path: Path) -> dict[str, Any] | None:
    try:
        counts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return counts if isinstance(counts, dict) and isinstance(counts.get("stats"), dict) else None


def _remove_stale_parts(out_dir: Path, source: str, chunks: int, fmt: str) -> None:
    """Delete a corpus's annotation files beyond its last chunk (the corpus shrank) or in the other
    format, so the folder read as a dataset holds this run's rows only."""
    folder = out_dir / PurePosixPath(part_name(source, 0, fmt)).parent
    try:
        names = os.listdir(folder)
    except OSError:
        return
    keep = {f"part-{i:05d}.{fmt}" for i in range(chunks)}
    for name in names:
        if name.startswith("part-") and name.endswith((".jsonl", ".parquet")) and name not in keep:
            for path in (folder / name, out_dir / STATE_DIR / CHUNKS_DIR / part_name(source, 0, fmt).rsplit("/", 1)[0] / f"{name}.json"):
                try:
                    path.unlink()
                except OSError:
                    pass
