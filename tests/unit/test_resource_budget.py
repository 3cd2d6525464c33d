"""Inlining is bounded by what it writes (issue 18 #7): decode once, budget before decoding."""

from __future__ import annotations

import lxml.html

from harness.hostile import many_references_archive, mhtml_archive
from tadoru.pages import resources
from tadoru.pages.mhtml import parse_mhtml
from tadoru.pages.reader import MhtmlResources


def test_a_part_is_decoded_once_however_often_it_is_referenced(monkeypatch):
    archive = parse_mhtml(many_references_archive(size=200_000, references=50))
    part = archive.parts["https://example.org/big.png"]
    calls = []
    original = part.get_payload

    def counting(*args, **kwargs):
        if kwargs.get("decode"):
            calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(part, "get_payload", counting)
    for n in range(50):
        assert archive.resource(f"https://example.org/big.png#{n}") is not None
    assert len(calls) == 1


def test_a_part_past_the_bound_is_refused_before_it_is_decoded():
    archive = parse_mhtml(many_references_archive(size=300_000, references=1))
    assert archive.resource("https://example.org/big.png", max_bytes=100_000) is None
    assert archive._decoded == {}  # nothing decoded
    assert archive.resource("https://example.org/big.png", max_bytes=400_000) is not None


def test_every_use_is_charged_so_the_copy_stays_within_the_budget(monkeypatch):
    monkeypatch.setattr(resources, "MAX_INLINED_BYTES", 1_000_000)
    archive = parse_mhtml(many_references_archive(size=200_000, references=40))
    root = lxml.html.document_fromstring(archive.html.decode("utf-8"))
    count = resources.inline_resources(root, MhtmlResources(archive))
    written = sum(len(img.get("src")) for img in root.iter("img") if img.get("src", "").startswith("data:"))
    assert count == 3 and written <= 1_000_000  # a 200 kB image is a 267 kB data: URL: three fit


def test_inlining_stops_at_the_deadline(monkeypatch):
    monkeypatch.setattr(resources, "MAX_INLINE_SECONDS", -1.0)  # already past it
    html = '<html><body><img src="https://example.org/a.png"></body></html>'
    archive = parse_mhtml(mhtml_archive(html, {"https://example.org/a.png": ("image/png", b"\x89PNG....")}))
    root = lxml.html.document_fromstring(archive.html.decode("utf-8"))
    assert resources.inline_resources(root, MhtmlResources(archive)) == 0
