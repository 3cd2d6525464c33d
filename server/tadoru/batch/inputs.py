"""Which files a batch reads, and where each one's outputs go.

``tadoru annotate PATH… --out DIR`` takes files, folders (searched recursively) and shell
globs (also when quoted, so it works where the shell does not expand them).  The output folder
mirrors the input tree: paths are kept relative to the deepest folder that holds every input,
so ``tadoru annotate saved/ --out out`` turns ``saved/ml/lora.html`` into ``out/ml/lora.html``.

Usage mistakes — a path that does not exist, nothing to read, an ``--out`` inside an input
folder (the next run would read its own outputs), a non-empty folder Tadoru did not write — are
``BatchError``s, which the CLI turns into exit status 2.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tadoru.batch.corpus_inputs import CORPUS_SUFFIXES, corpus_kind
from tadoru.pages.reader import PAGE_SUFFIXES, page_kind

STATE_DIR = ".tadoru"
INDEX_NAME = "index.html"
REPORT_NAME = "report.json"
_GLOB_CHARS = frozenset("*?[")
PDF_SUFFIX = ".pdf"
_KEEP_HTML_SUFFIXES = (".html", ".htm")  # kept, so links between saved pages still work


class BatchError(Exception):
    """A usage problem with the whole batch (exit status 2); the message says what to do."""


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path  # absolute, as found (symlinks not resolved)
    rel: PurePosixPath  # relative to the batch's common root
    explicit: bool  # named on the command line (not found in a folder)
    outside: bool = False  # found in a folder, but a symbolic link leads out of it (not read)

    @property
    def kind(self) -> str | None:
        return page_kind(self.path) or pdf_kind(self.path)

    @property
    def corpus(self) -> bool:
        """A corpus file (JSON Lines, Parquet) rather than a page."""
        return corpus_kind(self.path) is not None


@dataclass(slots=True)
class Inputs:
    files: list[InputFile]
    folders: list[Path]  # resolved folders given as inputs
    root: Path  # the common root the output tree mirrors
    outputs: dict[PurePosixPath, dict[str, PurePosixPath]] = field(default_factory=dict)


def discover(paths: list[str], *, follow_symlinks: bool = False) -> Inputs:
    """Every page named by ``paths``, in a stable order.

    A page found in a folder is read only if it really lies inside that folder: a symbolic link
    such as ``host.txt -> /etc/hostname`` would otherwise copy any file of the reader's disk into
    an output page and ``report.json`` (issue 18 #10).  Such links are listed (``outside``) and
    not read, unless ``follow_symlinks``; a file named on the command line is always read, since
    the user chose it.  Linked folders are never descended into.
    """
    if not paths:
        raise BatchError("name at least one file or folder to annotate")
    found: dict[Path, tuple[Path, bool, bool]] = {}  # resolved → (absolute, explicit, outside)
    folders: list[Path] = []
    anchors: list[Path] = []
    for raw in paths:
        matches = _expand(raw)
        for match in matches:
            absolute = Path(os.path.abspath(match))
            if absolute.is_dir():
                folder = absolute.resolve()
                folders.append(folder)
                anchors.append(absolute)
                for page in _walk(absolute):
                    resolved = page.resolve()
                    # (A dangling link leads nowhere: it fails to read, as "unreadable".)
                    outside = not follow_symlinks and not resolved.is_relative_to(folder) and resolved.exists()
                    found.setdefault(page if outside else resolved, (page, False, outside))
            else:
                anchors.append(absolute.parent)
                explicit = not any(c in raw for c in _GLOB_CHARS)
                if not explicit and _readable_kind(absolute) is None:
                    continue  # a glob like saved/* also matches images: only pages and corpora count
                previous = found.get(absolute.resolve())
                found[absolute.resolve()] = (absolute, explicit or (previous is not None and previous[1]), False)
    if not found:
        raise BatchError("found no pages to annotate in " + ", ".join(paths)
                         + f" (Tadoru reads {', '.join(PAGE_SUFFIXES + (PDF_SUFFIX,) + CORPUS_SUFFIXES)})")
    root = Path(os.path.commonpath([str(a) for a in anchors]))
    files = [InputFile(absolute, PurePosixPath(Path(os.path.relpath(absolute, root)).as_posix()), explicit, outside)
             for absolute, explicit, outside in found.values()]
    files.sort(key=lambda f: str(f.rel))
    return Inputs(files, folders, root)


def pdf_kind(path: Path) -> str | None:
    """``"pdf"`` for a PDF: read by ``tadoru.pdf`` rather than the page reader (batch/worker.py)."""
    return "pdf" if path.suffix.lower() == PDF_SUFFIX else None


def _readable_kind(path: Path) -> str | None:
    return page_kind(path) or pdf_kind(path) or corpus_kind(path)


def _expand(raw: str) -> list[str]:
    if os.path.lexists(raw):
        return [raw]
    if any(c in raw for c in _GLOB_CHARS):
        matches = sorted(glob.glob(os.path.expanduser(raw), recursive=True))
        if not matches:
            raise BatchError(f"{raw}: matches no files")
        return matches
    raise BatchError(f"{raw}: no such file or folder")


def _walk(folder: Path) -> list[Path]:
    """Pages under ``folder``: hidden entries and a saved page's ``<name>_files`` folder skipped."""
    pages: list[Path] = []
    for current, dirnames, filenames in os.walk(folder):
        here = Path(current)
        stems = {Path(n).stem for n in filenames if page_kind(Path(n)) in ("html", "mhtml")}
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and not (d.endswith("_files") and d[: -len("_files")] in stems))
        for name in sorted(filenames):
            if not name.startswith(".") and _readable_kind(Path(name)) is not None:
                pages.append(here / name)
    return pages


