"""One outgoing email as RFC 5322 bytes: UTF-8, our own Message-ID, the letter attached.

Composing is deterministic: the same outbox row (and the same attachment bytes) gives the same
bytes every time. The Date is the row's first attempt, the MIME boundary is derived from the
Message-ID, and nothing else varies. That matters for exactly-once: a message resent after a
crash must be the very message that may already have been delivered, so the recipient's client
collapses the two by Message-ID and the copy we keep as proof is the copy they got.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
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
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = Address(display_name=draft.sender_name, addr_spec=draft.sender)
    msg["To"] = ", ".join(draft.recipients)
    if draft.cc:
        msg["Cc"] = ", ".join(draft.cc)
    msg["Reply-To"] = draft.reply_to
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(draft.date.astimezone(tz))
    msg["Message-ID"] = draft.message_id
    if draft.case_ref:
        msg["X-Dunning-Case"] = draft.case_ref
    if draft.automated:
        # RFC 3834: auto-responders must not answer it (no out-of-office loops with the debtor)
        msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    # base64 keeps lines short and needs no 8BITMIME from the server, whatever the text holds
    msg.set_content(draft.body, subtype="plain", charset="utf-8", cte="base64")
    if attachment is not None:
        msg.add_attachment(attachment.data, maintype=attachment.maintype, subtype=attachment.subtype,
                           filename=attachment.filename)
        msg.set_boundary(_boundary(draft.message_id))
    return msg.as_bytes(policy=policy.SMTP)
