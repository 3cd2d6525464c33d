"""PDFium's view of each page: its characters, in content-stream order, and a box for each.

Everything that touches PDFium is here, so the rest of the package works on plain Python data
(a string and an array of floats per page) and never holds a PDFium handle: the document is
closed before ``read_pages`` returns, and the result can be kept, pickled or shared freely.

PDFium has no bulk call for character boxes, so ``FPDFText_GetLooseCharBox`` is called once per
character — the hot spot of extraction.  pypdfium2's binding of it checks and converts its
typed pointer arguments on every call (1.2 µs a character here); ``_box_reader`` calls the same
C function through a prototype that takes plain addresses, writing straight into one array of
rectangles per page (0.5 µs), which is then converted in bulk.  The page's text itself comes in
one ``FPDFText_GetText`` call.  Loose boxes are used because they span the font's whole
height: a highlight made from them covers a line evenly instead of hugging each glyph's ink.

PDFium is not thread-safe — no two threads may call it at the same time, even on different
documents — so every read holds ``PDFIUM_LOCK``.
"""

from __future__ import annotations

import ctypes
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pypdfium2
import pypdfium2.raw as pdfium_c

from tadoru.pdf.errors import InvalidPdf, PdfEncrypted, PdfTooLong

#: Serialises every use of PDFium in this process (see the module docstring).
PDFIUM_LOCK = threading.Lock()

#: PDFium's load errors that mean "a password is needed" rather than "this is not a PDF".
_ENCRYPTED_CODES = frozenset({pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY})


@dataclass(frozen=True, slots=True)
class RawPage:
    """One page as PDFium reads it.

    ``text[i]`` is the textpage's character ``i`` (PDFium's own ``\\r\\n`` line ends and its
    U+FFFE end-of-line hyphens included); ``x0[i], y0[i], x1[i], y1[i]`` is its loose box in
    PDF points from the top-left corner of the page as displayed (PDFium's origin is the
    bottom-left of the page unturned: see ``_loose_boxes``); ``width`` and ``height`` are the
    displayed page's.  A character PDFium made up (a space, a line end) has an empty box at
    the previous character's origin.  Four ``array('f')`` hold 16 bytes a character.
    """

    text: str
    width: float
    height: float
    x0: array
    y0: array
    x1: array
    y1: array


