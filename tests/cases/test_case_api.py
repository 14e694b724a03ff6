"""The case through the API: opening by hand, the clerk's actions, what each leaves in the audit
log, the roles, and the answers to bad input and illegal moves."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.cases.casebook import case_audit, open_case, owing_customer, pay
from tests.conftest import Users
from workflow.accounts.actor import SYSTEM
from workflow.audit.models import AuditEntry
from workflow.core import Core


def test_open_by_hand_then_the_same_pair_finds_the_open_case(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    body = {"creditor_id": book.ledger.creditor_id, "customer_id": book.customer_id, "reason": "clerk's call"}
    first = client.post("/api/v1/cases", json=body, headers=users.clerk)
    assert first.status_code == 201, first.json
    assert first.json["opened"] is True and first.json["state"] == "overdue"
    assert first.json["ref"] == "AR-2026-0001"
    again = client.post("/api/v1/cases", json=body, headers=users.clerk)
    assert again.status_code == 200 and again.json["ref"] == "AR-2026-0001" and again.json["opened"] is False


def test_a_customer_owing_nothing_has_no_case_to_open(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    resp = client.post("/api/v1/cases", json={"creditor_id": book.ledger.creditor_id,
                                              "customer_id": book.ledger.customer_ids[1], "reason": "x"},
                       headers=users.clerk)
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "customer_id"


def test_list_and_show(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    listed = client.get("/api/v1/cases?status=open", headers=users.clerk).json
    assert [c["ref"] for c in listed["items"]] == [ref] and listed["total"] == 1
    assert client.get("/api/v1/cases?status=closed", headers=users.clerk).json["total"] == 0
    assert client.get(f"/api/v1/cases?customer_id={book.customer_id}&state=overdue",
                      headers=users.clerk).json["total"] == 1
    assert client.get(f"/api/v1/cases?assigned_user_id={users.clerk_id}", headers=users.clerk).json["total"] == 0
    client.patch(f"/api/v1/customers/{book.customer_id}", json={"assigned_clerk_id": users.clerk_id},
                 headers=users.admin)
    assert client.get(f"/api/v1/cases?assigned_user_id={users.clerk_id}", headers=users.clerk).json["total"] == 1
    case = client.get(f"/api/v1/cases/{ref.lower()}", headers=users.clerk).json
    assert case["customer"]["code"] == "C001" and case["creditor"]["code"] == "SH-PACK"
    assert case["open_balance"] == [{"currency": "CNY", "outstanding": "200000.00"}]
    assert [i["number"] for i in case["open_invoices"]] == ["FP-2026-0001", "FP-2026-0002"]
    assert "promise_recorded" in case["allowed_events"] and "promise_kept" not in case["allowed_events"]
    assert [t["action"] for t in case["timeline"]] == ["case.open"]
    assert case["timeline"][0]["reason"] == "客户来电称资金紧张"


def test_a_lawyer_sees_only_the_cases_of_customers_assigned_to_them(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    assert client.get("/api/v1/cases", headers=users.lawyer).json["total"] == 0
    assert client.get(f"/api/v1/cases/{ref}", headers=users.lawyer).status_code == 404
    patched = client.patch(f"/api/v1/customers/{book.customer_id}", json={"assigned_lawyer_id": users.lawyer_id},
                           headers=users.admin)
    assert patched.status_code == 200, patched.json
    assert client.get("/api/v1/cases", headers=users.lawyer).json["total"] == 1
    assert client.get(f"/api/v1/cases/{ref}", headers=users.lawyer).status_code == 200


def test_clerk_actions_are_audited_with_actor_reason_and_evidence(client: FlaskClient, users: Users,
                                                                  core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    note = client.post(f"/api/v1/cases/{ref}/notes", json={"body": "陈静：月底前付一半", "contact_name": "陈静"},
                       headers=users.clerk)
    assert note.status_code == 201 and note.json["author"] == "clerk1"
    paused = client.post(f"/api/v1/cases/{ref}/pause",
                         json={"reason": "等待对方财务总监回国", "until": "2026-12-10", "evidence": "邮件 11-25"},
                         headers=users.clerk)
    assert paused.status_code == 200, paused.json
    assert paused.json["state"] == "paused" and paused.json["paused_until"] == "2026-12-10"
    assert paused.json["resume_to"] == "overdue"
    resumed = client.post(f"/api/v1/cases/{ref}/resume", json={"reason": "对方已回复"}, headers=users.clerk)
    assert resumed.json["state"] == "overdue" and resumed.json["paused_until"] is None
    disputed = client.post(f"/api/v1/cases/{ref}/dispute", json={"reason": "对方称第二批货有质量问题",
                                                                  "evidence": "质检报告 QC-1102"},
                           headers=users.clerk)
    assert disputed.json["state"] == "disputed"
    resolved = client.post(f"/api/v1/cases/{ref}/resolve", json={"reason": "质检复核合格"}, headers=users.clerk)
    assert resolved.json["state"] == "overdue"
    settled = client.post(f"/api/v1/cases/{ref}/settle", json={"reason": "和解：对方一次性付清"}, headers=users.clerk)
    assert settled.json["state"] == "closed_settled" and settled.json["closed_at"]

    entries = case_audit(core, ref)
    assert [e.action for e in entries] == ["case.open", "case.note", "case.paused", "case.resumed",
                                           "case.dispute_raised", "case.dispute_resolved", "case.settled"]
    assert {e.actor for e in entries} == {"clerk1"}
    pause_entry = entries[2]
    assert pause_entry.before["state"] == "overdue" and pause_entry.after["state"] == "paused"
    assert pause_entry.after["reason"] == "等待对方财务总监回国"
    assert pause_entry.after["evidence"] == {"by": "clerk1", "role": "clerk", "note": "邮件 11-25"}
    assert entries[4].after["evidence"]["note"] == "质检报告 QC-1102"


def test_an_illegal_move_is_a_409_naming_what_is_allowed(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    resp = client.post(f"/api/v1/cases/{ref}/resume", json={"reason": "x"},
                       headers={**users.clerk, "Accept-Language": "en"})
    assert resp.status_code == 409
    assert "resumed" in resp.json["title"] and "promise_recorded" in resp.json["title"]
    closed = client.post(f"/api/v1/cases/{ref}/settle", json={"reason": "done"}, headers=users.clerk)
    assert closed.status_code == 200
    assert client.post(f"/api/v1/cases/{ref}/notes", json={"body": "after"}, headers=users.clerk).status_code == 201
    assert client.post(f"/api/v1/cases/{ref}/dispute", json={"reason": "x"}, headers=users.clerk).status_code == 409


def test_bad_input_names_the_field(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    cases = [
        ("promises", {"promised_on": "2026-11-20", "amount": "1000.00"}, "promised_on"),
        ("promises", {"promised_on": "2026-12-05", "amount": "0"}, "amount"),
        ("promises", {"promised_on": "2026-12-05", "amount": "10.00", "currency": "USD"}, "currency"),
        ("pause", {"reason": "x", "until": "2026-11-26"}, "until"),
        ("pause", {"reason": ""}, "reason"),
        ("send", {"kind": "lawyer_letter"}, "kind"),
        ("plans", {"instalments": []}, "instalments"),
    ]
    for path, body, field in cases:
        resp = client.post(f"/api/v1/cases/{ref}/{path}", json=body, headers=users.clerk)
        assert resp.status_code == 422, (path, body, resp.json)
        assert any(e["field"].endswith(field) for e in resp.json["errors"]), (path, resp.json)
    assert client.get("/api/v1/cases/NOPE-1", headers=users.clerk).status_code == 404
    assert client.get("/api/v1/cases?state=bogus", headers=users.clerk).status_code == 422


def test_write_off_is_for_legal_or_admin_and_marks_the_invoices(client: FlaskClient, users: Users,
                                                                core: Core) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    body = {"reason": "债务人已注销，无财产可供执行", "evidence": "国家企业信用信息公示系统截图"}
    assert client.post(f"/api/v1/cases/{ref}/write-off", json=body, headers=users.clerk).status_code == 403
    assert client.post(f"/api/v1/cases/{ref}/write-off", json=body, headers=users.lawyer).status_code == 403
    done = client.post(f"/api/v1/cases/{ref}/write-off", json=body, headers=users.legal)
    assert done.status_code == 200 and done.json["state"] == "closed_written_off"
    invoices = client.get(f"/api/v1/invoices?customer_id={book.customer_id}", headers=users.admin).json["items"]
    assert {i["number"]: i["written_off"] for i in invoices} == {"FP-2026-0001": True, "FP-2026-0002": True}
    with core.unit_of_work(SYSTEM, read_only=True) as uow:
        marks = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.write_off")))
        assert [(m.before, m.after["written_off"], m.actor) for m in marks] == [
            ({"written_off": False}, True, "legal1"), ({"written_off": False}, True, "legal1")]
    # the balance is bad debt now, not a receivable
    case = client.get(f"/api/v1/cases/{ref}", headers=users.clerk).json
    assert case["open_balance"] == [] and case["timeline"][-1]["evidence"]["invoices"] == ["FP-2026-0001",
                                                                                            "FP-2026-0002"]


def test_legal_action_roles(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    ref = open_case(client, users, book)
    body = {"reason": "向上海市宝山区人民法院起诉"}
    assert client.post(f"/api/v1/cases/{ref}/legal-action", json=body, headers=users.clerk).status_code == 403
    resp = client.post(f"/api/v1/cases/{ref}/legal-action", json=body, headers=users.legal)
    assert resp.status_code == 200 and resp.json["state"] == "legal_action"


def test_credit_status(client: FlaskClient, users: Users) -> None:
    book = owing_customer(client, users)
    pay(client, users, book, "2026-11-20", "50000.00", "B-1120")
    status = client.get(f"/api/v1/customers/{book.customer_id}/credit-status", headers=users.clerk).json
    assert status == {"customer_id": book.customer_id, "credit_hold": False, "reason": None, "since": None,
                      "open_balance": [{"currency": "CNY", "outstanding": "150000.00"}],
                      "credit_limit": "5000000.00", "credit_limit_currency": "CNY", "over_limit": False}
    held = client.post(f"/api/v1/customers/{book.customer_id}/credit-hold",
                       json={"hold": True, "reason": "逾期超过 60 天"}, headers=users.clerk)
    assert held.status_code == 200 and held.json["credit_hold"] is True
    assert held.json["reason"] == "逾期超过 60 天" and held.json["since"].startswith("2026-11-26")
    assert client.get(f"/api/v1/customers/{book.customer_id}/credit-status",
                      headers=users.lawyer).status_code == 404
    released = client.post(f"/api/v1/customers/{book.customer_id}/credit-hold",
                           json={"hold": False, "reason": "已付清"}, headers=users.clerk).json
    assert released["credit_hold"] is False and released["since"] is None
