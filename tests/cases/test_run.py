"""The daily dunning run on a hand-built ledger: what it decides, what it makes and queues, and that
a second run of the same day does nothing twice (one day at a time; the 120-day walk is in
``test_run_120_days.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR
from tests.ledger.sample_ledger import CREDITOR
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.cases.decide import Decision, period_end
from workflow.cases.models import DunningAction, DunningCase
from workflow.cases.policy import (
    assign_policy,
    create_policy,
    set_do_not_dun,
    set_statement_schedule,
    update_policy,
)
from workflow.cases.run import RunReport
from workflow.cases.states import CaseState
from workflow.clock import FixedClock
from workflow.core import Core
from workflow.documents.models import GeneratedDocument
from workflow.ledger.models import Attachment, Contact, CreditorEntity, Customer, Invoice
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUNNER = Actor(user_id=None, username="dunning-run", role=Role.ADMIN)
FIRM = {"name": "上海市锦天城律师事务所", "address": "上海市浦东新区银城中路501号", "phone": "021-20511000",
        "email": "ar@allbright.example.cn"}
LAWYER = {"name": "王磊", "licence_no": "13101200910123456"}


@dataclass
class Ledger:
    creditor_id: int
    customers: dict[str, int] = field(default_factory=dict)  # legal name → id


def at_nine(clock: FixedClock, day: date) -> None:
    """Move the test's clock to ``day`` 09:00 in Shanghai (the scheduled run)."""
    target = datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI).astimezone(UTC)
    clock.advance(target - clock.now())


def build(core: Core, customers: list[tuple[str, str, list[tuple[str, date, date, str]]]],
          *, email: bool = True) -> Ledger:
    """Our company 上海宝钢包装 and its customers: (name, code, [(invoice no, issued, due, amount)])."""
    now = core.clock.now()

    def make(uow: UnitOfWork) -> Ledger:
        s = uow.session
        creditor = CreditorEntity(**CREDITOR, created_at=now)
        s.add(creditor)
        s.flush()
        ledger = Ledger(creditor.id)
        for name, code, invoices in customers:
            c = Customer(code=code, legal_name=name, kind="private_large", created_at=now)
            s.add(c)
            s.flush()
            ledger.customers[name] = c.id
            if email and code != "NOMAIL":
                s.add(Contact(customer_id=c.id, name="财务部 陈静", role="finance",
                              email=f"caiwu@{code.lower()}.example.cn", receives_dunning=True))
            for number, issued, due, amount in invoices:
                s.add(Invoice(creditor_id=creditor.id, customer_id=c.id, number=number, issue_date=issued,
                              due_date=due, amount=Decimal(amount), currency="CNY", paid_amount=Decimal("0.00"),
                              credited_amount=Decimal("0.00"), written_off=False, created_at=now))
        s.flush()
        return ledger

    return run(core, SYSTEM_ACTOR, make)


def first_decisions(report: RunReport) -> dict[int, Decision]:
    """Each customer's main decision (the message it gets, or why not): listed first."""
    out: dict[int, Decision] = {}
    for d in report.decisions:
        out.setdefault(d.customer_id, d)
    return out


def dun(core: Core, as_of: date | None = None, dry_run: bool = False) -> RunReport:
    return core.services.dunning.run(RUNNER, as_of, dry_run=dry_run)


def outbox(core: Core, customer_id: int | None = None) -> list[OutboxMessage]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        if customer_id is not None:
            q = q.where(OutboxMessage.customer_id == customer_id)
        rows = list(uow.session.scalars(q))
        uow.session.expunge_all()
        return rows


def actions(core: Core, customer_id: int | None = None) -> list[DunningAction]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        q = select(DunningAction).order_by(DunningAction.id)
        if customer_id is not None:
            q = q.where(DunningAction.customer_id == customer_id)
        rows = list(uow.session.scalars(q))
        uow.session.expunge_all()
        return rows


