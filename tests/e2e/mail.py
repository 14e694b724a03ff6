"""The local mail drop, as a debtor's side sees it: the letters we sent (``<mailbox>/outbox``, one
file per message) and the replies they write back, delivered into ``<mailbox>/inbox/new`` the way an
MDA delivers into a Maildir (written under ``tmp/``, then renamed)."""

from __future__ import annotations

import mailbox
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.header import Header
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path


@dataclass(frozen=True)
class Letter:
    message_id: str
    subject: str
    to: str
    reply_to: str
    raw: bytes


def letters(outbox_dir: Path) -> list[Letter]:
    """Every message in the mail drop (empty before the first one)."""
    if not (outbox_dir / "new").is_dir():
        return []
    found = []
    box = mailbox.Maildir(outbox_dir, factory=None, create=False)
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        msg = message_from_bytes(raw, policy=policy.default)
        found.append(Letter(str(msg["Message-ID"]), str(msg["Subject"]), str(msg["To"]),
                            str(msg["Reply-To"]), raw))
    return found


def reply(*, sender: str, to: str, subject: str, body: str, charset: str = "gbk",
          in_reply_to: str | None = None, when: datetime | None = None) -> bytes:
    """A plain-text reply as Foxmail or a QQ mailbox writes it: GBK (or UTF-8) body, RFC 2047
    encoded Chinese headers."""
    msg = MIMEText(body, "plain", charset)
    name, address = parseaddr(sender)
    # the display name encoded, the address as it is (RFC 2047 never covers an address)
    msg["From"] = formataddr((name, address), charset=charset)
    msg["To"] = to
    msg["Subject"] = Header(subject, charset).encode()
    msg["Date"] = format_datetime(when or datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(domain=address.rsplit("@", 1)[-1])
    msg["X-Mailer"] = "Foxmail 7.2.25.228[cn]"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    return msg.as_bytes()


def deliver(inbox_dir: Path, raw: bytes) -> Path:
    """Into ``new/`` as an MDA does: written in ``tmp/``, then renamed (a reader never sees half)."""
    for sub in ("tmp", "new", "cur"):
        (inbox_dir / sub).mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.e2e"
    tmp = inbox_dir / "tmp" / name
    tmp.write_bytes(raw)
    target = inbox_dir / "new" / name
    os.replace(tmp, target)
    return target
