"""Files attached to contracts and invoices: the signed scan, the 发票 image, the delivery note.

The type is read from the bytes, never from the name or the browser's claim: only PDF, JPEG, PNG
and DOCX are kept. Bytes go into the content-addressed file store before the row is committed, so
a committed row always has its bytes. Every download is written to the audit log.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.core import Core
from workflow.errors import NotFound, TooLarge, invalid
from workflow.ledger.access import load, require_writer, snapshot
from workflow.ledger.models import Attachment, Contract, Invoice

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", DOCX: ".docx"}
Owner = type[Contract] | type[Invoice]


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, among the allowed ones; None for anything else."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    """The base name only (no client path), never empty, with an extension matching the content."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name.strip().replace("\x00", "")[:200]
    ext = ALLOWED[content_type]
    if not base:
        return "upload" + ext
    if not base.lower().endswith(ext) and not (ext == ".jpg" and base.lower().endswith(".jpeg")):
        base += ext
    return base


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    data: bytes


def _owner_filter(owner: Owner, owner_id: int) -> tuple[str, int]:
    return ("contract_id" if owner is Contract else "invoice_id", owner_id)


def upload(core: Core, actor: Actor, owner: Owner, owner_id: int, filename: str | None,
           data: bytes) -> Attachment:
    require_writer(actor)
    limit = core.settings.max_upload_bytes
    if len(data) > limit:
        raise TooLarge("file", limit)
    if not data:
        raise invalid("file", "empty", "文件为空", "the file is empty")
    content_type = sniff(data)
    if content_type is None:
        raise invalid("file", "forbidden_type", "只接受 PDF、JPEG、PNG 或 DOCX 文件",
                      "only PDF, JPEG, PNG or DOCX files are accepted")
    with core.db.session() as s:
        load(s, owner, owner_id, actor, for_update=True)
        column, _ = _owner_filter(owner, owner_id)
        sha = core.files.put(data)
        att = Attachment(filename=clean_filename(filename, content_type), content_type=content_type,
                         size=len(data), sha256=sha, uploaded_by=actor.username, uploaded_at=core.clock.now(),
                         **{column: owner_id})
        s.add(att)
        s.flush()
        core.audit.record(s, actor, "attachment.upload", "attachment", str(att.id), None, snapshot(att))
        return att


def list_for(s: Session, actor: Actor, owner: Owner, owner_id: int) -> list[Attachment]:
    load(s, owner, owner_id, actor)
    column, _ = _owner_filter(owner, owner_id)
    return list(s.scalars(select(Attachment).where(getattr(Attachment, column) == owner_id).order_by(Attachment.id)))


def download(core: Core, actor: Actor, owner: Owner, owner_id: int, attachment_id: int) -> Download:
    with core.db.session() as s:
        load(s, owner, owner_id, actor)
        column, _ = _owner_filter(owner, owner_id)
        att = s.get(Attachment, attachment_id)
        if att is None or getattr(att, column) != owner_id:
            raise NotFound("附件", "file", attachment_id)
        data = core.files.get(att.sha256)
        core.audit.record(s, actor, "attachment.download", "attachment", str(att.id), None,
                          {"filename": att.filename, "sha256": att.sha256, column: owner_id})
        return Download(att, data)
