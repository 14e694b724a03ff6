"""Responsibility through the API: people named by login, 工号 or name on customers, contracts and
invoices (a 422 naming the field otherwise); a salesperson sees only their own customers and what
hangs off them, "not found" for the rest, cannot change the ledger, may record calls and promises,
and sees only their own line of the collector KPIs; cases go to the collection clerk, else the
salesperson, and a reassignment is audited (API and CLI)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from tests.collectors.team import Team, build
from tests.conftest import SYSTEM_ACTOR, Users
from tests.uow import run
from workflow.audit.models import AuditEntry
from workflow.cases.lifecycle import open_case
from workflow.cases.models import DunningCase
from workflow.core import Core
from workflow.ledger.models import Customer
from workflow.mail.models import OutboxMessage
from workflow.unit_of_work import UnitOfWork


def token(core: Core, username: str) -> dict[str, str]:
    issued = run(core, SYSTEM_ACTOR, core.services.accounts.issue_token, username, "tests")
    return {"Authorization": f"Bearer {issued.token}"}


def cases(core: Core, team: Team) -> dict[str, str]:
    """An open case for each customer (the run would open them): refs by customer code."""
    def go(uow: UnitOfWork) -> dict[str, str]:
        return {code: open_case(uow, team.books.creditor, cid, reason="逾期")[0].ref
                for code, cid in sorted(team.books.customers.items())}
    return run(core, SYSTEM_ACTOR, go)


@pytest.fixture
def team(core: Core) -> Team:
    return build(core)


def test_a_salesperson_sees_only_their_own_customers_and_what_hangs_off_them(
        client: FlaskClient, core: Core, team: Team, users: Users) -> None:
    refs = cases(core, team)
    wang, lina = token(core, "wangjg"), token(core, "lina")
    ids = team.books.customers
    # 王建国: A and C are his customers; 李娜: B, and C through contract K1
    assert {c["code"] for c in client.get("/api/v1/customers", headers=wang).json["items"]} == {"A", "C"}
    assert {c["code"] for c in client.get("/api/v1/customers", headers=lina).json["items"]} == {"B", "C"}
    assert client.get(f"/api/v1/customers/{ids['B']}", headers=wang).status_code == 404
    assert client.get(f"/api/v1/customers/{ids['A']}", headers=wang).status_code == 200
    numbers = {i["id"] for i in client.get("/api/v1/invoices?per_page=100", headers=wang).json["items"]}
    assert numbers == {team.invoices[k] for k in ("A1", "A2", "C1", "C2", "C3")}
    assert client.get(f"/api/v1/invoices/{team.invoices['B1']}", headers=wang).status_code == 404
    payments = client.get("/api/v1/payments?per_page=100", headers=wang).json["items"]
    assert payments and {p["customer_id"] for p in payments} == {ids["A"], ids["C"]}
    assert client.get(f"/api/v1/customers/{ids['B']}/claim", headers=wang).status_code == 404
    assert client.get(f"/api/v1/customers/{ids['A']}/claim", headers=wang).status_code == 200
    # cases: the list and the file
    assert {c["ref"] for c in client.get("/api/v1/cases", headers=wang).json["items"]} == {refs["A"], refs["C"]}
    assert client.get(f"/api/v1/cases/{refs['B']}", headers=wang).status_code == 404
    assert client.get(f"/api/v1/cases/{refs['C']}", headers=lina).status_code == 200
    # mail: only their customers'
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        for code in ("A", "B"):
            uow.session.add(OutboxMessage(
                customer_id=ids[code], kind="statement", language="zh", automated=False, contact_on=date(2026, 11, 2),
                message_id=f"<m-{code}@huadong-steel.example>", sender="ar@huadong-steel.example",
                reply_to="ar@huadong-steel.example", recipients=["caiwu@example.cn"], cc=[], subject="对账单",
                body_text="…", status="sent", attempts=1, next_attempt_at=core.clock.now(), created_by="test",
                created_at=core.clock.now()))
    listed = client.get("/api/v1/outbox", headers=wang).json["items"]
    assert [m["customer_id"] for m in listed] == [ids["A"]]
    other = next(m["id"] for m in client.get("/api/v1/outbox", headers=users.clerk).json["items"]
                 if m["customer_id"] == ids["B"])
    assert client.get(f"/api/v1/outbox/{other}", headers=wang).status_code in (403, 404)
    # reports beyond their own figures are staff's
    assert client.get("/api/v1/reports/aging", headers=wang).status_code == 403
    assert client.get("/api/v1/reports/kpis", headers=wang).status_code == 403


def test_a_salesperson_cannot_change_the_ledger_but_records_calls_and_promises(
        client: FlaskClient, core: Core, team: Team) -> None:
    refs = cases(core, team)
    wang = token(core, "wangjg")
    ids = team.books.customers
    assert client.patch(f"/api/v1/customers/{ids['A']}", json={"notes": "x"}, headers=wang).status_code == 403
    assert client.patch(f"/api/v1/invoices/{team.invoices['A2']}", json={"description": "x"},
                        headers=wang).status_code == 403
    assert client.post(f"/api/v1/cases/{refs['A']}/pause", json={"reason": "x"}, headers=wang).status_code == 403
    note = client.post(f"/api/v1/cases/{refs['A']}/notes", json={"body": "电话联系财务王经理，答应月底付款",
                                                                  "kind": "call"}, headers=wang)
    assert note.status_code == 201 and note.json["author"] == "wangjg"
    promise = client.post(f"/api/v1/cases/{refs['A']}/promises", headers=wang, json={
        "promised_on": "2026-11-30", "amount": "2000.00", "currency": "CNY", "source": "call",
        "contact_name": "王经理"})
    assert promise.status_code == 201, promise.json
    assert client.get(f"/api/v1/cases/{refs['A']}", headers=wang).json["state"] == "promise_pending"
    # not on someone else's customer: it is "not found"
    assert client.post(f"/api/v1/cases/{refs['B']}/notes", json={"body": "x", "kind": "call"},
                       headers=wang).status_code == 404


def test_people_are_named_by_login_employee_number_or_name(client: FlaskClient, core: Core, team: Team,
                                                           users: Users) -> None:
    ids = team.books.customers
    resp = client.patch(f"/api/v1/customers/{ids['A']}", json={"salesperson": "S002", "collector": "赵磊"},
                        headers=users.clerk)
    assert resp.status_code == 200, resp.json
    assert (resp.json["salesperson_id"], resp.json["assigned_clerk_id"]) == (team.lina, team.zhaolei)
    resp = client.patch(f"/api/v1/contracts/{team.contract}", json={"salesperson": "wangjg", "collector_id": None},
                        headers=users.clerk)
    assert (resp.json["salesperson_id"], resp.json["collector_id"]) == (team.wangjg, None)
    resp = client.patch(f"/api/v1/invoices/{team.invoices['A2']}", json={"salesperson": "王建国"},
                        headers=users.clerk)
    assert resp.json["salesperson_id"] == team.wangjg
    created = client.post("/api/v1/invoices", headers=users.clerk, json={
        "creditor_id": team.books.creditor, "customer_id": ids["B"], "number": "FP-NEW-1", "issue_date": "2026-11-01",
        "due_date": "2026-12-01", "amount": "1200.00", "currency": "CNY", "collector": "chenjing"})
    assert created.status_code == 201 and created.json["collector_id"] == team.chenjing
    # the change is in the audit log, with before and after
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.update")).one()
    assert (entry.before["salesperson_id"], entry.after["salesperson_id"]) == (team.wangjg, team.lina)


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"salesperson": "张伟"}, "salesperson", "unknown_person"),
    ({"salesperson": "S999"}, "salesperson", "unknown_person"),
    ({"collector": "lina"}, "collector", "wrong_role"),  # a salesperson is no collection clerk
    ({"salesperson_id": 999999}, "salesperson_id", "unknown_user"),
    ({"salesperson": "lina", "salesperson_id": 1}, "salesperson", "named_twice"),
])
def test_an_unknown_or_unsuitable_person_is_a_422_naming_the_field(client: FlaskClient, team: Team, users: Users,
                                                                   body: dict[str, object], field: str,
                                                                   code: str) -> None:
    resp = client.patch(f"/api/v1/customers/{team.books.customers['A']}", json=body, headers=users.clerk)
    assert resp.status_code == 422
    assert [(e["field"], e["code"]) for e in resp.json["errors"]] == [(field, code)]


def test_a_name_two_people_share_is_ambiguous(client: FlaskClient, core: Core, team: Team, users: Users) -> None:
    run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="wangjg2", display_name="王建国",
        role="sales", employee_no="S017")
    resp = client.patch(f"/api/v1/customers/{team.books.customers['B']}", json={"salesperson": "王建国"},
                        headers=users.clerk)
    assert resp.status_code == 422 and resp.json["errors"][0]["code"] == "ambiguous_person"
    assert "S017" in resp.json["errors"][0]["message"] or "wangjg2" in resp.json["errors"][0]["message"]
    # the employee number settles it
    ok = client.patch(f"/api/v1/customers/{team.books.customers['B']}", json={"salesperson": "S017"},
                      headers=users.clerk)
    assert ok.status_code == 200


def test_cases_go_to_the_clerk_else_the_salesperson_and_reassignment_is_audited(
        client: FlaskClient, core: Core, team: Team, users: Users, runner: FlaskCliRunner) -> None:
    ids = team.books.customers
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        b = uow.session.get(Customer, ids["B"])
        assert b is not None
        b.assigned_clerk_id = None  # B has only a salesperson now
    refs = cases(core, team)
    listed = {c["ref"]: c["assigned_user_id"] for c in client.get("/api/v1/cases", headers=users.clerk).json["items"]}
    assert listed[refs["A"]] == team.chenjing and listed[refs["B"]] == team.lina
    # the list's filter by assignee
    mine = client.get(f"/api/v1/cases?assigned_user_id={team.lina}", headers=users.clerk).json["items"]
    assert [c["ref"] for c in mine] == [refs["B"]]

    moved = client.post(f"/api/v1/cases/{refs['B']}/assign", json={"user": "zhaolei", "reason": "李娜休产假"},
                        headers=users.clerk)
    assert moved.status_code == 200 and moved.json["assigned_user_id"] == team.zhaolei
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        case_id = uow.session.scalar(select(DunningCase.id).where(DunningCase.ref == refs["B"]))
        [entry] = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.assign"))
    assert (entry.actor, entry.entity_id) == ("clerk1", str(case_id))
    assert entry.before == {"assigned_user_id": team.lina, "assigned_to": "lina"}
    assert entry.after["assigned_to"] == "zhaolei" and entry.after["reason"] == "李娜休产假"
    timeline = client.get(f"/api/v1/cases/{refs['B']}", headers=users.clerk).json["timeline"]
    assert [t["action"] for t in timeline] == ["case.open", "case.assign"]

    bad = client.post(f"/api/v1/cases/{refs['B']}/assign", json={"user": "无名氏", "reason": "x"}, headers=users.clerk)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "user"
    assert client.post(f"/api/v1/cases/{refs['B']}/assign", json={"user": "wangjg", "reason": "x"},
                       headers=token(core, "wangjg")).status_code == 403

    out = runner.invoke(args=["case", "assign", refs["A"], "S001", "--reason", "客户要求业务员跟进"])
    assert out.exit_code == 0, out.output
    assert client.get(f"/api/v1/cases/{refs['A']}", headers=users.clerk).json["assigned_user_id"] == team.wangjg


def test_the_collector_report_in_json_csv_and_xlsx_and_a_salespersons_own_line(
        client: FlaskClient, core: Core, team: Team, users: Users) -> None:
    q = "from=2026-10-01&to=2026-10-31&as_of=2026-11-26"
    full = client.get(f"/api/v1/reports/collectors?{q}&by=salesperson", headers=users.clerk)
    assert full.status_code == 200, full.json
    assert [(r["rank"], r["person"]["username"], r["collection_rate_percent"]) for r in full.json["rows"]] == [
        (1, "wangjg", "83.33"), (2, "lina", "58.82")]
    own = client.get(f"/api/v1/reports/collectors?{q}&by=clerk", headers=token(core, "lina")).json
    assert own["by"] == "salesperson"  # a salesperson's figures are by salesperson, hers alone
    assert [(r["rank"], r["person"]["username"]) for r in own["rows"]] == [(2, "lina")]
    assert client.get(f"/api/v1/reports/collectors?{q}", headers=users.lawyer).status_code == 403
    bad = client.get("/api/v1/reports/collectors?from=2026-11-01&to=2026-10-31&as_of=2026-11-26",
                     headers=users.clerk)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "from"

    redirect = client.get(f"/api/v1/reports/collectors?{q}&by=clerk&format=csv", headers=users.clerk)
    assert redirect.status_code == 307
    got = client.get(redirect.headers["Location"], headers=users.clerk)
    assert got.status_code == 200 and got.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert rows[1][:2] == ["排名 / Rank", "姓名 / Name"]
    assert [(r[0], r[1], r[8]) for r in rows[2:]] == [("1", "赵磊", "80.00"), ("2", "陈静", "57.14")]
    xlsx = client.get(f"/api/v1/reports/collectors/file?{q}&format=xlsx", headers=users.clerk)
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert ws is not None
    assert (ws.cell(3, 2).value, ws.cell(3, 6).value, ws.cell(3, 9).value) == ("王建国", 12000, 83.33)
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        downloads = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.download")))
    assert [(e.entity_id, e.after["format"]) for e in downloads] == [("collectors", "csv"), ("collectors", "xlsx")]


def test_a_name_that_would_be_a_formula_is_text_in_the_files(client: FlaskClient, core: Core, team: Team,
                                                             users: Users) -> None:
    admin = users.admin
    client.patch(f"/api/v1/users/{team.lina}", json={"display_name": "=HYPERLINK(\"http://x\")"}, headers=admin)
    q = "from=2026-10-01&to=2026-10-31&as_of=2026-11-26&format=csv"
    data = client.get(f"/api/v1/reports/collectors/file?{q}", headers=users.clerk).data.decode("utf-8-sig")
    assert "'=HYPERLINK" in data


def test_the_cli_prints_the_ranking(core: Core, team: Team, runner: FlaskCliRunner) -> None:
    out = runner.invoke(args=["report", "collectors", "--from", "2026-10-01", "--to", "2026-10-31",
                              "--as-of", "2026-11-26"], env={"DUNNING_LOCALE": "zh_CN"})
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "王建国" in lines[2] and "83.33" in lines[2] and "李娜" in lines[3] and "58.82" in lines[3]


@pytest.mark.usefixtures("shipped_templates")
def test_a_salesperson_reads_their_customers_documents_only(client: FlaskClient, core: Core, team: Team,
                                                            users: Users) -> None:
    ids = team.books.customers
    made = {}
    for code in ("A", "B"):
        resp = client.post(f"/api/v1/customers/{ids[code]}/documents", headers=users.clerk,
                           json={"kind": "statement", "pdf": False, "as_of": "2026-11-26"})
        assert resp.status_code == 201, resp.json
        made[code] = resp.json["id"]
    wang = token(core, "wangjg")
    listed = client.get("/api/v1/documents", headers=wang).json["items"]
    assert [d["id"] for d in listed] == [made["A"]]
    assert client.get(f"/api/v1/documents/{made['A']}/docx", headers=wang).status_code == 200
    assert client.get(f"/api/v1/documents/{made['B']}", headers=wang).status_code in (403, 404)
    assert client.get(f"/api/v1/documents/{made['B']}/docx", headers=wang).status_code in (403, 404)
    assert client.post(f"/api/v1/customers/{ids['A']}/documents", headers=wang,
                       json={"kind": "statement", "pdf": False}).status_code == 403
