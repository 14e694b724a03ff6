"""Generating documents: render, convert, store the bytes and the record, audit — and downloads.

Rendering and PDF conversion run before the transaction opens, so no database lock is held for
them; the record, the stored files and the audit entry are then written together. Without
LibreOffice the DOCX is still made and the record says why there is no PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.core import Core
from workflow.documents.models import GeneratedDocument, PdfStatus
from workflow.documents.registry import TemplateRegistry
from workflow.errors import DomainError, NotFound, invalid
from workflow.filestore import sha256_hex

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
MAX_DEPTH = 12


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
    def __init__(self, core: Core, registry: TemplateRegistry | None = None) -> None:
        self.core = core
        self.registry = registry or TemplateRegistry(core)

    def generate(self, actor: Actor, kind: str, language: str, context: Any, pdf: bool = True
                 ) -> GeneratedDocument:
        if not isinstance(context, Mapping):
            raise invalid("context", "not_object", "应为对象（JSON object）", "must be a JSON object")
        data = plain_context(context)
        with self.core.db.session() as s:
            version = self.registry.active(s, kind, language)
        docx = self.registry.render(version, data)
        pdf_bytes: bytes | None = None
        status, notice = PdfStatus.NOT_REQUESTED, None
        if pdf:
            converter = self.core.pdf
            try:
                pdf_bytes = converter.convert(docx)
                status = PdfStatus.MADE
            except DomainError as exc:
                status = PdfStatus.UNAVAILABLE if exc.status == 503 else PdfStatus.FAILED
                notice = f"{exc.zh} / {exc.en}"[:500]
        docx_sha = self.core.files.put(docx)
        pdf_sha = self.core.files.put(pdf_bytes) if pdf_bytes is not None else None
        with self.core.db.session() as s:
            doc = GeneratedDocument(
                kind=kind, language=language, template_version_id=version.id, context=data,
                docx_sha256=docx_sha, docx_size=len(docx), pdf_sha256=pdf_sha,
                pdf_size=len(pdf_bytes) if pdf_bytes is not None else None, pdf_status=status.value,
                pdf_notice=notice, made_by=actor.username, made_at=self.core.clock.now())
            s.add(doc)
            s.flush()
            self.core.audit.record(s, actor, "document.generate", "generated_document", str(doc.id), None,
                                   {"kind": kind, "language": language, "template_version": version.version,
                                    "template_sha256": version.sha256, "docx_sha256": docx_sha,
                                    "pdf_sha256": pdf_sha, "pdf_status": status.value})
        return doc

    @staticmethod
    def get(s: Session, document_id: int) -> GeneratedDocument:
        doc = s.get(GeneratedDocument, document_id)
        if doc is None:
            raise NotFound("文书", "document", document_id)
        return doc

    def download(self, actor: Actor, document_id: int, fmt: str) -> Download:
        """The stored bytes, checked against their SHA-256; every download is audit-logged."""
        with self.core.db.session() as s:
            doc = self.get(s, document_id)
            if fmt == "pdf":
                if doc.pdf_sha256 is None:
                    if doc.pdf_status == PdfStatus.UNAVAILABLE:
                        raise self._no_pdf(doc)
                    raise NotFound("PDF 文件", "PDF file", f"document {document_id} ({doc.pdf_status})")
                sha, mimetype = doc.pdf_sha256, PDF_MIME
            else:
                sha, mimetype = doc.docx_sha256, DOCX_MIME
            data = self.core.files.get(sha)
            if sha256_hex(data) != sha:
                raise DomainError("存储的文件已损坏（哈希不符）", "the stored file is corrupt (hash mismatch)",
                                  status=500, code="corrupt_file")
            self.core.audit.record(s, actor, "document.download", "generated_document", str(doc.id), None,
                                   {"format": fmt, "sha256": sha})
            title = self.title(doc.kind, doc.language)
        return Download(data, mimetype, f"{title}-{document_id}.{fmt}")

    def _no_pdf(self, doc: GeneratedDocument) -> DomainError:
        from workflow.errors import Unavailable

        zh, _, en = (doc.pdf_notice or "PDF 不可用 / PDF is unavailable").partition(" / ")
        return Unavailable(zh, en or zh)

    def title(self, kind: str, language: str) -> str:
        spec = self.registry.catalogue.get(kind)
        if spec is None:
            return kind
        return spec.title_zh if language == "zh" else spec.title_en.replace(" ", "_")


def describe(doc: GeneratedDocument) -> dict[str, Any]:
    base = f"/api/v1/documents/{doc.id}"
    return {
        "id": doc.id, "kind": doc.kind, "language": doc.language,
        "template_version_id": doc.template_version_id, "docx_sha256": doc.docx_sha256,
        "docx_size": doc.docx_size, "pdf_sha256": doc.pdf_sha256, "pdf_size": doc.pdf_size,
        "pdf_status": doc.pdf_status, "pdf_notice": doc.pdf_notice, "made_by": doc.made_by,
        "made_at": doc.made_at.isoformat(), "context": doc.context,
        "links": {"self": base, "docx": f"{base}/docx", "pdf": f"{base}/pdf" if doc.pdf_sha256 else None},
    }
