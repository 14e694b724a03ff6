"""The parts every context shares: the parties, and the contract clauses as the templates name them.

Everything returned is plain JSON data: amounts as "1234.56", dates as ISO strings, never ORM objects.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.errors import NotFound
from workflow.ledger.models import Contact, ContactRole, Contract, CreditorEntity, Customer

CENT = Decimal("0.01")


def money_str(value: Decimal) -> str:
    return str(value.quantize(CENT))


def iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def load_parties(s: Session, creditor_id: int, customer_id: int) -> tuple[CreditorEntity, Customer]:
    creditor = s.get(CreditorEntity, creditor_id)
    if creditor is None:
        raise NotFound("债权人", "creditor", creditor_id)
    customer = s.get(Customer, customer_id)
    if customer is None:
        raise NotFound("客户", "customer", customer_id)
    return creditor, customer


def creditor_block(c: CreditorEntity) -> dict[str, Any]:
    head = c.letterhead or {}
    return {
        "name": c.legal_name,
        "name_en": c.legal_name_en or c.legal_name,
        "credit_code": c.credit_code,
        "address": c.address,
        "address_en": c.address_en or c.address,
        "phone": c.phone or "",
        "email": c.email or "",
        "website": str(head.get("website", "")),
        "contact_name": c.contact_name or "",
        "legal_representative": str(head.get("legal_representative", "")),
        "bank_name": c.bank_name,
        "bank_account": c.bank_account,
        "bank_account_name": c.bank_account_name or c.legal_name,
    }


def _contact(s: Session, customer_id: int) -> Contact | None:
    """Whom the letter is addressed to: the agreed notice address first (its delivery is provable),
    then finance, then anyone designated (lawful collection: only designated business contacts)."""
    contacts = list(s.scalars(select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)))
    for wanted in (lambda c: c.is_notice_address, lambda c: c.role == ContactRole.FINANCE, lambda c: True):
        for contact in contacts:
            if wanted(contact):
                return contact
    return None


def customer_block(s: Session, cu: Customer) -> dict[str, Any]:
    contact = _contact(s, cu.id)
    legal_rep = s.scalars(select(Contact.name).where(
        Contact.customer_id == cu.id, Contact.role == ContactRole.LEGAL_REPRESENTATIVE)).first()
    return {
        "name": cu.legal_name,
        "name_en": cu.legal_name_en or "",
        "credit_code": cu.credit_code or "",
        "address": cu.registered_address or "",
        "legal_representative": legal_rep or "",
        "contact_name": contact.name if contact else "",
        "contact_email": (contact.email or "") if contact else "",
        "contact_phone": (contact.phone or "") if contact else "",
    }


def notices_block(creditor: dict[str, Any], customer: dict[str, Any], contract: Contract | None) -> dict[str, Any]:
    """Each side's address for service: the one the contract agreed where it did, else our own
    details and the customer's designated contact (``creditor_block`` / ``customer_block``)."""
    agreed = {a.get("party"): a for a in (contract.notice_addresses if contract else None) or []}
    own = {"creditor": {"contact_name": creditor["contact_name"], "phone": creditor["phone"],
                        "address": creditor["address"], "email": creditor["email"]},
           "customer": {"contact_name": customer["contact_name"], "phone": customer["contact_phone"],
                        "address": customer["address"], "email": customer["contact_email"]}}
    return {party: {**fallback, "address": agreed.get(party, {}).get("address") or fallback["address"],
                    "email": agreed.get(party, {}).get("email") or fallback["email"]}
            for party, fallback in own.items()}


def contract_ref(c: Contract) -> dict[str, Any]:
    return {"number": c.number, "title": c.title or c.number, "signed_on": iso(c.signed_on)}


def _cap(raw: object) -> tuple[str, str]:
    """Ledger caps are "10%" or an amount "50000.00": as a fraction for ``percent`` or an amount."""
    if not raw:
        return "", ""
    text = str(raw)
    if text.endswith("%"):
        return format(Decimal(text[:-1]) / 100, "f"), ""
    return "", text


def penalty_block(contract: Contract | None) -> dict[str, Any]:
    """The agreed late-payment rate; kind "none" makes the letters cite 买卖合同解释 18¶4 instead."""
    data = (contract.penalty if contract else None) or {"kind": "none"}
    cap, cap_amount = _cap(data.get("cap"))
    return {"kind": data.get("kind", "none"), "rate": str(data.get("rate", "")),
            "multiple": str(data.get("multiple", "")), "cap": cap, "cap_amount": cap_amount,
            "currency": contract.currency if contract else "CNY"}


# the ledger records why a court was agreed (民事诉讼法 35) from either side's view; a seller's
# documents speak of 甲方 (seller) and 乙方 (buyer), and the seller is the claimant in a debt case
_COURT = {"plaintiff_domicile": "seller_domicile", "defendant_domicile": "buyer_domicile",
          "signing_place": "signing_place", "performance_place": "performance_place"}


def dispute_block(contract: Contract | None) -> dict[str, Any]:
    data = (contract.dispute if contract else None) or {}
    block = {"kind": "court", "court": "place", "place": "", "place_en": "", "commission": "",
             "commission_en": "", "seat": "", "seat_en": ""}
    if data.get("kind") == "arbitration":
        commission = str(data.get("commission", ""))
        block.update(kind="arbitration", commission=commission, commission_en=commission)
    elif data.get("kind") == "court":
        place = str(data.get("place", ""))
        block.update(court=_COURT.get(str(data.get("basis")), "place"), place=place, place_en=place)
    else:
        # no clause: the seller may sue at the place of performance, its own (民诉解释 18)
        block.update(court="seller_domicile")
    return block
