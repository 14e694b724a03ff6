"""Delivery reports: a hard bounce marks the address invalid, the letter bounced (no longer a delivered
demand for the claim) and tells the clerk; a delay marks nothing; a refusal of how WE send (QQ's
frequency limit, DMARC) leaves the debtor's address valid."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR
from tests.inbox.desk import all_inbound, debtor, drop, dsn, with_letter
from tests.uow import read
from workflow.cases.models import CaseNote
from workflow.claim.evidence import delivered_demands
from workflow.core import Core
from workflow.ledger.models import Contact
from workflow.mail.models import OutboxMessage
from workflow.mail.outbox import designated_recipients

EMAIL = "lina@csot.com.cn"


def _state(core: Core, d: Any) -> tuple[Any, Any, list[str], int, list[str]]:
    def q(uow: Any) -> tuple[Any, Any, list[str], int, list[str]]:
        s = uow.session
        contact = s.get(Contact, d.contact_id)
        out = s.get(OutboxMessage, d.outbox_id)
        notes = list(s.scalars(select(CaseNote.body).where(CaseNote.case_id == d.case_id)))
        demands = delivered_demands(s, d.customer_id, date(2026, 11, 26), core.settings.tz)
        return contact.email_invalid_since, out.bounced_at, notes, len(demands), designated_recipients(s, d.customer_id)

    return read(core, SYSTEM_ACTOR, q)


def _deliver(core: Core, raw: bytes) -> Any:
    drop(core, raw, f"dsn{len(all_inbound(core))}.eml")
    core.services.inbox.poll()
    return all_inbound(core)[-1]


def test_a_hard_bounce_invalidates_the_address_and_the_demand(core: Core, shipped_templates: None) -> None:
    d = debtor(core, "AR-2026-0042", EMAIL)
    with_letter(core, d)
    assert _state(core, d)[3] == 1  # before: the letter is a delivered demand

    row = _deliver(core, dsn(failed=EMAIL, original_message_id=d.message_id))

    invalid_since, bounced_at, notes, demands, recipients = _state(core, d)
    assert (row.status, row.intent, row.outbox_id, row.case_id) == ("processed", "bounce", d.outbox_id, d.case_id)
    assert invalid_since is not None and bounced_at is not None
    assert demands == 0 and recipients == []  # no demand to count, nobody left to send to
    assert any("退信" in n and EMAIL in n for n in notes)
    assert row.outcome["contacts_invalid"] == [d.contact_id]


def test_a_delayed_delivery_marks_nothing(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", EMAIL)
    row = _deliver(core, dsn(failed=EMAIL, original_message_id=d.message_id, status="4.2.2", action="delayed",
                             diagnostic="452 4.2.2 <{addr}>: Mailbox full"))

    invalid_since, bounced_at, notes, _, recipients = _state(core, d)
    assert row.status == "processed" and row.intent == "bounce"
    assert invalid_since is None and bounced_at is None and recipients == [EMAIL]
    assert any("暂时无法投递" in n for n in notes)


def test_a_refusal_of_how_we_send_leaves_the_address_valid(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", "12345678@qq.com")
    row = _deliver(core, dsn(failed="12345678@qq.com", original_message_id=d.message_id, status="5.0.0",
                             diagnostic="550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?"
                                        "subtype=1&&id=20022&&no=1000726 frequency limited"))

    invalid_since, bounced_at, notes, _, recipients = _state(core, d)
    assert row.status == "processed" and row.outcome["our_sending_problem"] is True
    assert invalid_since is None and recipients == ["12345678@qq.com"]
    assert bounced_at is not None  # the letter itself never arrived: it is no demand either
    assert any("发信方原因" in n for n in notes)


def test_a_report_about_mail_we_never_sent_waits_for_a_clerk(core: Core) -> None:
    debtor(core, "AR-2026-0042", EMAIL)
    row = _deliver(core, dsn(failed="nobody@unknown.test", original_message_id="<abc@somewhere-else.test>"))
    assert (row.status, row.triage_reason) == ("triage", "unmatched")
