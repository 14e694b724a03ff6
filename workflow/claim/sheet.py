"""The 利息计算表 for court: a customer's claim, as of a date, rendered and stored as a document."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workflow.accounts.actor import Actor
from workflow.calc.schemas import ClaimQuery
from workflow.claim.service import customer_claim
from workflow.core import Core
from workflow.documents.contexts import claim_sheet_context
from workflow.documents.models import GeneratedDocument
from workflow.documents.service import DocumentService
from workflow.errors import invalid


class ClaimSheetIn(ClaimQuery):
    creditor_id: int | None = Field(None, ge=1, description="our entity that claims; needed only when "
                                    "the customer owes several of our entities in this currency")
    currency: str = Field("CNY", pattern="^[A-Z]{3}$")
    language: Literal["zh", "en"] = "zh"
    pdf: bool = True


def make_claim_sheet(core: Core, actor: Actor, customer_id: int, body: ClaimSheetIn) -> GeneratedDocument:
    claim = customer_claim(core, actor, customer_id, body)
    creditors = sorted({int(i["creditor_id"]) for i in claim["invoices"] if i["currency"] == body.currency})
    creditor_id = body.creditor_id
    if creditor_id is None:
        if len(creditors) > 1:
            listed = ", ".join(map(str, creditors))
            raise invalid("creditor_id", "ambiguous", f"该客户欠我方多个主体的款项，请指定 creditor_id（{listed}）",
                          f"the customer owes several of our entities: give creditor_id ({listed})")
        creditor_id = creditors[0] if creditors else 0
    with core.db.session() as s:
        context = claim_sheet_context(s, claim=claim, creditor_id=creditor_id, currency=body.currency,
                                      prepared_on=core.clock.today())
    return DocumentService(core).generate(actor, "interest_sheet", body.language, context, pdf=body.pdf)
