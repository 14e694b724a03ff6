"""API resources: generated documents (DOCX/PDF) and the template registry."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, request
from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.documents.models import GeneratedDocument
from workflow.documents.registry import TEMPLATE_EDITORS, TemplateRegistry
from workflow.documents.registry import describe as describe_template
from workflow.documents.service import DocumentService, describe
from workflow.errors import invalid
from workflow.web.api.base import ALL_ROLES, STAFF, WRITERS, StrictModel, core, endpoint, file_response, session, uow
from workflow.web.api.responses import CatalogueOut, DocumentOut, TemplateList, TemplateVersionOut

bp = Blueprint("documents", __name__)

DOC = {"document_id": "integer"}
KIND_LANG = {"kind": "string", "language": "string"}


class DocumentIn(StrictModel):
    kind: str = Field(min_length=1, max_length=40, description="document kind, e.g. dunning_letter_1")
    language: Literal["zh", "en"] = "zh"
    context: dict[str, Any] = Field(description="plain JSON data; amounts and dates as strings")
    pdf: bool = Field(True, description="also convert to PDF (when LibreOffice is available)")


def _service() -> DocumentService:
    return core().services.documents


def _registry() -> TemplateRegistry:
    return core().services.templates


def described_when_done(doc: GeneratedDocument) -> dict[str, Any]:
    """The record as the answer will show it: filled in after the unit of work has committed and
    its PDF step (registered earlier, so it runs first) has recorded the PDF's outcome."""
    answer: dict[str, Any] = {}
    uow().after_commit(lambda: answer.update(describe(doc)))
    return answer


@endpoint(bp, "POST", "/documents", summary="Generate a document (DOCX, and PDF when asked)", roles=WRITERS,
          body=DocumentIn, responses={"201": "Generated", "404": "No template", "422": "Bad context"},
          response=DocumentOut)
def generate(actor: Actor, body: DocumentIn) -> Any:
    doc = _service().generate(uow(), body.kind, body.language, body.context, body.pdf, typed=True)
    return described_when_done(doc), 201


@endpoint(bp, "GET", "/documents/{document_id}", summary="A generated document's record", roles=STAFF,
          path_params=DOC, response=DocumentOut)
def get_document(actor: Actor, document_id: int) -> Any:
    return describe(DocumentService.get(session(), document_id))


def _download(actor: Actor, document_id: int, fmt: str) -> Any:
    d = _service().download(uow(), document_id, fmt)
    return file_response(d.data, d.mimetype, d.filename)


@endpoint(bp, "GET", "/documents/{document_id}/docx", summary="Download the DOCX (audit-logged)", roles=STAFF,
          path_params=DOC, writes=True, response_types=[
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"])
def download_docx(actor: Actor, document_id: int) -> Any:
    return _download(actor, document_id, "docx")


@endpoint(bp, "GET", "/documents/{document_id}/pdf", summary="Download the PDF (audit-logged)", roles=STAFF,
          path_params=DOC, writes=True, response_types=["application/pdf"],
          responses={"200": "PDF", "404": "No PDF", "503": "PDF unavailable on this server"})
def download_pdf(actor: Actor, document_id: int) -> Any:
    return _download(actor, document_id, "pdf")


@endpoint(bp, "GET", "/templates", summary="Template versions, with the active one per kind and language",
          roles=ALL_ROLES, response=TemplateList)
def list_templates(actor: Actor) -> Any:
    return {"items": [describe_template(v) for v in _registry().versions(session())]}


@endpoint(bp, "POST", "/templates/{kind}/{language}", summary="Upload a new template version (checked first)",
          roles=TEMPLATE_EDITORS, path_params=KIND_LANG, content_types=["multipart/form-data"],
          responses={"201": "Accepted", "413": "Too large", "422": "Refused, with the reasons"},
          response=TemplateVersionOut)
def upload_template(actor: Actor, kind: str, language: str) -> Any:
    storage = request.files.get("file")
    if storage is None:
        raise invalid("file", "missing", "请以 multipart/form-data 的 file 字段上传 DOCX 模板",
                      "send the DOCX template as the multipart/form-data field 'file'")
    data = storage.stream.read(core().settings.max_template_bytes + 1)
    version = _registry().upload(uow(), kind, language, data)
    return describe_template(version), 201


@endpoint(bp, "GET", "/templates/{kind}/catalogue", summary="The variables a template of this kind may use",
          roles=ALL_ROLES, path_params={"kind": "string"}, response=CatalogueOut)
def kind_catalogue(actor: Actor, kind: str) -> Any:
    spec = _registry().spec(kind)
    return {"kind": spec.kind, "title_zh": spec.title_zh, "title_en": spec.title_en,
            "variables": [{"name": k, "description": v} for k, v in spec.variables.items()],
            "sample_context": spec.sample_context()}
