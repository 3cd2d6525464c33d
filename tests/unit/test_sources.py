"""Decoding files the way a browser would: every clue in order, never assuming UTF-8."""

from pathlib import Path

import pytest

from tadoru.pages.reader import PageError, read_page
from tadoru.text.decoding import decode_bytes

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


def test_the_page_reader_reads_an_undeclared_iso_2022_jp_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(TEXT.encode("iso2022_jp"))
    page = read_page(path)
    assert (page.text, page.encoding, page.kind) == (TEXT, "iso2022_jp", "text")


@pytest.mark.parametrize(("content", "reason"), [(b"\x89PNG\r\n\x1a\n\x00\x00", "binary"), (None, "unreadable")])
def test_the_page_reader_names_the_reason(tmp_path, content, reason):
    path = tmp_path / "page.html"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PageError) as caught:
        read_page(path)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("name", "raw", "kind"), [
    ("notes", b"<p>LoRA</p>", "html"),
    ("notes", b"LoRA is small", "text"),
    ("saved", b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\n", "mhtml"),
])
def test_sniffing_names_tadoru_does_not_know(name, raw, kind, tmp_path):
    if kind == "mhtml":
        with pytest.raises(PageError):  # read as an archive (this one has no page part)
            read_page(Path(name), raw, sniff=True)
        return
    assert read_page(Path(name), raw, sniff=True).kind == kind
