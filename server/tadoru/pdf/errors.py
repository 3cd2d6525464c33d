"""Why a PDF was refused: one exception type per cause, so a caller can answer each differently.

A reader who uploads a password-protected paper needs to hear "remove the password", one who
uploads a broken file "this is not a PDF", and one who uploads a 2,000-page book "too long";
a single generic error could say none of these.  All of them are ``ValueError``s: the input,
not Tadoru, is at fault.
"""

from __future__ import annotations


class PdfError(ValueError):
    """Base class of the PDF errors: the bytes given cannot be read as a paper."""


class InvalidPdf(PdfError):
    """Not a PDF at all, or one too damaged for PDFium to open or to read a page of."""


class PdfEncrypted(PdfError):
    """The PDF needs a password to be opened (or uses a security handler PDFium does not know)."""


class PdfTooLong(PdfError):
    """More pages, or more characters, than the caller allows.

    ``what`` is ``"pages"`` or ``"characters"``; ``count`` is how many were found before the
    reading stopped (at least ``limit + 1``), so the message can say which limit was passed.
    """

    def __init__(self, what: str, count: int, limit: int) -> None:
        super().__init__(f"the PDF has more than {limit:,} {what} (at least {count:,})")
        self.what = what
        self.count = count
        self.limit = limit

    def __reduce__(self) -> tuple[type[PdfTooLong], tuple[str, int, int]]:
        # Pickled by value: tadoru.pdf.isolated sends it from the PDFium child process.
        return PdfTooLong, (self.what, self.count, self.limit)


class PdfTooComplex(PdfError):
    """Reading the PDF needed more memory or time than one document may take (a compression bomb,
    say): PDFium ran in a child process under those limits and was stopped (``tadoru.pdf.isolated``)."""
