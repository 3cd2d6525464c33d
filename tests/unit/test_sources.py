"""Decoding files the way a browser would: every clue in order, never assuming UTF-8."""

import pytest

from tadoru.sources import SourceError, decode_bytes, read_source

TEXT = "機械学習のファインチューニングとLoRA"


@pytest.mark.parametrize(("raw", "html", "encoding"), [
    (("\ufeff" + TEXT).encode("utf-8"), True, "utf-8"),
    (TEXT.encode("utf-8"), False, "utf-8"),
    (f'<meta charset="Shift_JIS"><p>{TEXT}</p>'.encode("cp932"), True, "cp932"),
    (f'<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP"><p>{TEXT}</p>'.encode("euc_jp"), True,
     "euc_jp"),
    (f'<?xml version="1.0" encoding="EUC-JP"?><html><p>{TEXT}</p></html>'.encode("euc_jp"), True, "euc_jp"),
    (TEXT.encode("iso2022_jp"), False, "iso2022_jp"),  # 7-bit: would pass for UTF-8 without the escapes
])
def test_decode_uses_bom_declarations_and_escapes(raw, html, encoding):
    text, used = decode_bytes(raw, html=html)
    assert TEXT in text
    assert used == encoding


def test_a_wrong_declaration_falls_through_to_what_decodes():
    raw = f'<meta charset="utf-8"><p>{TEXT}</p>'.encode("cp932")
    text, used = decode_bytes(raw, html=True)
    assert TEXT in text and used != "utf-8"


def test_a_charset_from_outside_the_bytes_wins_over_detection():
    raw = f"<p>{TEXT}</p>".encode("euc_jp")
    assert decode_bytes(raw, html=True, declared="EUC-JP") == (f"<p>{TEXT}</p>", "euc_jp")


def test_read_source_reads_an_undeclared_iso_2022_jp_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(TEXT.encode("iso2022_jp"))
    source = read_source(str(path))
    assert (source.text, source.encoding, source.is_html) == (TEXT, "iso2022_jp", False)


@pytest.mark.parametrize(("content", "reason"), [(b"\x89PNG\r\n\x1a\n\x00\x00", "binary"), (None, "no such file")])
def test_read_source_names_the_file_and_the_reason(tmp_path, content, reason):
    path = tmp_path / "page.html"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        read_source(str(path))
    assert str(caught.value).startswith(str(path)) and reason in str(caught.value)
