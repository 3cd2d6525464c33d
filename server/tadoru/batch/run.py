"""``tadoru annotate PATH… --out DIR``: a folder of saved pages in, annotated pages and a study plan out.

The pipeline, one module per step:

* ``batch_inputs`` finds the pages (files, folders, globs), refuses an unsafe ``--out`` and
  assigns each page its output paths, mirroring the input tree;
* ``batch_state`` fingerprints pages and keeps the journal that lets a rerun skip what is up to
  date (so an interrupted batch resumes), and writes every file atomically;
* ``batch_worker`` does one page (read → annotate → render → write), in worker processes that
  each set up their engine once (``--jobs``), or through a service (``--server``);
* ``studyplan`` turns the pages' terms into ``report.json`` and ``index.html``.

This module runs them in order, shows progress on a terminal, and prints the summary.  Every
page is independent of the others, so the outputs do not depend on ``--jobs``.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from tadoru.batch.corpus_inputs import DEFAULT_CHUNK_SIZE
from tadoru.batch.inputs import (
    INDEX_NAME,
    REPORT_NAME,
    BatchError,
    Inputs,
    assign_outputs,
    check_out_dir,
    discover,
)
from tadoru.batch.journal import (
    Journal,
    file_sha256,
    outputs_intact,
    page_fingerprint,
    remove_stale_temporaries,
    write_atomic,
)
from tadoru.batch.progress import progress_bar
from tadoru.batch.runners import default_jobs, run_all
from tadoru.batch.summary import BatchSummary, format_summary
from tadoru.batch.terms import BatchTerms
from tadoru.batch.worker import PageJob, process_page
from tadoru.options import DISCOVER_KINDS, OptionError, ReaderOptions
from tadoru.pages.reader import MAX_ARCHIVE_BYTES, PageError
from tadoru.text.printable import is_text, printable

__all__ = ["BatchError", "BatchOptions", "BatchSummary", "run_batch"]

#: Failures that the same input bytes will always meet again: a rerun reports them from the
#: journal instead of retrying.  (Unreadable files, service errors and crashes are retried.)
LASTING_FAILURES = frozenset({"binary", "empty", "oversized", "too-deep", "unparsable", "undecodable", "unsupported"})


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """The options of ``tadoru annotate … --out DIR`` (see ``tadoru annotate --help``)."""

    out_dir: Path
    fmt: str | None = None  # "html", "json", "both" or "corpus"; None: corpus for corpora, else html
    known: tuple[str, ...] = ()
    level: int = 1
    lang: str = "auto"
    first_only: bool = False  # the old name of density="first"
    density: str = ""  # "calm" (""), "first" or "all": tadoru.options.DENSITY_CHOICES
    #: Also mark candidate terms the lexicon lacks (issue 16): True for every kind, or the kinds.
    discover: bool | tuple[str, ...] = False
    jobs: int | None = None  # None: the number of cores
    server_url: str | None = None
    force: bool = False
    quiet: bool = False
    lexicon_dirs: tuple[str, ...] = ()
    offline: bool = True  # the copies fetch nothing when opened; False: unsaved images and styles load remotely
    follow_symlinks: bool = False  # read pages that symbolic links lead to outside their folder
    dask: str | None = None  # a scheduler address (tcp://host:8786) or local[:N]: the work runs on Dask
    chunk_size: int = DEFAULT_CHUNK_SIZE  # documents per corpus chunk
    corpus_format: str = "jsonl"  # the corpus annotation files: "jsonl" or "parquet"


def run_batch(paths: list[str], options: BatchOptions, *, out: TextIO | None = None,
              err: TextIO | None = None) -> BatchSummary:
    """Annotate every page under ``paths`` into ``options.out_dir``; see the module docstring."""
    out = out or sys.stdout
    err = err or sys.stderr
    started = time.monotonic()
    _check_options(options)
    inputs = discover(paths, follow_symlinks=options.follow_symlinks)
    fmt = _format_for(inputs, options.fmt)
    options = replace(options, fmt=fmt)
    out_dir = check_out_dir(options.out_dir, inputs)
    if fmt != "corpus":
        assign_outputs(inputs, fmt)
    journal = Journal(out_dir)
    try:
        journal.open()
    except OSError as exc:
        raise BatchError(f"cannot write into --out {options.out_dir}: {exc.strerror or exc}") from None
    try:
        if options.fmt == "corpus":
            from tadoru.batch.corpus_run import run_corpus

            summary = run_corpus(inputs, out_dir, options, journal, err)
        else:
            summary = _run(inputs, out_dir, options, journal, err)
    except OSError as exc:  # the output folder itself failed us (disk full, permissions)
        raise BatchError(f"cannot write into --out {options.out_dir}: {exc.strerror or exc}"
                         + (f" ({exc.filename})" if exc.filename else "")) from None
    finally:
        journal.close()
    summary.seconds = time.monotonic() - started
    out.write(format_summary(summary, options.out_dir))
    out.flush()
    return summary


def _check_options(options: BatchOptions) -> None:
    if options.fmt not in (None, "html", "json", "both", "corpus"):
        raise BatchError(f"--format must be html, json, both or corpus (got {options.fmt!r})")
    if options.corpus_format not in ("jsonl", "parquet"):
        raise BatchError(f"--corpus-format must be jsonl or parquet (got {options.corpus_format!r})")
    if not 1 <= options.chunk_size <= 1_000_000:
        raise BatchError("--chunk-size must be from 1 to 1,000,000 documents")
    if options.dask is not None:
        from tadoru.batch.cluster import parse_address

        parse_address(options.dask)
        if options.server_url is not None:
            raise BatchError("--dask and --server cannot be combined: choose where the annotating happens")
    try:  # the reader options are checked where every surface checks them
        ReaderOptions(lang=options.lang, level=options.level, first_only=options.first_only, density=options.density,
                      discover=options.discover)
    except OptionError as exc:
        raise BatchError(f"--{exc.field.replace('_', '-')}: {exc.message}") from None
    if options.jobs is not None and options.jobs < 1:
        raise BatchError("--jobs must be at least 1")
    if options.server_url is not None:
        if not options.server_url.startswith(("http://", "https://")):
            raise BatchError(f"--server must be an http:// or https:// URL (got {options.server_url!r})")
        if options.lexicon_dirs:
            raise BatchError("--lexicon cannot be combined with --server: the service uses its own lexicon")


# --------------------------------------------------------------------------- terms


def _format_for(inputs: Inputs, fmt: str | None) -> str:
    """``--format``, or its default: ``corpus`` for corpus files, ``html`` for saved pages."""
    corpora = [f for f in inputs.files if f.corpus]
    if corpora and len(corpora) < len(inputs.files):
        raise BatchError("corpus files (.jsonl, .parquet) and saved pages go in separate runs: "
                         f"{corpora[0].rel} is a corpus, {next(f.rel for f in inputs.files if not f.corpus)} a page")
    if corpora:
        if fmt not in (None, "corpus"):
            raise BatchError(f"corpus files are written with --format corpus (annotation files and a study plan), "
                             f"not --format {fmt}")
        return "corpus"
    if fmt == "corpus":
        raise BatchError("--format corpus is for corpus files (.jsonl, .jsonl.gz, .parquet); saved pages are "
                         "written as html, json or both")
    return fmt or "html"


# --------------------------------------------------------------------------- the run


def _discover_option(options: BatchOptions) -> bool | list[str]:
    """``discover`` as the report and the fingerprints say it: True for every kind (as before
    kinds could be chosen, so earlier outputs stay up to date), else the kinds asked for."""
    kinds = ReaderOptions(discover=options.discover).discover_kinds
    if not kinds:
        return False
    return True if set(kinds) == set(DISCOVER_KINDS) else list(kinds)


def _run(inputs: Inputs, out_dir: Path, options: BatchOptions, journal: Journal, err: TextIO) -> BatchSummary:
    summary = BatchSummary(out_dir, pages=len(inputs.files))
    removed = remove_stale_temporaries(out_dir)
    terms = BatchTerms(options)
    known_ids, summary.unknown_known = terms.resolve_known(options.known, err)
    engine_fp = terms.engine_fingerprint()
    page_options = {"fmt": options.fmt, "lang": options.lang, "level": options.level,
                    "density": terms.density, "known": sorted(known_ids)}
    if options.discover:  # absent when off, so earlier outputs stay up to date
        page_options["discover"] = _discover_option(options)
    if not options.offline:  # absent when offline (the default), so earlier outputs stay up to date
        page_options["remote_resources"] = True
    config = terms.worker_config(out_dir, known_ids, offline=options.offline)

    previous = journal.load()
    entries: dict[str, dict[str, Any]] = {}  # rel → page entry for the report
    todo: list[tuple[PageJob, str, str]] = []  # (job, journal key, fingerprint)
    def refuse(key: str, shown: str, reason: str, message: str) -> None:
        """List a page refused before it is read (report entry ``key``, summary line ``shown``)."""
        entries[key] = {"input": key, "status": "failed", "reason": reason, "message": message, "outputs": {}}
        summary.failures.append((shown, reason, message))

    for item in inputs.files:
        rel = str(item.rel)
        if not is_text(rel):
            # A name that is not UTF-8 (a Shift_JIS name from an unzipped Windows archive) cannot go
            # into the report, the journal or the study plan: that page is named safely and skipped.
            refuse(printable(rel), printable(rel), "bad-name",
                   "the file name is not UTF-8 text; rename the file to annotate it")
            continue
        if item.outside:
            # Where it leads is not said: report.json may be shared, and the target is not the page's.
            refuse(rel, printable(rel), "outside-input",
                   "a symbolic link that leads out of the folder it is in; not read (--follow-symlinks reads it)")
            continue
        outputs = {kind: str(path) for kind, path in inputs.outputs[item.rel].items()}
        key = str(item.path)
        try:
            stat = item.path.stat()
            # An oversized file is refused unread; hashing gigabytes to say so would be absurd.
            digest = (f"oversized:{stat.st_size}:{stat.st_mtime_ns}" if stat.st_size > MAX_ARCHIVE_BYTES
                      else file_sha256(item.path))
        except (OSError, PageError):
            digest = "unreadable"  # the worker then says why (a pipe or device is never read)
        fingerprint = page_fingerprint(digest, engine_fp, page_options, outputs)
        old = previous.get(key)
        if not options.force and old is not None and old.get("fingerprint") == fingerprint:
            failed = old.get("failed")
            if isinstance(failed, dict) and failed.get("reason") in LASTING_FAILURES:
                # The same bytes fail the same way: say so again without starting workers.
                entries[rel] = {"input": rel, "status": "failed", "reason": failed["reason"],
                                "message": str(failed.get("message", "")), "outputs": {}}
                summary.failures.append((rel, failed["reason"], str(failed.get("message", ""))))
                continue
            if outputs_intact(out_dir, old.get("outputs") or {}):
                entries[rel] = {"input": rel, "status": "up-to-date", "outputs": outputs,
                                "record": old.get("record") or {}}
                summary.up_to_date += 1
                continue
        todo.append((PageJob(str(item.path), rel, outputs, str(_resource_root(item.path, inputs))), key, fingerprint))

    show_progress = not options.quiet and err.isatty()
    if removed and show_progress:
        err.write(f"removed {removed} unfinished file(s) left by an interrupted run\n")
    by_rel = {job.rel: (job, key, fingerprint) for job, key, fingerprint in todo}

    def record(result: dict[str, Any]) -> None:
        job, key, fingerprint = by_rel[result["input"]]
        if result["status"] == "done":
            entries[job.rel] = {"input": job.rel, "status": "done", "outputs": job.outputs, "record": result["record"]}
            journal.append({"input": key, "rel": job.rel, "fingerprint": fingerprint, "outputs": result["written"],
                            "record": result["record"]})
            summary.done += 1
        else:
            entries[job.rel] = {"input": job.rel, "status": "failed", "reason": result["reason"],
                                "message": result["message"], "outputs": {}}
            summary.failures.append((job.rel, result["reason"], result["message"]))
            if result["reason"] in LASTING_FAILURES:
                journal.append({"input": key, "rel": job.rel, "fingerprint": fingerprint,
                                "failed": {"reason": result["reason"], "message": result["message"]}})

    jobs = [job for job, _key, _fp in todo]
    workers = min(options.jobs or default_jobs(), len(jobs))
    engine = terms.engine(config) if jobs and options.dask is None else None
    progress = progress_bar(len(inputs.files), summary.up_to_date, show_progress, err, unit="page")

    def died(job: PageJob, message: str) -> dict[str, Any]:
        return {"input": job.rel, "status": "failed", "reason": "error", "message": f"{message} while annotating this page"}

    def record_one(result: dict[str, Any]) -> None:
        record(result)
        progress.update(1)

    if jobs:
        run_all(process_page, config, jobs, options, workers=workers, engine=engine, died=died, record=record_one,
                progress=progress, summary=summary, err=err)

    pages = [entries[str(item.rel) if is_text(str(item.rel)) else printable(str(item.rel))] for item in inputs.files]
    _write_plan(pages, terms, known_ids, options, out_dir, summary)
    journal.compact(journal.load())
    summary.failures.sort()
    return summary


def _resource_root(path: Path, inputs: Inputs) -> Path:
    """The folder a page may inline files from: the input folder it came from, or its own."""
    resolved = path.resolve()
    holders = [f for f in inputs.folders if resolved.is_relative_to(f)]
    return max(holders, key=lambda f: len(f.parts)) if holders else resolved.parent


def _write_plan(pages: list[dict[str, Any]], terms: BatchTerms, known_ids: list[str], options: BatchOptions,
                out_dir: Path, summary: BatchSummary) -> None:
    from tadoru.batch.studyplan import build_report, index_language, render_index

    report_options = {"format": options.fmt, "lang": options.lang, "level": options.level,
                      "density": terms.density, "discover": _discover_option(options), "known": sorted(known_ids)}
    report = build_report(pages, terms.card, known=known_ids, level=options.level, options=report_options)
    summary.terms_to_learn = report["totals"]["reading_order"]
    write_atomic(out_dir / REPORT_NAME, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    write_atomic(out_dir / INDEX_NAME, render_index(report, terms.card, lang=index_language(report, options.lang)))


# --------------------------------------------------------------------------- running pages
