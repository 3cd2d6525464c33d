"""The compiled matching core (issue 20): its tables, and whether this install has it.

``_scan.pyx`` is compiled by the build hook (``hatch_build.py``) when a C compiler is there.
Without it Tadoru still installs and works on the pure-Python path, which stays the reference:
``tests/unit/test_fastcore.py`` requires both paths to give identical annotations.

The tables are plain ``array.array`` objects built from the same key table as the Aho–Corasick
automaton, so ``tadoru.compiled_cache`` pickles them with the rest of the compiled lexicon.
``TADORU_PURE_PYTHON=1`` switches the compiled core off (to compare, or to rule it out).
"""

from __future__ import annotations

import logging
import os
from array import array
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tadoru.text.normalize import fold_codes

log = logging.getLogger("tadoru")

try:  # the extension module exists only where the build hook could compile it
    from tadoru.fastcore import _scan  # type: ignore[attr-defined]
except ImportError as exc:  # pragma: no cover - exercised by the no-compiler packaging test
    _scan = None
    IMPORT_ERROR: str | None = str(exc)
else:
    IMPORT_ERROR = None

_warned = False
#: The tables' layout; _scan.LAYOUT must agree (a stale cache entry or build is then not used).
TABLES_LAYOUT = 1


def available() -> bool:
    """Is the compiled core built into this install and not switched off?"""
    return _scan is not None and os.environ.get("TADORU_PURE_PYTHON", "") in ("", "0")


def status() -> str:
    """One line for logs and ``tadoru --version``: which text path this process runs."""
    if _scan is None:
        return f"pure-Python matcher (the compiled core was not built: {IMPORT_ERROR})"
    if not available():
        return "pure-Python matcher (TADORU_PURE_PYTHON is set)"
    return "compiled matching core"


def pdfium_boxes() -> Callable[..., None] | None:
    """The compiled loop that reads PDFium's character boxes (``tadoru.pdf.read``), or ``None``."""
    return _scan.pdfium_boxes if available() and _scan is not None else None


def tables_key() -> str:
    """What a cached compiled lexicon's tables depend on besides the Python sources (compiled_cache's key)."""
    return f"fastcore-{TABLES_LAYOUT}-{int(_scan.LAYOUT)}" if available() and _scan is not None else "fastcore-off"


def warn_if_missing() -> None:
    """Say once per process that the fast path is off because it was not built."""
    global _warned
    if _scan is None and not _warned:
        _warned = True
        log.warning("tadoru: the compiled matching core is not installed (%s); annotating on the slower "
                    "pure-Python path. Reinstall with a C compiler present to get it.", IMPORT_ERROR)


def build_tables(keys: Mapping[str, Sequence[Any]], concept_ids: Sequence[str], levels: Sequence[int],
                 library: Sequence[bool]) -> dict[str, array[int]]:
    """The compiled core's tables: a character trie of every key, its entries, and per-concept data.

    ``keys`` maps each normalised key to its entries (``tadoru.matcher.Entry``: concept, cased
    spelling, ambiguous), in the order the Python matcher tries them.  A trie rather than the
    automaton: the core looks keys up only where one can start, so it needs no failure links.
    """
    index = {cid: k for k, cid in enumerate(concept_ids)}
    children: list[dict[str, int]] = [{}]
    node_key = array("i", [-1])
    key_lo, key_hi = array("i"), array("i")
    ent_concept, ent_cased, ent_amb = array("i"), array("i"), array("B")
    cased_lo, cased_hi, cased_chars = array("i"), array("i"), array("I")
    for key, entries in keys.items():
        if not key:
            continue
        node = 0
        for ch in key:
            nxt = children[node].get(ch)
            if nxt is None:
                nxt = children[node][ch] = len(children)
                children.append({})
                node_key.append(-1)
            node = nxt
        node_key[node] = len(key_lo)
        key_lo.append(len(ent_concept))
        for entry in entries:
            ent_concept.append(index[entry.concept])
            ent_amb.append(1 if entry.ambiguous else 0)
            if entry.cased is None:
                ent_cased.append(-1)
            else:
                ent_cased.append(len(cased_lo))
                cased_lo.append(len(cased_chars))
                cased_chars.extend(ord(c) for c in entry.cased)
                cased_hi.append(len(cased_chars))
        key_hi.append(len(ent_concept))
    # Nodes renumbered breadth-first: the shallow nodes every lookup passes through, and their
    # edges, then sit together in memory (the scan is bound by cache misses, not by compares).
    # A node's new number is its place in ``order``, known as it is queued.
    order = [0]
    child_lo, child_hi = array("i"), array("i")
    edge_cp, edge_node = array("I"), array("i")
    for old in order:
        kids = children[old]
        child_lo.append(len(edge_cp))
        for ch in sorted(kids):
            edge_cp.append(ord(ch))
            edge_node.append(len(order))
            order.append(kids[ch])
        child_hi.append(len(edge_cp))
    node_key = array("i", [node_key[old] for old in order])
    root_bmp = array("i", [-1]) * 0x10000
    for e in range(child_lo[0], child_hi[0]):
        if edge_cp[e] < 0x10000:
            root_bmp[edge_cp[e]] = edge_node[e]
    return {
        "layout": array("i", [TABLES_LAYOUT]),
        "root_bmp": root_bmp, "child_lo": child_lo, "child_hi": child_hi, "edge_cp": edge_cp,
        "edge_node": edge_node, "node_key": node_key, "key_lo": key_lo, "key_hi": key_hi,
        "ent_concept": ent_concept, "ent_cased": ent_cased, "ent_amb": ent_amb,
        "cased_lo": cased_lo, "cased_hi": cased_hi, "cased_chars": cased_chars,
        "concept_level": array("i", levels), "concept_library": array("B", [1 if x else 0 for x in library]),
    }


def load_core(tables: dict[str, array[int]], concept_ids: Sequence[str], *, map_cluster: Callable[[str], str],
              check_growth: Callable[[str, int, int], None], written: Callable[[str, int, int], str]) -> Any:
    """A ``_scan.Core`` over ``tables``, or ``None`` when the compiled core is off or the tables are stale.

    The callables are the Python rules for the rare cases the tables cannot settle (see _scan.pyx).
    """
    if not available() or int(_scan.LAYOUT) != TABLES_LAYOUT or tables.get("layout", array("i", [-1]))[0] != TABLES_LAYOUT:
        return None
    arrays = dict(tables, fold=fold_codes(True), unfold=fold_codes(False))
    return _scan.Core(arrays, list(concept_ids), map_cluster, check_growth, written)
