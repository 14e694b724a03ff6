"""Use cases for contracts and their structured clauses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.errors import invalid
from workflow.ledger.access import load, require_writer, snapshot
from workflow.ledger.contract_terms import Instalments, dump_clause, instalments_problem
from workflow.ledger.models import Attachment, Contract, CreditorEntity, Customer, Invoice
from workflow.ledger.parties import ensure_unique, ensure_unused
from workflow.ledger.responsibility import take_people
from workflow.ledger.schemas import ContractIn, ContractPatch
from workflow.unit_of_work import UnitOfWork

CLAUSES = ("payment_terms", "penalty", "dispute")


def _check_instalments(terms: Any, total: Any) -> None:
    terms_obj = Instalments.model_validate(terms) if isinstance(terms, dict) and terms.get("kind") == "instalments" \
        else terms
    problem = instalments_problem(terms_obj, total)
    if problem:
        raise invalid("payment_terms.schedule", "instalments_mismatch", *problem)


def create_contract(uow: UnitOfWork, body: ContractIn) -> Contract:
    require_writer(uow.actor)
    _check_instalments(body.payment_terms, body.total)
    s = uow.session
    load(s, CreditorEntity, body.creditor_id, uow.actor)
    customer = s.get(Customer, body.customer_id)
    if customer is None:
        raise invalid("customer_id", "unknown", f"无此客户：{body.customer_id}",
                      f"no such customer: {body.customer_id}")
    ensure_unique(s, Contract, "number", body.number, scope={"creditor_id": body.creditor_id})
    people = take_people(s, "contract", body.model_dump(include={"salesperson", "collector", "salesperson_id",
                                                                 "collector_id"}))
    contract = Contract(
        salesperson_id=people.get("salesperson_id"), collector_id=people.get("collector_id"),
        creditor_id=body.creditor_id, customer_id=body.customer_id, number=body.number, title=body.title,
        signed_on=body.signed_on, signed_place=body.signed_place, currency=body.currency, total=body.total,
        payment_terms=dump_clause(body.payment_terms), penalty=dump_clause(body.penalty),
        dispute=dump_clause(body.dispute),
        notice_addresses=[dump_clause(n) for n in body.notice_addresses or []],
        created_at=uow.now(),
    )
    s.add(contract)
    s.flush()
    uow.audit("contract.create", "contract", contract.id, None, snapshot(contract))
    return contract


def update_contract(uow: UnitOfWork, contract_id: int, body: ContractPatch) -> Contract:
    require_writer(uow.actor)
    s = uow.session
    contract = load(s, Contract, contract_id, uow.actor, for_update=True)
    before = snapshot(contract)
    changes = take_people(s, "contract", body.changes())
    if "number" in changes:
        if changes["number"] is None:
            raise invalid("number", "required", "合同编号不能清空", "the contract number cannot be cleared")
        ensure_unique(s, Contract, "number", changes["number"], exclude_id=contract.id,
                      scope={"creditor_id": contract.creditor_id})
    terms = body.payment_terms if "payment_terms" in changes else contract.payment_terms
    _check_instalments(terms, changes.get("total", contract.total))
    for k, v in changes.items():
        if k in CLAUSES:
            v = dump_clause(v)
        elif k == "notice_addresses":
            v = [dump_clause(n) for n in v or []]
        setattr(contract, k, v)
    s.flush()
    uow.audit("contract.update", "contract", contract.id, before, snapshot(contract))
    return contract


def delete_contract(uow: UnitOfWork, contract_id: int) -> None:
    require_writer(uow.actor)
    s = uow.session
    contract = load(s, Contract, contract_id, uow.actor, for_update=True)
    ensure_unused(s, "合同", "contract", [
        (select(Invoice.id).where(Invoice.contract_id == contract.id), "发票/invoices"),
        (select(Attachment.id).where(Attachment.contract_id == contract.id), "附件/files"),
    ])
    before = snapshot(contract)
    s.delete(contract)
    uow.audit("contract.delete", "contract", contract_id, before, None)
