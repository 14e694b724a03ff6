"""Realistic ledger data for the API and service tests, and a way to see that nothing was written."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.core import Core, build_core
from workflow.ledger.models import (
    Allocation,
    Attachment,
    Contact,
    Contract,
    CreditNote,
    CreditorEntity,
    Customer,
    Invoice,
    Payment,
)
from workflow.ledger.validation import credit_code_check_char

CLERK = Actor(user_id=None, username="zhang.wei", role=Role.CLERK)
ADMIN = Actor(user_id=None, username="test", role=Role.ADMIN)


@contextmanager
def reading(core: Core) -> Iterator[Session]:
    """A read-only look at the database, as a test's own unit of work."""
    with core.unit_of_work(ADMIN, read_only=True) as uow:
        yield uow.session


def cc(first17: str) -> str:
    """A unified social credit code with a correct GB 32100-2015 check character."""
    return first17 + credit_code_check_char(first17)


def bad_cc(first17: str) -> str:
    good = cc(first17)
    wrong = "0" if good[-1] != "0" else "1"
    return first17 + wrong


CREDITOR: dict[str, Any] = {
    "code": "SH-PACK", "legal_name": "上海宝钢包装股份有限公司",
    "legal_name_en": "Shanghai Baosteel Packaging Co., Ltd.",
    "credit_code": cc("91310000132200821"), "address": "上海市宝山区罗东路1818号",
    "bank_name": "中国工商银行上海市宝山支行", "bank_account": "1001 2345 6789 0123 456",
    "contact_name": "李娜", "phone": "021-56781234", "email": "ar@bspack.example.cn",
}

CUSTOMERS: list[dict[str, Any]] = [
    {"code": "C001", "legal_name": "深圳市华星光电技术有限公司", "credit_code": cc("91440300682013573"),
     "registered_address": "深圳市光明区塘明大道9-2号", "kind": "private_large", "credit_limit": "5000000.00",
     "contacts": [{"name": "陈静", "role": "finance", "email": "chen.jing@csot.example.cn", "phone": "0755-26581234",
                   "is_notice_address": True}]},
    {"code": "C002", "legal_name": "杭州娃哈哈食品有限公司", "credit_code": cc("91330100143055621"),
     "registered_address": "杭州市上城区清泰街160号", "kind": "private_small"},
    {"code": "C003", "legal_name": "中粮糖业控股股份有限公司", "credit_code": cc("91650000228601341"),
     "registered_address": "新疆乌鲁木齐市新市区北京南路", "kind": "state_owned", "do_not_dun": True},
]


@dataclass
class Ledger:
    creditor_id: int
    customer_ids: list[int]
    contract_id: int


def post(client: FlaskClient, path: str, body: Any, headers: dict[str, str], status: int = 201) -> Any:
    resp = client.post(f"/api/v1{path}", json=body, headers=headers)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.json


def seed(client: FlaskClient, headers: dict[str, str]) -> Ledger:
    creditor = post(client, "/creditors", CREDITOR, headers)
    customers = [post(client, "/customers", c, headers)["id"] for c in CUSTOMERS]
    contract = post(client, "/contracts", {
        "creditor_id": creditor["id"], "customer_id": customers[0], "number": "BSP-2026-0158",
        "title": "马口铁罐采购合同", "signed_on": "2026-03-02", "signed_place": "上海市宝山区", "currency": "CNY",
        "total": "1200000.00",
        "payment_terms": {"kind": "days_after", "trigger": "delivery", "days": 60},
        "penalty": {"kind": "daily_rate", "rate": "0.0005", "cap": "20%"},
        "dispute": {"kind": "court", "place": "上海市宝山区", "basis": "plaintiff_domicile"},
        "notice_addresses": [{"party": "customer", "email": "chen.jing@csot.example.cn"}],
    }, headers)
    return Ledger(creditor["id"], customers, contract["id"])


def invoice_body(ledger: Ledger, number: str, issue: str, due: str, amount: str, **extra: Any) -> dict[str, Any]:
    return {"creditor_id": ledger.creditor_id, "customer_id": ledger.customer_ids[0],
            "contract_id": ledger.contract_id, "number": number, "issue_date": issue, "due_date": due,
            "amount": amount, "currency": "CNY", "tax_invoice_no": "3100" + number[-4:], **extra}


TABLES = (CreditorEntity, Customer, Contact, Contract, Invoice, CreditNote, Payment, Allocation, Attachment,
          AuditEntry)


def snapshot(core: Core) -> dict[str, Any]:
    """Row counts of every ledger table and the audit log, plus every denormalised running total."""
    with reading(core) as s:
        out: dict[str, Any] = {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}
        out["invoice_totals"] = s.execute(
            select(Invoice.id, Invoice.paid_amount, Invoice.credited_amount).order_by(Invoice.id)).all()
        out["payment_totals"] = s.execute(
            select(Payment.id, Payment.unallocated_amount).order_by(Payment.id)).all()
    return out


def make_app(core: Core) -> Flask:
    from workflow.app import create_app

    app = create_app(core=core)
    app.config["TESTING"] = True
    return app


def token_headers(core: Core, role: str) -> tuple[dict[str, str], int]:
    system = ADMIN
    # no password: hashing one costs more than the rest of a test, and tokens are what the API uses
    accounts = core.services.accounts
    u = run(core, system, accounts.create_user, username=f"{role}-pg", display_name=role, role=role)
    token = run(core, system, accounts.issue_token, f"{role}-pg", "tests").token
    return {"Authorization": f"Bearer {token}"}, u.id


@dataclass
class Shared:
    """One app and database for a module of refusal tests: each refusal must leave it unchanged."""

    client: FlaskClient
    core: Core
    clerk: dict[str, str]
    ledger: Ledger


def shared_api(tmp: Path) -> Shared:
    from tests.conftest import FIXED_NOW
    from workflow.clock import FixedClock
    from workflow.config import Settings
    from workflow.filestore import MemoryFileStore
    from workflow.models import Base

    settings = Settings(instance_path=tmp / "instance", mailbox_dir=tmp / "mailbox", mail_transport="memory",
                        pdf_converter="none", secret_key="test-secret")
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    core = build_core(settings, clock=FixedClock(FIXED_NOW), files=MemoryFileStore())
    Base.metadata.create_all(core.db.engine)
    client = make_app(core).test_client()
    clerk, _ = token_headers(core, "clerk")
    return Shared(client, core, clerk, seed(client, clerk))
