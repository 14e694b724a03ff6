"""The desk's invoices and payments: lists that filter, sort and export, the invoice's and the
payment's pages, allocating from the payment page, and a lawyer seeing only their customers'."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.ledger.sample_ledger import Ledger, invoice_body, post, reading, seed
from tests.uow import run
from tests.web.desk import PASSWORD, form_token
from workflow.audit.models import AuditEntry
from workflow.core import Core


@dataclass
class Books:
    ledger: Ledger
    invoices: dict[str, int]
    payments: dict[str, int]


@pytest.fixture
def books(client: FlaskClient, users: Users) -> Books:
    """Today is 2026-11-26. 华星光电 owes FP-0001 (118 days overdue), FP-0002 (not yet due) and
    has paid FP-0003 in full; 娃哈哈 owes FP-0101, assigned to the lawyer."""
    ledger = seed(client, users.clerk)
    ids = {n: post(client, "/invoices", invoice_body(ledger, n, issue, due, amount), users.clerk)["id"]
           for n, issue, due, amount in [("FP-2026-0001", "2026-06-01", "2026-07-31", "1234567.89"),
                                         ("FP-2026-0002", "2026-10-01", "2026-12-31", "50000.00"),
                                         ("FP-2026-0003", "2026-09-01", "2026-10-31", "20000.00")]}
    body = invoice_body(ledger, "FP-2026-0101", "2026-08-01", "2026-09-30", "88000.00", contract_id=None)
    ids["FP-2026-0101"] = post(client, "/invoices", {**body, "customer_id": ledger.customer_ids[1]},
                               users.clerk)["id"]
    paid = post(client, "/payments", {
        "creditor_id": ledger.creditor_id, "customer_id": ledger.customer_ids[0], "received_on": "2026-11-02",
        "amount": "20000.00", "currency": "CNY", "payer_name": "深圳市华星光电技术有限公司",
        "bank_reference": "ICBC-20261102-0001",
        "allocations": [{"invoice_id": ids["FP-2026-0003"], "amount": "20000.00"}]}, users.clerk)
    cash = post(client, "/payments", {
        "creditor_id": ledger.creditor_id, "customer_id": ledger.customer_ids[0], "received_on": "2026-11-20",
        "amount": "300000.00", "currency": "CNY", "payer_name": "华星光电", "bank_reference": "ICBC-20261120-0007",
        "allocations": []}, users.clerk)
    resp = client.patch(f"/api/v1/customers/{ledger.customer_ids[1]}", json={"assigned_lawyer_id": users.lawyer_id},
                        headers=users.admin)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return Books(ledger, ids, {"paid": paid["id"], "cash": cash["id"]})


def log_in(client: FlaskClient, username: str, *, lang: str | None = None, start: str = "/invoices") -> str:
    """As ``tests.web.desk.log_in``, landing on ``start`` rather than the dashboard (another area);
    returns the CSRF token the pages' forms carry."""
    if lang:
        client.set_cookie("dunning_lang", lang)
    token = form_token(client.get("/login").get_data(as_text=True), "login_token")
    resp = client.post("/login", data={"username": username, "password": PASSWORD, "login_token": token,
                                       "next": start})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    landed = client.get(start)
    assert landed.status_code == 200
    return form_token(landed.get_data(as_text=True))


def _rows(html: str) -> list[str]:
    return re.findall(r'data-testid="row-([^"]+)"', html)


def test_the_invoice_list_shows_amounts_as_clerks_read_them(client: FlaskClient, users: Users, books: Books) -> None:
    log_in(client, "clerk1")
    html = client.get("/invoices").get_data(as_text=True)
    assert "发票" in html and "逾期" in html
    # due first, as the list opens
    assert _rows(html) == ["FP-2026-0001", "FP-2026-0101", "FP-2026-0003", "FP-2026-0002"]
    assert '<td class="num">1,234,567.89</td>' in html
    assert "91–180天" in html  # the aging bucket of 118 days overdue
    assert ">118<" in html


