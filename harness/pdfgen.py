"""Small PDFs written byte by byte, for tests that need a real PDF without a browser to print one.

``simple_pdf``: one page per list of lines, set in the standard Helvetica (no font embedded:
every PDF reader has it), ASCII only.  ``japanese_pdf``: Japanese lines in a CJK font that is
*not embedded* (Adobe-Japan1 ``KozMinPr6N-Regular`` named, UniJIS-UCS2-H encoding), the kind of
PDF a viewer can only draw with the predefined CMaps and a font of its own (pdf.js's ``cmaps``).
Chromium always embeds fonts, so the tests make this one here.
"""

from __future__ import annotations


def _escape(line: str) -> str:
    if not line.isascii():
        raise ValueError("pdfgen writes ASCII text only")
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def simple_pdf(pages: list[list[str]], *, size: tuple[int, int] = (612, 792), font_size: int = 12) -> bytes:
    """A PDF whose page ``k`` shows ``pages[k]``, one line under another from the top-left margin."""
    width, height = size
    objects: list[bytes] = []  # object k + 1
    page_ids = [4 + 2 * k for k in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for k, lines in enumerate(pages):
        leading = font_size * 1.4
        ops = [f"BT /F1 {font_size} Tf {leading:.1f} TL 72 {height - 72} Td"]
        ops += [f"({_escape(line)}) Tj T*" for line in lines]
        ops.append("ET")
        stream = "\n".join(ops).encode()
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[k] + 1} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return _assemble(objects)


def japanese_pdf(lines: list[str], *, size: tuple[int, int] = (595, 842), font_size: int = 14) -> bytes:
    """One A4 page of Japanese (or any BMP) text in a non-embedded CJK font."""
    width, height = size
    leading = font_size * 1.6
    ops = [f"BT /F1 {font_size} Tf {leading:.1f} TL 56 {height - 72} Td"]
    for line in lines:
        ops.append("<" + line.encode("utf-16-be").hex().upper() + "> Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
         f"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>").encode(),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        (b"<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular /Encoding /UniJIS-UCS2-H "
         b"/DescendantFonts [6 0 R] >>"),
        (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular "
         b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /FontDescriptor 7 0 R /DW 1000 >>"),
        (b"<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 6 /FontBBox [-437 -340 1147 1317] "
         b"/ItalicAngle 0 /Ascent 1317 /Descent -349 /CapHeight 742 /StemV 80 >>"),
    ]
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_with_stream(stream: bytes, filters: bytes = b"") -> bytes:
    """One page whose content stream is ``stream`` as given (``filters``: e.g. ``/Filter /FlateDecode``)."""
    return _assemble([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
         b"/Contents 4 0 R >>"),
        b"<< /Length %d %s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ])


def encrypted_pdf(data: bytes, *, user_password: str = "secret", owner_password: str = "owner") -> bytes:
    """``data`` encrypted with pypdf (RC4-128, needs no ``cryptography``), a test-only dependency:
    PDFium cannot write encryption.  An empty ``user_password`` leaves it readable by anyone."""
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
