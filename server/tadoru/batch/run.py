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

import hashlib
import json
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

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
    code_fingerprint,
    file_sha256,
    lexicon_fingerprint,
    outputs_intact,
    page_fingerprint,
    remove_stale_temporaries,
    server_fingerprint,
    write_atomic,
)
from tadoru.batch.worker import PageJob, WorkerConfig, init_worker, process_page
from tadoru.config import ConfigError
from tadoru.options import OptionError, ReaderOptions
from tadoru.pages.reader import MAX_ARCHIVE_BYTES, REASONS, PageError
from tadoru.text.printable import is_text, printable

__all__ = ["BatchError", "BatchOptions", "BatchSummary", "run_batch"]

#: Failures that the same input bytes will always meet again: a rerun reports them from the
#: journal instead of retrying.  (Unreadable files, service errors and crashes are retried.)
LASTING_FAILURES = frozenset({"binary", "empty", "oversized", "too-deep", "unparsable", "undecodable", "unsupported"})


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """The options of ``tadoru annotate … --out DIR`` (see ``tadoru annotate --help``)."""

    out_dir: Path
    fmt: str = "html"  # "html", "json" or "both"
    known: tuple[str, ...] = ()
    level: int = 1
    lang: str = "auto"
    first_only: bool = False
    jobs: int | None = None  # None: the number of cores
    server_url: str | None = None
    force: bool = False
    quiet: bool = False
    lexicon_dirs: tuple[str, ...] = ()
    offline: bool = True  # the copies fetch nothing when opened; False: unsaved images and styles load remotely
    follow_symlinks: bool = False  # read pages that symbolic links lead to outside their folder


@dataclass(slots=True)
class BatchSummary:
    """What happened; ``ok`` is False when any page failed (exit status 1)."""

    out_dir: Path
    pages: int = 0
    done: int = 0
    up_to_date: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (input, reason, message)
    terms_to_learn: int = 0
    seconds: float = 0.0
    unknown_known: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def index(self) -> Path:
        return self.out_dir / INDEX_NAME

    @property
    def report(self) -> Path:
        return self.out_dir / REPORT_NAME


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run_batch(paths: list[str], options: BatchOptions, *, out: TextIO | None = None,
              err: TextIO | None = None) -> BatchSummary:
    """Annotate every page under ``paths`` into ``options.out_dir``; see the module docstring."""
    out = out or sys.stdout
    err = err or sys.stderr
    started = time.monotonic()
    _check_options(options)
    inputs = discover(paths, follow_symlinks=options.follow_symlinks)
    out_dir = check_out_dir(options.out_dir, inputs)
    assign_outputs(inputs, options.fmt)
    journal = Journal(out_dir)
    try:
        journal.open()
    except OSError as exc:
        raise BatchError(f"cannot write into --out {options.out_dir}: {exc.strerror or exc}") from None
    try:
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
    if options.fmt not in ("html", "json", "both"):
        raise BatchError(f"--format must be html, json or both (got {options.fmt!r})")
    try:  # the reader options are checked where every surface checks them
        ReaderOptions(lang=options.lang, level=options.level, first_only=options.first_only)
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


class _Terms:
    """Term cards for the study plan and ``--known`` names, in-process or from the service."""

    def __init__(self, options: BatchOptions) -> None:
        self.options = options
        self.server: Any = None
        self._lexicon: Any = None
        self._cards: dict[str, dict[str, Any] | None] = {}
        self.all_cards: dict[str, dict[str, Any]] | None = None
        if options.server_url:
            from tadoru.batch.worker import ServerEngine
            from tadoru.client import ClientError, TadoruClient

            try:
                self.client = TadoruClient(options.server_url)
                health = self.client.health()
                # The whole lexicon as cards: the workers need no more requests for cards, and
                # its hash tells when the service's lexicon changed.
                self.all_cards = self.client.all_cards()
            except ConfigError as exc:
                raise BatchError(f"--server {options.server_url}: {exc}") from None
            except ClientError as exc:
                raise BatchError(f"--server {options.server_url}: {exc.message}") from None
            self.server = ServerEngine(WorkerConfig(out_dir="", server_url=options.server_url), self.client)
            if self.all_cards is not None:
                self.server.prefill(self.all_cards)
            self.fingerprint = server_fingerprint(options.server_url, health, self.all_cards)
        else:
            self.fingerprint = lexicon_fingerprint(options.lexicon_dirs)  # from the files: no loading

    @property
    def lexicon(self) -> Any:
        """The in-process lexicon, loaded on first use (about a second, mostly validation)."""
        if self._lexicon is None and self.server is None:
            from tadoru.lexicon.load import load_lexicon

            self._lexicon = load_lexicon(self.options.lexicon_dirs)
        return self._lexicon

    def card(self, concept_id: str) -> dict[str, Any] | None:
        if concept_id not in self._cards:
            if self.server is not None:
                self._cards[concept_id] = self.server.card(concept_id)
                return self._cards[concept_id]
            concept = self.lexicon.get(concept_id)
            self._cards[concept_id] = concept.to_card() if concept is not None else None
        return self._cards[concept_id]

    def resolve(self, name: str) -> str | None:
        if self.server is None:
            return self.lexicon.resolve(name)
        card = self.card(name)
        if card is not None:
            return str(card["id"])
        return self._search(name)

    def _search(self, name: str) -> str | None:
        from tadoru.client import ClientError
        from tadoru.text.normalize import normalize_label

        try:
            items = self.client.search(name)
        except ClientError:
            return None
        wanted = normalize_label(name)
        for item in items:
            labels = [*(item.get("label") or {}).values()]
            for more in (item.get("aliases") or {}).values():
                labels.extend(more)
            if any(normalize_label(str(label)) == wanted for label in labels):
                return str(item.get("id"))
        return None


