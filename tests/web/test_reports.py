"""Reports: the collectors' ranking and the credit ratings, as each role may see them.

The ledger (tests/cases/casebook.py): C001 owes 120,000.00 due 30 September and 80,000.00 due 31
October 2026 and pays 50,000.00 on 20 November; the tests' day is 26 November 2026, so the default
period (the year to today) has 200,000.00 falling due, 50,000.00 of it collected (25.00%), none of
it by its due date (0.00%). C002 owes 30,000.00 due 15 November, unpaid (0.00%).
"""

from __future__ import annotations

import io
import re

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.cases.casebook import Book, owing_customer, pay
from tests.conftest import SYSTEM_ACTOR, Users
from tests.ledger.sample_ledger import invoice_body, post
from tests.uow import run
from tests.web.desk import PASSWORD, log_in
from workflow.audit.models import AuditEntry
from workflow.core import Core


@pytest.fixture
def book(client: FlaskClient, users: Users, core: Core) -> Book:
    book = owing_customer(client, users)
    pay(client, users, book, "2026-11-20", "50000.00", "HX20261120001")
    other = book.ledger.customer_ids[1]
    post(client, "/invoices", {**invoice_body(book.ledger, "FP-2026-0003", "2026-10-01", "2026-11-15", "30000.00"),
                               "customer_id": other, "contract_id": None}, users.admin)
    for login, name, customer_id in (("li.ming", "李明", book.customer_id), ("zhao.lei", "赵磊", other)):
        u = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username=login, display_name=name,
                role="sales", password=PASSWORD)
        resp = client.patch(f"/api/v1/customers/{customer_id}", json={"salesperson_id": u.id}, headers=users.admin)
        assert resp.status_code == 200, resp.get_data(as_text=True)
    return book


def _row(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">.*?</tr>', html, re.S)
    assert found, f"no row {testid}"
    return found.group(0)


def test_the_ranking_per_salesperson(client: FlaskClient, users: Users, book: Book) -> None:
    log_in(client, "clerk1")
    html = client.get("/reports/collectors").get_data(as_text=True)
    li = _row(html, "row-collector-li.ming-CNY")
    assert "李明" in li and "200,000.00" in li and "50,000.00" in li and "25.00%" in li and "0.00%" in li
    zhao = _row(html, "row-collector-zhao.lei-CNY")
    assert "30,000.00" in zhao and "0.00%" in zhao
    # 25% beats 0%: 李明 ranks first
    assert html.index("row-collector-li.ming-CNY") < html.index("row-collector-zhao.lei-CNY")
    assert re.search(r'<td class="num">1\b', li)
    assert "2025-11-27" in html and "2026-11-26" in html  # the default period: the year to today


def test_a_period_filter_and_the_english_page(client: FlaskClient, users: Users, book: Book) -> None:
    log_in(client, "admin1", lang="en")
    html = client.get("/reports/collectors?from=2026-10-01&to=2026-10-31").get_data(as_text=True)
    li = _row(html, "row-collector-li.ming-CNY")
    assert "80,000.00" in li and "Collection rate" in html  # only the invoice due 31 October
    # 赵磊's invoice falls due in November: nothing due in October, unranked, still owing on the day
    zhao = _row(html, "row-collector-zhao.lei-CNY")
    assert '<td class="num">—</td>' in zhao and 'data-testid="collection-rate">—<' in zhao and "30,000.00" in zhao


def test_a_salesperson_sees_only_their_own_line(client: FlaskClient, users: Users, book: Book) -> None:
    log_in(client, "zhao.lei")
    html = client.get("/reports/collectors?by=clerk").get_data(as_text=True)
    assert "row-collector-zhao.lei-CNY" in html and "李明" not in html and "200,000.00" not in html
    assert 'name="by"' not in html


def test_wrong_periods_are_named(client: FlaskClient, users: Users, book: Book) -> None:
    log_in(client, "clerk1")
    resp = client.get("/reports/collectors?from=2026-12-01&to=2026-11-01")
    assert resp.status_code == 422 and "期间开始日不能晚于结束日" in resp.get_data(as_text=True)
    resp = client.get("/reports/collectors?from=2026-13-01")
    assert resp.status_code == 422 and "请填写日期" in resp.get_data(as_text=True)
    resp = client.get("/reports/collectors?from=1900-01-01")
    assert resp.status_code == 422 and 'data-testid="collectors-errors"' in resp.get_data(as_text=True)
    resp = client.get("/reports/collectors?by=boss")
    assert resp.status_code == 422


def test_the_ranking_exports_and_the_download_is_audited(client: FlaskClient, users: Users, book: Book,
                                                          core: Core) -> None:
    log_in(client, "clerk1")
    resp = client.get("/reports/collectors?export=xlsx")
    assert resp.status_code == 200 and str(resp.mimetype).endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet is not None
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "李明" in names and "赵磊" in names
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "report")))
    assert "report.download" in actions


def test_lawyers_have_no_ranking(client: FlaskClient, users: Users, book: Book) -> None:
    log_in(client, "lawyer1")
    assert client.get("/reports/collectors").status_code == 403


def test_credit_ratings_with_their_reasons(client: FlaskClient, users: Users, book: Book, core: Core) -> None:
    core.services.credit.recompute(SYSTEM_ACTOR)
    log_in(client, "clerk1")
    html = client.get("/reports/ratings").get_data(as_text=True)
    row = _row(html, "row-rating-C001")
    assert "深圳市华星光电技术有限公司" in row and "超出账期" in row
    grade = re.search(r'data-testid="grade">([ABCD])<', row)
    assert grade
    other = "A" if grade.group(1) != "A" else "B"
    assert "row-rating-C001" not in client.get(f"/reports/ratings?grade={other}").get_data(as_text=True)
    assert "row-rating-C001" in client.get(f"/reports/ratings?grade={grade.group(1)}").get_data(as_text=True)

    english = client.application.test_client()
    log_in(english, "admin1", lang="en")
    assert "beyond terms" in _row(english.get("/reports/ratings").get_data(as_text=True), "row-rating-C001")

    lawyer = client.application.test_client()
    log_in(lawyer, "lawyer1")
    assert "row-rating-C001" not in lawyer.get("/reports/ratings").get_data(as_text=True)
    salesperson = client.application.test_client()
    log_in(salesperson, "li.ming")
    seen = salesperson.get("/reports/ratings").get_data(as_text=True)
    assert "row-rating-C001" in seen and "row-rating-C002" not in seen


def test_the_ratings_export(client: FlaskClient, users: Users, book: Book, core: Core) -> None:
    core.services.credit.recompute(SYSTEM_ACTOR)
    log_in(client, "clerk1", lang="en")
    resp = client.get("/reports/ratings?export=xlsx&grade=")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Customer code", "Customer", "Grade", "Score", "Rated on", "Reasons")
    assert any(r[0] == "C001" and "beyond terms" in str(r[5]) for r in rows[1:])


def test_the_reports_index_offers_what_the_role_may_open(client: FlaskClient, users: Users) -> None:
    log_in(client, "clerk1")
    html = client.get("/reports").get_data(as_text=True)
    assert "回款考核排名" in html and "客户信用评级" in html
    lawyer = client.application.test_client()
    log_in(lawyer, "lawyer1", lang="en")
    html = lawyer.get("/reports").get_data(as_text=True)
    assert "Credit ratings" in html and "/reports/collectors" not in html