def the_case(core: Core, customer_id: int) -> DunningCase | None:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        c = uow.session.scalar(select(DunningCase).where(DunningCase.customer_id == customer_id)
                               .order_by(DunningCase.id.desc()))
        uow.session.expunge_all()
        return c


@pytest.fixture
def desk(core: Core, shipped_templates: None) -> Iterator[Core]:
    yield core


HUAXING = "深圳市华星光电技术有限公司"
ZHOUSHAN = "宁波舟山港股份有限公司"
HUICHUAN = "苏州汇川技术有限公司"
GEELY = "浙江吉利控股集团有限公司"
BAIYUN = "广州白云山医药集团股份有限公司"


def test_imported_forty_days_overdue_escalates_one_level_a_day_in_order(desk: Core, clock: FixedClock) -> None:
    # Thursday 26 Nov 2026: 宁波舟山港 owes an invoice due 40 days ago — every level up to the final
    # notice is past its trigger, but the letters go one a day, in order
    ledger = build(desk, [(ZHOUSHAN, "NBZS", [("FP-2026-0917", date(2026, 9, 1), date(2026, 10, 15), "86000.00")])])
    cid = ledger.customers[ZHOUSHAN]
    at_nine(clock, date(2026, 11, 26))
    report = dun(desk)
    assert [(d.action, d.level, d.kind, d.outcome) for d in report.decisions if d.customer_id == cid] == [
        ("level", 1, "dunning_letter_1", "queued"),
        # October's statement is due too, but the customer gets one message a day, the escalation first
        ("statement", None, "statement", "wait")]
    case = the_case(desk, cid)
    assert case is not None and case.state == CaseState.REMINDING and case.level == 1
    sent = outbox(desk, cid)
    assert [(m.kind, m.automated, m.contact_on) for m in sent] == [("dunning_letter_1", True, date(2026, 11, 26))]
    # not before the scheduled time (09:00 Shanghai), which has come
    assert sent[0].next_attempt_at >= datetime(2026, 11, 26, 1, tzinfo=UTC)

    again = dun(desk)  # the same day again: nothing twice
    assert {d.outcome for d in again.decisions if d.customer_id == cid} <= {"skip", "wait"}
    assert len(outbox(desk, cid)) == 1

    at_nine(clock, date(2026, 11, 27))
    dun(desk)
    at_nine(clock, date(2026, 11, 28))  # Saturday: no contact
    sat = dun(desk)
    assert not sat.working_day and sat.decisions == []
    at_nine(clock, date(2026, 11, 30))
    dun(desk)
    kinds = [m.kind for m in outbox(desk, cid)]
    assert kinds == ["dunning_letter_1", "dunning_letter_2", "dunning_letter_3"]
    case = the_case(desk, cid)
    assert case is not None and case.state == CaseState.FINAL_NOTICE and case.level == 3
    with desk.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        customer = uow.session.get(Customer, cid)
        assert customer is not None and customer.credit_hold  # the final notice's level stops supply


def test_dry_run_writes_nothing_and_says_why(desk: Core, clock: FixedClock) -> None:
    ledger = build(desk, [(ZHOUSHAN, "NBZS", [("FP-1", date(2026, 9, 1), date(2026, 10, 15), "86000.00")]),
                          (HUAXING, "HXGD", [("FP-2", date(2026, 11, 1), date(2026, 12, 1), "5000.00")])])
    at_nine(clock, date(2026, 11, 26))
    report = dun(desk, dry_run=True)
    by = first_decisions(report)
    assert by[ledger.customers[ZHOUSHAN]].outcome == "send"
    assert by[ledger.customers[ZHOUSHAN]].kind == "dunning_letter_1"
    assert by[ledger.customers[ZHOUSHAN]].open_case
    # due Tuesday 1 Dec: the reminder three working days ahead falls on Thursday 26 Nov
    assert (by[ledger.customers[HUAXING]].action, by[ledger.customers[HUAXING]].outcome) == ("pre_due", "send")
    assert outbox(desk) == [] and actions(desk) == []
    assert the_case(desk, ledger.customers[ZHOUSHAN]) is None


