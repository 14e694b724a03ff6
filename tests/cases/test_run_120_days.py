"""The daily run stepped through 120 consecutive days (Monday 14 September 2026 to Monday 11
January 2027), each day at its scheduled 09:00 in Shanghai, on a hand-built ledger of seven
customers of 上海宝钢包装, with the outbox on a memory transport and a null PDF converter.

It crosses 中秋 and 国庆 2026 (a working Sunday on 20 September, a working Saturday on 10 October),
the 1 November warning about the 2027 calendar, and January 2027, whose holiday notice is not
loaded: the run uses the provisional calendar (weekends, 1 January...).
"""

from __future__ import annotations

import email.policy
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from email.parser import BytesParser

from sqlalchemy import select

from tests.cases.test_run import (
    FIRM,
    LAWYER,
    RUNNER,
    actions,
    at_nine,
    build,
    dun,
    first_decisions,
    outbox,
    the_case,
)
from tests.conftest import SYSTEM_ACTOR
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.cases import service as cases
from workflow.cases.contact import RunCalendar
from workflow.cases.models import Promise
from workflow.cases.policy import (
    DEFAULT_LEVELS,
    assign_policy,
    create_policy,
    seed_default,
    set_do_not_dun,
    update_policy,
)
from workflow.cases.run import RunReport
from workflow.cases.states import CaseState
from workflow.clock import FixedClock
from workflow.core import Core
from workflow.ledger.models import Invoice
from workflow.ledger.payments import record_payment
from workflow.ledger.schemas import PaymentIn
from workflow.mail.transport import MemoryTransport
from workflow.unit_of_work import UnitOfWork

LEGAL = Actor(user_id=None, username="legal-wang", role=Role.LEGAL)
CLERK = Actor(user_id=None, username="clerk-zhang", role=Role.CLERK)
START = date(2026, 9, 14)
DAYS = 120

HUAXING = "深圳市华星光电技术有限公司"  # due 30 Sep: pre-due reminder, the ladder, the lawyer's letter
ZHOUSHAN = "宁波舟山港股份有限公司"  # 40 days overdue when first seen: three letters, then the 律师函 waits
CHANGAN = "重庆长安汽车股份有限公司"  # 40 days overdue, a policy without a 律师函: the weekly cap
BOE = "京东方科技集团股份有限公司"  # disputes the debt on 16 September
HUICHUAN = "苏州汇川技术有限公司"  # promises to pay by 20 October, and does not
GEELY = "浙江吉利控股集团有限公司"  # do-not-dun
HUADONG = "上海华东机电设备有限公司"  # a pre-due reminder, then pays before the due date


