"""A case's evidence items (what goes into the 证据目录, in order) and the bundles built from them.

Items are collected from the case's records (``collect.py``) and kept here so that what a person
decided survives the next collection: an item they excluded stays excluded, a name, purpose or
position they edited stays as they wrote it (``edited``). ``ref`` says what an item came from, so
the collector finds its own items again ("document:12", "outbox:5", "inbound:7", "attachment:3",
"payments", "claim_sheet", "upload:<sha256>").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base, UtcDateTime


class Group(StrEnum):
    """What the items prove, in the order the 证据目录 lists them."""

    CONTRACT = "contract"
    INVOICES = "invoices"
    STATEMENTS = "statements"
    LETTERS = "letters"
    REPLIES = "replies"
    PAYMENTS = "payments"
    PROMISES = "promises"
    CALCULATION = "calculation"


GROUP_ORDER = tuple(Group)


class BundleStatus(StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


class EvidenceItem(Base):
    __tablename__ = "evidence_item"
    __table_args__ = (UniqueConstraint("case_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the order in the 证据目录 (1, 2, ...)
    group: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))  # signed_contract, letter, reply, upload...
    ref: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)  # 证明目的
    included: Mapped[bool] = mapped_column(Boolean, default=True)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{sha256, filename, content_type}]
    # a person changed the name, purpose or position: a new collection keeps them
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Bundle(Base):
    """One build of a case's bundle: the PDF and ZIP by SHA-256 in the file store, and its manifest."""

    __tablename__ = "evidence_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=BundleStatus.QUEUED.value)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    page_count: Mapped[int | None] = mapped_column(Integer)
    # SHA-256 of the spec and originals it was built from: the same inputs give the same bundle
    inputs_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)


__all__ = ["GROUP_ORDER", "Bundle", "BundleStatus", "EvidenceItem", "Group"]
