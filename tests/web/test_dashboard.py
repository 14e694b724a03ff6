"""The dashboard: aging, KPIs, cash, promises, today's actions, letters awaiting approval, triage and
limitation, each as the viewer may see it.

The ledger (tests/cases/casebook.py): C001 owes 120,000.00 due 30 September and 80,000.00 due 31
October 2026; the tests' day is Thursday 26 November 2026 (week of 23–29 November).
"""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.cases.casebook import Book, draft_lawyer_letter, open_case, owing_customer, pay
from tests.conftest import SYSTEM_ACTOR, Users
from tests.ledger.sample_ledger import invoice_body, post
from tests.uow import run
from tests.web.desk import log_in
from workflow.core import Core


@pytest.fixture
def book(client: FlaskClient, users: Users) -> Book:
    return owing_customer(client, users)


def _promise(client: FlaskClient, users: Users, ref: str, when: str, amount: str) -> None:
    post(client, f"/cases/{ref}/promises", {"promised_on": when, "amount": amount, "source": "call",
                                            "contact_name": "陈静"}, users.clerk)


def _panel(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}".*?</section>', html, re.S)
    assert found, f"no panel {testid}"
    return found.group(0)


def test_the_clerk_sees_aging_kpis_cash_and_promises(client: FlaskClient, users: Users, book: Book) -> None:
    pay(client, users, book, "2026-11-20", "50000.00", "HX20261120001")
    ref = open_case(client, users, book)
    _promise(client, users, ref, "2026-11-27", "30000.00")
    log_in(client, "clerk1")
    html = client.get("/").get_data(as_text=True)
    aging = _panel(html, "panel-aging")
    # 50,000 pays the older invoice first: 70,000 left 57 days overdue, 80,000 26 days overdue
    assert "150,000.00" in aging and "70,000.00" in aging and "80,000.00" in aging
    assert "31–60天" in aging and "<svg" in aging
    kpis = _panel(html, "panel-kpis")
    assert 'data-testid="kpi-dso"' in kpis and "应收账款周转天数" in kpis
    cash = _panel(html, "panel-cash")
    assert "2026-11" in cash and "50,000.00" in cash
    week = _panel(html, "panel-promises-week")
    assert "2026-11-23" in week and "CNY 30,000.00" in week and ref in week
    due = _panel(html, "panel-promises-due")
    assert "30,000.00" in due
    assert 'data-testid="dashboard-triage-count">0<' in html


def test_the_dashboard_in_english(client: FlaskClient, users: Users, book: Book) -> None:
    log_in(client, "clerk1", lang="en")
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Receivables by aging bucket" in html and "31–60 days" in html and "200,000.00" in html
    assert "Money promised this week" in html and "No promises fall due this week." in html
    assert "应收" not in html


def test_letters_awaiting_approval_are_listed_for_the_assigned_lawyer_only(
        client: FlaskClient, users: Users, book: Book, core: Core, shipped_templates: None) -> None:
    ref = open_case(client, users, book)
    run(core, SYSTEM_ACTOR, draft_lawyer_letter, core, ref)
    log_in(client, "legal1")
    html = client.get("/").get_data(as_text=True)
    approvals = _panel(html, "panel-approvals")
    assert 'data-testid="approvals-count">1<' in approvals and ref in approvals and "律师函" in approvals

    lawyer = client.application.test_client()
    log_in(lawyer, "lawyer1")
    html = lawyer.get("/").get_data(as_text=True)
    assert 'data-testid="approvals-count">0<' in html and ref not in html
    assert "200,000.00" not in html  # not their customer: no aging either
    assert 'data-testid="panel-kpis"' not in html and 'data-testid="panel-triage"' not in html

    client.patch(f"/api/v1/customers/{book.customer_id}", json={"assigned_lawyer_id": users.lawyer_id},
                 headers=users.admin)
    html = lawyer.get("/").get_data(as_text=True)
    assert 'data-testid="approvals-count">1<' in html and ref in html
    assert "200,000.00" in _panel(html, "panel-aging")


def test_limitation_periods_ending_soon(client: FlaskClient, users: Users, book: Book) -> None:
    # due 1 December 2023, never paid: the three years end on 1 December 2026, within 90 days
    post(client, "/invoices", invoice_body(book.ledger, "FP-2023-0077", "2023-10-01", "2023-12-01", "45678.90"),
         users.admin)
    log_in(client, "clerk1")
    html = client.get("/").get_data(as_text=True)
    panel = _panel(html, "panel-limitation")
    assert "深圳市华星光电技术有限公司" in panel and "45,678.90" in panel
    assert f'data-testid="row-limitation-{book.customer_id}"' in panel