def test_120_days_of_daily_runs(core: Core, clock: FixedClock, shipped_templates: None) -> None:
    at_nine(clock, START)
    ledger = build(core, [
        (HUAXING, "HXGD", [("HX-2026-0820", date(2026, 8, 20), date(2026, 9, 30), "120000.00")]),
        (ZHOUSHAN, "NBZS", [("ZS-2026-0701", date(2026, 7, 1), date(2026, 8, 5), "86000.00")]),
        (CHANGAN, "CQCA", [("CA-2026-0701", date(2026, 7, 1), date(2026, 8, 5), "43000.00")]),
        (BOE, "BOE", [("BOE-2026-0810", date(2026, 8, 10), date(2026, 9, 4), "50000.00")]),
        (HUICHUAN, "SZHC", [("HC-2026-0825", date(2026, 8, 25), date(2026, 9, 10), "75000.00")]),
        (GEELY, "GEELY", [("GL-2026-0801", date(2026, 8, 1), date(2026, 8, 31), "99000.00")]),
        (HUADONG, "HDJD", [("HD-2026-1001", date(2026, 10, 1), date(2026, 10, 30), "12500.50")]),
    ])
    ids = ledger.customers
    # the default policy, seeded as on first use, with the firm that signs its 律师函
    default = run(core, SYSTEM_ACTOR, seed_default)
    levels = [dict(lv) for lv in DEFAULT_LEVELS]
    levels[-1] = {**levels[-1], "law_firm": FIRM, "lawyer": LAWYER}
    run(core, SYSTEM_ACTOR, lambda uow: update_policy(uow, default.id, levels=levels))
    no_lawyer = run(core, SYSTEM_ACTOR, create_policy, name="无律师函", levels=levels[:4])
    run(core, SYSTEM_ACTOR, assign_policy, ids[CHANGAN], no_lawyer.id)
    run(core, SYSTEM_ACTOR, set_do_not_dun, ids[GEELY], True, "strategic account")

    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        cal = RunCalendar(core.services.calc.calendar(uow.session))
    reports: dict[date, RunReport] = {}
    promise_made = False
    for i in range(DAYS):
        day = START + timedelta(days=i)
        at_nine(clock, day)
        reports[day] = dun(core)
        if day.weekday() == 0:  # every Monday the run is started a second time: nothing happens twice
            before = (len(outbox(core)), len(actions(core)))
            again = dun(core)
            assert (len(outbox(core)), len(actions(core))) == before
            assert {d.outcome for d in again.decisions} <= {"skip", "wait", "done"}
        # the clerks' day, after the run
        if day == date(2026, 9, 16):
            ref = _ref(core, ids[BOE])
            run(core, CLERK, cases.dispute, ref, "客户称第二批货物质量不合格，拒绝付款", "邮件 2026-09-16")
        if day == date(2026, 9, 15):
            ref = _ref(core, ids[HUICHUAN])
            run(core, CLERK, lambda uow, r=ref: cases.record_promise(
                uow, r, promised_on=date(2026, 10, 20), amount=Decimal("75000.00"), currency="CNY", source="call",
                contact_name="财务 周敏"))
            promise_made = True
        if day == date(2026, 10, 31):  # Saturday: 上海华东机电 pays in full before its due date
            _pay_in_full(core, ledger.creditor_id, ids[HUADONG])
        if day == date(2026, 11, 19):
            run(core, LEGAL, core.services.cases.approve_lawyer_letter, _ref(core, ids[HUAXING]), "已审阅，同意发出")
    assert promise_made

    mail = outbox(core)
    by_customer: dict[int, list[tuple[date, str, bool]]] = defaultdict(list)
    for m in mail:
        by_customer[m.customer_id].append((m.contact_on, m.kind, m.automated))
    automated = [m for m in mail if m.automated]

    # -- lawful contact: working days only, one a day, three in seven days, whoever the debtor ----------
    for m in automated:
        assert cal.is_working_day(m.contact_on), (m.contact_on, m.kind)
    assert not any(m.contact_on in (date(2026, 9, 25), date(2026, 10, 1), date(2026, 10, 7), date(2027, 1, 1))
                   for m in automated)
    per_day: dict[tuple[int, date], int] = defaultdict(int)
    for m in automated:
        per_day[(m.customer_id, m.contact_on)] += 1
    assert max(per_day.values()) == 1
    for (cid, d0) in per_day:
        window = sum(n for (c, d), n in per_day.items() if c == cid and d0 <= d < d0 + timedelta(days=7))
        assert window <= 3, (cid, d0)

    # -- 华星光电: the pre-due reminder and the ladder on the right working days -------------------------
    hx = [(d, k) for d, k, auto in by_customer[ids[HUAXING]] if k != "statement"]
    due = date(2026, 9, 30)
    assert hx[:4] == [
        (cal.add_working_days(due, -3), "payment_reminder"),
        (cal.add_working_days(due, 1), "dunning_letter_1"),
        (cal.add_working_days(due, 10), "dunning_letter_2"),
        (cal.add_working_days(due, 20), "dunning_letter_3")]
    # three working days before 30 Sep skip 中秋 (25–27 Sep); the first after it comes after 国庆
    assert hx[0][0] == date(2026, 9, 24) and hx[1][0] == date(2026, 10, 8)
    # ten working days after 30 Sep count the make-up Saturday 10 October (else it would be 21 Oct)
    assert hx[2][0] == date(2026, 10, 20)
    # the 律师函: drafted at its level and sent only once approved (by hand, not by the run)
    [lawyer_action] = [a for a in actions(core, ids[HUAXING]) if a.kind == "lawyer_letter"]
    assert lawyer_action.run_on == cal.add_working_days(due, 30) and lawyer_action.status == "approved"
    assert hx[4:] == [(date(2026, 11, 19), "lawyer_letter")]
    assert [auto for _d, k, auto in by_customer[ids[HUAXING]] if k == "lawyer_letter"] == [False]
    draft_day = first_decisions(reports[lawyer_action.run_on])[ids[HUAXING]]
    assert (draft_day.kind, draft_day.outcome) == ("lawyer_letter", "awaiting_approval")
    waiting = first_decisions(reports[date(2026, 11, 18)])[ids[HUAXING]]
    assert waiting.outcome == "skip" and "awaiting approval" in waiting.reason

    # -- monthly statements: each on (or, when a letter took the day, soon after) the first working
    # day after the month end; December's on Monday 4 January 2027 (1 January and the weekend are rest)
    statements = [a for a in actions(core, ids[HUAXING]) if a.action == "statement"]
    by_period = {a.key.rsplit(":", 1)[1]: a.run_on for a in statements}
    assert sorted(by_period) == ["2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"]
    assert by_period["2026-09-30"] == date(2026, 10, 9)  # 8 Oct was the first reminder's day
    assert by_period["2026-10-31"] == date(2026, 11, 2)
    assert by_period["2026-11-30"] == date(2026, 12, 1)
    assert by_period["2026-12-31"] == date(2027, 1, 4)

    # -- 宁波舟山港: already 40 days overdue: one level a day, in order; the 律师函 is never approved,
    # so nothing else is ever sent ---------------------------------------------------------------------
    assert by_customer[ids[ZHOUSHAN]] == [(date(2026, 9, 14), "dunning_letter_1", True),
                                          (date(2026, 9, 15), "dunning_letter_2", True),
                                          (date(2026, 9, 16), "dunning_letter_3", True)]
    zs = the_case(core, ids[ZHOUSHAN])
    assert zs is not None and zs.state == CaseState.LAWYER_LETTER_PENDING

    # -- 长安汽车: the same three letters, then the August statement waits for the weekly cap --------
    ca = by_customer[ids[CHANGAN]]
    assert [(d, k) for d, k, _a in ca[:4]] == [(date(2026, 9, 14), "dunning_letter_1"),
                                               (date(2026, 9, 15), "dunning_letter_2"),
                                               (date(2026, 9, 16), "dunning_letter_3"),
                                               (date(2026, 9, 21), "statement")]
    for capped in (date(2026, 9, 17), date(2026, 9, 18), date(2026, 9, 20)):
        d = first_decisions(reports[capped])[ids[CHANGAN]]
        assert d.outcome == "wait" and d.reason.startswith("cap: 3 automated message(s) in 7 days"), (capped, d)

    # -- 京东方: a reminder and a statement, then the dispute stops everything --------------------------
    assert by_customer[ids[BOE]] == [(date(2026, 9, 14), "dunning_letter_1", True),
                                     (date(2026, 9, 15), "statement", True)]
    assert first_decisions(reports[date(2026, 12, 1)])[ids[BOE]].reason.startswith("disputed")

    # -- 汇川: the promise holds the case until its date plus grace; broken, it escalates at once -----
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        promise = uow.session.scalar(select(Promise))
        assert promise is not None and promise.status == "broken" and promise.resolved_on is not None
        broken_on = promise.resolved_on
    assert broken_on > date(2026, 10, 20)
    hc = by_customer[ids[HUICHUAN]]
    assert [(d, k) for d, k, _a in hc[:2]] == [(date(2026, 9, 14), "dunning_letter_1"),
                                               (date(2026, 9, 15), "statement")]
    assert hc[2][:2] == (broken_on, "dunning_letter_2")  # nothing while it waited, the next level the day it broke
    assert "promise pending" in first_decisions(reports[date(2026, 10, 9)])[ids[HUICHUAN]].reason

    # -- 吉利: do-not-dun, never contacted; 华东机电: one reminder, then it paid ----------------------------
    assert by_customer[ids[GEELY]] == []
    assert by_customer[ids[HUADONG]] == [(cal.add_working_days(date(2026, 10, 30), -3), "payment_reminder", True)]
    assert the_case(core, ids[HUADONG]) is None

    # -- the 2027 calendar: warned about from 1 November; January 2027 runs on the provisional one ----
    def warned(d: date) -> bool:
        return any(w["code"] == "dunning_provisional_calendar" for w in reports[d].warnings)

    assert not warned(date(2026, 10, 31)) and warned(date(2026, 11, 1)) and warned(date(2027, 1, 4))
    assert not reports[date(2027, 1, 1)].working_day and reports[date(2027, 1, 1)].decisions == []
    assert reports[date(2027, 1, 4)].provisional_calendar and reports[date(2027, 1, 4)].working_day
    assert not any(m.contact_on in (date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 9), date(2027, 1, 10))
                   for m in mail)
    assert RUNNER.username in {a.decided_by for a in actions(core)}

    # -- and they left: each queued letter reached the (memory) mail server exactly once ------------
    transport = core.services.outbox.transport
    assert isinstance(transport, MemoryTransport)
    sent_ids = [_message_id(raw) for _envelope, raw in transport.sent]
    assert sorted(sent_ids) == sorted(m.message_id for m in mail)
    assert {m.status for m in mail} == {"sent"}


def _message_id(raw: bytes) -> str:
    return str(BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)["Message-ID"])


def _ref(core: Core, customer_id: int) -> str:
    c = the_case(core, customer_id)
    assert c is not None, customer_id
    return c.ref


def _pay_in_full(core: Core, creditor_id: int, customer_id: int) -> None:
    def pay(uow: UnitOfWork) -> None:
        owed = sum((i.amount for i in uow.session.scalars(select(Invoice).where(Invoice.customer_id == customer_id))),
                   Decimal(0))
        record_payment(uow, PaymentIn(creditor_id=creditor_id, customer_id=customer_id, received_on=uow.today(),
                                      amount=owed, currency="CNY", bank_reference="ICBC-20261031-0001"))

    run(core, SYSTEM_ACTOR, pay)
