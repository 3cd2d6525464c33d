"""Reading MHTML archives (Chromium's "Webpage, Single File" ``.mhtml``/``.mht``).

An MHTML file is a MIME ``multipart/related`` message (RFC 2557): the page's HTML is one part,
and every image, stylesheet and frame it used is another part, named by ``Content-Location``
(or ``Content-ID``, referenced as ``cid:``).  The standard library's ``email`` package reads it;
this module finds the page part and keeps the others addressable by URL so the batch output
can inline them and open offline.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urldefrag

MHTML_SUFFIXES = (".mhtml", ".mht")


class MhtmlError(ValueError):
    """The file is not a readable MHTML archive (the message says why)."""


@dataclass(slots=True)
class MhtmlDocument:
    """The page part of an archive plus its other parts, looked up by URL."""

    html: bytes
    charset: str | None
    location: str | None
    subject: str | None
    parts: dict[str, Message] = field(default_factory=dict)
    #: Decoded payloads by part: a part referenced 2,000 times is decoded once (issue 18 #7).
    _decoded: dict[int, bytes | None] = field(default_factory=dict, repr=False)

    def resource(self, url: str, max_bytes: int | None = None) -> tuple[str, bytes] | None:
        """``(content type, bytes)`` of the part saved for ``url``, or ``None``.

        A part whose encoded size says it would decode to more than ``max_bytes`` is not
        decoded at all: the bound is checked before the work, not after it.
        """
        part = self.parts.get(urldefrag(url)[0]) or self.parts.get(url)
        if part is None:
            return None
        if max_bytes is not None and decoded_size_bound(part) > max_bytes:
            return None
        key = id(part)
        if key not in self._decoded:
            payload = part.get_payload(decode=True)
            self._decoded[key] = payload if isinstance(payload, bytes) else None
        payload = self._decoded[key]
        if payload is None or (max_bytes is not None and len(payload) > max_bytes):
            return None
        return part.get_content_type(), payload


def decoded_size_bound(part: Message) -> int:
    """At most how many bytes ``part`` decodes to, from its encoded text (base64: 3 per 4)."""
    raw = part.get_payload(decode=False)
    if not isinstance(raw, str):
        return 0
    if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
        return len(raw) * 3 // 4 + 3
    return len(raw)


def parse_mhtml(raw: bytes) -> MhtmlDocument:
    """The page of an MHTML archive; ``MhtmlError`` if there is none."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if message.defects and not message.is_multipart() and message.get_content_type() != "text/html":
        raise MhtmlError("not an MHTML archive (no MIME structure)")
    parts: dict[str, Message] = {}
    html_parts: list[Message] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        for name in _part_names(part):
            parts.setdefault(name, part)
        if part.get_content_type() in ("text/html", "application/xhtml+xml"):
            html_parts.append(part)
    root = _root_part(message, parts, html_parts)
    if root is None:
        raise MhtmlError("not an MHTML archive (no text/html part)")
    payload = root.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise MhtmlError("the page part of the archive is empty")
    location = message.get("Snapshot-Content-Location") or root.get("Content-Location")
    return MhtmlDocument(
        html=payload,
        charset=root.get_content_charset(),
        location=str(location).strip() if location else None,
        subject=_header_text(message.get("Subject")),
        parts=parts,
    )


def _part_names(part: Message) -> list[str]:
    names = []
    location = part.get("Content-Location")
    if location:
        names.append(urldefrag(str(location).strip())[0])
    content_id = part.get("Content-ID")
    if content_id:
        names.append("cid:" + str(content_id).strip().strip("<>"))
    return names


def _root_part(message: Message, parts: dict[str, Message], html_parts: list[Message]) -> Message | None:
    """RFC 2557: the ``start`` parameter names the root; otherwise the first HTML part."""
    if not message.is_multipart():
        return message if message.get_content_type() in ("text/html", "application/xhtml+xml") else None
    start = message.get_param("start")
    if isinstance(start, str) and start.strip():
        found = parts.get("cid:" + start.strip().strip("<>"))
        if found is not None:
            return found
    snapshot = message.get("Snapshot-Content-Location")
    if snapshot:
        found = parts.get(urldefrag(str(snapshot).strip())[0])
        if found is not None and found in html_parts:
            return found
    return html_parts[0] if html_parts else None


def _header_text(value: object) -> str | None:
    """A header decoded from RFC 2047 words (``=?utf-8?Q?...?=``) into plain text."""
    if value is None:
        return None
    from email.header import decode_header, make_header

    try:
        text = str(make_header(decode_header(str(value))))
    except (UnicodeDecodeError, LookupError, email.errors.HeaderParseError):
        text = str(value)
    text = " ".join(text.split())
    return text or None
