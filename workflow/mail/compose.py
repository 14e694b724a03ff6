"""One outgoing email as RFC 5322 bytes: UTF-8, our own Message-ID, the letter attached.

Composing is deterministic: the same outbox row (and the same attachment bytes) gives the same
bytes every time. The Date is the row's first attempt, the MIME boundary is derived from the
Message-ID, and nothing else varies. That matters for exactly-once: a message resent after a
crash must be the very message that may already have been delivered, so the recipient's client
collapses the two by Message-ID and the copy we keep as proof is the copy they got.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import encode_rfc2231, format_datetime, formataddr
from zoneinfo import ZoneInfo

PDF_MIME = ("application", "pdf")
DOCX_MIME = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes


@dataclass(frozen=True)
class Draft:
    """What the outbox row holds about a message, plus the instant its Date says."""

    sender: str  # our address (mail_from)
    sender_name: str
    recipients: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: str
    subject: str
    body: str
    message_id: str
    date: datetime  # aware
    automated: bool
    case_ref: str = ""


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def plus_address(mail_from: str, tag: str) -> str:
    """``ar@x`` + ``AR-2026-0042`` → ``ar+AR-2026-0042@x``: replies and bounces carry the case."""
    local, _, domain = mail_from.rpartition("@")
    return f"{local}+{tag}@{domain}" if tag else mail_from


def new_token() -> str:
    """The opaque part of a Message-ID: says nothing, cannot be guessed."""
    return secrets.token_hex(10)


def make_message_id(ref: str, token: str, mail_from: str) -> str:
    """``<AR-2026-0042.<token>@our domain>``: made before sending, so a resend reuses it."""
    return f"<{ref or 'letter'}.{token}@{domain_of(mail_from)}>"


def _boundary(message_id: str) -> str:
    # "=_" never occurs in base64 and is an invalid quoted-printable escape, so the boundary cannot
    # appear inside an encoded part; the digest keeps it stable for this message and no other
    return "=_dunning_" + hashlib.sha256(message_id.encode()).hexdigest()[:32]


def compose(draft: Draft, attachment: Attachment | None, tz: ZoneInfo) -> bytes:
    """The message's bytes, assembled by hand from well-known pieces: RFC 2047 encoded words for
    non-ASCII header text, RFC 2231 for the attachment's name, base64 bodies in 76-character lines.
    (The email package's EmailMessage gives the same message but parses every header it is given
    and re-splits every line of the attachment in Python: tens of milliseconds a letter.)"""
    fields = [
        ("From", formataddr((draft.sender_name, draft.sender), charset="utf-8")),
        ("To", ", ".join(draft.recipients)),
        *([("Cc", ", ".join(draft.cc))] if draft.cc else []),
        ("Reply-To", draft.reply_to),
        ("Subject", _text(draft.subject, "Subject")),
        ("Date", format_datetime(draft.date.astimezone(tz))),
        ("Message-ID", draft.message_id),
        *([("X-Dunning-Case", draft.case_ref)] if draft.case_ref else []),
        # RFC 3834: auto-responders must not answer it (no out-of-office loops with the debtor)
        *([("Auto-Submitted", "auto-generated")] if draft.automated else []),
        ("X-Auto-Response-Suppress", "OOF, AutoReply"),
        ("MIME-Version", "1.0"),
    ]
    # base64 keeps lines short and needs no 8BITMIME from the server, whatever the text holds
    text_headers = _lines([("Content-Type", 'text/plain; charset="utf-8"'), ("Content-Transfer-Encoding", "base64")])
    text_body = _base64(draft.body.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))
    if attachment is None:
        return _lines(fields) + text_headers + CRLF + text_body
    boundary = _boundary(draft.message_id)
    fields.append(("Content-Type", f'multipart/mixed;\r\n boundary="{boundary}"'))
    part = _lines([("Content-Type", f"{attachment.maintype}/{attachment.subtype}"),
                   ("Content-Transfer-Encoding", "base64"),
                   ("Content-Disposition", "attachment;" + _filename(attachment.filename))])
    dash = b"--" + boundary.encode()
    return b"".join([
        _lines(fields), CRLF,
        dash, CRLF, text_headers, CRLF, text_body, CRLF,
        dash, CRLF, part, CRLF, _base64(attachment.data), CRLF,
        dash, b"--", CRLF,
    ])


CRLF = b"\r\n"


def _lines(fields: list[tuple[str, str]]) -> bytes:
    return "".join(f"{name}: {value}\r\n" for name, value in fields).encode("ascii")


def _text(value: str, name: str) -> str:
    """Unstructured header text: as is when it is short ASCII, else RFC 2047 words, folded."""
    if value.isascii() and len(name) + len(value) < 76:
        return value
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, header_name=name).encode(linesep="\r\n")


def _filename(name: str) -> str:
    """The ``filename`` parameter: quoted ASCII, else RFC 2231 (``filename*0*=utf-8''%E5…;``
    continuations), so no line is longer than 78 characters."""
    if name.isascii() and len(name) < 60 and not any(c in name for c in '"\\\r\n'):
        return f'\r\n filename="{name}"'
    encoded = encode_rfc2231(name, "utf-8")
    chunks: list[str] = []
    while encoded:
        cut = min(60, len(encoded))
        while "%" in encoded[max(0, cut - 2):cut]:  # never split a %XX escape
            cut -= 1
        chunks.append(encoded[:cut])
        encoded = encoded[cut:]
    if len(chunks) == 1:
        return f"\r\n filename*={chunks[0]}"
    return ";".join(f"\r\n filename*{i}*={c}" for i, c in enumerate(chunks))


def _base64(data: bytes) -> bytes:
    """76-character lines, CRLF-terminated (RFC 2045)."""
    return base64.encodebytes(data).replace(b"\n", CRLF)
