"""Internal notices to our own users: in the language of their profile, queued once per key, sent by
the outbox's sweep with our address, never counted as contact with a debtor nor as a demand."""

from __future__ import annotations

import email
from datetime import date
from email import policy

import pytest
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR
from tests.mail.letters import memory_outbox, queue, seed_debtor
from tests.uow import run
from workflow.audit.models import AuditEntry
from workflow.claim.evidence import delivered_demands
from workflow.core import Core
from workflow.mail.models import OutboxMessage
from workflow.mail.notices import notify_user
from workflow.mail.outbox import automated_contacts
from workflow.unit_of_work import UnitOfWork

SUBJECT = ("客户华东机电即将收到第二封催款函", "Customer Huadong Electromechanical is about to get a second demand")
BODY = ("请在今日内联系客户。", "Please call the customer today.")


@pytest.fixture
def core(any_db: Core) -> Core:
    return any_db


def _user(core: Core, username: str, *, locale: str, email_address: str | None) -> int:
    u = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username=username, display_name="王建国",
            role="clerk", email=email_address, locale=locale)
    return u.id


def _notify(core: Core, user_id: int, key: str) -> int | None:
    def go(uow: UnitOfWork) -> int | None:
        row = notify_user(uow, user_id, key=key, subject=SUBJECT, body=BODY)
        return row.id if row is not None else None
    return run(core, SYSTEM_ACTOR, go)


def test_a_notice_goes_once_per_key_in_the_users_language_from_our_address(core: Core) -> None:
    zh = _user(core, "wangjg", locale="zh_CN", email_address="wangjg@example.com")
    en = _user(core, "lisa", locale="en", email_address="lisa@example.com")
    first = _notify(core, zh, "k1")
    assert first is not None and _notify(core, zh, "k1") == first  # the same key: the same row, no second
    other = _notify(core, en, "k2")
    desk = memory_outbox(core, mail_from="ar@huadong-steel.example")
    assert desk.outbox.send_due() == 2
    sent = {m.get_all("To")[0]: m for m in (email.message_from_bytes(raw, policy=policy.default)
                                             for _, raw in desk.transport.sent)}
    assert str(sent["wangjg@example.com"]["Subject"]) == SUBJECT[0]
    assert sent["wangjg@example.com"].get_content().strip() == BODY[0]
    assert str(sent["lisa@example.com"]["Subject"]) == SUBJECT[1]
    for m in sent.values():
        assert m["Reply-To"] == "ar@huadong-steel.example"  # no case ref: an answer is no debtor's reply
        assert m["Message-ID"].endswith("@huadong-steel.example>")
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        rows = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [(r.id, r.kind, r.customer_id, r.status) for r in rows] == [
            (first, "internal_notice", None, "sent"), (other, "internal_notice", None, "sent")]


@pytest.mark.usefixtures("shipped_templates")
def test_a_notice_is_no_contact_with_the_debtor_and_no_demand(core: Core) -> None:
    debtor = seed_debtor(core)
    uid = _user(core, "wangjg", locale="zh_CN", email_address="wangjg@example.com")
    desk = memory_outbox(core)
    letter = queue(desk, debtor)  # a real automated demand beside it, counted
    _notify(core, uid, "k1")
    assert desk.outbox.send_due() == 2
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        today = uow.today()
        assert automated_contacts(uow.session, debtor.customer_id, today, today) == 1  # the letter only
        demands = delivered_demands(uow.session, debtor.customer_id, date(2030, 1, 1), core.settings.tz)
        assert [d.outbox_id for d in demands] == [letter]
        caps = uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.customer_id == debtor.customer_id))
        assert caps == 1  # the contact caps count rows of the debtor: the notice is none of them


def test_a_user_without_an_email_address_gets_no_mail_but_the_audit_log_says_so_once(core: Core) -> None:
    uid = _user(core, "nomail", locale="zh_CN", email_address=None)
    assert _notify(core, uid, "k1") is None
    assert _notify(core, uid, "k1") is None
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        assert uow.session.scalar(select(OutboxMessage.id)) is None
        entries = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "notice.no_address")))
    assert len(entries) == 1 and entries[0].after["key"] == "k1"
