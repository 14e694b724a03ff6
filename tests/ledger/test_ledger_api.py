"""The ledger API as a clerk and a lawyer meet it: bad input refused whole, visibility, filters, audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Users
from tests.ledger.sample_ledger import (
    CLERK,
    CREDITOR,
    CUSTOMERS,
    Ledger,
    Shared,
    bad_cc,
    cc,
    invoice_body,
    post,
    reading,
    seed,
    shared_api,
    snapshot,
)
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.errors import Forbidden
from workflow.ledger import parties
from workflow.ledger.schemas import CreditorPatch


def refused(resp: Any, status: int, field: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body: dict[str, Any] = resp.json
    fields = [e["field"] for e in body.get("errors", [])]
    assert any(f == field or f.startswith(field + ".") for f in fields), fields
    return body


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    sh = shared_api(tmp_path_factory.mktemp("ledger-api"))
    post(sh.client, "/invoices", invoice_body(sh.ledger, "FP-2026-0001", "2026-09-01", "2026-10-31", "86000.00"),
         sh.clerk)
    yield sh
    sh.core.close()


@pytest.fixture
def ledger(client: FlaskClient, users: Users) -> Ledger:
    led = seed(client, users.clerk)
    post(client, "/invoices", invoice_body(led, "FP-2026-0001", "2026-09-01", "2026-10-31", "86000.00"), users.clerk)
    return led


# ---- invoices: every kind of bad input, nothing written --------------------------------------

def _invoice(led: Ledger, **changes: Any) -> dict[str, Any]:
    return invoice_body(led, "FP-2026-0002", "2026-10-08", "2026-12-07", "45800.50") | changes


BAD_INVOICES: list[tuple[str, Any, int, str]] = [
    ("wrong type for an id", {"customer_id": "华星光电"}, 422, "customer_id"),
    ("id given as a numeric string", {"creditor_id": "1"}, 422, "creditor_id"),
    ("amount as a boolean", {"amount": True}, 422, "amount"),
    ("negative amount", {"amount": "-45800.50"}, 422, "amount"),
    ("zero amount", {"amount": "0"}, 422, "amount"),
    ("absurd amount", {"amount": "1000000000000.00"}, 422, "amount"),
    ("three decimals", {"amount": "45800.505"}, 422, "amount"),
    ("not a number", {"amount": "四万五千"}, 422, "amount"),
    ("unknown currency", {"currency": "RMB"}, 422, "currency"),
    ("date as a number", {"issue_date": 20261008}, 422, "issue_date"),
    ("impossible date", {"due_date": "2026-02-30"}, 422, "due_date"),
    ("due before issue", {"due_date": "2026-09-30"}, 422, "due_date"),
    ("currency differs from the contract's", {"currency": "USD"}, 422, "currency"),
    ("unknown contract", {"contract_id": 999}, 422, "contract_id"),
    ("unknown customer", {"customer_id": 999, "contract_id": None}, 422, "customer_id"),
    ("contract of another customer", {"customer_id": 2}, 422, "contract_id"),
    ("duplicate number for the creditor", {"number": "FP-2026-0001"}, 409, "number"),
    ("unknown field", {"discount": "10%"}, 422, "discount"),
]


@pytest.mark.parametrize(("case", "changes", "status", "field"), BAD_INVOICES, ids=[c[0] for c in BAD_INVOICES])
def test_bad_invoice_is_refused_naming_the_field_and_nothing_is_written(
        shared: Shared, case: str, changes: dict[str, Any], status: int, field: str) -> None:
    before = snapshot(shared.core)
    resp = shared.client.post("/api/v1/invoices", json=_invoice(shared.ledger, **changes), headers=shared.clerk)
    body = refused(resp, status, field)
    assert body["title"] == ("输入有误" if status == 422 else "已存在相同的 number：FP-2026-0001")
    assert snapshot(shared.core) == before


@pytest.mark.parametrize("raw", [
    b'{"amount": 45800.5000000000001}',  # a float that does not fit in fen
    b'{"amount": NaN}',
    b'{"amount": Infinity}',
])
def test_float_amounts_are_refused(shared: Shared, raw: bytes) -> None:
    body = _invoice(shared.ledger)
    del body["amount"]
    text = json.dumps(body)[:-1] + ", " + raw.decode()[1:]
    before = snapshot(shared.core)
    resp = shared.client.post("/api/v1/invoices", data=text,
                              headers={**shared.clerk, "Content-Type": "application/json"})
    refused(resp, 422, "amount")
    assert snapshot(shared.core) == before


def test_malformed_json_is_a_400_and_writes_nothing(shared: Shared) -> None:
    before = snapshot(shared.core)
    resp = shared.client.post("/api/v1/invoices", data=b'{"number": "FP-2026-0003", "amount": ',
                              headers={**shared.clerk, "Content-Type": "application/json"})
    refused(resp, 400, "body")
    assert snapshot(shared.core) == before


def test_messages_come_in_chinese_first_and_english_on_request(client: FlaskClient, users: Users,
                                                                ledger: Ledger) -> None:
    zh = client.post("/api/v1/invoices", json=_invoice(ledger, due_date="2026-09-30"), headers=users.clerk)
    assert "早于开票日" in zh.json["errors"][0]["message"]
    en = client.post("/api/v1/invoices", json=_invoice(ledger, due_date="2026-09-30"),
                     headers={**users.clerk, "Accept-Language": "en"})
    assert "before the issue date" in en.json["errors"][0]["message"]


def test_a_valid_invoice_keeps_exact_money_and_is_audited(client: FlaskClient, users: Users, core: Core,
                                                          ledger: Ledger) -> None:
    inv = post(client, "/invoices", _invoice(ledger, amount=45800), users.clerk)
    assert inv["amount"] == "45800.00" and inv["outstanding"] == "45800.00" and inv["status"] == "open"
    with reading(core) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "invoice.create")
                          .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.actor == "clerk1" and entry.entity_id == str(inv["id"])
    assert entry.before is None and entry.after["number"] == "FP-2026-0002" and entry.after["amount"] == "45800.00"


def test_patch_records_before_and_after(client: FlaskClient, users: Users, core: Core, ledger: Ledger) -> None:
    cid = ledger.customer_ids[1]
    resp = client.patch(f"/api/v1/customers/{cid}", json={"credit_hold": True, "notes": "连续两期逾期"},
                        headers=users.legal)
    assert resp.status_code == 200 and resp.json["credit_hold"] is True
    with reading(core) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "customer.update")).one()
    assert entry.actor == "legal1"
    assert entry.before["credit_hold"] is False and entry.after["credit_hold"] is True
    assert entry.after["notes"] == "连续两期逾期"


def test_invoice_due_date_cannot_be_moved_before_issue_by_patch(client: FlaskClient, users: Users, core: Core,
                                                                ledger: Ledger) -> None:
    before = snapshot(core)
    resp = client.patch("/api/v1/invoices/1", json={"due_date": "2026-08-01"}, headers=users.clerk)
    refused(resp, 422, "due_date")
    assert snapshot(core) == before


# ---- customers: credit code and other party rules --------------------------------------------

BAD_CUSTOMERS: list[tuple[str, dict[str, Any], int, str]] = [
    ("wrong check character", {"credit_code": bad_cc("91320500MA1XK7HL3")}, 422, "credit_code"),
    ("17 characters", {"credit_code": "91320500MA1XK7HL3"}, 422, "credit_code"),
    ("letter O is not in GB 32100", {"credit_code": "91320500MA1XK7HLO2"}, 422, "credit_code"),
    ("no credit code for a PRC firm", {"credit_code": None}, 422, "credit_code"),
    ("unknown kind", {"kind": "partnership"}, 422, "kind"),
    ("duplicate customer number", {"code": "C001"}, 409, "code"),
    ("duplicate credit code", {"credit_code": CUSTOMERS[1]["credit_code"]}, 409, "credit_code"),
    ("negative credit limit", {"credit_limit": "-1.00"}, 422, "credit_limit"),
    ("flag as a string", {"do_not_dun": "yes"}, 422, "do_not_dun"),
    ("bad contact email", {"contacts": [{"name": "周涛", "role": "finance", "email": "zhoutao.example.cn"}]},
     422, "contacts.0.email"),
    ("unknown contact role", {"contacts": [{"name": "周涛", "role": "boss"}]}, 422, "contacts.0.role"),
    ("unknown assigned clerk", {"assigned_clerk_id": 999}, 422, "assigned_clerk_id"),
]


@pytest.mark.parametrize(("case", "changes", "status", "field"), BAD_CUSTOMERS, ids=[c[0] for c in BAD_CUSTOMERS])
def test_bad_customer_is_refused_naming_the_field(shared: Shared, case: str, changes: dict[str, Any], status: int,
                                                  field: str) -> None:
    body = {"code": "C104", "legal_name": "苏州汇川联合动力系统有限公司", "credit_code": cc("91320500MA1XK7HL3"),
            "kind": "private_large"} | changes
    before = snapshot(shared.core)
    refused(shared.client.post("/api/v1/customers", json=body, headers=shared.clerk), status, field)
    assert snapshot(shared.core) == before


def test_a_foreign_customer_needs_no_credit_code(client: FlaskClient, users: Users) -> None:
    c = post(client, "/customers", {"code": "F001", "legal_name": "Samsung SDI Co., Ltd.", "kind": "foreign",
                                    "credit_limit": "0"}, users.clerk)
    assert c["credit_code"] is None and c["credit_limit"] == "0.00"


def test_assigned_lawyer_must_be_a_lawyer(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    resp = client.patch(f"/api/v1/customers/{ledger.customer_ids[0]}", json={"assigned_lawyer_id": users.clerk_id},
                        headers=users.admin)
    refused(resp, 422, "assigned_lawyer_id")


def test_contacts_are_managed_under_their_customer(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    cid = ledger.customer_ids[1]
    c = post(client, f"/customers/{cid}/contacts", {"name": "宗馥莉", "role": "legal_representative",
                                                     "email": "legal@wahaha.example.cn", "language": "zh_CN"},
             users.clerk)
    items = client.get(f"/api/v1/customers/{cid}/contacts", headers=users.clerk).json["items"]
    assert [i["name"] for i in items] == ["宗馥莉"]
    again = client.post(f"/api/v1/customers/{cid}/contacts", json={"name": "宗馥莉", "role": "finance",
                                                                    "email": "legal@wahaha.example.cn"},
                        headers=users.clerk)
    refused(again, 409, "name")
    # a contact is addressed under its own customer only
    assert client.delete(f"/api/v1/customers/{ledger.customer_ids[0]}/contacts/{c['id']}",
                         headers=users.clerk).status_code == 404
    assert client.delete(f"/api/v1/customers/{cid}/contacts/{c['id']}", headers=users.clerk).status_code == 204
    assert client.get(f"/api/v1/customers/{cid}/contacts", headers=users.clerk).json["items"] == []


def test_a_customer_with_invoices_cannot_be_deleted(client: FlaskClient, users: Users, core: Core,
                                                    ledger: Ledger) -> None:
    before = snapshot(core)
    assert client.delete(f"/api/v1/customers/{ledger.customer_ids[0]}", headers=users.clerk).status_code == 409
    assert snapshot(core) == before
    assert client.delete(f"/api/v1/customers/{ledger.customer_ids[2]}", headers=users.clerk).status_code == 204
    assert client.get(f"/api/v1/customers/{ledger.customer_ids[2]}", headers=users.clerk).status_code == 404


# ---- contracts: structured clauses -----------------------------------------------------------

def _contract(led: Ledger, **changes: Any) -> dict[str, Any]:
    return {"creditor_id": led.creditor_id, "customer_id": led.customer_ids[1], "number": "BSP-2026-0311",
            "currency": "CNY", "total": "300000.00", "signed_on": "2026-05-12"} | changes


BAD_CLAUSES: list[tuple[str, dict[str, Any], str]] = [
    ("instalments not adding up", {"payment_terms": {"kind": "instalments", "schedule": [
        {"due_date": "2026-06-30", "amount": "100000.00"}, {"due_date": "2026-09-30", "amount": "150000.00"}]}},
     "payment_terms.schedule"),
    ("instalments out of order", {"payment_terms": {"kind": "instalments", "schedule": [
        {"due_date": "2026-09-30", "amount": "150000.00"}, {"due_date": "2026-06-30", "amount": "150000.00"}]}},
     "payment_terms"),
    ("vague trigger", {"payment_terms": {"kind": "days_after", "trigger": "resale", "days": 30}}, "payment_terms"),
    ("negative term", {"payment_terms": {"kind": "days_after", "trigger": "delivery", "days": -5}},
     "payment_terms"),
    ("daily rate written as a percentage", {"penalty": {"kind": "daily_rate", "rate": "0.05"}}, "penalty"),
    ("annual rate written as a percentage", {"penalty": {"kind": "annual_rate", "rate": "18.25"}}, "penalty"),
    ("rate as a boolean", {"penalty": {"kind": "daily_rate", "rate": True}}, "penalty"),
    ("unknown penalty kind", {"penalty": {"kind": "monthly_rate", "rate": "0.01"}}, "penalty"),
    ("cap above 100%", {"penalty": {"kind": "lpr_multiple", "multiple": "1.5", "cap": "130%"}}, "penalty"),
    ("two arbitration commissions", {"dispute": {"kind": "arbitration",
                                                 "commission": "上海仲裁委员会或北京仲裁委员会"}}, "dispute"),
    ("arbitration or court", {"dispute": {"kind": "arbitration", "commission": "上海仲裁委员会或者人民法院"}},
     "dispute"),
    ("no commission named", {"dispute": {"kind": "arbitration", "commission": "上海的仲裁机构"}}, "dispute"),
    ("notice address with neither email nor address", {"notice_addresses": [{"party": "customer"}]},
     "notice_addresses.0"),
    ("contract number taken", {"number": "BSP-2026-0158"}, "number"),
]


@pytest.mark.parametrize(("case", "changes", "field"), BAD_CLAUSES, ids=[c[0] for c in BAD_CLAUSES])
def test_bad_clauses_are_refused(shared: Shared, case: str, changes: dict[str, Any], field: str) -> None:
    before = snapshot(shared.core)
    resp = shared.client.post("/api/v1/contracts", json=_contract(shared.ledger, **changes), headers=shared.clerk)
    refused(resp, 409 if case == "contract number taken" else 422, field)
    assert snapshot(shared.core) == before


def test_clauses_are_stored_structured(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    c = post(client, "/contracts", _contract(
        ledger,
        payment_terms={"kind": "instalments", "schedule": [{"due_date": "2026-06-30", "amount": "100000.00"},
                                                            {"due_date": "2026-09-30", "amount": "200000"}]},
        penalty={"kind": "lpr_multiple", "multiple": "1.5", "cap": "30%"},
        dispute={"kind": "arbitration", "commission": "上海国际经济贸易仲裁委员会（上海国际仲裁中心）"},
        notice_addresses=[{"party": "customer", "email": "fawu@wahaha.example.cn",
                           "address": "杭州市上城区清泰街160号"}],
    ), users.clerk)
    got = client.get(f"/api/v1/contracts/{c['id']}", headers=users.clerk).json
    assert got["payment_terms"]["schedule"][1] == {"due_date": "2026-09-30", "amount": "200000.00"}
    assert got["penalty"] == {"kind": "lpr_multiple", "multiple": "1.5", "cap": "30%"}
    assert got["dispute"]["commission"].startswith("上海国际经济贸易仲裁委员会")
    # changing the total must keep the instalments adding up
    refused(client.patch(f"/api/v1/contracts/{c['id']}", json={"total": "350000.00"}, headers=users.clerk),
            422, "payment_terms.schedule")


# ---- lawyers see only their customers --------------------------------------------------------

def test_lawyer_sees_only_assigned_customers_and_cannot_write(client: FlaskClient, users: Users,
                                                              ledger: Ledger) -> None:
    mine, other = ledger.customer_ids[0], ledger.customer_ids[1]
    assert client.patch(f"/api/v1/customers/{mine}", json={"assigned_lawyer_id": users.lawyer_id},
                        headers=users.admin).status_code == 200
    post(client, "/invoices", {**_invoice(ledger, customer_id=other, contract_id=None), "number": "FP-2026-0900"},
         users.clerk)
    lawyer = users.lawyer
    listed = client.get("/api/v1/customers", headers=lawyer).json
    assert [c["id"] for c in listed["items"]] == [mine] and listed["total"] == 1
    assert client.get(f"/api/v1/customers/{other}", headers=lawyer).status_code == 404
    assert client.get(f"/api/v1/customers/{other}/balance", headers=lawyer).status_code == 404
    assert client.get(f"/api/v1/customers/{other}/contacts", headers=lawyer).status_code == 404
    assert client.get(f"/api/v1/customers/{mine}", headers=lawyer).json["legal_name"] == "深圳市华星光电技术有限公司"
    invoices = client.get("/api/v1/invoices", headers=lawyer).json["items"]
    assert {i["customer_id"] for i in invoices} == {mine}
    other_invoice = client.get("/api/v1/invoices?customer_id=2", headers=users.clerk).json["items"][0]["id"]
    assert client.get(f"/api/v1/invoices/{other_invoice}", headers=lawyer).status_code == 404
    assert client.get(f"/api/v1/contracts/{ledger.contract_id}", headers=lawyer).status_code == 200
    # unassigned again: the contract disappears for the lawyer
    client.patch(f"/api/v1/customers/{mine}", json={"assigned_lawyer_id": None}, headers=users.admin)
    assert client.get(f"/api/v1/contracts/{ledger.contract_id}", headers=lawyer).status_code == 404
    assert client.get("/api/v1/contracts", headers=lawyer).json["total"] == 0
    # and lawyers never write
    assert client.post("/api/v1/customers", json={"code": "C900"}, headers=lawyer).status_code == 403
    assert client.patch(f"/api/v1/invoices/{other_invoice}", json={"description": "x"},
                        headers=lawyer).status_code == 403


# ---- lists: pagination and filters -----------------------------------------------------------

def test_customer_filters(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    client.patch(f"/api/v1/customers/{ledger.customer_ids[1]}",
                 json={"credit_hold": True, "assigned_clerk_id": users.clerk_id}, headers=users.clerk)

    def codes(qs: str) -> list[str]:
        resp = client.get(f"/api/v1/customers?{qs}", headers=users.clerk)
        assert resp.status_code == 200, resp.json
        return [c["code"] for c in resp.json["items"]]

    assert codes("q=华星") == ["C001"]
    assert codes("q=c00") == ["C001", "C002", "C003"]  # case does not matter, on PostgreSQL too
    assert codes("q=C00") == ["C001", "C002", "C003"]
    assert codes(f"q={CUSTOMERS[2]['credit_code'].lower()}") == ["C003"]
    assert codes("kind=state_owned") == ["C003"]
    assert codes("do_not_dun=true") == ["C003"]
    assert codes("credit_hold=true") == ["C002"]
    assert codes("credit_hold=false&do_not_dun=false") == ["C001"]
    assert codes(f"assigned_clerk={users.clerk_id}") == ["C002"]
    assert codes("q=100%25") == []  # a literal % is not a wildcard


def test_pagination_walks_every_invoice_once(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    for n in range(2, 8):
        post(client, "/invoices", invoice_body(ledger, f"FP-2026-{n:04d}", "2026-09-01", f"2026-10-{n:02d}",
                                               f"{n}000.00"), users.clerk)
    seen: list[str] = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/invoices?per_page=3&page={page}", headers=users.clerk).json
        assert body["total"] == 7 and body["per_page"] == 3
        seen += [i["number"] for i in body["items"]]
    assert sorted(seen) == [f"FP-2026-{n:04d}" for n in range(1, 8)]
    assert client.get("/api/v1/invoices?per_page=3&page=4", headers=users.clerk).json["items"] == []


def test_invoice_filters(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    post(client, "/invoices", invoice_body(ledger, "FP-2026-0101", "2026-11-01", "2026-12-31", "5000.00"),
         users.clerk)
    post(client, "/invoices", {**invoice_body(ledger, "FP-2026-0102", "2026-09-15", "2026-10-15", "800.00"),
                               "contract_id": None, "currency": "USD", "customer_id": ledger.customer_ids[1]},
         users.clerk)

    def numbers(qs: str) -> list[str]:
        resp = client.get(f"/api/v1/invoices?{qs}", headers=users.clerk)
        assert resp.status_code == 200, resp.json
        return [i["number"] for i in resp.json["items"]]

    assert numbers("status=overdue") == ["FP-2026-0102", "FP-2026-0001"]  # today is 2026-11-26
    assert numbers("status=open&due_after=2026-11-26") == ["FP-2026-0101"]
    assert numbers("currency=USD") == ["FP-2026-0102"]
    assert numbers(f"customer_id={ledger.customer_ids[0]}&due_before=2026-11-01") == ["FP-2026-0001"]
    assert numbers("status=paid") == []
    refused(client.get("/api/v1/invoices?status=late", headers=users.clerk), 422, "query.status")
    refused(client.get("/api/v1/invoices?per_page=0", headers=users.clerk), 422, "query.per_page")
    refused(client.get("/api/v1/invoices?due_before=31/12/2026", headers=users.clerk), 422, "query.due_before")
    refused(client.get("/api/v1/invoices?due_after=20261231", headers=users.clerk), 422, "query.due_after")
    refused(client.get("/api/v1/invoices?currency=XYZ", headers=users.clerk), 422, "query.currency")


def test_creditors_are_listed_and_protected_from_deletion(client: FlaskClient, users: Users,
                                                          ledger: Ledger) -> None:
    body = client.get("/api/v1/creditors?q=宝钢", headers=users.lawyer).json
    assert [c["code"] for c in body["items"]] == ["SH-PACK"]
    assert client.delete(f"/api/v1/creditors/{ledger.creditor_id}", headers=users.clerk).status_code == 409
    dup = client.post("/api/v1/creditors", json={**CREDITOR, "code": "SH-PACK-2"}, headers=users.clerk)
    refused(dup, 409, "credit_code")


def test_only_an_administrator_changes_the_bank_account_printed_on_letters(client: FlaskClient, users: Users,
                                                                          core: Core, ledger: Ledger) -> None:
    path = f"/api/v1/creditors/{ledger.creditor_id}"
    before = snapshot(core)
    for change in ({"bank_account": "6222 0000 1111 2222"}, {"bank_name": "某某村镇银行"},
                   {"bank_account_name": "张三"}):
        assert client.patch(path, json=change, headers=users.clerk).status_code == 403, change
        assert client.patch(path, json=change, headers=users.legal).status_code == 403, change
    assert snapshot(core) == before
    # a form that sends the account back unchanged, with another change, is a clerk's to make
    same = {"bank_account": CREDITOR["bank_account"], "bank_name": CREDITOR["bank_name"], "phone": "021-56780000"}
    assert client.patch(path, json=same, headers=users.clerk).status_code == 200
    changed = client.patch(path, json={"bank_account": "1001 2345 6789 0999 888"}, headers=users.admin)
    assert changed.status_code == 200 and changed.json["bank_account"] == "1001 2345 6789 0999 888"
    with reading(core) as s:
        entries = [(e.actor, e.before, e.after) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "creditor.bank_account"))]
    assert entries == [("admin1",
                        {"bank_name": CREDITOR["bank_name"], "bank_account": CREDITOR["bank_account"],
                         "bank_account_name": None},
                        {"bank_name": CREDITOR["bank_name"], "bank_account": "1001 2345 6789 0999 888",
                         "bank_account_name": None})]


def test_the_bank_account_rule_holds_outside_the_api(client: FlaskClient, users: Users, core: Core,
                                                     ledger: Ledger) -> None:
    change = CreditorPatch(bank_account="6222 0000 1111 2222")
    with pytest.raises(Forbidden):
        run(core, CLERK, parties.update_creditor, ledger.creditor_id, change)
    cli = Actor(user_id=None, username="cli:ops", role=Role.ADMIN)  # who `dunning` commands act as
    assert run(core, cli, parties.update_creditor, ledger.creditor_id, change).bank_account == "6222 0000 1111 2222"


CONTROL_CHARACTERS: list[tuple[str, str, dict[str, Any], str]] = [
    ("NUL in a customer name", "/customers", {"legal_name": "华星\u0000光电"}, "legal_name"),
    ("line break in a customer name", "/customers", {"legal_name": "华星光电\nX"}, "legal_name"),
    ("tab in an address", "/customers", {"registered_address": "深圳市\t光明区"}, "registered_address"),
    ("C1 control in an English name", "/customers", {"legal_name_en": "CSOT\u0085Ltd"}, "legal_name_en"),
    ("escape in a contact name", "/customers", {"contacts": [{"name": "陈\u001b静", "role": "finance"}]},
     "contacts.0.name"),
    ("NUL in an invoice number", "/invoices", {"number": "FP-2026\u00000003"}, "number"),
    ("line break in an invoice description", "/invoices", {"description": "马口铁\r\n罐"}, "description"),
    ("NUL in a clause", "/contracts", {"dispute": {"kind": "court", "place": "上海市\u0000宝山区"}}, "dispute"),
]


@pytest.mark.parametrize(("case", "path", "changes", "field"), CONTROL_CHARACTERS,
                         ids=[c[0] for c in CONTROL_CHARACTERS])
def test_control_characters_in_text_are_refused_naming_the_field(shared: Shared, case: str, path: str,
                                                                 changes: dict[str, Any], field: str) -> None:
    bodies = {
        "/customers": {"code": "C105", "legal_name": "深圳市华星光电半导体显示技术有限公司",
                       "credit_code": cc("91440300MA5DC8H31"), "kind": "private_large"},
        "/invoices": _invoice(shared.ledger, number="FP-2026-0003"),
        "/contracts": {"creditor_id": shared.ledger.creditor_id, "customer_id": shared.ledger.customer_ids[1],
                       "number": "BSP-2026-0999"},
    }
    before = snapshot(shared.core)
    resp = shared.client.post(f"/api/v1{path}", json=bodies[path] | changes, headers=shared.clerk)
    body = refused(resp, 422, field)
    assert any("U+" in e["message"] for e in body["errors"])
    assert snapshot(shared.core) == before


def test_notes_keep_their_line_breaks(client: FlaskClient, users: Users, ledger: Ledger) -> None:
    notes = "2026-11-20 电话催收：财务陈静称月底付款。\n2026-11-25\t已寄对账单。"
    resp = client.patch(f"/api/v1/customers/{ledger.customer_ids[0]}", json={"notes": notes}, headers=users.clerk)
    assert resp.status_code == 200 and resp.json["notes"] == notes
    bad = client.patch(f"/api/v1/customers/{ledger.customer_ids[0]}", json={"notes": "x\u0000"},
                       headers=users.clerk)
    refused(bad, 422, "notes")


@pytest.mark.parametrize("letterhead", [
    {f"line{i}": "x" for i in range(21)},  # more than a letter's head and foot can hold
    {"tagline": "包装" * 151},
    {"": "021-50801235"},
    {"f\u0000ax": "021-50801235"},
])
def test_a_letterhead_is_a_few_short_lines(shared: Shared, letterhead: dict[str, str]) -> None:
    before = snapshot(shared.core)
    resp = shared.client.patch(f"/api/v1/creditors/{shared.ledger.creditor_id}", json={"letterhead": letterhead},
                               headers=shared.clerk)
    refused(resp, 422, "letterhead")
    assert snapshot(shared.core) == before


def test_a_nul_in_a_search_is_refused_not_a_server_error(shared: Shared) -> None:
    resp = shared.client.get("/api/v1/customers?q=%00", headers=shared.clerk)
    refused(resp, 422, "query.q")


def test_every_write_leaves_one_audit_entry_and_the_chain_verifies(client: FlaskClient, users: Users,
                                                                   core: Core) -> None:
    def actions() -> list[str]:
        with reading(core) as s:
            return [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity_type.in_(
                ["creditor", "customer", "contact", "contract", "invoice", "credit_note", "payment"]))
                .order_by(AuditEntry.id))]

    led = seed(client, users.clerk)
    inv = post(client, "/invoices", invoice_body(led, "FP-2026-0500", "2026-09-01", "2026-10-31", "1000.00"),
               users.clerk)
    contact = post(client, f"/customers/{led.customer_ids[1]}/contacts", {"name": "赵磊", "role": "purchasing"},
                   users.clerk)
    writes = [
        ("PATCH", f"/creditors/{led.creditor_id}", {"phone": "021-56780000"}),
        ("PATCH", f"/customers/{led.customer_ids[1]}/contacts/{contact['id']}", {"phone": "0571-86032866"}),
        ("DELETE", f"/customers/{led.customer_ids[1]}/contacts/{contact['id']}", None),
        ("PATCH", f"/contracts/{led.contract_id}", {"title": "马口铁罐采购合同（2026年度）"}),
        ("PATCH", f"/invoices/{inv['id']}", {"delivery_note_ref": "SH-DN-0932", "delivery_date": "2026-09-03"}),
        ("POST", "/credit-notes", {"creditor_id": led.creditor_id, "customer_id": led.customer_ids[0],
                                   "invoice_id": inv["id"], "number": "HZ-0500", "issued_on": "2026-10-01",
                                   "amount": "100.00", "currency": "CNY"}),
        ("POST", "/payments", {"creditor_id": led.creditor_id, "customer_id": led.customer_ids[0],
                               "received_on": "2026-11-02", "amount": "900.00", "currency": "CNY",
                               "bank_reference": "CMB-77810", "allocations": []}),
        ("POST", "/payments/1/allocations", {}),
    ]
    for method, path, body in writes:
        resp = client.open(f"/api/v1{path}", method=method, json=body, headers=users.clerk)
        assert resp.status_code in (200, 201, 204), (path, resp.get_data(as_text=True))
    assert actions() == [
        "creditor.create", "customer.create", "customer.create", "customer.create", "contract.create",
        "invoice.create", "contact.create", "creditor.update", "contact.update", "contact.delete",
        "contract.update", "invoice.update", "credit_note.create", "payment.create", "payment.allocate"]
    with reading(core) as s:
        assert core.audit.verify(s).ok
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last is not None and last.actor == "clerk1"
    assert last.before == {"unallocated_amount": "900.00"}
    assert last.after["unallocated_amount"] == "0.00" and last.after["allocation_mode"] == "automatic"
