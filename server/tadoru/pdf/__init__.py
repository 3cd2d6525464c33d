"""PDF text with positions: the text of a paper's pages as a reader sees it, and a way back.

Research papers arrive as PDFs.  ``extract_pdf(data)`` turns the file's bytes into the text
Tadoru annotates (``PdfText.text``: words hyphenated at line ends joined, lines of a paragraph
joined, paragraphs apart) and ``PdfText.rects(start, end)`` draws any span of it back onto the
pages as boxes.  PDFium (through pypdfium2, Apache-2.0/BSD) reads the file; ``read`` is the only
module that calls it, ``layout`` cleans the text, ``document`` holds the result, and
``annotated`` annotates it for a reader (the API's and batch's ``annotate_pdf``).

This room sits beside ``pages``: it may import the annotator and lower, never the service.
"""

from __future__ import annotations

from tadoru.pdf.annotated import AnnotatedPdf, PdfAnnotation, annotate_pdf
from tadoru.pdf.document import MAX_CHARS, MAX_PAGES, NO_TEXT_LAYER, PageInfo, PdfText, Rect, extract_pdf
from tadoru.pdf.errors import InvalidPdf, PdfEncrypted, PdfError, PdfTooComplex, PdfTooLong

__all__ = [
    "MAX_CHARS",
    "MAX_PAGES",
    "NO_TEXT_LAYER",
    "AnnotatedPdf",
    "InvalidPdf",
    "PageInfo",
    "PdfAnnotation",
    "PdfEncrypted",
    "PdfError",
    "PdfText",
    "PdfTooComplex",
    "PdfTooLong",
    "Rect",
    "annotate_pdf",
    "extract_pdf",
]
