"""Small PDFs written byte by byte, for tests that need a real PDF without a browser to print one.

One page per list of lines, set in the standard Helvetica (no font embedded: every PDF reader
has it), ASCII only — for Japanese or layout, the tests print HTML with Chromium instead.
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
