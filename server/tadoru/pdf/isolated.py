"""PDFium in a child process, under a memory and a time limit.

A PDF is a program for a parser: one of 1 MB whose content stream inflates to gigabytes made
PDFium abort (SIGABRT on a failed allocation) and took the service's worker down with every
request it held.  Page and character counts cannot see that coming, so the service and batch
read PDFs in a child process with its address space capped (``RLIMIT_AS``) and a deadline: a
hostile file kills only the child and becomes ``PdfTooComplex``.

Children come from a ``forkserver`` that has imported PDFium once: starting one costs a fork of
a small, single-threaded process (about 10 ms), not a new interpreter, and never forks the
multi-threaded service itself.  The pages come back pickled (16 bytes a character of boxes).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from tadoru.pdf.errors import InvalidPdf, PdfError, PdfTooComplex
from tadoru.pdf.read import RawPage, read_pages

#: What one PDF may take: the service worker's own default ceiling, and a minute.
MEMORY_LIMIT = 1536 * 1024 * 1024
SECONDS = 60.0

_context: Any = None
_context_lock = threading.Lock()


def _forkserver() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["tadoru.pdf.read"])
            _context = context
        return _context


def read_pages_isolated(data: bytes, *, max_pages: int, max_chars: int, memory: int = MEMORY_LIMIT,
                        seconds: float = SECONDS) -> list[RawPage]:
    """``read_pages`` in a child process; ``PdfTooComplex`` when it passes ``memory`` bytes or ``seconds``.

    A daemonic process may not start children (a Dask worker, say): there PDFium runs in this
    process, bounded only by its page and character limits, and the cluster's own memory limit.
    """
    if multiprocessing.current_process().daemon or not _main_importable():
        return read_pages(data, max_pages=max_pages, max_chars=max_chars)
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, bytes(data), max_pages, max_chars, memory),
                            name="tadoru-pdfium", daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise PdfTooComplex(f"reading it took more than {seconds:g} s")
        try:
            kind, value = receiver.recv()
        except EOFError:  # the child died: PDFium aborted, most often out of memory
            raise PdfTooComplex(f"reading it needed more than {memory // 2**20} MiB of memory") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if kind == "pages":
        return value
    if isinstance(value, PdfError):
        raise value
    raise InvalidPdf(f"PDFium failed on it: {value}")


def _main_importable() -> bool:
    """Can a child made by multiprocessing import this program's ``__main__``, as it does first?

    It cannot for code read from standard input or typed at a prompt: PDFium then runs in this
    process (its page and character limits still hold).  Scripts, ``python -m``, the ``tadoru``
    command and the service are all importable.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        return True
    path = getattr(main, "__file__", None)
    return path is None or os.path.isfile(path)


def _child(sender: Connection, data: bytes, max_pages: int, max_chars: int, memory: int) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        try:
            result: tuple[str, Any] = ("pages", read_pages(data, max_pages=max_pages, max_chars=max_chars))
        except PdfError as exc:
            result = ("error", exc)
        except MemoryError:
            result = ("error", PdfTooComplex(f"reading it needed more than {memory // 2**20} MiB of memory"))
        except Exception as exc:  # noqa: BLE001 - reported to the parent as a damaged PDF, never a traceback
            result = ("error", f"{type(exc).__name__}: {exc}")
        sender.send(result)
    finally:
        sender.close()
