"""Which case a reply belongs to: our Message-IDs (In-Reply-To, then References), our plus-address,
the case reference in the subject, the sender's address, then its company domain; nothing → triage."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.inbox.desk import MAIL_FROM, OUR_DOMAIN, all_inbound, case_of, debtor, drop, reply, sample
from workflow.config import Settings
from workflow.core import Core

PROMISE = "我司将于2026年12月15日前支付全部欠款。"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", mail_from=MAIL_FROM,
                    reply_confidence_threshold=Decimal("0.5"))


def _one(core: Core, raw: bytes) -> Any:
    drop(core, raw, f"m{len(all_inbound(core))}.eml")
    core.services.inbox.poll()
    return all_inbound(core)[-1]


def test_in_reply_to_names_our_letter(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    row = _one(core, sample("001-outlook_zh-promise_to_pay.eml"))
    assert (row.matched_by, row.case_id, row.outbox_id) == ("in_reply_to", d.case_id, d.outbox_id)


def test_references_alone_name_our_letter(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    other = debtor(core, "AR-2026-0050", "someone@elsewhere.test", code="C2", creditor_id=d.creditor_id,
                   token="zz99")
    raw = reply(sender="finance@unknown-sender.test", subject="付款安排", body=PROMISE,
                headers={"References": f"<x1@client.test> {other.message_id}"})
    row = _one(core, raw)
    assert (row.matched_by, row.case_id) == ("references", other.case_id)
    assert case_of(core, other.case_id).state == "promise_pending"


def test_the_plus_address_names_the_case(core: Core) -> None:
    d = debtor(core, "AR-2026-0066", "lin.yating.hf@gmail.com")
    row = _one(core, sample("010-gmail_zh-promise_to_pay.eml"))  # no In-Reply-To; sent to ar+AR-2026-0066@
    assert (row.matched_by, row.case_id) == ("plus_address", d.case_id)


def test_the_subject_names_the_case(core: Core) -> None:
    d = debtor(core, "AR-2026-0097", "luoqin@trp.com.cn")
    row = _one(core, sample("030-coremail-dispute.eml"))  # to ar@ only, [AR-2026-0097] in the subject
    assert (row.matched_by, row.case_id) == ("subject_ref", d.case_id)
    assert case_of(core, d.case_id).state == "disputed"


def test_the_senders_address_names_the_debtor(core: Core) -> None:
    d = debtor(core, "AR-2026-0083", "caijialing@ivo.com.cn")
    row = _one(core, sample("069-foxmail-promise_to_pay.eml"))  # "关于导轨货款": no reference at all
    assert (row.matched_by, row.case_id) == ("sender_address", d.case_id)
    assert case_of(core, d.case_id).state == "promise_pending"


def test_a_colleague_at_the_debtors_domain_names_the_debtor(core: Core) -> None:
    d = debtor(core, "AR-2026-0083", "caijialing@ivo.com.cn")
    row = _one(core, reply(sender="Zhang.Wei@IVO.com.cn", subject="货款", body=PROMISE))
    assert (row.matched_by, row.case_id) == ("sender_domain", d.case_id)


def test_a_free_mail_domain_names_nobody(core: Core) -> None:
    d = debtor(core, "AR-2026-0066", "lin.yating.hf@gmail.com")
    row = _one(core, reply(sender="stranger@gmail.com", subject="付款", body=PROMISE))
    assert (row.status, row.triage_reason, row.case_id) == ("triage", "unmatched", None)
    assert case_of(core, d.case_id).state == "overdue"


def test_a_reference_typed_by_another_debtors_contact_moves_nothing(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    debtor(core, "AR-2026-0050", "chen@other-debtor.test", code="C2", creditor_id=d.creditor_id, token="q1")
    row = _one(core, reply(sender="chen@other-debtor.test", subject="Re: [AR-2026-0042]", body=PROMISE,
                           to=f"ar+AR-2026-0042@{OUR_DOMAIN}"))
    assert (row.status, row.triage_reason) == ("triage", "unmatched")
    assert case_of(core, d.case_id).state == "overdue"


def test_a_reply_to_a_letter_of_a_closed_case_goes_to_the_open_one(core: Core) -> None:
    from tests.conftest import SYSTEM_ACTOR
    from tests.uow import run
    from workflow.cases.lifecycle import apply, lock_case, open_case
    from workflow.cases.states import CaseEvent
    from workflow.unit_of_work import UnitOfWork

    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")

    def reopen(uow: UnitOfWork) -> int:
        apply(uow, lock_case(uow, d.case_id), CaseEvent.SETTLED, reason="settled")
        case, _ = open_case(uow, d.creditor_id, d.customer_id, reason="new invoices overdue")
        return case.id

    newer = run(core, SYSTEM_ACTOR, reopen)
    row = _one(core, sample("001-outlook_zh-promise_to_pay.eml"))
    assert (row.matched_by, row.case_id) == ("in_reply_to", newer)
