"""The outbox: every email is first a row, written in the same unit of work as the decision that
made it; a job sends it after commit. Once sent, the row keeps the proof of the demand: the exact
bytes (in the file store, by SHA-256), the SMTP server's reply and the time (民法典 137, 195; docs/dunning.md)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, UtcDateTime


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting to be sent (or for its next attempt / the contact hours)
    SENDING = "sending"  # a sender holds its lease and is talking to the server
    SENT = "sent"  # the server accepted it: ``smtp_reply``, ``sent_at``, ``raw_sha256`` say so
    UNKNOWN = "unknown"  # a sender died or the connection broke after the data was handed over
    FAILED = "failed"  # permanently refused, or out of attempts: a clerk must act
    CANCELLED = "cancelled"  # withdrawn before sending (the case closed, a clerk cancelled it)


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # the contact caps count automated messages per debtor and business day
        Index("ix_outbox_contact", "customer_id", "contact_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    # none for an internal notice to one of our users (mail/notices.py)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    # the user an internal notice goes to
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # an internal notice is queued once per key, whoever asks again (unique)
    notice_key: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("generated_document.id"))
    kind: Mapped[str] = mapped_column(String(40))  # the letter's document kind, "notice" or "internal_notice"
    language: Mapped[str] = mapped_column(String(8))
    # made by the automatic run (counts against the contact caps) or sent by a person
    automated: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_on: Mapped[date] = mapped_column(Date)  # the business day it counts against
    message_id: Mapped[str] = mapped_column(String(255), unique=True)  # <...@our domain>, made before sending
    sender: Mapped[str] = mapped_column(String(254))
    reply_to: Mapped[str] = mapped_column(String(254))  # ar+AR-2026-0042@...: replies and bounces find the case
    recipients: Mapped[list[str]] = mapped_column(JSON)
    cc: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # not before this instant (contact hours); then retried at ``next_attempt_at`` after a temporary failure
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    raw_size: Mapped[int | None] = mapped_column(Integer)
    smtp_reply: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    # a delivery report said the message never reached the debtor: then it is no demand (民法典 137)
    bounced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxAttempt(Base):
    """Each try to hand a message to the server, kept with the server's answer."""

    __tablename__ = "outbox_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # sent, temporary, permanent, ambiguous, recovered
    reply: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
