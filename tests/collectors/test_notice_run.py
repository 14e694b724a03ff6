"""The salesperson hears of a sterner letter before it goes: the daily run reaching a level marked
``notify_salesperson`` (the default policy's final notice) emails each salesperson of the case's
open invoices in the language of their profile, once, and the letter waits behind the notice."""

from __future__ import annotations

import email
from datetime import date, timedelta
from email import policy
from email.header import decode_header, make_header

from sqlalchemy import select

from tests.cases.test_run import ZHOUSHAN, at_nine, build, desk, dun, outbox  # noqa: F401 (desk: a fixture)
from tests.conftest import SYSTEM_ACTOR
from tests.uow import run
from workflow.audit.models import AuditEntry
from workflow.cases.models import CaseNote
from workflow.clock import FixedClock
from workflow.core import Core
from workflow.ledger.models import Customer, Invoice
from workflow.mail.transport import MemoryTransport


def _users(core: Core, *, lina_email: str | None = "lina@huadong-steel.example") -> tuple[int, int]:
    accounts = core.services.accounts
    wang = run(core, SYSTEM_ACTOR, accounts.create_user, username="wangjg", display_name="王建国", role="sales",
               email="wangjg@huadong-steel.example", employee_no="S001").id
    lina = run(core, SYSTEM_ACTOR, accounts.create_user, username="lina", display_name="Li Na", role="sales",
               email=lina_email, locale="en", employee_no="S002").id
    return wang, lina


def _ledger(core: Core, wang: int, lina: int) -> int:
    ledger = build(core, [(ZHOUSHAN, "NBZS", [("FP-2026-0917", date(2026, 9, 1), date(2026, 10, 15), "86000.00"),
                                              ("FP-2026-0918", date(2026, 9, 2), date(2026, 10, 15), "14000.00")])])
    cid = ledger.customers[ZHOUSHAN]
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        customer = uow.session.get(Customer, cid)
        assert customer is not None
        customer.salesperson_id = wang
        # the second invoice was sold by 李娜: she answers for it
        second = uow.session.scalar(select(Invoice).where(Invoice.number == "FP-2026-0918"))
        assert second is not None
        second.salesperson_id = lina
    return cid


def _escalate_to_level_3(core: Core, clock: FixedClock) -> None:
    # 40 days overdue on Thursday 26 Nov: letters 1, 2, 3 go on 26, 27 and 30 Nov (docs/dunning.md)
    for day in (date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30)):
        at_nine(clock, day)
        dun(core)
        if day != date(2026, 11, 30):
            core.services.outbox.send_due()  # the day's letter leaves that day


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(email.message_from_bytes(raw, policy=policy.compat32)["Subject"])))


def test_each_salesperson_is_told_in_their_language_once_before_the_final_notice(desk: Core,  # noqa: F811
                                                                                   clock: FixedClock) -> None:
    wang, lina = _users(desk)
    cid = _ledger(desk, wang, lina)
    _escalate_to_level_3(desk, clock)
    rows = outbox(desk)
    letters = [r for r in rows if r.customer_id == cid]
    notices = [r for r in rows if r.kind == "internal_notice"]
    assert [m.kind for m in letters] == ["dunning_letter_1", "dunning_letter_2", "dunning_letter_3"]
    # levels 1 and 2 tell no one; the final notice tells both salespeople, each once
    assert sorted((n.user_id, n.language) for n in notices) == sorted([(wang, "zh"), (lina, "en")])
    final = letters[-1]
    assert all(n.id < final.id and n.created_at == final.created_at for n in notices)  # same unit of work
    assert final.next_attempt_at >= notices[0].created_at + timedelta(minutes=15)  # the letter waits
    by_user = {n.user_id: n for n in notices}
    assert by_user[wang].subject.startswith("【催收升级】宁波舟山港股份有限公司 将收到第 3 级催收函")
    assert by_user[lina].subject.startswith("[Dunning] 宁波舟山港股份有限公司 is about to receive level 3")
    assert "CNY 100,000.00" in by_user[lina].body_text and "Outstanding" in by_user[lina].body_text

    # the same day again: no second notice
    dun(desk)
    assert len([r for r in outbox(desk) if r.kind == "internal_notice"]) == 2

    # sending now: the notices go, the letter waits its 15 minutes, then goes
    transport = desk.services.outbox.transport
    assert isinstance(transport, MemoryTransport)
    before = len(transport.sent)  # letters 1 and 2
    desk.services.outbox.send_due()
    first = {env.recipients: _subject(raw) for env, raw in transport.sent[before:]}
    assert set(first) == {("wangjg@huadong-steel.example",), ("lina@huadong-steel.example",)}
    assert first[("lina@huadong-steel.example",)] == by_user[lina].subject
    clock.advance(timedelta(minutes=16))
    desk.services.outbox.send_due()
    assert [env.recipients for env, _ in transport.sent[before + 2:]] == [("caiwu@nbzs.example.cn",)]

    # the case shows whom the run told
    with desk.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        notes = list(uow.session.scalars(select(CaseNote.body).where(CaseNote.kind == "system")))
    assert sum("已通知" in n for n in notes) == 2


def test_a_salesperson_without_an_email_address_is_noted_on_the_case(desk: Core,  # noqa: F811
                                                                      clock: FixedClock) -> None:
    wang, lina = _users(desk, lina_email=None)
    _ledger(desk, wang, lina)
    _escalate_to_level_3(desk, clock)
    notices = [r for r in outbox(desk) if r.kind == "internal_notice"]
    assert [n.user_id for n in notices] == [wang]
    with desk.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        said = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "notice.no_address")))
        notes = list(uow.session.scalars(select(CaseNote.body)))
    assert len(said) == 1 and said[0].after["username"] == "lina"
    assert any("未能通知 Li Na" in n and "no email address" in n for n in notes)
