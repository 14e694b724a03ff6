"""The case actions that make letters (approving a 律师函, sending a letter now), the CLI, and two
clerks opening the same case at once."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from tests.cases.casebook import LAWYER, LEGAL, case_audit, draft_lawyer_letter, open_case, owing_customer
from tests.conftest import SYSTEM_ACTOR, Users
from tests.ledger.books import Books
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.cases.models import DunningAction, DunningCase
from workflow.cases.service import open_case_by_hand
from workflow.core import Core
from workflow.documents.docx_text import docx_text
from workflow.documents.models import GeneratedDocument
from workflow.mail.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("shipped_templates")


def pending_letter(client: FlaskClient, users: Users, core: Core) -> tuple[str, int]:
    book = owing_customer(client, users)
    client.patch(f"/api/v1/customers/{book.customer_id}", json={"assigned_lawyer_id": users.lawyer_id},
                 headers=users.admin)
    ref = open_case(client, users, book)
    draft_id = run(core, LEGAL, draft_lawyer_letter, core, ref)
    return ref, draft_id


def document_text(core: Core, doc_id: int) -> str:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        doc = uow.session.get(GeneratedDocument, doc_id)
        assert doc is not None
        return docx_text(core.files.get(doc.docx_sha256))


def test_only_a_lawyer_or_legal_approves_and_the_approved_letter_is_final(client: FlaskClient, users: Users,
                                                                          core: Core) -> None:
    ref, draft_id = pending_letter(client, users, core)
    assert "草稿" in document_text(core, draft_id) or "DRAFT" in document_text(core, draft_id)
    for who in (users.clerk, users.admin):
        assert client.post(f"/api/v1/cases/{ref}/lawyer-letter/approve", json={},
                           headers=who).status_code == 403
    resp = client.post(f"/api/v1/cases/{ref}/lawyer-letter/approve", json={"reason": "事实与金额已核对"},
                       headers=users.lawyer)
    assert resp.status_code == 200, resp.json
    approved = resp.json
    assert approved["state"] == "lawyer_letter_sent" and approved["status"] == "approved"
    assert approved["resolved_by"] == "lawyer1" and approved["document_id"] != draft_id
    text = document_text(core, approved["document_id"])
    assert "草稿" not in text and "DRAFT" not in text
    assert LAWYER.name in text and "13101200910123456" in text
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        final = uow.session.get(GeneratedDocument, approved["document_id"])
        assert final is not None and final.made_by == "lawyer1" and final.context["letter"]["draft"] is False
        assert final.context["letter"]["number"] == "JTC-2026-118"
        message = uow.session.get(OutboxMessage, approved["outbox_id"])
        assert message is not None and message.automated is False and message.document_id == final.id
        assert message.kind == "lawyer_letter" and message.case_id is not None
    entry = case_audit(core, ref)[-1]
    assert entry.action == "case.lawyer_letter_approved" and entry.actor == "lawyer1"
    assert entry.after["evidence"]["approved_by"] == "lawyer user"  # the approver's name
    assert entry.after["reason"] == "事实与金额已核对"
    # nothing is left to approve
    again = client.post(f"/api/v1/cases/{ref}/lawyer-letter/approve", json={}, headers=users.lawyer)
    assert again.status_code == 409


def test_a_rejected_letter_goes_back_with_its_reason(client: FlaskClient, users: Users, core: Core) -> None:
    ref, _ = pending_letter(client, users, core)
    assert client.post(f"/api/v1/cases/{ref}/lawyer-letter/reject", json={"reason": "x"},
                       headers=users.clerk).status_code == 403
    assert client.post(f"/api/v1/cases/{ref}/lawyer-letter/reject", json={},
                       headers=users.legal).status_code == 422
    resp = client.post(f"/api/v1/cases/{ref}/lawyer-letter/reject", json={"reason": "金额待与财务核对"},
                       headers=users.legal)
    assert resp.status_code == 200 and resp.json["status"] == "rejected" and resp.json["state"] == "overdue"
    entry = case_audit(core, ref)[-1]
    assert (entry.action, entry.actor, entry.after["reason"]) == ("case.lawyer_letter_rejected", "legal1",
                                                                   "金额待与财务核对")


def test_send_a_letter_now(client: FlaskClient, users: Users, core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    resp = client.post(f"/api/v1/cases/{ref}/send", json={"kind": "dunning_letter_1"}, headers=users.clerk)
    assert resp.status_code == 201, resp.json
    case = client.get(f"/api/v1/cases/{ref}", headers=users.clerk).json
    [doc] = case["documents"]
    [email] = case["emails"]
    [action] = case["actions"]
    assert doc["kind"] == "dunning_letter_1" and email["document_id"] == doc["id"]
    assert email["automated"] is False and email["recipients"] == ["chen.jing@csot.example.cn"]
    assert ref in email["subject"]
    assert (action["action"], action["status"], action["decided_by"]) == ("manual", "queued", "clerk1")
    assert case["timeline"][-1]["action"] == "case.document_sent"


def test_cli_list_show_and_actions(runner: FlaskCliRunner, client: FlaskClient, users: Users, core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    listed = runner.invoke(args=["case", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [c["ref"] for c in json.loads(listed.output)] == [ref]
    assert json.loads(runner.invoke(args=["case", "list", "--json", "--state", "disputed"]).output) == []
    steps = [
        ["case", "note", ref, "陈静说下周付款", "--contact", "陈静"],
        ["case", "promise", ref, "--date", "2026-12-04", "--amount", "50,000.00", "--contact", "陈静"],
        ["case", "dispute", ref, "--reason", "对方称未收到发票", "--evidence", "邮件 2026-11-26"],
        ["case", "resolve", ref, "--reason", "已重新寄送发票"],
        ["case", "pause", ref, "--reason", "春节前暂停", "--until", "2026-12-20"],
        ["case", "resume", ref, "--reason", "恢复"],
    ]
    for args in steps:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    shown = json.loads(runner.invoke(args=["case", "show", ref, "--json"]).output)
    # a hold inside a hold returns to the state the first one interrupted; the promise is still followed up
    assert shown["state"] == "overdue"
    assert (shown["promises"][0]["amount"], shown["promises"][0]["status"]) == ("50000.00", "pending")
    actions = [e.action for e in case_audit(core, ref)]
    assert actions[1:] == ["case.note", "case.promise_recorded", "case.dispute_raised", "case.dispute_resolved",
                           "case.paused", "case.resumed"]
    dispute = case_audit(core, ref)[3]
    assert dispute.actor.startswith("cli:") and dispute.after["evidence"]["note"] == "邮件 2026-11-26"
    text = runner.invoke(args=["case", "show", ref])
    assert text.exit_code == 0 and ref in text.output


def test_cli_errors_are_one_line(runner: FlaskCliRunner, client: FlaskClient, users: Users, core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    for args in (["case", "show", "AR-2099-9999"], ["case", "resume", ref, "--reason", "x"],
                 ["case", "promise", ref, "--date", "2026-12-04", "--amount", "lots"],
                 ["case", "approve", ref, "--as", "clerk1"], ["case", "approve", ref, "--as", "nobody"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert len(result.output.strip().splitlines()) == 1, (args, result.output)


def test_cli_approve_as_the_lawyer(runner: FlaskCliRunner, client: FlaskClient, users: Users, core: Core) -> None:
    ref, _draft_id = pending_letter(client, users, core)
    result = runner.invoke(args=["case", "approve", ref, "--as", "legal1"])
    assert result.exit_code == 0, result.output
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        action = uow.session.scalar(select(DunningAction).where(DunningAction.kind == "lawyer_letter"))
        assert action is not None and action.status == "approved" and action.resolved_by == "legal1"


def test_two_clerks_opening_the_same_case_at_once_make_one(any_db: Core) -> None:
    books = Books(any_db)
    customer = books.customer("C900", "苏州某精密机械有限公司")
    books.invoice("C900", __import__("datetime").date(2026, 9, 1), __import__("datetime").date(2026, 10, 1),
                  "88000.00")
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def clerk(name: str) -> None:
        actor = Actor(user_id=None, username=name, role=Role.CLERK)
        try:
            barrier.wait(timeout=10)
            case, opened = run(any_db, actor, open_case_by_hand, books.creditor, customer, "逾期")
            results.append((case.ref, opened))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(f"clerk{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(opened for _, opened in results) == [False, True]
    assert len({ref for ref, _ in results}) == 1
    with any_db.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(DunningCase)) == 1


def test_a_lawyer_cannot_approve_the_letter_of_a_customer_not_assigned_to_them(client: FlaskClient, users: Users,
                                                                               core: Core) -> None:
    ref, _ = pending_letter(client, users, core)
    customer_id = client.get(f"/api/v1/cases/{ref}", headers=users.clerk).json["customer"]["id"]
    client.patch(f"/api/v1/customers/{customer_id}", json={"assigned_lawyer_id": None}, headers=users.admin)
    resp = client.post(f"/api/v1/cases/{ref}/lawyer-letter/approve", json={}, headers=users.lawyer)
    assert resp.status_code == 404  # not "forbidden": the lawyer is not told the case exists
    assert client.get(f"/api/v1/cases/{ref}", headers=users.clerk).json["state"] == "lawyer_letter_pending"


def test_nothing_is_sent_for_a_closed_case(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    client.post(f"/api/v1/cases/{ref}/settle", json={"reason": "和解"}, headers=users.clerk)
    resp = client.post(f"/api/v1/cases/{ref}/send", json={"kind": "dunning_letter_1"}, headers=users.clerk)
    assert resp.status_code == 409
    assert client.get(f"/api/v1/cases/{ref}", headers=users.clerk).json["emails"] == []