@pytest.mark.parametrize(("query", "expected"), [
    ("status=overdue", ["FP-2026-0001", "FP-2026-0101"]),
    ("status=paid", ["FP-2026-0003"]),
    ("status=open&customer=华星", ["FP-2026-0001", "FP-2026-0002"]),
    ("bucket=not_due", ["FP-2026-0002"]),
    ("bucket=d91_180", ["FP-2026-0001"]),
    ("days_min=50&days_max=100", ["FP-2026-0101"]),
    ("amount_min=50,000&amount_max=100000", ["FP-2026-0101", "FP-2026-0002"]),
    ("due_from=2026-10-31&due_to=2026-12-31", ["FP-2026-0003", "FP-2026-0002"]),
    ("currency=usd", []),
    ("sort=amount&dir=desc", ["FP-2026-0001", "FP-2026-0101", "FP-2026-0002", "FP-2026-0003"]),
])
def test_the_invoice_list_filters_and_sorts(client: FlaskClient, users: Users, books: Books, query: str,
                                            expected: list[str]) -> None:
    log_in(client, "clerk1")
    resp = client.get(f"/invoices?{query}")
    assert resp.status_code == 200
    assert _rows(resp.get_data(as_text=True)) == expected


@pytest.mark.parametrize(("query", "field"), [("amount_min=lots", "amount_min"), ("due_from=31/12/2026", "due_from"),
                                              ("status=unknown", "status"), ("days_min=-3", "days_min")])
def test_a_bad_filter_is_a_422_naming_it(client: FlaskClient, users: Users, books: Books, query: str,
                                         field: str) -> None:
    log_in(client, "clerk1", lang="en")
    resp = client.get(f"/invoices?{query}")
    assert resp.status_code == 422 and resp.mimetype == "text/html"
    assert f"<strong>{field}</strong>" in resp.get_data(as_text=True)


def test_the_invoice_export_is_the_filtered_list_and_is_audited(client: FlaskClient, users: Users, books: Books,
                                                                core: Core) -> None:
    log_in(client, "clerk1")
    resp = client.get("/invoices?status=overdue&export=xlsx")
    assert resp.status_code == 200 and str(resp.mimetype).endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("发票号", "客户", "开票日期")
    assert [r[0] for r in rows[1:]] == ["FP-2026-0001", "FP-2026-0101"]
    assert rows[1][5] == 1234567.89  # a number in the sheet, not text
    with reading(core) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "export", AuditEntry.entity_type == "invoice")) == 1


def test_the_invoice_page_shows_what_is_owed_its_payments_and_cases(client: FlaskClient, users: Users,
                                                                   books: Books) -> None:
    log_in(client, "clerk1", lang="en")
    html = client.get(f"/invoices/{books.invoices['FP-2026-0001']}").get_data(as_text=True)
    assert "Invoice FP-2026-0001" in html and "Past due" in html
    assert 'data-testid="invoice-outstanding"><strong>1,234,567.89</strong>' in html
    assert "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分" in html
    assert 'data-testid="invoice-days-overdue">118<' in html
    assert "深圳市华星光电技术有限公司" in html and "BSP-2026-0158" in html

    paid = client.get(f"/invoices/{books.invoices['FP-2026-0003']}").get_data(as_text=True)
    assert "ICBC-20261102-0001" in paid and "As the payer said" in paid
    assert 'data-testid="invoice-outstanding"><strong>0.00</strong>' in paid and "Paid" in paid


def test_the_payment_list_filters_by_what_is_left_to_allocate(client: FlaskClient, users: Users,
                                                             books: Books) -> None:
    log_in(client, "clerk1")
    html = client.get("/payments").get_data(as_text=True)
    assert _rows(html) == ["ICBC-20261120-0007", "ICBC-20261102-0001"]  # newest first
    assert '<td class="num">300,000.00</td>' in html
    assert _rows(client.get("/payments?allocation=open").get_data(as_text=True)) == ["ICBC-20261120-0007"]
    assert _rows(client.get("/payments?reference=1102").get_data(as_text=True)) == ["ICBC-20261102-0001"]
    export = client.get("/payments?allocation=done&export=xlsx")
    ws = load_workbook(io.BytesIO(export.data)).active
    assert ws is not None
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == ["ICBC-20261102-0001"]


