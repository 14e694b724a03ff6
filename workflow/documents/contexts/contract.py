"""Context for the 买卖合同: the stored contract's parties and clauses, plus the goods and trade terms
the clerk fills in (they are not ledger data)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from workflow.documents.contexts.parties import (
    creditor_block,
    customer_block,
    dispute_block,
    iso,
    money_str,
    notices_block,
    penalty_block,
)
from workflow.errors import NotFound, invalid
from workflow.ledger.models import Contract


@dataclass(frozen=True)
class GoodsLine:
    name: str
    spec: str
    unit: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class TradeTerms:
    delivery_date: date
    delivery_place: str
    quality_standard: str
    vat_rate: Decimal = Decimal("0.13")
    warranty_months: int = 12
    acceptance_days: int = 7
    suspend_after_days: int = 30
    # English wording for the English template; the Chinese is used when these are empty
    delivery_place_en: str = ""
    quality_standard_en: str = ""
    signed_place_en: str = ""


def _payment(terms: dict[str, Any] | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not terms:
        raise invalid("payment_terms", "required", "合同须约定明确的付款条款后才能生成文本",
                      "the contract needs clear payment terms before it can be drafted")
    if terms.get("kind") == "instalments":
        schedule = [{"number": n, "due_date": str(i["due_date"]), "amount": str(i["amount"])}
                    for n, i in enumerate(terms.get("schedule", []), start=1)]
        return {"kind": "instalments", "trigger": "", "days": 0}, schedule
    return {"kind": "days_after", "trigger": terms.get("trigger", "delivery"), "days": int(terms.get("days", 0))}, []


def sales_contract_context(s: Session, *, contract_id: int, goods: Sequence[GoodsLine], terms: TradeTerms,
                           notice_in_proceedings: bool = True) -> dict[str, Any]:
    """The template picks each clause's wording by ``payment.kind``/``trigger``, ``penalty.kind``,
    ``dispute.kind``/``court`` and ``notice.kind``; the price is the sum of the goods lines."""
    contract = s.get(Contract, contract_id)
    if contract is None:
        raise NotFound("合同", "contract", contract_id)
    if not goods:
        raise invalid("goods", "required", "请至少列出一项货物", "list at least one line of goods")
    if any(g.quantity <= 0 or g.unit_price <= 0 for g in goods):
        raise invalid("goods", "not_positive", "货物数量和单价须大于零", "quantities and prices must be positive")
    total = sum((g.amount for g in goods), Decimal(0))
    if contract.total is not None and contract.total != total:
        raise invalid("goods", "total_mismatch", f"货物金额合计 {money_str(total)} 与合同总额 {contract.total} 不符",
                      f"the goods add up to {money_str(total)}, not the contract total {contract.total}")
    if not contract.penalty or contract.penalty.get("kind") == "none":
        raise invalid("penalty", "required", "合同文本须约定逾期付款违约金",
                      "the contract must set a late-payment penalty")
    payment, schedule = _payment(contract.payment_terms)
    creditor, customer = creditor_block(contract.creditor), customer_block(s, contract.customer)
    return {
        "creditor": creditor, "customer": customer,
        "goods": [{"name": g.name, "spec": g.spec, "unit": g.unit, "quantity": format(g.quantity.normalize(), "f"),
                   "unit_price": money_str(g.unit_price), "amount": money_str(g.amount)} for g in goods],
        "contract": {
            "number": contract.number, "signed_on": iso(contract.signed_on),
            "signed_place": contract.signed_place or "",
            "signed_place_en": terms.signed_place_en or contract.signed_place or "",
            "currency": contract.currency, "total": money_str(total), "vat_rate": format(terms.vat_rate, "f"),
            "quality_standard": terms.quality_standard,
            "quality_standard_en": terms.quality_standard_en or terms.quality_standard,
            "warranty_months": terms.warranty_months, "delivery_date": iso(terms.delivery_date),
            "delivery_place": terms.delivery_place,
            "delivery_place_en": terms.delivery_place_en or terms.delivery_place,
            "acceptance_days": terms.acceptance_days, "suspend_after_days": terms.suspend_after_days},
        "payment": payment, "instalments": schedule,
        "penalty": penalty_block(contract), "dispute": dispute_block(contract),
        "notice": {"kind": "email_post_and_proceedings" if notice_in_proceedings else "email_and_post"},
        "notices": notices_block(creditor, customer, contract),
    }
