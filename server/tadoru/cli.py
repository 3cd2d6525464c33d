"""The ``tadoru`` command: argument parsing only; the work is done by the library.

Exit codes (also in ``--help`` and the README): 0 success, 1 the work found problems (lexicon
errors, pages that failed), 2 usage errors.  User mistakes are ``click.ClickException``s, shown
as one clean line — never a traceback.
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Any

import click

from tadoru import fastcore
from tadoru.options import DENSITY_CHOICES, LANG_CHOICES, LEVELS
from tadoru.text.printable import printable
from tadoru.version import __version__


class ExitStatus(enum.IntEnum):
    OK = 0
    PROBLEMS = 1
    USAGE = 2
    INTERRUPTED = 130  # 128 + SIGINT, what shells expect of a program stopped with Ctrl-C


class _Group(click.Group):
    """Ctrl-C at any moment (start-up included) ends with status 130, not click's "Aborted!" and 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(ExitStatus.INTERRUPTED)


def _annotator(lexicon_dirs: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    from tadoru.annotate import Annotator

    return Annotator(extra_paths=lexicon_dirs)


def _read_known(path: str | None) -> list[str]:
    if not path:
        return []
    from tadoru.lexicon.known import KnownFileError, read_known_file

    try:
        return read_known_file(Path(path))
    except KnownFileError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tadoru", message=f"%(prog)s %(version)s ({fastcore.status()})")
def main() -> None:
    """Tadoru (辿る): highlight the AI/ML jargon you don't know yet, and trace it to the basics.

    \b
    Exit status: 0 success · 1 problems found (lexicon errors, pages that failed) · 2 usage error.
    """


# --------------------------------------------------------------------------- annotate


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write annotated pages, a study plan and report.json into this folder (batch mode).")
@click.option("--json", "as_json", is_flag=True, help="Print {lang, annotations} as JSON for one file or standard input.")
@click.option("--html", "force_html", is_flag=True, help="Treat standard input as HTML (files are told apart by their extension).")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "both", "corpus"]), default=None, help="Batch outputs: annotated HTML, W3C Web Annotation JSON-LD, or both (pages; default html); corpus: annotation files and a corpus study plan (the default for .jsonl/.parquet corpora).")
@click.option("--known", "known_file", type=click.Path(dir_okay=False), help="Known-terms JSON file (the extension's export): these terms are not highlighted.")
@click.option("--level", type=click.Choice([str(n) for n in LEVELS]), default="1", show_default=True, callback=lambda _c, _p, v: int(v), help="Hide terms below this level (1 shows all).")
@click.option("--lang", type=click.Choice(LANG_CHOICES), default="auto", show_default=True, help="Language of the text (auto detects Japanese or English per document).")
@click.option("--density", type=click.Choice(DENSITY_CHOICES), default=None, help="How many occurrences to mark: calm (default) once per section and never in headings, navigation, bylines or URLs; first once per page, from the article body; all every one.")
@click.option("--first-only", is_flag=True, help="The old name of --density first.")
@click.option("--discover", is_flag=True, help="Also mark words Tadoru does not know yet (dashed: defined in the page, coined names, compounds on a known term).")
@click.option("--discover-kinds", "discover_kinds", metavar="KINDS", default=None, callback=lambda _c, _p, v: _discover_kinds(v), help="Only these kinds of new words, comma-separated: definition, acronym, compound (definition,acronym is what the extension shows by default). Implies --discover.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes for a batch (default: number of cores).")
@click.option("--server", "server_url", help="Annotate through a running Tadoru service at this URL instead of in-process.")
@click.option("--dask", "dask", metavar="ADDRESS", help="Run the work on a Dask cluster: a scheduler address (tcp://host:8786), or local[:N] for N local worker processes. Needs pip install 'tadoru[dask]'.")
@click.option("--chunk-size", type=click.IntRange(1, 1_000_000), default=1000, show_default=True, help="Documents per chunk of a corpus (the unit of work, resume and output files).")
@click.option("--corpus-format", type=click.Choice(["jsonl", "parquet"]), default="jsonl", show_default=True, help="Annotation files of a corpus run: JSON Lines, or Parquet (needs pyarrow).")
@click.option("--force", is_flag=True, help="Redo pages whose outputs are already up to date.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--lexicon", "lexicon_dirs", multiple=True, type=click.Path(exists=True), help="Extra lexicon folder (repeatable), merged over the shipped one.")
@click.option("--follow-symlinks", is_flag=True, help="Read pages that symbolic links in a folder lead to outside it (by default they are listed and skipped).")
@click.option("--remote-resources", is_flag=True, help="Let the copies load images and styles that were not saved with a page from their servers (by default a copy fetches nothing when opened).")
def annotate(paths: tuple[str, ...], out_dir: str | None, as_json: bool, force_html: bool, fmt: str | None,
             known_file: str | None, level: int, lang: str, density: str | None, first_only: bool, discover: bool,
             discover_kinds: tuple[str, ...] | None, jobs: int | None,
             server_url: str | None, dask: str | None, chunk_size: int, corpus_format: str, force: bool,
             quiet: bool, lexicon_dirs: tuple[str, ...], follow_symlinks: bool, remote_resources: bool) -> None:
    """Annotate text, saved pages or corpora.

    \b
    tadoru annotate --json FILE|-        one .txt/.html file (or stdin) → JSON on stdout
    tadoru annotate PATH... --out DIR    a batch of pages → annotated pages + study plan
    tadoru annotate CORPUS... --out DIR  .jsonl/.parquet corpora → annotation files + study plan
                                         (--dask local:2 or tcp://host:8786 to run on Dask)

    \b
    Exit status: 0 all pages done · 1 some pages failed (listed in the summary) · 2 usage error.
    """
    known = _read_known(known_file)
    wanted: bool | tuple[str, ...] = discover_kinds if discover_kinds else discover
    if out_dir is None:
        if len(paths) > 1:
            raise click.UsageError("give one file (or -) without --out; use --out DIR for several pages")
        _annotate_one(paths[0] if paths else "-", force_html=force_html, lang=lang, known=known,
                      level=level, density=density, first_only=first_only, discover=wanted,
                      lexicon_dirs=lexicon_dirs)
        return
    if not paths:
        raise click.UsageError("name at least one file or folder to annotate")
    from tadoru.batch.run import BatchError, BatchOptions, run_batch

    options = BatchOptions(out_dir=Path(out_dir), fmt=fmt, known=tuple(known), level=level, lang=lang,
                           density=density or "", first_only=first_only, discover=wanted, jobs=jobs,
                           server_url=server_url, force=force,
                           quiet=quiet, lexicon_dirs=lexicon_dirs, offline=not remote_resources,
                           follow_symlinks=follow_symlinks, dask=dask, chunk_size=chunk_size,
                           corpus_format=corpus_format)
    try:
        summary = run_batch(list(paths), options)
    except BatchError as exc:
        raise click.UsageError(str(exc)) from None
    sys.exit(ExitStatus.OK if summary.ok else ExitStatus.PROBLEMS)