def test_allocating_from_the_payment_page(client: FlaskClient, users: Users, books: Books) -> None:
    token = log_in(client, "clerk1")
    url = f"/payments/{books.payments['cash']}"
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="payment-unallocated"><strong>300,000.00</strong>' in html

    too_much = client.post(f"{url}/allocate", data={"csrf_token": token, "invoice_id": books.invoices["FP-2026-0002"],
                                                     "amount": "60000.00"})
    assert too_much.status_code == 409
    page = too_much.get_data(as_text=True)
    assert "核销金额超过发票未收余额" in page and 'value="60000.00"' in page  # what was typed is kept

    done = client.post(f"{url}/allocate", data={"csrf_token": token, "mode": "by_due_date"})
    assert done.status_code == 303
    after = client.get(url).get_data(as_text=True)
    assert "已核销" in after or "300,000.00" in after
    # by due date (民法典 560): FP-0001, due first, takes it all
    assert _rows(after) == ["FP-2026-0001"]
    assert 'data-testid="payment-unallocated"><strong>0.00</strong>' in after
    invoice = client.get(f"/invoices/{books.invoices['FP-2026-0001']}").get_data(as_text=True)
    assert 'data-testid="invoice-outstanding"><strong>934,567.89</strong>' in invoice

    allocation = re.search(r'data-testid="undo-allocation-(\d+)"', after)
    assert allocation is not None
    undone = client.post(f"{url}/allocations/{allocation.group(1)}/undo", data={"csrf_token": token})
    assert undone.status_code == 303
    assert 'data-testid="payment-unallocated"><strong>300,000.00</strong>' in client.get(url).get_data(as_text=True)


def test_a_lawyer_sees_only_the_invoices_of_their_customers(client: FlaskClient, users: Users,
                                                            books: Books) -> None:
    log_in(client, "lawyer1")
    assert _rows(client.get("/invoices").get_data(as_text=True)) == ["FP-2026-0101"]
    assert client.get(f"/invoices/{books.invoices['FP-2026-0101']}").status_code == 200
    other = client.get(f"/invoices/{books.invoices['FP-2026-0001']}")
    assert other.status_code == 404 and other.mimetype == "text/html"
    assert "1,234,567.89" not in other.get_data(as_text=True)
    assert client.get(f"/payments/{books.payments['cash']}").status_code == 404
    assert _rows(client.get("/payments").get_data(as_text=True)) == []


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_money_page_opens_in_both_languages(client: FlaskClient, users: Users, books: Books,
                                                  lang: str) -> None:
    log_in(client, "clerk1", lang=lang)
    for url in ("/invoices", "/payments", f"/invoices/{books.invoices['FP-2026-0003']}",
                f"/payments/{books.payments['paid']}", f"/payments/{books.payments['cash']}"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert ('lang="zh-CN"' if lang == "zh_CN" else 'lang="en"') in resp.get_data(as_text=True)


def test_a_salesperson_sees_their_own_customers_money_and_may_not_allocate(
        core: Core, client: FlaskClient, users: Users, books: Books) -> None:
    sales = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="sales1", display_name="王磊",
                role="sales", password=PASSWORD)
    resp = client.patch(f"/api/v1/customers/{books.ledger.customer_ids[0]}", json={"salesperson_id": sales.id},
                        headers=users.admin)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    token = log_in(client, "sales1")
    assert _rows(client.get("/invoices").get_data(as_text=True)) == ["FP-2026-0001", "FP-2026-0003",
                                                                     "FP-2026-0002"]
    assert client.get(f"/invoices/{books.invoices['FP-2026-0101']}").status_code == 404
    page = client.get(f"/payments/{books.payments['cash']}")
    assert page.status_code == 200 and 'data-testid="allocate"' not in page.get_data(as_text=True)
    refused = client.post(f"/payments/{books.payments['cash']}/allocate", data={"csrf_token": token,
                                                                                "mode": "by_due_date"})
    assert refused.status_code == 403
