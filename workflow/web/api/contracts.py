"""API resources: the clause linter for contracts and the wording check for outgoing letters.

POST /contracts/lint takes JSON ({"text"} or {"contract_id"}) or a multipart upload of a .docx or
.txt contract; POST /letters/lint takes {"text"}. Both answer with findings in the caller's
language plus both languages side by side. Linting only reads (a stored contract, the rate table),
so these POSTs run in a read-only unit of work.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint, request
from pydantic import Field, ValidationError, model_validator

from workflow.accounts.actor import Actor
from workflow.documents.docx_text import MAX_TEXT_CHARS, linter_lpr_1y, stored_contract_text, upload_text
from workflow.errors import DomainError, FieldProblem, invalid
from workflow.ids import MAX_ID
from workflow.law.linter import Finding, lint_contract, lint_letter
from workflow.pydantic_errors import problems_from_pydantic
from workflow.web.api.base import StrictModel, _parse_body, core, endpoint, uow
from workflow.web.api.responses import LintReport
from workflow.web.problems import request_locale

bp = Blueprint("contracts", __name__)


# workflow.law.linter.PARTY_KINDS
PartyKind = Literal["large", "sme", "private_large", "private_small", "individual_business", "state_owned",
                    "foreign"]


class LintContext(StrictModel):
    """Places of 民事诉讼法 35, when the contract text does not name them, and the parties' kinds
    (a large buyer's pay-when-paid clause against an SME seller is void)."""

    seller_place: str | None = Field(None, max_length=300)
    buyer_place: str | None = Field(None, max_length=300)
    signing_place: str | None = Field(None, max_length=300)
    performance_place: str | None = Field(None, max_length=300)
    buyer_kind: PartyKind | None = Field(None, description="the buyer's size or ledger customer kind")
    seller_kind: PartyKind | None = Field(None, description="the seller's size or ledger customer kind")


class ContractLintIn(StrictModel):
    text: str | None = Field(None, min_length=1, max_length=MAX_TEXT_CHARS, description="the contract text")
    contract_id: int | None = Field(None, ge=1, le=MAX_ID, description="a stored ledger contract")
    context: LintContext | None = None
    lpr_1y: Decimal | None = Field(None, gt=0, lt=Decimal("0.5"), max_digits=8,
                                   description="one-year LPR as a fraction (0.0300); default: today's")

    @model_validator(mode="after")
    def _one_source(self) -> ContractLintIn:
        if (self.text is None) == (self.contract_id is None):
            raise ValueError("请提供 text 或 contract_id 中的一项|give exactly one of text or contract_id")
        return self


class LetterLintIn(StrictModel):
    text: str = Field(min_length=1, max_length=100_000, description="the letter text")


def _report(findings: list[Finding], **extra: Any) -> dict[str, Any]:
    locale = request_locale()
    counts = {level: sum(1 for f in findings if f.severity == level) for level in ("error", "warning", "info")}
    return {"ok": counts["error"] == 0, "counts": counts, "findings": [f.as_dict(locale) for f in findings],
            **extra}


def _context(model: LintContext | None) -> dict[str, str]:
    return {} if model is None else {k: v for k, v in model.model_dump().items() if v}


def _upload() -> tuple[str, dict[str, str], Decimal | None, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise invalid("file", "missing", "请上传合同文件（.docx 或 .txt）",
                      "upload the contract as a .docx or .txt file")
    form = {k: v for k, v in request.form.items() if v.strip()}
    lpr_raw = form.pop("lpr_1y", None)
    try:
        ctx = LintContext.model_validate(form)
        lpr = ContractLintIn.model_validate({"text": "-", "lpr_1y": lpr_raw}).lpr_1y if lpr_raw else None
    except ValidationError as exc:
        raise problems_from_pydantic(exc) from exc
    text = upload_text(upload.filename, upload.read())
    return text, _context(ctx), lpr, upload.filename


# JSON bodies ({"text"} / {"contract_id"}) are accepted too; the OpenAPI entry shows the upload form
@endpoint(bp, "POST", "/contracts/lint", summary="Lint a contract's clauses: a .docx/.txt upload (field "
          "`file`), or JSON {\"text\"} / {\"contract_id\"} with optional context and lpr_1y",
          content_types=["multipart/form-data"], writes=False,
          responses={"200": "Findings", "404": "No such contract (or not one of the lawyer's customers)",
                     "422": "Unreadable or hostile file (field `file`, or `contract_id` for a stored one)"},
          response=LintReport)
def lint_contract_endpoint(actor: Actor) -> Any:
    source: dict[str, Any]
    if request.mimetype == "multipart/form-data":
        text, context, lpr, filename = _upload()
        source = {"source": "upload", "filename": filename}
    elif request.mimetype == "application/json":
        body = _parse_body(ContractLintIn)
        assert isinstance(body, ContractLintIn)
        context, lpr = _context(body.context), body.lpr_1y
        if body.contract_id is not None:
            stored = stored_contract_text(uow(), core().files, body.contract_id)
            text, context = stored.text, {**stored.context, **context}
            source = {"source": stored.source, "contract_id": body.contract_id,
                      "attachment_id": stored.attachment_id}
        else:
            text = body.text or ""
            source = {"source": "text"}
    else:
        raise DomainError("不支持的内容类型", "Unsupported content type",
                          [FieldProblem("body", "unsupported_media_type",
                                        "请以 application/json 或 multipart/form-data 提交",
                                        "send application/json or multipart/form-data")], 415,
                          "unsupported_media_type")
    settings = core().settings
    lpr_1y, lpr_source = linter_lpr_1y(core().services.calc.rate_table(uow().session), uow().today(), lpr)
    findings = lint_contract(text, lpr_1y=lpr_1y, warn_multiple=settings.penalty_warn_lpr_multiple,
                             note_multiple=settings.penalty_note_lpr_multiple, context=context)
    return _report(findings, lpr_1y=str(lpr_1y), lpr_source=lpr_source,
                   thresholds={"warn_lpr_multiple": str(settings.penalty_warn_lpr_multiple),
                               "note_lpr_multiple": str(settings.penalty_note_lpr_multiple)},
                   **source)


@endpoint(bp, "POST", "/letters/lint", summary="Check a letter for threatening or insulting wording",
          body=LetterLintIn, responses={"200": "Findings"}, writes=False, response=LintReport)
def lint_letter_endpoint(actor: Actor, body: LetterLintIn) -> Any:
    return _report(lint_letter(body.text))
