"""The append-only audit log: who did what, when, with before/after, hash-chained, and the
keyed checkpoints of its head that make truncation and a rewritten tail detectable."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, UtcDateTime


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    # assigned by the writer (previous id + 1) rather than by the database, because the hash covers it
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpoint(Base):
    """The head of the log at one moment (how many entries, the last one's id and hash), signed
    with HMAC-SHA256 under a key that is not in the database."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    entries: Mapped[int]
    head_id: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    # the previous checkpoint's mac: removing a checkpoint from the middle breaks this link
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), unique=True)