def test_do_not_dun_and_missing_email(desk: Core, clock: FixedClock) -> None:
    ledger = build(desk, [(GEELY, "GEELY", [("FP-1", date(2026, 9, 1), date(2026, 10, 15), "1000.00")]),
                          (BAIYUN, "NOMAIL", [("FP-2", date(2026, 9, 1), date(2026, 10, 15), "2000.00")]),
                          (HUAXING, "HXGD", [("FP-3", date(2026, 9, 1), date(2026, 10, 15), "3000.00")])])
    run(desk, SYSTEM_ACTOR, set_do_not_dun, ledger.customers[GEELY], True, "key account: the CEO calls")
    at_nine(clock, date(2026, 11, 26))
    report = dun(desk)
    by = first_decisions(report)
    assert by[ledger.customers[GEELY]].reason == "do-not-dun"
    assert outbox(desk, ledger.customers[GEELY]) == []
    blocked = by[ledger.customers[BAIYUN]]
    assert blocked.outcome == "blocked" and "no contact email" in blocked.reason
    [action] = actions(desk, ledger.customers[BAIYUN])
    assert (action.status, action.kind) == ("blocked", "dunning_letter_1")
    # one bad customer does not stop the others
    assert [m.kind for m in outbox(desk, ledger.customers[HUAXING])] == ["dunning_letter_1"]
    # the contact is fixed: the next working day's run retries the blocked letter
    with desk.unit_of_work(SYSTEM_ACTOR) as uow:
        uow.session.add(Contact(customer_id=ledger.customers[BAIYUN], name="财务 李娜", role="finance",
                                email="caiwu@baiyunshan.example.cn", receives_dunning=True))
    at_nine(clock, date(2026, 11, 27))
    dun(desk)
    assert [m.kind for m in outbox(desk, ledger.customers[BAIYUN])] == ["dunning_letter_1"]
    assert [a.status for a in actions(desk, ledger.customers[BAIYUN])] == ["queued"]


def test_lawyer_letter_needs_a_firm_then_waits_for_approval(desk: Core, clock: FixedClock) -> None:
    ledger = build(desk, [(HUICHUAN, "SZHC", [("FP-1", date(2026, 6, 1), date(2026, 9, 15), "250000.00")])])
    cid = ledger.customers[HUICHUAN]
    levels = [{"offset": 1, "kind": "dunning_letter_1"}, {"offset": 5, "kind": "lawyer_letter", "approval": True}]
    policy = run(desk, SYSTEM_ACTOR, create_policy, name="快速律师函", levels=levels)
    run(desk, SYSTEM_ACTOR, assign_policy, cid, policy.id)
    at_nine(clock, date(2026, 11, 26))
    dun(desk)
    at_nine(clock, date(2026, 11, 27))
    report = dun(desk)
    d = first_decisions(report)[cid]
    assert (d.kind, d.outcome) == ("lawyer_letter", "blocked") and "no law firm configured" in d.reason
    # the firm is configured on the level: the next run drafts the letter, and sends nothing
    run(desk, SYSTEM_ACTOR, lambda uow: update_policy(
        uow, policy.id, levels=[levels[0], {**levels[1], "law_firm": FIRM, "lawyer": LAWYER}]))
    at_nine(clock, date(2026, 11, 30))
    report = dun(desk)
    d = first_decisions(report)[cid]
    assert (d.kind, d.outcome) == ("lawyer_letter", "awaiting_approval")
    assert [m.kind for m in outbox(desk, cid)] == ["dunning_letter_1"]
    case = the_case(desk, cid)
    assert case is not None and case.state == CaseState.LAWYER_LETTER_PENDING
    with desk.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        doc = uow.session.get(GeneratedDocument, d.document_id)
        assert doc is not None and doc.kind == "lawyer_letter" and doc.case_id == case.id
        assert doc.context["law_firm"]["name"] == FIRM["name"]
    at_nine(clock, date(2026, 12, 1))
    later = dun(desk)
    d = first_decisions(later)[cid]
    assert d.outcome == "skip" and "awaiting approval" in d.reason