def _discover_kinds(raw: str | None) -> tuple[str, ...] | None:
    """``--discover-kinds definition,acronym`` as the kinds, checked here so a typo is a usage
    error that names the kinds, before any page is read."""
    if raw is None:
        return None
    from tadoru.options import DISCOVER_KINDS

    kinds = tuple(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))
    wrong = [k for k in kinds if k not in DISCOVER_KINDS]
    if wrong or not kinds:
        raise click.BadParameter(f"{', '.join(wrong) or 'nothing'} is not a kind: use {', '.join(DISCOVER_KINDS)}",
                                 param_hint="--discover-kinds")
    return kinds


def _annotate_one(path: str, *, force_html: bool, lang: str, known: list[str], level: int,
                  density: str | None, first_only: bool, discover: bool | tuple[str, ...],
                  lexicon_dirs: tuple[str, ...]) -> None:
    from tadoru.batch.worker import MAX_PDF_BYTES
    from tadoru.options import OptionError, ReaderOptions
    from tadoru.pages.reader import DEFAULT_LIMITS, PageError, PageLimits, read_page, read_raw
    from tadoru.text.normalize import TextTooLong
    from tadoru.text.visible import HtmlTooDeep

    try:
        options = ReaderOptions.from_kwargs(lang=lang, known=known, level=level, density=density,
                                            first_only=first_only, discover=discover)
    except OptionError as exc:
        raise click.UsageError(str(exc)) from None
    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_PDF_BYTES + 1)
            if raw[:1024].lstrip().startswith(b"%PDF") and not force_html:
                _annotate_pdf(name, raw, options, lexicon_dirs)
                return
            if len(raw) > DEFAULT_LIMITS.page_bytes:
                raise PageError("oversized", f"more than the {DEFAULT_LIMITS.page_bytes // 2**20} MiB limit")
            page = read_page(Path(name), raw, kind="html" if force_html else "text")
        elif not force_html and _is_pdf(Path(path)):
            _annotate_pdf(name, read_raw(Path(path), PageLimits(page_bytes=MAX_PDF_BYTES)), options, lexicon_dirs)
            return
        else:
            if Path(path).is_dir():
                raise click.ClickException(f"{path}: is a folder (use --out DIR to annotate a folder)")
            page = read_page(Path(path), kind="html" if force_html else None, sniff=True)
    except PageError as exc:
        raise click.ClickException(f"{printable(name)}: {exc.message}") from None
    from tadoru.discover import annotate_for_reader

    annotator = _annotator(lexicon_dirs)
    try:
        result, candidates = annotate_for_reader(
            lambda o: annotator.annotate_html(page.text, o) if page.kind == "html" else annotator.annotate_text(page.text, o),
            annotator, options)
    except (HtmlTooDeep, TextTooLong) as exc:
        raise click.ClickException(f"{printable(name)}: {exc}") from None
    document = result.to_json()
    if discover:
        document["candidates"] = [c.to_dict() for c in candidates]
    click.echo(json.dumps(document, ensure_ascii=False, indent=1))


