"""The 利息计算表 for court: a customer's claim, as of a date, rendered and stored as a document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from workflow.calc.schemas import ClaimQuery
from workflow.documents.contexts.claim_sheet import claim_sheet_context
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import DocumentService
from workflow.errors import invalid
from workflow.ids import MAX_ID
from workflow.unit_of_work import UnitOfWork


class ClaimSheetIn(ClaimQuery):
    creditor_id: int | None = Field(None, ge=1, le=MAX_ID, description="our entity that claims; needed only when "
                                    "the customer owes several of our entities in this currency")
    currency: str = Field("CNY", pattern="^[A-Z]{3}$")
    language: Literal["zh", "en"] = "zh"
    pdf: bool = True


def claim_sheet(uow: UnitOfWork, documents: DocumentService, claim: dict[str, Any], body: ClaimSheetIn
                ) -> GeneratedDocument:
    """The sheet of one creditor's claim in one currency, made in ``uow`` with the claim it shows."""
    creditors = sorted({int(i["creditor_id"]) for i in claim["invoices"]
                        if i["currency"] == body.currency and i["claimed"]})
    creditor_id = body.creditor_id
    if creditor_id is None:
        if len(creditors) > 1:
            listed = ", ".join(map(str, creditors))
            raise invalid("creditor_id", "ambiguous", f"该客户欠我方多个主体的款项，请指定 creditor_id（{listed}）",
                          f"the customer owes several of our entities: give creditor_id ({listed})")
        creditor_id = creditors[0] if creditors else 0
    context = claim_sheet_context(uow.session, claim=claim, creditor_id=creditor_id, currency=body.currency,
                                  prepared_on=uow.today())
    return documents.generate(uow, "interest_sheet", body.language, context, pdf=body.pdf)