def test_monthly_statement_then_chase_then_note(desk: Core, clock: FixedClock) -> None:
    # not overdue at all: the statement still goes, on the first working day after the month end
    ledger = build(desk, [(HUAXING, "HXGD", [("FP-1", date(2026, 11, 2), date(2027, 3, 31), "48000.00")])])
    cid = ledger.customers[HUAXING]
    at_nine(clock, date(2026, 11, 30))
    assert [d for d in dun(desk).decisions if d.action == "statement"] == []  # November is not over
    at_nine(clock, date(2026, 12, 1))
    dun(desk)
    [m] = outbox(desk, cid)
    assert m.kind == "statement" and m.case_id is None
    assert period_end(date(2026, 12, 1), "monthly") == date(2026, 11, 30)
    day = date(2026, 12, 1)
    chase_on = note_on = None
    for _ in range(40):
        day += timedelta(days=1)
        at_nine(clock, day)
        dun(desk)
        kinds = [a.action for a in actions(desk, cid)]
        if chase_on is None and "statement_chase" in kinds:
            chase_on = day
        if note_on is None and "statement_note" in kinds:
            note_on = day
    # ten working days after 1 Dec is 15 Dec; ten more after that, 29 Dec
    assert chase_on == date(2026, 12, 15)
    assert note_on == date(2026, 12, 29)
    assert [m.kind for m in outbox(desk, cid)] == ["statement", "statement", "statement"]  # Dec, chase, Jan


def test_signed_statement_stops_the_chase(desk: Core, clock: FixedClock) -> None:
    ledger = build(desk, [(HUAXING, "HXGD", [("FP-1", date(2026, 11, 2), date(2027, 3, 31), "48000.00")])])
    cid = ledger.customers[HUAXING]
    at_nine(clock, date(2026, 12, 1))
    dun(desk)
    with desk.unit_of_work(SYSTEM_ACTOR) as uow:
        inv = uow.session.scalar(select(Invoice).where(Invoice.customer_id == cid))
        assert inv is not None
        uow.session.add(Attachment(invoice_id=inv.id, filename="对账单-盖章.pdf", content_type="application/pdf",
                                   size=10, sha256="0" * 64, uploaded_by="clerk", uploaded_at=clock.now(),
                                   kind="signed_statement", signed_on=date(2026, 12, 4)))
    for day in (date(2026, 12, 15), date(2026, 12, 16)):
        at_nine(clock, day)
        dun(desk)
    assert [a.action for a in actions(desk, cid)] == ["statement"]


def test_quarterly_and_none_schedules(desk: Core, clock: FixedClock) -> None:
    ledger = build(desk, [(HUAXING, "HXGD", [("FP-1", date(2026, 11, 2), date(2027, 3, 31), "48000.00")]),
                          (GEELY, "GEELY", [("FP-2", date(2026, 11, 2), date(2027, 3, 31), "1000.00")])])
    run(desk, SYSTEM_ACTOR, set_statement_schedule, ledger.customers[HUAXING], "quarterly")
    run(desk, SYSTEM_ACTOR, set_statement_schedule, ledger.customers[GEELY], "none")
    at_nine(clock, date(2026, 12, 1))
    dun(desk)
    assert outbox(desk) == []  # November ends no quarter; GEELY has no statements at all
    clock.advance(timedelta(days=40))  # 10 Jan 2027 (Sunday) → the next working day
    at_nine(clock, date(2027, 1, 4))
    dun(desk)
    assert [(m.customer_id, m.kind) for m in outbox(desk)] == [(ledger.customers[HUAXING], "statement")]