def _is_pdf(path: Path) -> bool:
    """A PDF by name, or by its first bytes (a PDF saved without its suffix)."""
    if path.suffix.lower() == ".pdf":
        return True
    if not path.is_file():
        return False  # a pipe or device named like a page must not be opened here: the reader refuses it
    try:
        with open(path, "rb") as handle:
            return handle.read(1024).lstrip().startswith(b"%PDF")
    except OSError:
        return False  # the page reader says why it cannot be read


def _annotate_pdf(name: str, data: bytes, options: Any, lexicon_dirs: tuple[str, ...]) -> None:
    """``annotate --json paper.pdf``: the JSON ``POST /api/v1/annotate-pdf`` answers, cards included."""
    from tadoru.pdf import PdfError, annotate_pdf
    from tadoru.text.normalize import TextTooLong

    annotator = _annotator(lexicon_dirs)
    try:
        result = annotate_pdf(annotator, data, options, isolated=True)
    except (PdfError, TextTooLong) as exc:
        raise click.ClickException(f"{printable(name)}: {exc}") from None
    answer = result.to_json()
    answer["terms"] = {a.annotation.term: annotator.lexicon.card(a.annotation.term) for a in result.annotations}
    click.echo(json.dumps(answer, ensure_ascii=False, indent=1))


# --------------------------------------------------------------------------- trace


@main.command()
@click.argument("term")
@click.option("--known", "known_file", type=click.Path(dir_okay=False), help="Known-terms JSON file: leave these (and what they build on) out.")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of labels and definitions.")
@click.option("--json", "as_json", is_flag=True, help="Print the path and graph as JSON.")
def trace(term: str, known_file: str | None, lang: str, as_json: bool) -> None:
    """Print the learning path to TERM (an id or any label), prerequisites first."""
    from tadoru.lexicon.load import load_lexicon
    from tadoru.lexicon.trace import render_trace_tree, trace_payload

    lexicon = load_lexicon()
    concept_id = lexicon.resolve(term)
    if concept_id is None:
        suggestions = ", ".join(c.id for c in lexicon.search(term, limit=5))
        raise click.ClickException(f"unknown term '{term}'" + (f" (did you mean: {suggestions}?)" if suggestions else ""))
    known = [k for k in (lexicon.resolve(n) for n in _read_known(known_file)) if k]
    if as_json:
        click.echo(json.dumps(trace_payload(lexicon, concept_id, known), ensure_ascii=False, indent=1))
    else:
        click.echo(render_trace_tree(lexicon, concept_id, known, lang=lang))


# --------------------------------------------------------------------------- lexicon


