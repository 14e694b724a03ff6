"""API resources: generated documents (DOCX/PDF) and the template registry."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, request
from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.documents.registry import TemplateRegistry
from workflow.documents.registry import describe as describe_template
from workflow.documents.service import DocumentService, describe
from workflow.errors import invalid
from workflow.web.api.base import ALL_ROLES, STAFF, WRITERS, StrictModel, core, endpoint, file_response, session

bp = Blueprint("documents", __name__)

TEMPLATE_EDITORS = frozenset({Role.LEGAL, Role.ADMIN})
DOC = {"document_id": "integer"}
KIND_LANG = {"kind": "string", "language": "string"}


class DocumentIn(StrictModel):
    kind: str = Field(min_length=1, max_length=40, description="document kind, e.g. dunning_letter_1")
    language: Literal["zh", "en"] = "zh"
    context: dict[str, Any] = Field(description="plain JSON data; amounts and dates as strings")
    pdf: bool = Field(True, description="also convert to PDF (when LibreOffice is available)")


def _service() -> DocumentService:
    return DocumentService(core())


@endpoint(bp, "POST", "/documents", summary="Generate a document (DOCX, and PDF when asked)", roles=WRITERS,
          body=DocumentIn, responses={"201": "Generated", "404": "No template", "422": "Bad context"})
def generate(actor: Actor, body: DocumentIn) -> Any:
    doc = _service().generate(actor, body.kind, body.language, body.context, body.pdf)
    return describe(doc), 201


@endpoint(bp, "GET", "/documents/{document_id}", summary="A generated document's record", roles=STAFF,
          path_params=DOC)
def get_document(actor: Actor, document_id: int) -> Any:
    return describe(DocumentService.get(session(), document_id))


def _download(actor: Actor, document_id: int, fmt: str) -> Any:
    d = _service().download(actor, document_id, fmt)
    return file_response(d.data, d.mimetype, d.filename)


@endpoint(bp, "GET", "/documents/{document_id}/docx", summary="Download the DOCX (audit-logged)", roles=STAFF,
          path_params=DOC, response_types=[
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"])
def download_docx(actor: Actor, document_id: int) -> Any:
    return _download(actor, document_id, "docx")


@endpoint(bp, "GET", "/documents/{document_id}/pdf", summary="Download the PDF (audit-logged)", roles=STAFF,
          path_params=DOC, response_types=["application/pdf"],
          responses={"200": "PDF", "404": "No PDF", "503": "PDF unavailable on this server"})
def download_pdf(actor: Actor, document_id: int) -> Any:
    return _download(actor, document_id, "pdf")


@endpoint(bp, "GET", "/templates", summary="Template versions, with the active one per kind and language",
          roles=ALL_ROLES)
def list_templates(actor: Actor) -> Any:
    registry = TemplateRegistry(core())
    return {"items": [describe_template(v) for v in registry.versions(session())]}


@endpoint(bp, "POST", "/templates/{kind}/{language}", summary="Upload a new template version (checked first)",
          roles=TEMPLATE_EDITORS, path_params=KIND_LANG, content_types=["multipart/form-data"],
          responses={"201": "Accepted", "413": "Too large", "422": "Refused, with the reasons"})
def upload_template(actor: Actor, kind: str, language: str) -> Any:
    storage = request.files.get("file")
    if storage is None:
        raise invalid("file", "missing", "请以 multipart/form-data 的 file 字段上传 DOCX 模板",
                      "send the DOCX template as the multipart/form-data field 'file'")
    data = storage.stream.read(core().settings.max_template_bytes + 1)
    version = TemplateRegistry(core()).upload(actor, kind, language, data)
    return describe_template(version), 201


@endpoint(bp, "GET", "/templates/{kind}/catalogue", summary="The variables a template of this kind may use",
          roles=ALL_ROLES, path_params={"kind": "string"})
def kind_catalogue(actor: Actor, kind: str) -> Any:
    spec = TemplateRegistry(core()).spec(kind)
    return {"kind": spec.kind, "title_zh": spec.title_zh, "title_en": spec.title_en,
            "variables": [{"name": k, "description": v} for k, v in spec.variables.items()],
            "sample_context": spec.sample_context()}
