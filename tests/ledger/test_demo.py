"""`dunning demo`: realistic, consistent, spread over every aging bucket, and loaded only once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR
from tests.ledger.sample_ledger import reading
from tests.uow import run
from workflow.accounts.actor import ANONYMOUS
from workflow.core import Core
from workflow.ledger.aging import BUCKET_KEYS, aging_report
from workflow.ledger.demo import load_demo
from workflow.ledger.models import Allocation, Contact, Contract, CreditNote, CreditorEntity, Customer, Invoice, Payment
from workflow.ledger.validation import credit_code_problem


def test_demo_ledger_is_consistent_and_ages_into_every_bucket(any_db: Core) -> None:
    result = run(any_db, SYSTEM_ACTOR, load_demo, any_db.services.accounts)
    assert result.loaded
    assert result.summary["customers"] == 30 and 480 <= result.summary["invoices"] <= 520
    today = any_db.clock.today()
    with reading(any_db) as s:
        assert s.scalar(select(func.count()).select_from(CreditorEntity)) == 2
        codes = [c for c in s.scalars(select(Customer.credit_code)) if c] + list(
            s.scalars(select(CreditorEntity.credit_code))
        )
        assert len(codes) >= 30 and all(credit_code_problem(c) is None for c in codes)
        assert {k for (k,) in s.execute(select(Customer.kind).distinct())} == {
            "private_small",
            "private_large",
            "state_owned",
            "foreign",
            "individual_business",
        }
        roles = {r for (r,) in s.execute(select(Contact.role).distinct())}
        assert roles >= {"finance", "purchasing", "legal_representative"}
        assert s.scalar(select(func.count()).select_from(Contact).where(Contact.is_notice_address)) > 0
        penalties = {c.penalty["kind"] for c in s.scalars(select(Contract)) if c.penalty}
        assert penalties >= {"daily_rate", "lpr_multiple", "none"}
        disputes = {c.dispute["kind"] for c in s.scalars(select(Contract)) if c.dispute}
        assert disputes == {"court", "arbitration"}
        assert any(c.payment_terms and c.payment_terms["kind"] == "instalments" for c in s.scalars(select(Contract)))
        # the maintained totals equal what the rows say
        paid_q = select(Allocation.invoice_id, func.sum(Allocation.amount)).group_by(Allocation.invoice_id)
        paid = {i: v for i, v in s.execute(paid_q)}
        credited_q = select(CreditNote.invoice_id, func.sum(CreditNote.amount)).group_by(CreditNote.invoice_id)
        credited = {i: v for i, v in s.execute(credited_q)}
        partial = 0
        for inv in s.scalars(select(Invoice)):
            assert inv.paid_amount == paid.get(inv.id, 0) and inv.credited_amount == credited.get(inv.id, 0)
            assert inv.paid_amount + inv.credited_amount <= inv.amount and inv.issue_date <= today
            partial += 0 < inv.paid_amount < inv.amount
        assert partial >= 20
        for p in s.scalars(select(Payment)):
            allocated = sum((a.amount for a in p.allocations), start=p.amount * 0)
            assert p.unallocated_amount == p.amount - allocated >= 0
        assert s.scalar(select(func.count()).select_from(Payment).where(Payment.unallocated_amount > Decimal(0)))
        report = aging_report(s, today, currency="CNY")
    cny = report.totals["CNY"]
    assert all(cny.buckets[k] > 0 for k in BUCKET_KEYS)
    assert cny.written_off > 0


def test_second_run_changes_nothing_and_reset_reloads(core: Core) -> None:
    first = run(core, SYSTEM_ACTOR, load_demo, core.services.accounts)
    with reading(core) as s:
        numbers = list(s.scalars(select(Invoice.number).order_by(Invoice.id)))
    again = run(core, SYSTEM_ACTOR, load_demo, core.services.accounts)
    assert not again.loaded
    with reading(core) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == first.summary["invoices"]
    reset = run(core, SYSTEM_ACTOR, load_demo, core.services.accounts, reset=True)
    assert reset.loaded and reset.summary == first.summary
    with reading(core) as s:
        assert list(s.scalars(select(Invoice.number).order_by(Invoice.id))) == numbers  # seeded: same data


def test_cli_demo_prints_logins_that_work(runner: Any, client: FlaskClient) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "演示数据已载入" in first.output and "Demo-clerk-2026" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "此前已载入" in second.output
    resp = client.post("/api/v1/auth/login", json={"username": "clerk", "password": "Demo-clerk-2026"})
    assert resp.status_code == 200 and resp.json["role"] == "clerk"
    aging = client.get("/api/v1/reports/aging")
    assert aging.status_code == 200 and len(aging.json["customers"]) >= 25


def test_demo_keeps_an_existing_admin_password(core: Core) -> None:
    run(core, SYSTEM_ACTOR, core.services.accounts.create_user,
        username="admin", display_name="运维 王磊", role="admin", password="our-own-secret-1")
    result = run(core, SYSTEM_ACTOR, load_demo, core.services.accounts)
    shown = dict((u, p) for u, _, p in result.users)
    assert "existing user" in shown["admin"] and shown["clerk"] == "Demo-clerk-2026"
    login = run(core, ANONYMOUS, core.services.accounts.login, "admin", "our-own-secret-1", "127.0.0.1")
    assert login.actor is not None and login.actor.username == "admin"
