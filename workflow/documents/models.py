"""Template versions and generated documents: both immutable once written.

A generated document keeps everything needed to prove what was sent: the template version it was
made from, the exact context, and the SHA-256 of the DOCX and PDF bytes held in the file store.
The one change a record allows is its PDF's outcome, written once while its status is ``pending``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflow.db import Base, UtcDateTime


class TemplateSource(StrEnum):
    SHIPPED = "shipped"  # from templates_docx/, trusted, rendered in-process
    UPLOAD = "upload"  # uploaded by a user, untrusted, rendered in the limited worker


class PdfStatus(StrEnum):
    PENDING = "pending"  # the DOCX is committed; the PDF is made after the commit
    MADE = "made"
    NOT_REQUESTED = "not_requested"
    UNAVAILABLE = "unavailable"  # no LibreOffice on this installation
    FAILED = "failed"


class TemplateVersion(Base):
    __tablename__ = "template_version"
    __table_args__ = (
        UniqueConstraint("kind", "language", "version"),
        Index("ix_template_version_kind_language_sha256", "kind", "language", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    # only the active flag ever changes: a newer version takes over, the old one stays for the
    # documents already made with it
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GeneratedDocument(Base):
    __tablename__ = "generated_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    language: Mapped[str] = mapped_column(String(8))
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_version.id"))
    context: Mapped[Any] = mapped_column(JSON)
    # the case and customer the document was made for (none for a calculator's sheet or a template test)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_case.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    docx_sha256: Mapped[str] = mapped_column(String(64))
    docx_size: Mapped[int] = mapped_column(Integer)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    pdf_status: Mapped[str] = mapped_column(String(16))
    pdf_notice: Mapped[str | None] = mapped_column(String(500))
    made_by: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)


_MUTABLE_TEMPLATE_FIELDS = frozenset({"active"})
_PDF_OUTCOME_FIELDS = frozenset({"pdf_sha256", "pdf_size", "pdf_status", "pdf_notice"})


@event.listens_for(Session, "before_flush")
def _immutable(session: Session, _ctx: Any, _instances: Any) -> None:
    from sqlalchemy import inspect

    for obj in session.deleted:
        if isinstance(obj, GeneratedDocument | TemplateVersion):
            raise PermissionError(f"{type(obj).__name__} records are never deleted")
    for obj in session.dirty:
        if isinstance(obj, GeneratedDocument):
            state = inspect(obj)
            changed = {a.key for a in state.attrs if a.history.has_changes()}
            was = state.attrs.pdf_status.history.deleted
            if changed and not (changed <= _PDF_OUTCOME_FIELDS and list(was) == [PdfStatus.PENDING.value]):
                raise PermissionError("a generated document is immutable")
        elif isinstance(obj, TemplateVersion):
            state = inspect(obj)
            changed = {a.key for a in state.attrs if a.history.has_changes()}
            if changed - _MUTABLE_TEMPLATE_FIELDS:
                raise PermissionError(f"template versions are immutable (tried to change {sorted(changed)})")
