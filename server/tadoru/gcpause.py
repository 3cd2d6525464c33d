"""Pausing Python's cyclic garbage collector while one large page is annotated.

Annotating a page allocates hundreds of thousands of small objects (lxml element proxies, text
slots, candidate tuples) that reference counting frees on its own: none of them form cycles.
The cyclic collector still runs every few hundred allocations and, once a big page has made its
older generations large, each pass walks all of them again, so a 10 MB page cost about a
quarter more per MB than a 100 KB one (benchmarks/bench_html.py).  Pausing it for the call
makes the cost linear; whatever does survive is looked at once, after the call.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Keep the cyclic collector off inside the block (nestable, shared by threads).

    The collector is switched back on when the last block in any thread ends, and only if it
    was on when the first one began, so a program that turned it off itself keeps it off.
    """
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