@main.group()
def lexicon() -> None:
    """Check, count and export the lexicon (shipped + TADORU_LEXICON_PATH folders)."""


@lexicon.command("check")
@click.argument("folders", nargs=-1, type=click.Path(exists=True))
@click.option("--strict", is_flag=True, help="Also warn about jargon in definitions that is not linked or not in the lexicon.")
@click.option("--only", "only", is_flag=True, help="Check only FOLDERS, without the shipped lexicon.")
def lexicon_check(folders: tuple[str, ...], strict: bool, only: bool) -> None:
    """Validate every lexicon file and the term graph; print every problem found.

    Exit status 1 when there are errors (warnings alone exit 0).
    """
    from tadoru.lexicon.load import load_lexicon

    lex = load_lexicon(folders, shipped=not only, use_env=not only)
    problems = list(lex.problems)
    if strict:
        from tadoru.review.strict import strict_warnings

        problems.extend(strict_warnings(lex))
    for p in problems:
        click.echo(f"{p.severity}: {p}")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    drafts = f" (+{len(lex.proposed)} proposed, not served)" if lex.proposed else ""
    click.echo(f"{len(lex)} concepts{drafts} in {len(lex.sources)} files: {errors} errors, {warnings} warnings",
               err=bool(errors))
    if errors:
        sys.exit(ExitStatus.PROBLEMS)


@lexicon.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def lexicon_stats(as_json: bool) -> None:
    """Counts per category, level and language, missing links, and the longest trace."""
    from tadoru.lexicon.load import load_lexicon
    from tadoru.lexicon.stats import format_stats
    from tadoru.lexicon.stats import lexicon_stats as compute

    stats = compute(load_lexicon())
    click.echo(json.dumps(stats, ensure_ascii=False, indent=1) if as_json else format_stats(stats))


@lexicon.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "skos", "anki"]), required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write here instead of standard output (never over an existing file without --force).")
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
def lexicon_export(fmt: str, output: str | None, force: bool) -> None:
    """Export the lexicon: one JSON document, SKOS (Turtle), or an Anki TSV deck."""
    from tadoru.lexicon.export import export
    from tadoru.lexicon.load import load_lexicon

    data = export(load_lexicon(), fmt)
    if output is None:
        click.echo(data, nl=False)
        return
    target = Path(output)
    if target.exists() and not force:
        raise click.ClickException(f"{target}: already exists (use --force to overwrite)")
    target.write_text(data, encoding="utf-8")
    click.echo(f"wrote {target}", err=True)


@lexicon.command("propose")
@click.argument("paths", nargs=-1, required=True)
@click.option("--top", type=click.IntRange(1, 1000), default=50, show_default=True, help="How many proposals to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the proposals (and the inputs that could not be read) as JSON.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Also write them as draft entries (status: proposed) to DIR/proposed-<date>.yaml.")
@click.option("--lexicon", "lexicon_dirs", multiple=True, type=click.Path(exists=True), help="Extra lexicon folder (repeatable): its terms count as known.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def lexicon_propose(paths: tuple[str, ...], top: int, as_json: bool, out_dir: str | None,
                    lexicon_dirs: tuple[str, ...], quiet: bool) -> None:
    """Rank terms that PATHS (pages, texts, PDFs, folders) use and the lexicon lacks.

    A review queue, not entries: --out writes drafts marked 'status: proposed', which
    'tadoru lexicon check' validates and nothing serves until a person finishes them.

    \b
    Exit status: 0 done · 1 some inputs could not be read (named, with the reason) · 2 usage error.
    """
    from tadoru.batch.inputs import BatchError
    from tadoru.batch.inputs import discover as find_inputs
    from tadoru.batch.progress import progress_bar
    from tadoru.discover.propose import Corpus, SourceError, draft_yaml

    try:
        inputs = find_inputs(list(paths))
    except BatchError as exc:
        raise click.UsageError(str(exc)) from None
    target = _proposal_file(Path(out_dir)) if out_dir else None
    annotator = _annotator(lexicon_dirs)
    corpus = Corpus(annotator)
    failed: list[tuple[str, str]] = []
    bar = progress_bar(len(inputs.files), 0, not quiet and sys.stderr.isatty(), sys.stderr, unit="page")
    try:
        for item in inputs.files:
            name = printable(str(item.path))
            source = _proposal_source(item)
            if isinstance(source, str):
                failed.append((name, source))
            else:
                try:
                    corpus.add(source)
                except SourceError as exc:
                    failed.append((name, str(exc)))
            bar.update()
    finally:
        bar.close()
    proposals = corpus.proposals(top)
    for name, reason in failed:
        click.echo(f"{name}: {reason}", err=True)
    if as_json:
        click.echo(json.dumps({"documents": corpus.documents, "proposals": [p.to_dict() for p in proposals],
                               "failed": [{"input": n, "reason": r} for n, r in failed]}, ensure_ascii=False, indent=1))
    else:
        _print_proposals(proposals)
    if target is not None:
        from datetime import date

        from tadoru.files import write_atomic

        write_atomic(target, draft_yaml(proposals, annotator.lexicon,
                                        note=f"{date.today().isoformat()}, {corpus.documents} documents"))
        click.echo(f"wrote {len(proposals)} drafts to {target}", err=True)
    sys.exit(ExitStatus.PROBLEMS if failed else ExitStatus.OK)


