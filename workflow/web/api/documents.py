"""API resources: generated documents (DOCX/PDF) and the template registry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint, request
from pydantic import ConfigDict, Field
from sqlalchemy import select

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.calc.schemas import ClaimQuery
from workflow.documents.contexts.ledger import LEDGER_KINDS, LedgerDocument, generate_from_ledger
from workflow.documents.contexts.letters import LawFirm, Lawyer, PreviousLetter
from workflow.documents.models import GeneratedDocument
from workflow.documents.registry import TEMPLATE_EDITORS, TemplateRegistry
from workflow.documents.registry import describe as describe_template
from workflow.documents.service import DocumentService, describe, require_readable
from workflow.errors import invalid
from workflow.ids import Id
from workflow.ledger.access import scoped
from workflow.web.api.base import (
    ALL_ROLES,
    WRITERS,
    PageQuery,
    StrictModel,
    core,
    endpoint,
    file_response,
    paginate,
    session,
    uow,
)
from workflow.web.api.responses import CatalogueOut, DocumentOut, Paged, TemplateList, TemplateVersionOut

bp = Blueprint("documents", __name__)

DOC = {"document_id": "integer"}
KIND_LANG = {"kind": "string", "language": "string"}


class DocumentIn(StrictModel):
    kind: str = Field(min_length=1, max_length=40, description="document kind, e.g. dunning_letter_1")
    language: Literal["zh", "en"] = "zh"
    context: dict[str, Any] = Field(description="plain JSON data; amounts and dates as strings")
    pdf: bool = Field(True, description="also convert to PDF (when LibreOffice is available)")


class LawFirmIn(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    address: str = Field(min_length=1, max_length=300)
    address_en: str = Field("", max_length=300)
    phone: str = Field("", max_length=60)
    email: str = Field("", max_length=200)


class LawyerIn(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    licence_no: str = Field(min_length=1, max_length=40, description="执业证号 / practising licence number")
    phone: str = Field("", max_length=60)
    email: str = Field("", max_length=200)


class LedgerDocumentIn(StrictModel):
    kind: Literal[LEDGER_KINDS] = Field(  # type: ignore[valid-type]
        description="payment_reminder, dunning_letter_1..3, lawyer_letter or statement")
    language: Literal["zh", "en"] = "zh"
    as_of: date | None = Field(None, description="balances as of this day (today by default)")
    creditor_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                    description="needed when the customer owes more than one of our companies")
    invoices: list[str] = Field(default_factory=list, max_length=500,
                                description="only these invoice numbers (default: every one the letter lists)")
    number: str = Field("", max_length=64, description="the letter's reference (default: customer code and date)")
    pdf: bool = True
    days_to_pay: int | None = Field(None, ge=1, le=90)
    delivery: Literal["email_and_post", "email", "post", "by_hand"] = "email_and_post"
    tracking_no: str = Field("", max_length=64)
    previous_number: str = Field("", max_length=64)
    previous_date: date | None = None
    law_firm: LawFirmIn | None = None
    lawyer: LawyerIn | None = None
    draft: bool = Field(True, description="false (the final letter) only by a lawyer or the legal team")
    costs_agreed: bool = False
    lawyer_fee: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    period_from: date | None = Field(None, description="statement: first day (default 1 January of as_of's year)")
    currency: str = Field("CNY", pattern="^[A-Z]{3}$")

    def request(self) -> LedgerDocument:
        previous = None
        if self.previous_number:
            if self.previous_date is None:
                raise invalid("previous_date", "required", "请给出前次函件的日期", "give the previous letter's date")
            previous = PreviousLetter(self.previous_number, self.previous_date)
        return LedgerDocument(
            kind=self.kind, language=self.language, as_of=self.as_of, creditor_id=self.creditor_id,
            invoices=tuple(self.invoices), number=self.number, pdf=self.pdf, days_to_pay=self.days_to_pay,
            delivery=self.delivery, tracking_no=self.tracking_no, previous=previous,
            law_firm=LawFirm(**self.law_firm.model_dump()) if self.law_firm else None,
            lawyer=Lawyer(**self.lawyer.model_dump()) if self.lawyer else None, draft=self.draft,
            costs_agreed=self.costs_agreed, lawyer_fee=self.lawyer_fee, period_from=self.period_from,
            currency=self.currency)


def read_claim(uow: Any, customer_id: int, as_of: date, creditor_id: int) -> Any:
    return core().services.claims.claim(uow, customer_id, ClaimQuery(as_of=as_of, creditor_id=creditor_id))


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


@endpoint(bp, "POST", "/customers/{customer_id}/documents", roles=WRITERS | {Role.LAWYER},
          summary="A letter, lawyer's letter or statement for a customer, built from the ledger",
          path_params={"customer_id": "integer"}, body=LedgerDocumentIn,
          responses={"201": "Generated", "404": "No such customer (or not assigned to this lawyer)",
                     "422": "Nothing to claim, unknown invoices, a missing law firm or lawyer"},
          response=DocumentOut)
def generate_for_customer(actor: Actor, customer_id: int, body: LedgerDocumentIn) -> Any:
    doc = generate_from_ledger(uow(), _service(), read_claim, customer_id, body.request())
    return described_when_done(doc), 201


class DocumentQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    customer_id: Id | None = Field(None, description="only this customer's documents")
    case: Id | None = Field(None, description="only the documents of this case (its id)")
    kind: str | None = Field(None, max_length=40, description="only documents of this kind")


class DocumentPage(Paged):
    items: list[DocumentOut]


@endpoint(bp, "GET", "/documents", summary="Generated documents, newest first (a lawyer: their customers' only)",
          roles=ALL_ROLES, query=DocumentQuery, response=DocumentPage)
def list_documents(actor: Actor, query: DocumentQuery) -> Any:
    stmt = select(GeneratedDocument).order_by(GeneratedDocument.id.desc())
    if query.customer_id is not None:
        stmt = stmt.where(GeneratedDocument.customer_id == query.customer_id)
    if query.case is not None:
        stmt = stmt.where(GeneratedDocument.case_id == query.case)
    if query.kind is not None:
        stmt = stmt.where(GeneratedDocument.kind == query.kind)
    return paginate(session(), scoped(stmt, actor, GeneratedDocument.customer_id), query, describe)


@endpoint(bp, "GET", "/documents/{document_id}", summary="A generated document's record", roles=ALL_ROLES,
          path_params=DOC, responses={"200": "OK", "403": "Not a document of this lawyer's customers",
                                      "404": "No such document"}, response=DocumentOut)
def get_document(actor: Actor, document_id: int) -> Any:
    doc = DocumentService.get(session(), document_id)
    require_readable(uow(), doc)
    return describe(doc)


def _download(actor: Actor, document_id: int, fmt: str) -> Any:
    d = _service().download(uow(), document_id, fmt)
    return file_response(d.data, d.mimetype, d.filename)


# lawyers too: the service lets them have their customers' documents and the lawyer's letters they made
@endpoint(bp, "GET", "/documents/{document_id}/docx", summary="Download the DOCX (audit-logged)", roles=ALL_ROLES,
          path_params=DOC, writes=True, response_types=[
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"])
def download_docx(actor: Actor, document_id: int) -> Any:
    return _download(actor, document_id, "docx")


@endpoint(bp, "GET", "/documents/{document_id}/pdf", summary="Download the PDF (audit-logged)", roles=ALL_ROLES,
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