# --------------------------------------------------------------------------- the run


def _run(inputs: Inputs, out_dir: Path, options: BatchOptions, journal: Journal, err: TextIO) -> BatchSummary:
    summary = BatchSummary(out_dir, pages=len(inputs.files))
    removed = remove_stale_temporaries(out_dir)
    terms = _Terms(options)
    known_ids: list[str] = []
    for name in options.known:
        cid = terms.resolve(name)
        if cid is None:
            summary.unknown_known.append(name)
        elif cid not in known_ids:
            known_ids.append(cid)
    if summary.unknown_known:
        err.write(f"--known: not terms of the lexicon, ignored: {', '.join(summary.unknown_known)}\n")
    engine_fp = hashlib.sha256(f"{code_fingerprint()}\n{terms.fingerprint}".encode()).hexdigest()
    page_options = {"fmt": options.fmt, "lang": options.lang, "level": options.level,
                    "first_only": options.first_only, "known": sorted(known_ids)}
    if not options.offline:  # absent when offline (the default), so earlier outputs stay up to date
        page_options["remote_resources"] = True
    reader = ReaderOptions(lang=options.lang, level=options.level, first_only=options.first_only,
                           known=tuple(sorted(known_ids)))
    config = WorkerConfig(out_dir=str(out_dir), options=reader,
                          lexicon_dirs=tuple(str(Path(p).resolve()) for p in options.lexicon_dirs),
                          server_url=options.server_url, cards=terms.all_cards, offline=options.offline)

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
    engine = _main_engine(config, terms) if jobs else None
    progress = _progress(len(inputs.files), summary.up_to_date, show_progress, err)
    try:
        if workers <= 1:
            if engine is not None:
                _run_here(jobs, config, engine, record, progress)
        else:
            _run_pool(jobs, config, workers, record, progress, inherited=engine)
    except KeyboardInterrupt:
        progress.close()
        err.write(f"\ninterrupted: {summary.done} page(s) written; run the same command again to resume\n")
        raise SystemExit(130) from None
    finally:
        progress.close()

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