def read_pages(data: bytes, *, max_pages: int, max_chars: int) -> list[RawPage]:
    """Every page of the PDF in ``data``, or the reason it cannot be read.

    Limits are checked before the work they bound: the page count before any page is parsed,
    the character count page by page before that page's boxes are read, so a hostile file
    costs at most one page beyond the limit.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"extract_pdf() needs the PDF as bytes, not {type(data).__name__}")
    data = bytes(data)
    if b"%PDF" not in data[:1024]:
        # The header must sit in the first 1,024 bytes (ISO 32000-1, 7.5.2, as readers apply it);
        # without one, PDFium would say "format error" too, but only after trying to repair it.
        raise InvalidPdf("not a PDF (no %PDF header)")
    with PDFIUM_LOCK:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            if getattr(exc, "err_code", None) in _ENCRYPTED_CODES:
                raise PdfEncrypted("the PDF is protected by a password") from None
            raise InvalidPdf(f"PDFium cannot open it: {exc}") from None
        try:
            count = len(pdf)
            if count > max_pages:
                raise PdfTooLong("pages", count, max_pages)
            pages: list[RawPage] = []
            total = 0
            for index in range(count):
                page = _read_page(pdf, index, total, max_chars)
                total += len(page.text)
                pages.append(page)
            return pages
        finally:
            pdf.close()


def _read_page(pdf: pypdfium2.PdfDocument, index: int, total: int, max_chars: int) -> RawPage:
    """Page ``index``; ``total`` characters were read before it, of ``max_chars`` allowed.

    A page PDFium cannot load or read text from makes the whole PDF ``InvalidPdf``: a paper
    with a page silently missing would be annotated as if it were whole.
    """
    try:
        page = pdf[index]
        try:
            bbox = page.get_bbox()
            rotation = page.get_rotation() % 360
            width, height = page.get_size()  # as displayed: a page turned a quarter shows its height as width
            textpage = page.get_textpage()
            try:
                raw = textpage.raw
                n = pdfium_c.FPDFText_CountChars(raw)
                if n < 0:
                    raise InvalidPdf(f"page {index + 1}: PDFium cannot read its text")
                if total + n > max_chars:
                    raise PdfTooLong("characters", total + n, max_chars)
                text = _page_text(raw, n)
                x0, y0, x1, y1 = _loose_boxes(raw, n, bbox, rotation)  # empty boxes placed too
            finally:
                textpage.close()
        finally:
            page.close()
    except pypdfium2.PdfiumError as exc:
        raise InvalidPdf(f"page {index + 1} cannot be read: {exc}") from None
    return RawPage(text, float(width), float(height), x0, y0, x1, y1)


def _page_text(raw: Any, n: int) -> str:
    """The textpage's characters, one Python character for each (``len(result) == n``).

    One ``FPDFText_GetText`` call gives the lot; on the rare page where its output does not
    line up with the character list (pypdfium2 documents that PDFium may drop or insert
    characters there), each character is asked for on its own instead.
    """
    if n == 0:
        return ""
    buffer = (ctypes.c_ushort * (2 * n + 1))()  # an astral character takes two UTF-16 units
    written = pdfium_c.FPDFText_GetText(raw, 0, n, buffer)
    text = bytes(memoryview(buffer).cast("B")[: max(written - 1, 0) * 2]).decode("utf-16-le", "replace")
    if len(text) == n:
        return text
    get = pdfium_c.FPDFText_GetUnicode
    chars = []
    for i in range(n):
        cp = get(raw, i)
        chars.append(chr(cp) if 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else "\ufffd")
    return "".join(chars)


def _loose_boxes(raw: Any, n: int, bbox: tuple[float, float, float, float],
                 rotation: int) -> tuple[array, array, array, array]:
    """The loose box of every character, as four arrays (x0, y0, x1, y1) from the top-left corner.

    PDFium gives boxes in the page's own space (origin at the bottom-left of the page unturned)
    but reads the text as the page is displayed, turned clockwise by its ``/Rotate``: a
    landscape table or a scan drawn sideways and turned upright reads in lines there.  So the
    boxes are turned the same way, once, here: ``(x0, y0)`` is the top-left corner of the box
    as a viewer shows the page, which is also what ``tadoru.pdf.layout`` reasons about.
    """
    page = ctypes.cast(raw, ctypes.c_void_p).value
    left, bottom, right, top = bbox
    in_c = _compiled_box_loop()
    if in_c is not None and page and rotation in (0, 90, 180, 270):
        # The same calls and the same turn, in the compiled core's loop (tadoru.fastcore): a
        # tenth of the time of a ctypes call and four Python passes per character.
        x0, y0, x1, y1 = (array("f", bytes(4 * n)) for _ in range(4))
        if n:
            in_c(_box_function_address(), page, n, rotation, left, bottom, right, top,
                 x0.buffer_info()[0], y0.buffer_info()[0], x1.buffer_info()[0], y1.buffer_info()[0])
        return x0, y0, x1, y1  # placed by the compiled loop as _place_empty_boxes does
    rects = (pdfium_c.FS_RECTF * n)()  # left, top, right, bottom: four C floats each
    size = ctypes.sizeof(pdfium_c.FS_RECTF)
    at = ctypes.addressof(rects)
    get_box = _box_reader()
    for i in range(n):
        if not get_box(page, i, at + size * i):
            ctypes.memset(at + size * i, 0, size)  # only for an index PDFium refuses; an empty box
    floats = array("f")
    floats.frombytes(bytes(rects))
    lefts, tops, rights, bottoms = floats[0::4], floats[1::4], floats[2::4], floats[3::4]
    if rotation == 90:  # the page's top is on the right: x' = y - bottom, y' = x - left
        return _placed(array("f", [v - bottom for v in bottoms]), array("f", [v - left for v in lefts]),
                       array("f", [v - bottom for v in tops]), array("f", [v - left for v in rights]))
    if rotation == 180:  # upside down: x' = right - x, y' = y - bottom
        return _placed(array("f", [right - v for v in rights]), array("f", [v - bottom for v in bottoms]),
                       array("f", [right - v for v in lefts]), array("f", [v - bottom for v in tops]))
    if rotation == 270:  # the page's top is on the left: x' = top - y, y' = right - x
        return _placed(array("f", [top - v for v in tops]), array("f", [right - v for v in rights]),
                       array("f", [top - v for v in bottoms]), array("f", [right - v for v in lefts]))
    return _placed(array("f", [v - left for v in lefts]), array("f", [top - v for v in tops]),
                   array("f", [v - left for v in rights]), array("f", [top - v for v in bottoms]))


def _placed(x0: array, y0: array, x1: array, y1: array) -> tuple[array, array, array, array]:
    _place_empty_boxes(x0, y0, x1, y1)
    return x0, y0, x1, y1


def _place_empty_boxes(x0: array, y0: array, x1: array, y1: array) -> None:
    """Move every box without ink (a space, a line end, a character PDFium made up) to the
    right edge of the last inked character before it, keeping it empty (``x1 == x0``).

    PDFium puts a made-up character at its guess of the previous character's origin, and that
    guess can be far off — in a form XObject drawn turned, it lands mid-page — which would
    stretch the line it belongs to.  Placed here, such a box sits inside its line, so the
    line's extent is the extent of its boxes, and ``rects`` still sees that it has no ink.
    """
    empty = [i for i in range(len(x0)) if x1[i] <= x0[i] or y1[i] <= y0[i]]
    if not empty:
        return
    last = -1  # the last inked character so far
    pending: list[int] = []  # empty boxes before the first inked one: placed at its left edge
    inked = 0
    for i in empty:
        if i > inked:
            last = i - 1  # the character just before an empty one has ink (or was placed already)
        inked = i + 1
        if last < 0:
            pending.append(i)
            continue
        x0[i] = x1[i] = x1[last]
        y0[i], y1[i] = y0[last], y1[last]
    if pending:
        first = pending[-1] + 1
        if first < len(x0):
            for i in pending:
                x0[i] = x1[i] = x0[first]
                y0[i], y1[i] = y0[first], y1[first]


def _box_function_address() -> int:
    address = ctypes.cast(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_void_p).value
    assert address, "pypdfium2 loaded no FPDFText_GetLooseCharBox"
    return address


@lru_cache(maxsize=1)
def _compiled_box_loop() -> Callable[..., None] | None:
    """The compiled core's loop over ``FPDFText_GetLooseCharBox`` (``tadoru.fastcore``), if built."""
    from tadoru import fastcore

    return fastcore.pdfium_boxes()


@lru_cache(maxsize=1)
def _box_reader() -> Callable[[int | None, int, int], int]:
    """``FPDFText_GetLooseCharBox`` as a C function of plain addresses (see the module docstring).

    The prototype matches PDFium's declaration — ``FPDF_BOOL (FPDF_TEXTPAGE, int, FS_RECTF*)``
    with FPDF_BOOL an ``int`` — and points at the very function pypdfium2 loaded.
    """
    address = ctypes.cast(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_void_p).value
    assert address, "pypdfium2 loaded no FPDFText_GetLooseCharBox"
    prototype = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
    return prototype(address)