def test_todays_run_shows_its_actions(client: FlaskClient, users: Users, book: Book, core: Core,
                                      shipped_templates: None) -> None:
    log_in(client, "clerk1")
    before = _panel(client.get("/").get_data(as_text=True), "panel-today")
    assert "今日的催收运行尚未开始" in before
    core.services.dunning.run(SYSTEM_ACTOR)
    panel = _panel(client.get("/").get_data(as_text=True), "panel-today")
    assert 'data-testid="today-actions"' in panel
    assert "深圳市华星光电技术有限公司" in panel and "催款函" in panel


def test_a_salesperson_sees_their_own_customers_only(client: FlaskClient, users: Users, book: Book,
                                                     core: Core) -> None:
    other = book.ledger.customer_ids[1]
    post(client, "/invoices", {**invoice_body(book.ledger, "FP-2026-0003", "2026-10-01", "2026-11-15", "30000.00"),
                               "customer_id": other, "contract_id": None}, users.admin)
    sales = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="li.ming", display_name="李明",
                role="sales", password="correct horse battery")
    assert client.patch(f"/api/v1/customers/{other}", json={"salesperson_id": sales.id},
                        headers=users.admin).status_code == 200
    log_in(client, "li.ming")
    html = client.get("/").get_data(as_text=True)
    aging = _panel(html, "panel-aging")
    assert "30,000.00" in aging and "200,000.00" not in aging and "230,000.00" not in aging
    assert 'data-testid="panel-kpis"' not in html and 'data-testid="panel-triage"' not in html
    assert "仅显示分配给您的客户和案件" in html


def test_every_panel_on_both_databases(any_db: Core) -> None:
    """The panels' grouped queries (month and week sums, limitation, today's actions) on SQLite and
    PostgreSQL alike."""
    from workflow.app import create_app

    app = create_app(core=any_db)
    app.config["TESTING"] = True
    client = app.test_client()
    run(any_db, SYSTEM_ACTOR, any_db.services.templates.sync_shipped)
    headers: dict[str, dict[str, str]] = {}
    for role in ("admin", "clerk"):
        run(any_db, SYSTEM_ACTOR, any_db.services.accounts.create_user, username=f"{role}1",
            display_name=f"{role} user", role=role, password="correct horse battery")
        token = run(any_db, SYSTEM_ACTOR, any_db.services.accounts.issue_token, f"{role}1", "tests").token
        headers[role] = {"Authorization": f"Bearer {token}"}
    who = Users(headers["admin"], headers["clerk"], headers["admin"], headers["admin"], 0, 0)
    book = owing_customer(client, who)
    pay(client, who, book, "2026-11-20", "50000.00", "HX20261120001")
    post(client, "/invoices", invoice_body(book.ledger, "FP-2023-0077", "2023-10-01", "2023-12-01", "45678.90"),
         who.admin)
    ref = open_case(client, who, book)
    _promise(client, who, ref, "2026-12-03", "30000.00")
    any_db.services.dunning.run(SYSTEM_ACTOR)
    log_in(client, "clerk1", lang="en")
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "50,000.00" in _panel(html, "panel-cash")
    assert "30,000.00" in _panel(html, "panel-promises-due")  # due next week
    assert "No promises fall due this week." in _panel(html, "panel-promises-week")
    assert "45,678.90" in _panel(html, "panel-limitation")
    assert "195,678.90" in _panel(html, "panel-aging")  # 150,000 left of the two, and the 2023 invoice


def test_replies_waiting_in_triage_are_counted_and_linked(client: FlaskClient, users: Users, core: Core) -> None:
    from tests.inbox.desk import drop, reply

    # from nobody we know, about no case: it waits for a clerk
    drop(core, reply(sender="caiwu@unknown-debtor.example.cn", subject="关于货款",
                     body="您好，货款我们下周安排支付，请知悉。"), "1.eml")
    core.services.inbox.poll()
    log_in(client, "clerk1")
    panel = _panel(client.get("/").get_data(as_text=True), "panel-triage")
    assert 'data-testid="dashboard-triage-count">1<' in panel
    assert 'href="/triage"' in panel


def test_limitation_amounts_in_two_currencies_are_not_added_up(client: FlaskClient, users: Users,
                                                                book: Book) -> None:
    post(client, "/invoices", invoice_body(book.ledger, "FP-2023-0077", "2023-10-01", "2023-12-01", "45678.90"),
         users.admin)
    post(client, "/invoices", invoice_body(book.ledger, "FP-2023-0078", "2023-10-03", "2023-12-03", "1234.50",
                                           contract_id=None, currency="USD"), users.admin)
    log_in(client, "clerk1")
    panel = _panel(client.get("/").get_data(as_text=True), "panel-limitation")
    assert "CNY 45,678.90" in panel and "USD 1,234.50" in panel
    assert "46,913.40" not in panel  # 45,678.90 + 1,234.50 would mix yuan and dollars
    assert f'data-testid="row-limitation-{book.customer_id}-USD"' in panel