def _write_plan(pages: list[dict[str, Any]], terms: _Terms, known_ids: list[str], options: BatchOptions,
                out_dir: Path, summary: BatchSummary) -> None:
    from tadoru.batch.studyplan import build_report, index_language, render_index

    report_options = {"format": options.fmt, "lang": options.lang, "level": options.level,
                      "first_only": options.first_only, "known": sorted(known_ids)}
    report = build_report(pages, terms.card, known=known_ids, level=options.level, options=report_options)
    summary.terms_to_learn = report["totals"]["reading_order"]
    write_atomic(out_dir / REPORT_NAME, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    write_atomic(out_dir / INDEX_NAME, render_index(report, terms.card, lang=index_language(report, options.lang)))


# --------------------------------------------------------------------------- running pages


def _main_engine(config: WorkerConfig, terms: _Terms) -> Any:
    """The engine of this process, built once on the lexicon the study plan uses too."""
    from tadoru.batch.worker import LocalEngine, ServerEngine

    if config.server_url:
        return ServerEngine(config, terms.client)
    from tadoru.annotate import Annotator

    annotator = Annotator(terms.lexicon)
    annotator.warm_up()
    return LocalEngine(config, annotator)


def _run_here(jobs: list[PageJob], config: WorkerConfig, engine: Any, record: Callable[[dict[str, Any]], None],
              progress: Any) -> None:
    """``--jobs 1``: every page in this process."""
    init_worker(config, engine)
    for job in jobs:
        record(process_page(job))
        progress.update(1)


def _worker_init(config: WorkerConfig, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _die_with(parent)
    init_worker(config)


def _die_with(parent: int) -> None:
    """End this worker when the main process ends, even by SIGKILL (no orphans left working)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


def _run_pool(jobs: list[PageJob], config: WorkerConfig, workers: int, record: Callable[[dict[str, Any]], None],
              progress: Any, inherited: Any = None) -> None:
    """``--jobs N``: N worker processes, each with its engine set up once (not per page).

    Forked workers inherit the main process's annotator (built once, memory shared); spawned
    ones build their own in the initializer.  A page that crashes its worker (a segfault in a
    C library, the OOM killer) breaks the whole pool; the pages that were in flight are then
    retried one at a time in a fresh worker, so only the culprit is reported as failed.
    """
    from tadoru.batch.worker import LocalEngine, share_with_forked_workers

    context = _pool_context()
    if context.get_start_method() == "fork" and isinstance(inherited, LocalEngine):
        share_with_forked_workers(inherited)

    def one_pass(batch: list[PageJob], size: int) -> tuple[list[PageJob], list[PageJob]]:
        """Run ``batch``; returns (pages in flight when the pool broke, pages not started)."""
        queue = list(reversed(batch))
        with ProcessPoolExecutor(size, mp_context=context, initializer=_worker_init,
                                 initargs=(config, os.getpid())) as pool:
            in_flight: dict[Any, PageJob] = {}
            while queue or in_flight:
                try:
                    while queue and len(in_flight) < size * 2:
                        future = pool.submit(process_page, queue[-1])
                        in_flight[future] = queue.pop()
                except BrokenProcessPool:
                    return list(in_flight.values()), list(reversed(queue))
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                crashed = False
                for future in finished:
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        crashed = True
                        continue
                    in_flight.pop(future)
                    record(result)
                    progress.update(1)
                if crashed:
                    return list(in_flight.values()), list(reversed(queue))
        return [], []

    remaining = jobs
    while remaining:
        suspects, remaining = one_pass(remaining, workers)
        for job in suspects:
            crashed, _ = one_pass([job], 1)
            if crashed:
                record({"input": job.rel, "status": "failed", "reason": "error",
                        "message": "the worker process died while annotating this page"})
                progress.update(1)


def _pool_context() -> Any:
    """``fork`` on Linux: workers start at once with the main process's annotator (no second
    of set-up each, Sudachi's dictionary shared).  Safe here because the main process runs no
    other thread when the pool forks (the progress bar's monitor thread is switched off).
    Elsewhere (macOS, Windows) ``spawn``, and each worker builds its own."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, done: int, show: bool, err: TextIO) -> Any:
    """A progress bar (pages done, pages/s, time left) on a terminal; nothing otherwise."""
    if not show:
        return _NoProgress()
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the worker pool forks this process
    try:
        size = os.get_terminal_size(err.fileno())
        known_size = size.columns > 0 and size.lines > 0
    except (OSError, ValueError, AttributeError):
        known_size = False
    # A terminal that reports no size (a bare pty) would make tqdm hide the bar.
    width: dict[str, Any] = {"dynamic_ncols": True} if known_size else {"ncols": 80, "nrows": 24}
    return tqdm(total=total, initial=done, unit="page", desc="annotating", file=err, smoothing=0.1,
                mininterval=0.2, **width)


# --------------------------------------------------------------------------- summary


def format_summary(summary: BatchSummary, out: Path) -> str:
    """The table printed at the end: counts, then every failed page with its reason."""
    shown_out = printable(str(out))  # the folder name is printed too
    rate = summary.done / summary.seconds if summary.seconds > 0 else 0.0
    lines = [f"tadoru annotate: {summary.pages} page(s) → {shown_out}  ({summary.seconds:.1f} s"
             + (f", {rate:.1f} pages/s" if summary.done else "") + ")"]
    rows = [("annotated", summary.done), ("up to date", summary.up_to_date), ("failed", len(summary.failures))]
    lines += [f"  {label:<11} {count:>6}" for label, count in rows]
    if summary.failures:
        width = min(60, max(len(f[0]) for f in summary.failures))
        reason_width = max(len(f[1]) for f in summary.failures)
        lines.append("failed pages:")
        for rel, reason, message in summary.failures:
            lines.append(f"  {printable(rel):<{width}}  {reason:<{reason_width}}  {printable(message)}")
        lines.append("reasons: " + "; ".join(f"{k} = {REASONS[k]}" for k in sorted({f[1] for f in summary.failures})))
    lines.append(f"study plan: {shown_out}/{INDEX_NAME} ({summary.terms_to_learn} terms to learn, "
                 f"prerequisites first); data: {shown_out}/{REPORT_NAME}")
    return "\n".join(lines) + "\n"