def _proposal_source(item: Any) -> Any:
    """The ``Source`` of one input file, or why it cannot be read (a short reason)."""
    from tadoru.batch.worker import MAX_PDF_BYTES
    from tadoru.discover.propose import Source
    from tadoru.pages.reader import PageError, PageLimits, read_page, read_raw

    if item.outside:
        return "a symbolic link leading out of its folder: not read (name the file itself to read it)"
    if item.corpus:
        return "a corpus file (.jsonl/.parquet): propose reads pages, texts and PDFs"
    try:
        if item.kind == "pdf":
            from tadoru.pdf import PdfError, extract_pdf

            try:
                document = extract_pdf(read_raw(item.path, PageLimits(page_bytes=MAX_PDF_BYTES)), isolated=True)
            except PdfError as exc:
                return str(exc)
            if not document.text.strip():
                return "the PDF has no text layer"
            return Source(str(item.path), document.text)
        page = read_page(item.path)
    except PageError as exc:
        return exc.message
    return Source(str(item.path), page.text, html=page.kind == "html")


def _proposal_file(folder: Path) -> Path:
    """``DIR/proposed-<date>.yaml``, or ``-2``, ``-3``… beside it: an existing file is never replaced.

    The name is claimed by creating it (``O_EXCL``) before anything is written.
    """
    import os
    from datetime import date

    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"--out {folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.UsageError(f"--out {folder}: cannot create it ({exc.strerror or exc})") from None
    stem = f"proposed-{date.today().isoformat()}"
    for n in range(1, 1000):
        target = folder / (f"{stem}.yaml" if n == 1 else f"{stem}-{n}.yaml")
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        except OSError as exc:
            raise click.UsageError(f"--out {folder}: cannot write there ({exc.strerror or exc})") from None
        return target
    raise click.UsageError(f"--out {folder}: already holds 999 proposal files for today; choose another folder")


def _print_proposals(proposals: list[Any]) -> None:
    if not proposals:
        click.echo("no proposals: the inputs use no term the lexicon lacks (or are not about AI)")
        return
    import unicodedata

    def padded(text: str, width: int) -> str:  # Japanese characters take two columns
        columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
        return text + " " * max(1, width - columns)

    click.echo(f"{'#':>3}  {padded('term', 36)}{'rank':>7} {'docs':>4}  {'level':>5}  deeper (sources)")
    for n, p in enumerate(proposals, 1):
        extra = f"  = {printable(p.long_form)}" if p.long_form else ""
        click.echo(f"{n:>3}  {padded(printable(p.term), 36)}{p.rank:>7.2f} {p.df:>4}  {p.level:>5}  "
                   f"{p.deeper} ({', '.join(p.sources)}){extra}")


# --------------------------------------------------------------------------- serve


@main.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1, or TADORU_HOST).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default 8765, or TADORU_PORT).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker processes (default: number of cores, or TADORU_WORKERS).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the Tadoru service (API, web pages) with a production WSGI server."""
    from tadoru.service.serve import run

    sys.exit(run(host=host, port=port, workers=workers))


if __name__ == "__main__":  # pragma: no cover
    main()
