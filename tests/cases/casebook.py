"""A customer who owes money, a case for it, and a pending lawyer's letter, built through the API and
the services as a clerk and the run would build them (shared by the case tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Users
from tests.ledger.sample_ledger import Ledger, invoice_body, post, seed
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.cases.lifecycle import apply, case_by_ref
from workflow.cases.models import DunningAction
from workflow.cases.states import CaseEvent
from workflow.core import Core
from workflow.documents.contexts.ledger import LedgerDocument, generate_from_ledger
from workflow.documents.contexts.letters import LawFirm, Lawyer
from workflow.unit_of_work import UnitOfWork

LEGAL = Actor(user_id=None, username="legal.team", role=Role.LEGAL)
FIRM = LawFirm(name="上海市锦天城律师事务所", name_en="AllBright Law Offices", address="上海市浦东新区银城中路501号",
               address_en="501 Yincheng Middle Road, Shanghai", phone="021-20511000", email="ar@allbright.example.cn")
LAWYER = Lawyer(name="王律师", name_en="Wang Lei", licence_no="13101200910123456", phone="021-20511001",
                email="wang.lei@allbright.example.cn")


@dataclass
class Book:
    ledger: Ledger
    customer_id: int
    invoices: list[int]


def owing_customer(client: FlaskClient, users: Users) -> Book:
    """C001 owes 120,000.00 (due 30 September) and 80,000.00 (due 31 October): both overdue on the
    tests' day, Thursday 26 November 2026."""
    ledger = seed(client, users.admin)
    invoices = [post(client, "/invoices", invoice_body(ledger, number, issue, due, amount), users.admin)["id"]
                for number, issue, due, amount in (("FP-2026-0001", "2026-08-01", "2026-09-30", "120000.00"),
                                                   ("FP-2026-0002", "2026-09-01", "2026-10-31", "80000.00"))]
    return Book(ledger, ledger.customer_ids[0], invoices)


def pay(client: FlaskClient, users: Users, book: Book, when: str, amount: str, ref: str) -> None:
    post(client, "/payments", {"creditor_id": book.ledger.creditor_id, "customer_id": book.customer_id,
                               "received_on": when, "amount": amount, "currency": "CNY", "bank_reference": ref},
         users.admin)


def open_case(client: FlaskClient, users: Users, book: Book, headers: dict[str, str] | None = None) -> str:
    body = post(client, "/cases", {"creditor_id": book.ledger.creditor_id, "customer_id": book.customer_id,
                                   "reason": "客户来电称资金紧张", "evidence": "电话 2026-11-26"},
                headers or users.clerk)
    return str(body["ref"])


def case_audit(core: Core, ref: str) -> list[AuditEntry]:
    with core.unit_of_work(LEGAL, read_only=True) as uow:
        case = case_by_ref(uow, ref)
        entries = list(uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "dunning_case", AuditEntry.entity_id == str(case.id)).order_by(AuditEntry.id)))
        uow.session.expunge_all()
        return entries


def draft_lawyer_letter(uow: UnitOfWork, core: Core, ref: str) -> int:
    """What the run does at a level that needs approval: a DRAFT 律师函 for the case and its pending
    action; the case waits in LAWYER_LETTER_PENDING. The draft's id."""
    case = case_by_ref(uow, ref)
    claims = core.services.claims

    def claim(u: UnitOfWork, customer_id: int, as_of: Any, creditor_id: int) -> Any:
        from workflow.calc.schemas import ClaimQuery

        return claims.claim(u, customer_id, ClaimQuery(as_of=as_of, creditor_id=creditor_id))

    doc = generate_from_ledger(uow, core.services.documents, claim, case.customer_id, LedgerDocument(
        kind="lawyer_letter", creditor_id=case.creditor_id, number="JTC-2026-118", law_firm=FIRM, lawyer=LAWYER,
        draft=True, case_id=case.id, pdf=False))
    uow.session.add(DunningAction(
        key=f"level:{case.id}:4", case_id=case.id, creditor_id=case.creditor_id, customer_id=case.customer_id,
        run_on=uow.today(), action="level", level=4, kind="lawyer_letter", status="awaiting_approval",
        reason="level 4 needs a lawyer's approval", document_id=doc.id, decided_by=uow.actor.username,
        created_at=uow.now()))
    apply(uow, case, CaseEvent.LAWYER_LETTER_DRAFTED, reason="level 4: lawyer's letter drafted",
          evidence={"document_id": doc.id}, level=4)
    return doc.id
