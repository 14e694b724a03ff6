"""The mail transport port: hand one message's exact bytes to a server, or say how it failed.

Three adapters implement it: SMTP (``smtp.py``), a Maildir drop (``maildir.py``, the embedded
default) and memory (this module, for unit tests). The outbox (``outbox.py``) is the only caller;
it decides what a failure means for the row: ``TemporaryFailure`` → retry with backoff,
``PermanentFailure`` → failed, shown to the clerk, ``AmbiguousFailure`` → the server may have
accepted it (the connection broke after the data was sent): the row becomes ``unknown``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from workflow.config import Settings


@dataclass(frozen=True)
class Envelope:
    sender: str  # MAIL FROM (the bounce address)
    recipients: tuple[str, ...]  # RCPT TO


@dataclass(frozen=True)
class Accepted:
    reply: str  # the server's final answer, e.g. "250 2.0.0 Ok: queued as 4Xk9..."; proof of hand-over
    refused: dict[str, str] = field(default_factory=dict)  # recipients refused while others were accepted


class TransportError(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


class TemporaryFailure(TransportError):
    """Nothing was accepted and trying later may work (4xx, connection refused, timeout before DATA)."""


class PermanentFailure(TransportError):
    """The server refused the message or every recipient (5xx); retrying will not help."""

    def __init__(self, reply: str, refused: dict[str, str] | None = None) -> None:
        super().__init__(reply)
        self.refused = refused or {}


class AmbiguousFailure(TransportError):
    """The data went out but the final answer never came back: it may or may not have been accepted."""


class MailTransport(Protocol):
    name: str

    def send(self, envelope: Envelope, message: bytes) -> Accepted:
        """Deliver ``message`` exactly as given (its bytes are the evidence we keep)."""
        ...

    def close(self) -> None:
        ...


class MemoryTransport:
    """Unit tests: keeps what was sent; ``fail_next`` makes the next sends raise the given errors."""

    name = "memory"

    def __init__(self) -> None:
        self.sent: list[tuple[Envelope, bytes]] = []
        self.fail_next: list[TransportError] = []
        self._lock = threading.Lock()

    def send(self, envelope: Envelope, message: bytes) -> Accepted:
        with self._lock:
            if self.fail_next:
                raise self.fail_next.pop(0)
            self.sent.append((envelope, message))
            return Accepted(f"250 2.0.0 Ok: queued as memory-{len(self.sent)}")

    def close(self) -> None:
        pass


def make_transport(settings: Settings) -> MailTransport:
    """The transport the settings name; adapters are imported here so that memory needs neither."""
    if settings.mail_transport == "smtp":
        from workflow.mail.smtp import SmtpTransport

        return SmtpTransport(settings.smtp_url, settings.smtp_local_hostname, settings.smtp_timeout_seconds)
    if settings.mail_transport == "maildir":
        from workflow.mail.maildir import MaildirTransport

        return MaildirTransport(settings.mailbox_dir / "outbox")
    if settings.mail_transport == "memory":
        return MemoryTransport()
    raise ValueError(f"unknown mail transport {settings.mail_transport!r}")