def check_out_dir(out_dir: Path, inputs: Inputs) -> Path:
    """The resolved output folder, or ``BatchError`` if writing there could hurt an input."""
    out = Path(os.path.abspath(out_dir)).resolve()
    for folder in inputs.folders:
        if out == folder:
            raise BatchError(f"--out {out_dir} is the input folder itself: choose a folder outside {folder}")
        if out.is_relative_to(folder):
            raise BatchError(f"--out {out_dir} is inside the input folder {folder}: the next run would read "
                             "the outputs as pages; choose a folder outside it")
    for item in inputs.files:
        if item.path.resolve().is_relative_to(out):
            raise BatchError(f"the input {item.path} is inside --out {out_dir}: choose another output folder")
    if out.exists() and not out.is_dir():
        raise BatchError(f"--out {out_dir} exists and is not a folder")
    if out.is_dir() and not (out / STATE_DIR).is_dir() and any(out.iterdir()):
        raise BatchError(f"--out {out_dir} is not empty and was not written by 'tadoru annotate': "
                         "choose a new or empty folder")
    return out


def assign_outputs(inputs: Inputs, fmt: str) -> None:
    """Give each page unique output paths (``{"html": …, "json": …}``) mirroring the inputs.

    Pages keep their names (``.htm`` stays ``.htm`` so links between saved pages still work);
    MHTML, text and Markdown become ``.html``; annotations are ``<name>.jsonld``.  Clashes (a
    ``notes.txt`` beside a ``notes.html``, or an ``index.html`` where the study plan goes) are
    settled by adding the old suffix (``notes-txt.html``), HTML pages first, then by path.
    """
    taken = {PurePosixPath(INDEX_NAME).stem, PurePosixPath(REPORT_NAME).stem, STATE_DIR}  # casefolded stems
    order = sorted(inputs.files, key=lambda f: (f.kind not in ("html", None), str(f.rel)))
    for item in order:
        rel = item.rel
        suffix = rel.suffix.lower()
        stem_name = rel.stem if rel.suffix else rel.name
        candidates = [stem_name, f"{stem_name}-{suffix.lstrip('.')}" if suffix else f"{stem_name}-page"]
        candidates += [f"{stem_name}-{n}" for n in range(2, 1000)]
        for candidate in candidates:
            key = rel.parent / candidate
            if key.as_posix().casefold() not in taken:
                taken.add(key.as_posix().casefold())
                break
        html_suffix = suffix if suffix in _KEEP_HTML_SUFFIXES else ".html"
        outputs: dict[str, PurePosixPath] = {}
        if fmt in ("html", "both"):
            outputs["html"] = key.with_name(key.name + html_suffix)
        if fmt in ("json", "both"):
            outputs["json"] = key.with_name(key.name + ".jsonld")
        inputs.outputs[item.rel] = outputs