def test_paid_case_closes(desk: Core, clock: FixedClock) -> None:
    ledger = build(desk, [(ZHOUSHAN, "NBZS", [("FP-1", date(2026, 9, 1), date(2026, 10, 15), "86000.00")])])
    cid = ledger.customers[ZHOUSHAN]
    at_nine(clock, date(2026, 11, 26))
    dun(desk)
    with desk.unit_of_work(SYSTEM_ACTOR) as uow:
        inv = uow.session.scalar(select(Invoice).where(Invoice.customer_id == cid))
        assert inv is not None
        inv.paid_amount = inv.amount
    at_nine(clock, date(2026, 11, 27))
    report = dun(desk)
    case = the_case(desk, cid)
    assert case is not None and case.state == CaseState.CLOSED_PAID
    assert report.closed == [case.ref]
    assert len(outbox(desk, cid)) == 1


def test_the_run_on_sqlite_and_postgresql(any_db: Core, clock: FixedClock) -> None:
    """The grouped query, the range look-ups and the keyed actions on both databases."""
    report = run(any_db, SYSTEM_ACTOR, any_db.services.templates.sync_shipped)
    assert not report.rejected
    ledger = build(any_db, [
        (ZHOUSHAN, "NBZS", [("ZS-1", date(2026, 9, 1), date(2026, 10, 15), "86000.00"),
                            ("ZS-2", date(2026, 10, 1), date(2026, 11, 2), "14000.00")]),
        (HUAXING, "HXGD", [("HX-1", date(2026, 11, 1), date(2026, 12, 1), "5000.00")]),
        (GEELY, "GEELY", [("GL-1", date(2026, 9, 1), date(2026, 10, 15), "1000.00")])])
    run(any_db, SYSTEM_ACTOR, set_do_not_dun, ledger.customers[GEELY], True, "")
    at_nine(clock, date(2026, 11, 26))
    dry = first_decisions(dun(any_db, dry_run=True))
    assert dry[ledger.customers[ZHOUSHAN]].kind == "dunning_letter_1"
    assert dry[ledger.customers[ZHOUSHAN]].trigger == date(2026, 10, 16)  # the oldest due date + 1 working day
    assert dry[ledger.customers[HUAXING]].kind == "payment_reminder"
    assert dry[ledger.customers[GEELY]].reason == "do-not-dun"
    dun(any_db)
    dun(any_db)
    assert sorted((m.customer_id, m.kind) for m in outbox(any_db)) == sorted([
        (ledger.customers[ZHOUSHAN], "dunning_letter_1"), (ledger.customers[HUAXING], "payment_reminder")])
    at_nine(clock, date(2026, 11, 27))
    dun(any_db)
    assert [m.kind for m in outbox(any_db, ledger.customers[ZHOUSHAN])] == ["dunning_letter_1", "dunning_letter_2"]
    assert {a.status for a in actions(any_db)} == {"queued"}



def test_the_dry_run_says_why_in_the_users_language(desk: Core, clock: FixedClock) -> None:
    """`dunning run --dry-run` prints each reason in one language: Chinese by default, English on request."""
    from click.testing import CliRunner

    from workflow.cli import cli

    build(desk, [(ZHOUSHAN, "NBZS", [("FP-1", date(2026, 9, 1), date(2026, 10, 15), "86000.00")])])
    at_nine(clock, date(2026, 11, 26))
    zh = CliRunner().invoke(cli, ["run", "--as-of", "2026-11-26", "--dry-run"], obj=desk)
    assert zh.exit_code == 0, zh.output
    assert "第 1 级自 2026-10-16 起到期" in zh.output and "due since" not in zh.output
    english = replace(desk, settings=desk.settings.with_(locale="en"))
    en = CliRunner().invoke(cli, ["run", "--as-of", "2026-11-26", "--dry-run"], obj=english)
    assert en.exit_code == 0, en.output
    assert "level 1 due since 2026-10-16" in en.output and "起到期" not in en.output
