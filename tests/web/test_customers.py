"""The customers' pages: the list (filters, sort, export, statements for a selection) and a customer's
page (master data, credit hold, contacts, balance, cases, invoices, rating), as clerks and lawyers see
them, in Chinese and English."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.cases.casebook import Book, open_case, owing_customer
from tests.conftest import SYSTEM_ACTOR, Users
from tests.uow import read, run
from tests.web.desk import PASSWORD, log_in
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.documents.models import GeneratedDocument
from workflow.ledger.models import Contact, Customer
from workflow.unit_of_work import UnitOfWork


@pytest.fixture
def book(client: FlaskClient, users: Users) -> Book:
    return owing_customer(client, users)


def _codes(html: str) -> list[str]:
    return re.findall(r'data-testid="row-(C\d+)"', html)


def test_the_list_shows_each_customer_with_its_balance_in_both_languages(client: FlaskClient, users: Users,
                                                                          book: Book) -> None:
    log_in(client, "clerk1")
    html = client.get("/customers").get_data(as_text=True)
    assert _codes(html) == ["C001", "C002", "C003"]
    assert "深圳市华星光电技术有限公司" in html and "200,000.00" in html
    assert "未收金额（人民币）" in html and "大型民营企业" in html
    client.set_cookie("dunning_lang", "en")
    english = client.get("/customers").get_data(as_text=True)
    assert "Outstanding (CNY)" in english and "Large private company" in english and "200,000.00" in english


def test_filters_and_sort(client: FlaskClient, users: Users, book: Book) -> None:
    log_in(client, "clerk1")
    assert _codes(client.get("/customers?q=华星").get_data(as_text=True)) == ["C001"]
    assert _codes(client.get("/customers?q=c002").get_data(as_text=True)) == ["C002"]
    assert _codes(client.get("/customers?hold=yes").get_data(as_text=True)) == []
    open_case(client, users, book)
    assert _codes(client.get("/customers?case=yes").get_data(as_text=True)) == ["C001"]
    assert _codes(client.get("/customers?case=no").get_data(as_text=True)) == ["C002", "C003"]
    by_owed = client.get("/customers?sort=outstanding&dir=desc").get_data(as_text=True)
    assert _codes(by_owed)[0] == "C001"
    by_code_desc = client.get("/customers?sort=code&dir=desc").get_data(as_text=True)
    assert _codes(by_code_desc) == ["C003", "C002", "C001"]
    # a stale or hostile query string shows the nearest sensible list, never an error
    assert client.get("/customers?sort=nonsense&page=99&clerk=abc&hold=maybe").status_code == 200


def test_export_is_a_spreadsheet_of_the_filtered_list_and_is_audited(client: FlaskClient, users: Users,
                                                                     book: Book, core: Core) -> None:
    log_in(client, "clerk1")
    resp = client.get("/customers?q=华星&export=xlsx")
    assert resp.status_code == 200 and str(resp.mimetype).endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["客户编码", "客户"] and len(rows) == 2
    assert rows[1][0] == "C001" and str(rows[1][4]) == "200000"

    def exports(uow: UnitOfWork) -> int:
        return uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "export", AuditEntry.entity_type == "customer")) or 0

    assert read(core, SYSTEM_ACTOR, exports) == 1


def test_the_customer_page(client: FlaskClient, users: Users, book: Book, core: Core) -> None:
    ref = open_case(client, users, book)

    def bounce(uow: UnitOfWork) -> None:
        contact = uow.session.scalars(select(Contact).where(Contact.customer_id == book.customer_id)).one()
        contact.email_invalid_since = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)

    run(core, SYSTEM_ACTOR, bounce)
    log_in(client, "clerk1")
    html = client.get(f"/customers/{book.customer_id}").get_data(as_text=True)
    assert "91440300682013573" in html  # the credit code (with its check character)
    assert "陈静" in html and "自 2026-11-20 起退信" in html
    assert 'data-testid="outstanding-CNY"><strong>200,000.00' in html
    assert f'data-testid="case-{ref}"' in html and f"/cases/{ref}" in html
    assert "FP-2026-0001" in html and "57 天" in html  # due 30 September, on 26 November
    assert "BSP-2026-0158" in html
    client.set_cookie("dunning_lang", "en")
    english = client.get(f"/customers/{book.customer_id}").get_data(as_text=True)
    assert "Bounced since 2026-11-20" in english and "Open balance" in english and "57 days" in english


def test_credit_hold_is_set_and_released_with_a_reason(client: FlaskClient, users: Users, book: Book,
                                                        core: Core) -> None:
    token = log_in(client, "clerk1")
    url = f"/customers/{book.customer_id}/credit-hold"
    missing = client.post(url, data={"csrf_token": token, "action": "set", "reason": "  "})
    assert missing.status_code == 422 and "请说明原因" in missing.get_data(as_text=True)
    assert not read(core, SYSTEM_ACTOR, lambda u: u.session.get_one(Customer, book.customer_id).credit_hold)

    done = client.post(url, data={"csrf_token": token, "action": "set", "reason": "逾期超过 60 天，暂停发货"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已设置信用冻结" in page and "逾期超过 60 天，暂停发货" in page and 'data-testid="hold-release"' in page
    assert _codes(client.get("/customers?hold=yes").get_data(as_text=True)) == ["C001"]

    released = client.post(url, data={"csrf_token": token, "action": "release", "reason": "已付清"})
    assert released.status_code == 303
    assert not read(core, SYSTEM_ACTOR, lambda u: u.session.get_one(Customer, book.customer_id).credit_hold)
    assert client.post(url, data={"action": "set", "reason": "x"}).status_code == 403  # no CSRF token


def test_a_lawyer_sees_only_the_customers_assigned_to_them(client: FlaskClient, users: Users, book: Book) -> None:
    mine = book.ledger.customer_ids[1]
    resp = client.patch(f"/api/v1/customers/{mine}", json={"assigned_lawyer_id": users.lawyer_id},
                        headers=users.admin)
    assert resp.status_code == 200, resp.json
    token = log_in(client, "lawyer1")
    assert _codes(client.get("/customers").get_data(as_text=True)) == ["C002"]
    assert client.get(f"/customers/{mine}").status_code == 200
    other = client.get(f"/customers/{book.customer_id}")
    assert other.status_code == 404 and "text/html" in other.content_type
    page = client.get(f"/customers/{mine}").get_data(as_text=True)
    assert 'data-testid="hold-form"' not in page and 'data-testid="make-statement"' not in page
    refused = client.post(f"/customers/{mine}/credit-hold", data={"csrf_token": token, "action": "set",
                                                                  "reason": "律师建议"})
    assert refused.status_code == 403
    assert client.post("/customers/statements", data={"csrf_token": token, "ids": str(mine)}).status_code == 403


@pytest.mark.usefixtures("shipped_templates")
def test_statements_for_the_selected_customers(client: FlaskClient, users: Users, book: Book, core: Core) -> None:
    token = log_in(client, "clerk1")
    c001, c002 = book.ledger.customer_ids[:2]
    resp = client.post("/customers/statements", data={"csrf_token": token, "ids": [str(c001), str(c002)],
                                                      "language": "zh", "period_from": "2026-01-01",
                                                      "back": "/customers?q=C"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/customers?q=C"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已为 1 个客户生成 1 份对账单" in page and "没有发票，未生成对账单：C002" in page

    def statements(uow: UnitOfWork) -> list[tuple[int | None, str, str]]:
        return [(d.customer_id, d.kind, d.context["statement"]["period_from"]) for d in uow.session.scalars(
            select(GeneratedDocument).order_by(GeneratedDocument.id))]

    assert read(core, SYSTEM_ACTOR, statements) == [(c001, "statement", "2026-01-01")]
    customer_page = client.get(f"/customers/{c001}").get_data(as_text=True)
    assert "对账单" in customer_page and re.search(r'href="/api/v1/documents/\d+/docx"', customer_page)

    nothing = client.post("/customers/statements", data={"csrf_token": token})
    assert nothing.status_code == 422 and "请至少选择一个客户" in nothing.get_data(as_text=True)
    bad_date = client.post("/customers/statements", data={"csrf_token": token, "ids": str(c001),
                                                          "period_from": "2026-13-01"})
    assert bad_date.status_code == 422 and "period_from" in bad_date.get_data(as_text=True)
    assert read(core, SYSTEM_ACTOR, lambda u: len(statements(u))) == 1


def test_the_credit_rating_and_its_reasons(client: FlaskClient, users: Users, book: Book, core: Core) -> None:
    from workflow.credit.models import CustomerRating

    def rate(uow: UnitOfWork) -> None:
        uow.session.add(CustomerRating(
            customer_id=book.customer_id, as_of=date(2026, 11, 26), score=62, grade="C",
            reasons=[{"figure": "overdue_share", "value": "1.00", "points": -25,
                      "zh": "全部欠款均已逾期", "en": "All of the balance is overdue"}],
            figures={}, computed_at=datetime(2026, 11, 26, 1, 0, tzinfo=UTC)))

    log_in(client, "clerk1")
    assert "尚未评级" in client.get(f"/customers/{book.customer_id}").get_data(as_text=True)
    run(core, SYSTEM_ACTOR, rate)
    html = client.get(f"/customers/{book.customer_id}").get_data(as_text=True)
    assert "C 级" in html and "得分 62" in html and "全部欠款均已逾期" in html
    client.set_cookie("dunning_lang", "en")
    english = client.get(f"/customers/{book.customer_id}").get_data(as_text=True)
    assert "Grade C" in english and "All of the balance is overdue" in english and "全部欠款均已逾期" not in english


def test_a_salesperson_sees_only_their_own_customers(client: FlaskClient, users: Users, book: Book,
                                                     core: Core) -> None:
    sales = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="wang.fang", display_name="王芳",
                role="sales", password=PASSWORD)
    theirs = book.ledger.customer_ids[1]
    resp = client.patch(f"/api/v1/customers/{theirs}", json={"salesperson_id": sales.id}, headers=users.admin)
    assert resp.status_code == 200, resp.json
    log_in(client, "wang.fang")
    listed = client.get("/customers").get_data(as_text=True)
    assert _codes(listed) == ["C002"] and "王芳" in listed
    page = client.get(f"/customers/{theirs}").get_data(as_text=True)
    assert 'data-testid="customer-salesperson">王芳' in page and 'data-testid="hold-form"' not in page
    assert client.get(f"/customers/{book.customer_id}").status_code == 404
