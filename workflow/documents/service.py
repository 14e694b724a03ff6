"""Generating documents: render, store the bytes and the record, audit — then the PDF — and downloads.

A document is made inside the caller's unit of work, so it commits together with whatever else
that use case writes (a claim sheet, a letter run) or not at all. Rendering the DOCX is fast and
happens there; LibreOffice is slow, so the PDF is made only after the commit (``after_commit``),
when no database lock is held, and recorded in a short unit of work of its own: the record's
``pdf_status`` goes from ``pending`` to ``made``, ``unavailable`` or ``failed``. Without
LibreOffice the DOCX is still made and the record says why there is no PDF.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.documents.contexts.typed import check_typed_context
from workflow.documents.models import GeneratedDocument, PdfStatus
from workflow.documents.pdf import PdfConverter
from workflow.documents.registry import TemplateRegistry
from workflow.errors import DomainError, Forbidden, NotFound, invalid
from workflow.filestore import FileStore, sha256_hex
from workflow.ledger.access import can_see_customer
from workflow.unit_of_work import UnitOfWork

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
MAX_DEPTH = 12
DOCUMENT_MAKERS = frozenset({Role.CLERK, Role.LEGAL, Role.ADMIN})
DOCUMENT_READERS = DOCUMENT_MAKERS  # every document; a lawyer reads their customers' ones (``readable``)
FINAL_LAWYER_LETTER = frozenset({Role.LEGAL, Role.LAWYER})
log = logging.getLogger(__name__)

OpenUnitOfWork = Callable[[Actor], AbstractContextManager[UnitOfWork]]


def plain_context(value: Any, path: str = "context", depth: int = 0) -> Any:
    """The context as plain JSON data (amounts as text), or a 422 naming the offending field."""
    if depth > MAX_DEPTH:
        raise invalid(path, "too_deep", "数据嵌套过深", "data nested too deeply")
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise invalid(path, "not_finite", "应为有限数字", "must be a finite number")
        return format(value, "f")
    if isinstance(value, float):
        raise invalid(path, "float", "金额请用字符串表示，如 \"1234.56\"", "give amounts as text, e.g. \"1234.56\"")
    if isinstance(value, list):
        return [plain_context(v, f"{path}.{i}", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        return {str(k): plain_context(v, f"{path}.{k}", depth + 1) for k, v in value.items()}
    raise invalid(path, "not_json", "只能是 JSON 数据", "must be plain JSON data")


@dataclass(frozen=True)
class Download:
    data: bytes
    mimetype: str
    filename: str


class DocumentService:
    def __init__(self, registry: TemplateRegistry, files: FileStore, pdf: PdfConverter,
                 unit_of_work: OpenUnitOfWork) -> None:
        self.registry = registry
        self.files = files
        self.pdf = pdf
        # only for recording a PDF after the caller's unit of work has committed
        self._unit_of_work = unit_of_work

    def generate(self, uow: UnitOfWork, kind: str, language: str, context: Any, pdf: bool = True,
                 typed: bool = False, *, customer_id: int | None = None,
                 case_id: int | None = None) -> GeneratedDocument:
        """The DOCX, its record and audit entry, in ``uow``; the PDF once ``uow`` has committed.

        ``typed``: the context was typed by hand, not built from the ledger, so it is checked first
        (every missing variable named at once, totals recomputed from the rows, no 大写 typed).
        The returned record is brought up to date when the PDF is recorded, so a caller that reads
        it after its unit of work has closed sees the PDF's outcome."""
        makers = DOCUMENT_MAKERS | ({Role.LAWYER} if kind == "lawyer_letter" and not typed else set())
        uow.require(makers, "无权生成文书", "You may not generate documents")
        if not isinstance(context, Mapping):
            raise invalid("context", "not_object", "应为对象（JSON object）", "must be a JSON object")
        data = plain_context(context)
        spec = self.registry.spec(kind)
        if typed:
            data = check_typed_context(kind, spec.variables, data)
        if kind == "lawyer_letter":
            self._check_final(uow, data)
        version = self.registry.active(uow.session, kind, language)
        docx = self.registry.render(version, data)
        docx_sha = self.files.put(docx)  # content-addressed: a blob left by a rollback is harmless
        status = PdfStatus.PENDING if pdf else PdfStatus.NOT_REQUESTED
        doc = GeneratedDocument(
            kind=kind, language=language, template_version_id=version.id, context=data,
            customer_id=customer_id, case_id=case_id,
            docx_sha256=docx_sha, docx_size=len(docx), pdf_sha256=None, pdf_size=None,
            pdf_status=status.value, pdf_notice=None, made_by=uow.actor.username, made_at=uow.now())
        uow.session.add(doc)
        uow.session.flush()
        uow.audit("document.generate", "generated_document", doc.id, None,
                  {"kind": kind, "language": language, "customer_id": customer_id, "case_id": case_id,
                   "template_version": version.version,
                   "template_sha256": version.sha256, "docx_sha256": docx_sha, "pdf_status": status.value})
        if pdf:
            actor = uow.actor
            uow.after_commit(lambda: self._make_pdf(actor, doc, docx))
        return doc

    @staticmethod
    def _check_final(uow: UnitOfWork, data: Mapping[str, Any]) -> None:
        """A 律师函 is the law firm's letter (律师法 25): only a lawyer or the legal team may issue
        it without the DRAFT mark; anyone else makes drafts for them to approve."""
        letter = data.get("letter")
        draft = letter.get("draft") if isinstance(letter, Mapping) else None
        if not isinstance(draft, bool):
            raise invalid("context.letter.draft", "not_boolean", "letter.draft 应为 true 或 false",
                          "letter.draft must be true or false")
        if not draft:
            uow.require(FINAL_LAWYER_LETTER, "只有律师或法务可以将律师函定稿（letter.draft 为 false）",
                        "only a lawyer or the legal team may make a lawyer's letter final (letter.draft false)")

    def _make_pdf(self, actor: Actor, doc: GeneratedDocument, docx: bytes) -> None:
        pdf_bytes: bytes | None = None
        notice: str | None = None
        try:
            pdf_bytes = self.pdf.convert(docx)
            status = PdfStatus.MADE
        except DomainError as exc:
            status = PdfStatus.UNAVAILABLE if exc.status == 503 else PdfStatus.FAILED
            notice = f"{exc.zh} / {exc.en}"[:500]
        except Exception as exc:  # a converter bug must still leave the record saying what happened
            log.exception("PDF conversion of document %s failed", doc.id)
            status = PdfStatus.FAILED
            notice = f"PDF 转换失败：{type(exc).__name__} / PDF conversion failed: {type(exc).__name__}"[:500]
        pdf_sha = self.files.put(pdf_bytes) if pdf_bytes is not None else None
        outcome = {"pdf_sha256": pdf_sha, "pdf_size": len(pdf_bytes) if pdf_bytes is not None else None,
                   "pdf_status": status.value, "pdf_notice": notice}
        with self._unit_of_work(actor) as uow:
            stored = self.record_pdf(uow, doc.id, outcome)
        for key, value in stored.items():
            set_committed_value(doc, key, value)

    def finish_pending(self, uow: UnitOfWork, limit: int = 100) -> list[GeneratedDocument]:
        """The documents whose PDF is still ``pending`` (the process stopped between the commit and
        the PDF), oldest first; their PDFs are made once ``uow`` has committed, as in ``generate``.
        One recorded meanwhile by another process is left as that process recorded it."""
        uow.require(DOCUMENT_MAKERS, "无权生成文书", "You may not generate documents")
        pending = list(uow.session.scalars(select(GeneratedDocument).where(
            GeneratedDocument.pdf_status == PdfStatus.PENDING.value).order_by(GeneratedDocument.id).limit(limit)))
        for doc in pending:
            uow.after_commit(partial(self._make_pdf_of_stored, uow.actor, doc))
        return pending

    def _make_pdf_of_stored(self, actor: Actor, doc: GeneratedDocument) -> None:
        self._make_pdf(actor, doc, self.files.get(doc.docx_sha256))

    @staticmethod
    def record_pdf(uow: UnitOfWork, document_id: int, outcome: Mapping[str, Any]) -> dict[str, Any]:
        """Write the PDF's outcome on a record still waiting for it (the only change a record
        allows); the outcome the record holds afterwards, which is another process's when that
        one recorded it first."""
        row = uow.session.get(GeneratedDocument, document_id, with_for_update=True)
        if row is None:
            raise NotFound("文书", "document", document_id)
        if row.pdf_status == PdfStatus.PENDING:
            for key, value in outcome.items():
                setattr(row, key, value)
            uow.session.flush()
            uow.audit("document.pdf", "generated_document", document_id, {"pdf_status": PdfStatus.PENDING.value},
                      {"pdf_status": outcome["pdf_status"], "pdf_sha256": outcome["pdf_sha256"]})
        return {key: getattr(row, key) for key in outcome}

    @staticmethod
    def get(s: Session, document_id: int) -> GeneratedDocument:
        doc = s.get(GeneratedDocument, document_id)
        if doc is None:
            raise NotFound("文书", "document", document_id)
        return doc

    def download(self, uow: UnitOfWork, document_id: int, fmt: str) -> Download:
        """The stored bytes, checked against their SHA-256; every download is audit-logged."""
        doc = self.get(uow.session, document_id)
        require_readable(uow, doc)
        if fmt == "pdf":
            if doc.pdf_sha256 is None:
                if doc.pdf_status == PdfStatus.UNAVAILABLE:
                    raise self._no_pdf(doc)
                raise NotFound("PDF 文件", "PDF file", f"document {document_id} ({doc.pdf_status})")
            sha, mimetype = doc.pdf_sha256, PDF_MIME
        else:
            sha, mimetype = doc.docx_sha256, DOCX_MIME
        data = self.files.get(sha)
        if sha256_hex(data) != sha:
            raise DomainError("存储的文件已损坏（哈希不符）", "the stored file is corrupt (hash mismatch)",
                              status=500, code="corrupt_file")
        uow.audit("document.download", "generated_document", doc.id, None, {"format": fmt, "sha256": sha})
        return Download(data, mimetype, f"{self.title(doc.kind, doc.language)}-{document_id}.{fmt}")

    @staticmethod
    def _no_pdf(doc: GeneratedDocument) -> DomainError:
        from workflow.errors import Unavailable

        zh, _, en = (doc.pdf_notice or "PDF 不可用 / PDF is unavailable").partition(" / ")
        return Unavailable(zh, en or zh)

    def title(self, kind: str, language: str) -> str:
        spec = self.registry.catalogue.get(kind)
        if spec is None:
            return kind
        return spec.title_zh if language == "zh" else spec.title_en.replace(" ", "_")


