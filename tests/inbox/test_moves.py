"""What each kind of reply does to its case (issue 15, "Moving the case"), with the corpus's replies.

The confidence threshold is lowered here so these tests follow the moves, not the classifier's
calibration (``test_triage.py`` covers the threshold)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR
from tests.inbox.desk import MAIL_FROM, all_inbound, case_of, debtor, drop, label, reply, sample, with_letter
from tests.uow import read, run
from workflow.audit.models import AuditEntry
from workflow.cases.lifecycle import apply, lock_case
from workflow.cases.models import CaseNote, DunningAction
from workflow.cases.states import CaseEvent
from workflow.claim.evidence import signed_acknowledgments
from workflow.config import Settings
from workflow.core import Core
from workflow.ledger.models import Attachment, Customer
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", mail_from=MAIL_FROM,
                    reply_confidence_threshold=Decimal("0.5"))


def _process(core: Core, name: str) -> Any:
    drop(core, sample(name), name)
    core.services.inbox.poll()
    return [r for r in all_inbound(core)][-1]


def _notes(core: Core, case_id: int) -> list[str]:
    return read(core, SYSTEM_ACTOR, lambda uow: list(uow.session.scalars(
        select(CaseNote.body).where(CaseNote.case_id == case_id).order_by(CaseNote.id))))


def _moves(core: Core, case_id: int) -> list[dict[str, Any]]:
    def q(uow: UnitOfWork) -> list[dict[str, Any]]:
        return [{"action": e.action, **(e.after or {})} for e in uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "dunning_case", AuditEntry.entity_id == str(case_id),
                                     AuditEntry.action != "case.open").order_by(AuditEntry.id))]

    return read(core, SYSTEM_ACTOR, q)


def _outbox(core: Core, outbox_id: int) -> OutboxMessage:
    def q(uow: UnitOfWork) -> OutboxMessage:
        row = uow.session.get(OutboxMessage, outbox_id)
        assert row is not None
        uow.session.expunge(row)
        return row

    return read(core, SYSTEM_ACTOR, q)


def _clerk(core: Core) -> int:
    def make(uow: UnitOfWork) -> int:
        user = core.services.accounts.create_user(uow, username="wang.clerk", display_name="王会计", role="clerk",
                                                  password="correct horse battery")
        return int(user.id)

    return run(core, SYSTEM_ACTOR, make)


def test_a_promise_is_recorded_with_the_reply_as_evidence(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    row = _process(core, "001-outlook_zh-promise_to_pay.eml")

    assert row.status == "processed" and case_of(core, d.case_id).state == "promise_pending"
    [move] = _moves(core, d.case_id)
    assert move["action"] == "case.promise_recorded"
    assert move["evidence"]["type"] == "reply" and move["evidence"]["id"] == row.id
    assert move["evidence"]["message_id"] == row.message_id and move["evidence"]["promised_on"] == "2026-11-30"
    # the reply promises a second payment later: the clerk is told, only the earliest is followed up
    assert any("2026-12" in n for n in _notes(core, d.case_id))


def test_paid_pauses_the_case_and_flags_it_for_matching(core: Core) -> None:
    d = debtor(core, "AR-2026-0077", "tanlei@zoomlion-env.com")
    row = _process(core, "021-outlook_zh-paid.eml")  # 500,000.00 on 2026-11-20, bank slip attached

    case = case_of(core, d.case_id)
    assert row.status == "processed" and case.state == "paused"
    assert case.paused_until == date(2026, 11, 26) + timedelta(days=core.settings.reply_paid_pause_days)
    assert row.outcome is not None and row.outcome["flag"] == "match_payment"
    assert row.outcome["paid_date"] == label("021-outlook_zh-paid.eml")["paid_date"]
    assert row.outcome["slip_attached"] is True and row.outcome["slip_requested_outbox_id"] is None
    assert any("待核对付款" in n for n in _notes(core, d.case_id))


def test_paid_without_a_slip_asks_for_one_once(core: Core) -> None:
    d = debtor(core, "AR-2026-0070", "sunwei@yutong-zg.com")
    row = _process(core, "028-iphone-paid.eml")  # from the iPhone: no attachment

    asked = row.outcome["slip_requested_outbox_id"]
    assert asked is not None
    out = _outbox(core, asked)
    assert (out.kind, out.automated, out.recipients, out.case_id) == (
        "remittance_request", False, ["sunwei@yutong-zg.com"], d.case_id)
    assert "付款凭证" in out.body_text and "AR-2026-0070" in out.subject
    # the debtor writes again the same day: no second request
    drop(core, reply(sender="sunwei@yutong-zg.com", subject="Re: [AR-2026-0070] 已付", body="货款已于11月20日付清。"),
         "again.eml")
    core.services.inbox.poll()
    kinds = read(core, SYSTEM_ACTOR, lambda uow: list(uow.session.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.case_id == d.case_id))))
    assert kinds.count("remittance_request") == 1


def test_a_dispute_stops_dunning_and_goes_to_the_customers_clerk(core: Core) -> None:
    clerk = _clerk(core)
    d = debtor(core, "AR-2026-0083", "caijialing@ivo.com.cn", clerk_id=clerk)
    row = _process(core, "029-outlook_zh-dispute.eml")

    case = case_of(core, d.case_id)
    assert row.status == "processed" and case.state == "disputed"
    assert case.assigned_user_id == clerk and case.resume_to == "overdue"
    assert row.outcome["dispute_reason"] and row.outcome["dispute_reason"] in (case.hold_reason or "")
    [move] = _moves(core, d.case_id)
    assert move["action"] == "case.dispute_raised" and move["evidence"]["type"] == "reply"


def test_a_document_request_sends_the_last_letter_again(core: Core, shipped_templates: None) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    doc = with_letter(core, d)
    row = _process(core, "033-outlook_zh-document_request.eml")

    assert row.status == "processed" and case_of(core, d.case_id).state == "overdue"
    resent = _outbox(core, row.outcome["resent_outbox_id"])
    assert (resent.document_id, resent.kind, resent.automated, resent.recipients) == (
        doc, "dunning_letter_1", False, ["lina@csot.com.cn"])
    actions = read(core, SYSTEM_ACTOR, lambda uow: list(uow.session.scalars(
        select(DunningAction.action).where(DunningAction.case_id == d.case_id))))
    assert actions == ["resend"]
    assert any("索要文件" in n for n in _notes(core, d.case_id))


def test_an_instalment_request_leaves_a_draft_task_for_the_clerk(core: Core) -> None:
    d = debtor(core, "AR-2026-0077", "tanlei@zoomlion-env.com")
    row = _process(core, "037-outlook_zh-installment_request.eml")

    assert row.status == "processed" and row.outcome["task"] == "draft_repayment_agreement"
    assert case_of(core, d.case_id).state == "overdue"  # the clerk agrees a plan, not the machine
    assert any("还款协议" in n and "dunning case plan AR-2026-0077" in n for n in _notes(core, d.case_id))


def test_hardship_is_a_task_for_the_clerk(core: Core) -> None:
    d = debtor(core, "AR-2026-0061", "chenzhe@ewpt.com")
    row = _process(core, "040-foxmail-hardship.eml")

    assert row.status == "processed" and row.outcome["task"] == "call_debtor"
    assert case_of(core, d.case_id).state == "overdue" and _moves(core, d.case_id) == []
    assert any("无力付款" in n for n in _notes(core, d.case_id))


def test_a_confirmed_statement_is_an_acknowledgment_the_claim_shows(core: Core) -> None:
    d = debtor(core, "AR-2026-0095", "gaojie@boe.com.cn")
    row = _process(core, "043-outlook_zh-statement_confirmed.eml")  # signed statement attached (PDF)

    assert row.status == "processed" and case_of(core, d.case_id).state == "reconciliation_confirmed"
    signed_on = date(2026, 11, 23)
    atts = read(core, SYSTEM_ACTOR, lambda uow: [(a.kind, a.signed_on, a.content_type, a.invoice_id) for a in
                                                  uow.session.scalars(select(Attachment).order_by(Attachment.id))])
    assert atts == [("signed_statement", signed_on, "application/pdf", i) for i in d.invoice_ids]
    evidence = read(core, SYSTEM_ACTOR, lambda uow: signed_acknowledgments(uow.session, d.customer_id,
                                                                            date(2026, 11, 26)))
    assert sorted(e.invoice_id for e in evidence if e.invoice_id) == sorted(d.invoice_ids)
    assert {e.signed_on for e in evidence} == {signed_on}


def test_an_auto_reply_moves_nothing_and_notes_the_return_date(core: Core) -> None:
    d = debtor(core, "AR-2026-0095", "gaojie@boe.com.cn")
    row = _process(core, "046-outlook_zh-auto_reply.eml")

    assert row.status == "processed" and row.outcome["auto_reply"] is True
    assert row.outcome["return_date"] == label("046-outlook_zh-auto_reply.eml")["return_date"]
    assert case_of(core, d.case_id).state == "overdue" and _moves(core, d.case_id) == []
    assert any(row.outcome["return_date"] in n for n in _notes(core, d.case_id))


def test_other_waits_for_a_clerk(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    row = _process(core, "050-outlook_zh-other.eml")

    assert (row.status, row.triage_reason, row.case_id) == ("triage", "unclear", d.case_id)
    assert _moves(core, d.case_id) == []


def test_a_case_that_cannot_move_that_way_waits_for_a_clerk(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")

    def to_legal(uow: UnitOfWork) -> None:
        apply(uow, lock_case(uow, d.case_id), CaseEvent.LEGAL_ACTION_STARTED, reason="suit filed")

    run(core, SYSTEM_ACTOR, to_legal)
    row = _process(core, "001-outlook_zh-promise_to_pay.eml")

    assert (row.status, row.triage_reason) == ("triage", "cannot_move")
    assert case_of(core, d.case_id).state == "legal_action"


def test_hardship_goes_to_the_customers_clerk(core: Core) -> None:
    clerk = _clerk(core)
    d = debtor(core, "AR-2026-0061", "chenzhe@ewpt.com", clerk_id=clerk)
    _process(core, "040-foxmail-hardship.eml")
    assert case_of(core, d.case_id).assigned_user_id == clerk
    customer = read(core, SYSTEM_ACTOR, lambda uow: uow.session.get(Customer, d.customer_id))
    assert customer is not None and customer.assigned_clerk_id == clerk
