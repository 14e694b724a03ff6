"""Received mail: each message's exact bytes (kept by SHA-256 in the file store) and what became of
it; where each mailbox was read up to; and what clerks decided about replies the machine was unsure of.

A message is written here, and committed, before anything parses it (``workflow.mail.imap``,
``workflow.mail.maildir_inbox``): a crash at any later point loses nothing, and the next pass
finds the row still ``stored`` and processes it. The same bytes are one row (``sha256`` is unique);
a second copy of a Message-ID with other bytes (the same reply delivered to two of our addresses,
each copy with its own ``Delivered-To``) is kept as ``duplicate`` of the first and moves nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, UtcDateTime
from workflow.ledger.models import Contact


class InboundStatus(StrEnum):
    STORED = "stored"  # the bytes are kept; not processed yet (a crash, or the next step of this pass)
    PROCESSED = "processed"  # classified, matched and the case moved (or nothing to move)
    TRIAGE = "triage"  # waits for a clerk: unsure, unmatched, or the case could not move that way
    FAILED = "failed"  # processing raised; the bytes are kept and a clerk may still confirm it
    DUPLICATE = "duplicate"  # another copy (same Message-ID, other bytes) of a message already kept


class TriageReason(StrEnum):
    LOW_CONFIDENCE = "low_confidence"  # below ``reply_confidence_threshold``
    UNMATCHED = "unmatched"  # no case found by any of the four routes
    UNCLEAR = "unclear"  # intent "other": a person reads it
    INCOMPLETE = "incomplete"  # e.g. a promise without a date
    CANNOT_MOVE = "cannot_move"  # the case's state does not allow the move (closed, in legal action...)


class InboundMessage(Base):
    __tablename__ = "inbound_message"
    __table_args__ = (
        Index("ix_inbound_status", "status", "id"),
        Index("ix_inbound_mailbox_uid", "mailbox", "uidvalidity", "uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the exact bytes, in the file store
    size: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    mailbox: Mapped[str] = mapped_column(String(255))  # imap://user@host/INBOX, maildir:/path
    uid: Mapped[int | None] = mapped_column(BigInteger)  # IMAP UID (32-bit unsigned)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    maildir_key: Mapped[str | None] = mapped_column(String(255))  # the file name in new/ or cur/
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when we stored it
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.STORED.value)
    # flagged or moved on the server after processing; false: the next pass does it
    server_done: Mapped[bool] = mapped_column(Boolean, default=False)
    triage_reason: Mapped[str | None] = mapped_column(String(24))
    from_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the message's Date
    intent: Mapped[str | None] = mapped_column(String(32))
    classification: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    # in_reply_to, references, plus_address, subject_ref, sender_address, sender_domain, clerk
    matched_by: Mapped[str | None] = mapped_column(String(24))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))  # the letter answered/bounced
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what processing did, for people
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MailboxState(Base):
    """How far one mailbox has been read. A changed UIDVALIDITY means the server renumbered the
    folder: everything is read again and deduplicated by content hash and Message-ID."""

    __tablename__ = "mailbox_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    highestmodseq: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TriageDecision(Base):
    """A clerk confirmed or corrected what the machine read in a reply: kept, for the accuracy report."""

    __tablename__ = "triage_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    machine_intent: Mapped[str | None] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(32))  # what the clerk says it is
    corrected: Mapped[bool] = mapped_column(Boolean)  # anything differs from what the machine read
    machine: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the classification as it was
    corrections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # fields the clerk changed
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_case.id"))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


# replies are matched to a debtor by the sender's address: contact emails are looked up by value
CONTACT_EMAIL_INDEX = Index("ix_contact_email", Contact.email)

__all__ = ["CONTACT_EMAIL_INDEX", "InboundMessage", "InboundStatus", "MailboxState", "TriageDecision",
           "TriageReason"]