def readable(uow: UnitOfWork, doc: GeneratedDocument) -> bool:
    """Staff read every document; a lawyer those of the customers assigned to them (their cases'
    letters, statements, sheets) and the lawyer's letters they made themselves, nothing else."""
    actor = uow.actor
    if actor.is_lawyer:
        if doc.kind == "lawyer_letter" and doc.made_by == actor.username:
            return True
        return doc.customer_id is not None and can_see_customer(uow.session, actor, doc.customer_id)
    if actor.role is Role.SALES:  # a salesperson: their own customers' documents (ledger/access.py)
        return doc.customer_id is not None and can_see_customer(uow.session, actor, doc.customer_id)
    return actor.role in DOCUMENT_READERS


def require_readable(uow: UnitOfWork, doc: GeneratedDocument) -> None:
    if not readable(uow, doc):
        raise Forbidden("无权查看该文书", "You may not read this document")


def describe(doc: GeneratedDocument) -> dict[str, Any]:
    base = f"/api/v1/documents/{doc.id}"
    return {
        "id": doc.id, "kind": doc.kind, "language": doc.language, "customer_id": doc.customer_id,
        "case_id": doc.case_id,
        "template_version_id": doc.template_version_id, "docx_sha256": doc.docx_sha256,
        "docx_size": doc.docx_size, "pdf_sha256": doc.pdf_sha256, "pdf_size": doc.pdf_size,
        "pdf_status": doc.pdf_status, "pdf_notice": doc.pdf_notice, "made_by": doc.made_by,
        "made_at": doc.made_at.isoformat(), "context": doc.context,
        "links": {"self": base, "docx": f"{base}/docx", "pdf": f"{base}/pdf" if doc.pdf_sha256 else None},
    }
