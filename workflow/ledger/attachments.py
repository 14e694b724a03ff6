"""Files attached to contracts and invoices: the signed scan, the 发票 image, the delivery note.

The type is read from the bytes, never from the name or the browser's claim: only PDF, JPEG, PNG
and DOCX are kept. Bytes go into the content-addressed file store before the row is committed, so
a committed row always has its bytes. Every download is written to the audit log.

A creditor entity's seal image is kept the same way. Changing it is an administrator's decision:
it is printed on letters as the company's stamp.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.errors import NotFound, TooLarge, invalid
from workflow.filestore import FileStore
from workflow.ledger.access import load, require_writer, snapshot
from workflow.ledger.models import Attachment, Contract, CreditorEntity, Invoice
from workflow.ledger.validation import filename_problem
from workflow.unit_of_work import UnitOfWork

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


def check_filename(name: str | None) -> None:
    """422 on ``filename`` for a name that would break a header, a log line or a listing."""
    problem = filename_problem(name or "")
    if problem is not None:
        raise invalid("filename", "control_character", *problem)


def clean_filename(name: str | None, content_type: str) -> str:
    """The base name only (no client path), never empty, with an extension matching the content."""
    check_filename(name)
    base = PureWindowsPath(PurePosixPath(name or "").name).name.strip()[:200]
    ext = ALLOWED[content_type]
    if not base:
        return "upload" + ext
    if not base.lower().endswith(ext) and not (ext == ".jpg" and base.lower().endswith(".jpeg")):
        base += ext
    return base


KINDS = ("other", "signed_statement", "signed_receipt")


def _signed_on(kind: str, signed_on: str | None, today: date) -> date | None:
    """A signed 对账单 or 回执 is evidence of an acknowledgment only with the day it was signed."""
    if kind not in KINDS:
        raise invalid("kind", "unknown",
                      "附件类型只能是 other、signed_statement（签章对账单）或 signed_receipt（签收回执）",
                      "kind must be other, signed_statement or signed_receipt")
    if kind == "other":
        if signed_on:
            raise invalid("signed_on", "not_signed_kind", "仅签章对账单或签收回执需填写签署日期",
                          "signed_on is only for a signed statement or receipt")
        return None
    try:
        day = date.fromisoformat(signed_on or "")
    except ValueError:
        raise invalid("signed_on", "date", "请填写签署日期（YYYY-MM-DD）",
                      "give the day it was signed as YYYY-MM-DD") from None
    if day > today:
        raise invalid("signed_on", "future", "签署日期不能晚于今天", "signed_on cannot be in the future")
    return day


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    data: bytes


def _owner_column(owner: Owner) -> str:
    return "contract_id" if owner is Contract else "invoice_id"


def list_for(s: Session, actor: Actor, owner: Owner, owner_id: int) -> list[Attachment]:
    load(s, owner, owner_id, actor)
    column = _owner_column(owner)
    return list(s.scalars(select(Attachment).where(getattr(Attachment, column) == owner_id).order_by(Attachment.id)))


SEAL_MAX_BYTES = 2 * 1024 * 1024
SEAL_TYPES = ("image/png", "image/jpeg")


class Attachments:
    """The ledger's files: what is attached to contracts and invoices, and the creditors' seals."""

    def __init__(self, files: FileStore, max_upload_bytes: int) -> None:
        self.files = files
        self.max_upload_bytes = max_upload_bytes

    @property
    def seal_limit(self) -> int:
        return min(SEAL_MAX_BYTES, self.max_upload_bytes)

    def upload(self, uow: UnitOfWork, owner: Owner, owner_id: int, filename: str | None,
               data: bytes, *, kind: str = "other", signed_on: str | None = None) -> Attachment:
        require_writer(uow.actor)
        signed = _signed_on(kind, signed_on, uow.today())
        limit = self.max_upload_bytes
        if len(data) > limit:
            raise TooLarge("file", limit)
        if not data:
            raise invalid("file", "empty", "文件为空", "the file is empty")
        content_type = sniff(data)
        if content_type is None:
            raise invalid("file", "forbidden_type", "只接受 PDF、JPEG、PNG 或 DOCX 文件",
                          "only PDF, JPEG, PNG or DOCX files are accepted")
        name = clean_filename(filename, content_type)
        s = uow.session
        load(s, owner, owner_id, uow.actor, for_update=True)
        sha = self.files.put(data)
        att = Attachment(filename=name, content_type=content_type, size=len(data), sha256=sha,
                         uploaded_by=uow.actor.username, uploaded_at=uow.now(), kind=kind, signed_on=signed,
                         **{_owner_column(owner): owner_id})
        s.add(att)
        s.flush()
        uow.audit("attachment.upload", "attachment", att.id, None, snapshot(att))
        return att

    def download(self, uow: UnitOfWork, owner: Owner, owner_id: int, attachment_id: int) -> Download:
        """The file, and an audit entry saying who took it: the unit of work must be a writing one."""
        s = uow.session
        load(s, owner, owner_id, uow.actor)
        column = _owner_column(owner)
        att = s.get(Attachment, attachment_id)
        if att is None or getattr(att, column) != owner_id:
            raise NotFound("附件", "file", attachment_id)
        data = self.files.get(att.sha256)
        uow.audit("attachment.download", "attachment", att.id, None,
                  {"filename": att.filename, "sha256": att.sha256, column: owner_id})
        return Download(att, data)

    def set_seal(self, uow: UnitOfWork, creditor_id: int, filename: str | None, data: bytes) -> CreditorEntity:
        """The company seal image printed on letters: a PNG (transparent background) or a JPEG, at most
        2 MiB. The bytes go to the content-addressed store; the entity keeps their SHA-256."""
        uow.require_admin("仅管理员可更换公章图片", "Only an administrator may change the seal image")
        check_filename(filename)
        limit = self.seal_limit
        if len(data) > limit:
            raise TooLarge("file", limit)
        if sniff(data) not in SEAL_TYPES:
            raise invalid("file", "forbidden_type", "公章图片只接受 PNG 或 JPEG",
                          "the seal must be a PNG or JPEG image")
        s = uow.session
        creditor = load(s, CreditorEntity, creditor_id, uow.actor, for_update=True)
        before = {"seal_sha256": creditor.seal_sha256}
        creditor.seal_sha256 = self.files.put(data)
        s.flush()
        uow.audit("creditor.seal", "creditor", creditor.id, before, {"seal_sha256": creditor.seal_sha256})
        return creditor

    def seal(self, uow: UnitOfWork, creditor_id: int) -> tuple[bytes, str]:
        """The seal image and its type; audited like every file download."""
        creditor = load(uow.session, CreditorEntity, creditor_id, uow.actor)
        if creditor.seal_sha256 is None:
            raise NotFound("公章图片", "seal image", creditor_id)
        data = self.files.get(creditor.seal_sha256)
        uow.audit("creditor.seal.download", "creditor", creditor.id, None, {"seal_sha256": creditor.seal_sha256})
        return data, sniff(data) or "application/octet-stream"
