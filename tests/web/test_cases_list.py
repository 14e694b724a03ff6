"""The desk's case list: filters, sorting, pages, the XLSX export, batch actions and who sees what."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.ledger.sample_ledger import ADMIN, Ledger, cc, invoice_body, post, seed, token_headers
from tests.uow import run
from tests.web.desk import PASSWORD, log_in
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.mail.models import OutboxMessage
from workflow.web.ui.i18n import catalogue


@dataclass
class Book:
    ledger: Ledger
    refs: dict[str, str]  # customer code → case ref


def _invoice(client: FlaskClient, admin: dict[str, str], ledger: Ledger, customer: int, number: str, issue: str,
             due: str, amount: str) -> None:
    body = invoice_body(ledger, number, issue, due, amount, customer_id=customer)
    if customer != ledger.customer_ids[0]:
        body.pop("contract_id")
    post(client, "/invoices", body, admin)


def build(client: FlaskClient, admin: dict[str, str], clerk: dict[str, str]) -> Book:
    """On Thursday 26 November 2026:
    C001 深圳市华星光电 owes 200,000.00 (oldest due 30 September: 57 days overdue), has an email contact;
    C002 杭州娃哈哈 owes 35,000.00 (due 10 November: 16 days), has no contact at all;
    C003 中粮糖业 owes 9,800.50 (due 15 October: 42 days) and is not to be dunned;
    C004 成都鑫达 owed 6,000.00, settled: its case is closed."""
    ledger = seed(client, admin)
    c1, c2, c3 = ledger.customer_ids
    c4 = post(client, "/customers", {"code": "C004", "legal_name": "成都鑫达物流有限公司", "kind": "private_small",
                                      "credit_code": cc("91510107MA6C7K1X2"),
                                      "registered_address": "成都市武侯区天府大道北段"}, admin)["id"]
    ledger.customer_ids.append(c4)
    _invoice(client, admin, ledger, c1, "FP-2026-0001", "2026-08-01", "2026-09-30", "120000.00")
    _invoice(client, admin, ledger, c1, "FP-2026-0002", "2026-09-01", "2026-10-31", "80000.00")
    _invoice(client, admin, ledger, c2, "FP-2026-0003", "2026-10-11", "2026-11-10", "35000.00")
    _invoice(client, admin, ledger, c3, "FP-2026-0004", "2026-09-15", "2026-10-15", "9800.50")
    _invoice(client, admin, ledger, c4, "FP-2026-0005", "2026-09-20", "2026-10-20", "6000.00")
    refs = {code: str(post(client, "/cases", {"creditor_id": ledger.creditor_id, "customer_id": cid,
                                              "reason": "逾期未付，开立催收案件"}, clerk)["ref"])
            for code, cid in zip(("C001", "C002", "C003", "C004"), ledger.customer_ids, strict=True)}
    post(client, f"/cases/{refs['C004']}/settle", {"reason": "双方和解，余款免除"}, clerk, status=200)
    return Book(ledger, refs)


@pytest.fixture
def book(client: FlaskClient, users: Users, shipped_templates: None) -> Book:
    return build(client, users.admin, users.clerk)


def _page(client: FlaskClient, query: str = "", status: int = 200) -> str:
    resp = client.get(f"/cases{query}")
    assert resp.status_code == status, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


def _rows(html: str) -> list[str]:
    return re.findall(r'data-testid="row-([A-Z]+-\d{4}-\d+)"', html)


def test_the_list_shows_open_cases_with_balances_right_aligned(client: FlaskClient, book: Book) -> None:
    log_in(client, "clerk1", lang="zh_CN")
    html = _page(client)
    assert sorted(_rows(html)) == sorted(book.refs[c] for c in ("C001", "C002", "C003"))  # open ones by default
    assert "深圳市华星光电技术有限公司" in html and "已逾期，待催收" in html
    balance = re.search(rf'<td class="num" data-testid="balance-{book.refs["C001"]}">(.*?)</td>', html, re.S)
    assert balance and "200,000.00" in balance.group(1)
    assert "9,800.50" in html
    client.set_cookie("dunning_lang", "en")
    html_en = _page(client)
    assert "Overdue, not yet reminded" in html_en and "Open balance" in html_en and "200,000.00" in html_en


def test_each_filter_changes_what_the_clerk_sees(client: FlaskClient, users: Users, book: Book) -> None:
    log_in(client, "clerk1", lang="en")
    r = book.refs
    assert _rows(_page(client, "?status=closed")) == [r["C004"]]
    assert set(_rows(_page(client, "?status=all"))) == set(r.values())
    assert _rows(_page(client, "?q=%E5%A8%83%E5%93%88%E5%93%88")) == [r["C002"]]  # 娃哈哈
    assert _rows(_page(client, "?q=c003")) == [r["C003"]]  # the customer code, any case
    assert _rows(_page(client, "?status=all&state=closed_settled")) == [r["C004"]]
    assert set(_rows(_page(client, "?amount_min=10000"))) == {r["C001"], r["C002"]}
    assert _rows(_page(client, "?amount_min=10000&amount_max=50,000")) == [r["C002"]]
    assert set(_rows(_page(client, "?overdue_min=40"))) == {r["C001"], r["C003"]}
    assert _rows(_page(client, "?overdue_min=20&overdue_max=50")) == [r["C003"]]
    assert _rows(_page(client, "?level=1")) == []
    assert len(_rows(_page(client, "?level=0"))) == 3
    # every case was opened today (the tests' clock): none is a day old yet
    assert len(_rows(_page(client, "?opened_max=0"))) == 3
    assert _rows(_page(client, "?opened_min=1")) == []
    # the clerk: nobody is assigned yet; then C002's customer gets clerk1 as its collection clerk
    assert len(_rows(_page(client, "?clerk=none"))) == 3
    assert _rows(_page(client, f"?clerk={users.clerk_id}")) == []
    patched = client.patch(f"/api/v1/customers/{book.ledger.customer_ids[1]}",
                           json={"assigned_clerk_id": users.clerk_id}, headers=users.admin)
    assert patched.status_code == 200, patched.json
    assert _rows(_page(client, f"?clerk={users.clerk_id}")) == [r["C002"]]
    assert "clerk user" in _page(client, f"?clerk={users.clerk_id}")


def test_a_filter_that_cannot_be_read_says_which(client: FlaskClient, book: Book) -> None:
    log_in(client, "clerk1", lang="en")
    html = _page(client, "?amount_min=lots&level=-1&state=nonsense", status=422)
    assert 'data-testid="filter-errors"' in html
    assert "amount_min" in html and "level" in html and "state" in html
    assert 'value="lots"' in html  # what was typed stays in the form
    zh = client.application.test_client()
    log_in(zh, "clerk1", lang="zh_CN")
    assert "请输入" in zh.get("/cases?overdue_min=1e9").get_data(as_text=True)


def test_sorting_by_balance_and_paging(client: FlaskClient, book: Book) -> None:
    log_in(client, "clerk1", lang="en")
    r = book.refs
    assert _rows(_page(client, "?sort=open_balance&dir=desc")) == [r["C001"], r["C002"], r["C003"]]
    assert _rows(_page(client, "?sort=open_balance&dir=asc")) == [r["C003"], r["C002"], r["C001"]]
    assert _rows(_page(client, "?sort=customer&dir=asc&status=all"))  # sorts by name without an error
    first = _page(client, "?sort=open_balance&dir=desc&per_page=2")
    assert _rows(first) == [r["C001"], r["C002"]]
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = _page(client, "?sort=open_balance&dir=desc&per_page=2&page=2")
    assert _rows(second) == [r["C003"]] and "3–3 of 3" in second
    # a page beyond the end shows the last page, not an error
    assert _rows(_page(client, "?sort=open_balance&dir=desc&per_page=2&page=99")) == [r["C003"]]


def test_export_is_the_filtered_sorted_list_with_numbers(client: FlaskClient, core: Core, book: Book) -> None:
    log_in(client, "clerk1", lang="zh_CN")
    resp = client.get("/cases?export=xlsx&sort=open_balance&dir=desc&amount_min=9000")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    zh = catalogue("zh_CN").gettext
    assert head[:3] == [zh("Case"), zh("Customer code"), zh("Customer")] == ["案件", zh("Customer code"), "客户"]
    assert zh("Open balance") != "Open balance"
    balance = head.index(zh("Open balance"))
    assert [row[0] for row in rows[1:]] == [book.refs["C001"], book.refs["C002"], book.refs["C003"]]
    assert [row[balance] for row in rows[1:]] == [200000, 35000, Decimal("9800.5")]
    assert isinstance(rows[1][balance], int | float | Decimal) and rows[2][3] == "已逾期，待催收"
    with core.unit_of_work(ADMIN, read_only=True) as u:
        assert u.session.scalar(select(AuditEntry).where(AuditEntry.action == "export",
                                                         AuditEntry.entity_type == "dunning_case")) is not None
    english = client.application.test_client()
    log_in(english, "clerk1", lang="en")
    head_en = next(load_workbook(io.BytesIO(english.get("/cases?export=xlsx").data)).active.iter_rows(
        values_only=True))
    assert head_en[:3] == ("Case", "Customer code", "Customer")


def _outbox(core: Core) -> list[OutboxMessage]:
    with core.unit_of_work(ADMIN, read_only=True) as u:
        rows = list(u.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        u.session.expunge_all()
        return rows


def test_batch_send_reports_each_case_and_one_refusal_loses_nothing(client: FlaskClient, core: Core,
                                                                   book: Book) -> None:
    token = log_in(client, "clerk1", lang="en")
    r = book.refs
    before = len(_outbox(core))
    resp = client.post("/cases/batch?sort=open_balance&dir=desc", data={
        "csrf_token": token, "action": "send", "ids": [r["C001"], r["C002"], r["C003"], r["C004"]]})
    assert resp.status_code == 303 and resp.headers["Location"] == "/cases?sort=open_balance&dir=desc"
    html = _page(client, "?sort=open_balance&dir=desc")
    assert "Send the next reminder: 1 of 4 cases done." in html
    assert f"{r['C001']}: first dunning letter queued" in html
    assert f"{r['C002']} not done:" in html and "designated contact" in html  # no email for 娃哈哈
    assert f"{r['C003']} not done: the customer is marked do-not-dun" in html
    assert f"{r['C004']} not done: the case is closed" in html
    sent = _outbox(core)[before:]
    assert [(m.kind, m.automated, m.recipients) for m in sent] == [
        ("dunning_letter_1", False, ["chen.jing@csot.example.cn"])]


def test_batch_send_in_chinese_and_refusals_without_csrf_or_selection(client: FlaskClient, core: Core,
                                                                     book: Book) -> None:
    token = log_in(client, "clerk1", lang="zh_CN")
    r = book.refs
    assert client.post("/cases/batch", data={"action": "send", "ids": [r["C001"]]}).status_code == 403
    empty = client.post("/cases/batch", data={"csrf_token": token, "action": "send"})
    assert empty.status_code == 422 and "请至少选择一个案件" in empty.get_data(as_text=True)
    assert _outbox(core) == []
    resp = client.post("/cases/batch", data={"csrf_token": token, "action": "send", "ids": [r["C002"], r["C001"]]})
    assert resp.status_code == 303
    html = _page(client)
    assert "发送下一封催款函：4 个案件中完成 1 个" not in html  # counts the selection, not the list
    assert "发送下一封催款函：2 个案件中完成 1 个。" in html
    assert f"{r['C002']} 未完成：" in html and "指定联系人" in html


def test_batch_statements_one_per_customer(client: FlaskClient, core: Core, book: Book) -> None:
    token = log_in(client, "clerk1", lang="en")
    r = book.refs
    resp = client.post("/cases/batch", data={"csrf_token": token, "action": "statement",
                                              "ids": [r["C001"], r["C002"], r["C004"]]})
    assert resp.status_code == 303
    html = _page(client)
    assert f"{r['C001']}: statement made (document" in html and f"{r['C002']}: statement made" in html
    from workflow.documents.models import GeneratedDocument

    with core.unit_of_work(ADMIN, read_only=True) as u:
        kinds = u.session.execute(select(GeneratedDocument.kind, GeneratedDocument.customer_id)
                                  .where(GeneratedDocument.kind == "statement")).all()
    assert sorted(c for _k, c in kinds) == sorted(book.ledger.customer_ids[i] for i in (0, 1, 3))
    assert _outbox(core) == []  # made, not sent


def test_batch_assign_gives_the_cases_to_a_clerk(client: FlaskClient, core: Core, users: Users, book: Book) -> None:
    token = log_in(client, "admin1", lang="en")
    r = book.refs
    missing = client.post("/cases/batch", data={"csrf_token": token, "action": "assign", "user": "clerk1",
                                                 "ids": [r["C001"], r["C003"]]})
    assert missing.status_code == 422
    page = missing.get_data(as_text=True)
    assert "Give the reason for the reassignment." in page
    kept = re.search(rf'<input type="checkbox" name="ids" value="{r["C001"]}"[^>]*>', page)
    assert kept and "checked" in kept.group(0)  # the selection is kept
    other = re.search(rf'<input type="checkbox" name="ids" value="{r["C002"]}"[^>]*>', page)
    assert other and "checked" not in other.group(0)
    done = client.post("/cases/batch", data={"csrf_token": token, "action": "assign", "user": "clerk1",
                                              "reason": "张伟休假，由李娜接手", "ids": [r["C001"], r["C003"]]})
    assert done.status_code == 303
    html = _page(client, f"?clerk={users.clerk_id}")
    assert sorted(_rows(html)) == sorted([r["C001"], r["C003"]])
    assert "Assign to a clerk: 2 of 2 cases done." in html
    with core.unit_of_work(ADMIN, read_only=True) as u:
        assert len(list(u.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.assign")))) == 2


def test_a_lawyer_sees_only_the_cases_of_their_customers(client: FlaskClient, users: Users, book: Book) -> None:
    patched = client.patch(f"/api/v1/customers/{book.ledger.customer_ids[2]}",
                           json={"assigned_lawyer_id": users.lawyer_id}, headers=users.admin)
    assert patched.status_code == 200
    token = log_in(client, "lawyer1", lang="en")
    html = _page(client, "?status=all")
    assert _rows(html) == [book.refs["C003"]]
    assert 'data-testid="batch-actions"' not in html  # a lawyer reads; clerks act
    refused = client.post("/cases/batch", data={"csrf_token": token, "action": "send", "ids": [book.refs["C003"]]})
    assert refused.status_code == 403
    export = load_workbook(io.BytesIO(client.get("/cases?export=xlsx&status=all").data)).active
    assert [row[0] for row in export.iter_rows(min_row=2, values_only=True)] == [book.refs["C003"]]


def test_a_salesperson_sees_only_their_customers_cases(client: FlaskClient, core: Core, users: Users,
                                                       book: Book) -> None:
    sales = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username="wang.fang", display_name="王芳",
                role="sales", password=PASSWORD)
    patched = client.patch(f"/api/v1/customers/{book.ledger.customer_ids[1]}", json={"salesperson_id": sales.id},
                           headers=users.admin)
    assert patched.status_code == 200, patched.json
    token = log_in(client, "wang.fang", lang="zh_CN")
    html = _page(client, "?status=all")
    assert _rows(html) == [book.refs["C002"]] and "杭州娃哈哈食品有限公司" in html
    assert "深圳市华星光电技术有限公司" not in html
    assert 'data-testid="batch-actions"' not in html
    refused = client.post("/cases/batch", data={"csrf_token": token, "action": "send", "ids": [book.refs["C002"]]})
    assert refused.status_code == 403


def test_sorts_and_filters_by_balance_agree_on_sqlite_and_postgresql(any_db: Core) -> None:
    """PostgreSQL sorts by balance from one grouped pass over the invoices, SQLite from each case's
    own: the same cases in the same order either way, and the same figures in the export."""
    from workflow.app import create_app

    app = create_app(core=any_db)
    app.config["TESTING"] = True
    client = app.test_client()
    admin, _admin_id = token_headers(any_db, "admin")
    run(any_db, SYSTEM_ACTOR, any_db.services.accounts.create_user, username="clerk1", display_name="张伟",
        role="clerk", password=PASSWORD)
    book = build(client, admin, admin)
    r = book.refs
    log_in(client, "clerk1", lang="en")
    assert _rows(_page(client, "?sort=open_balance&dir=desc")) == [r["C001"], r["C002"], r["C003"]]
    assert _rows(_page(client, "?sort=oldest_due&dir=asc")) == [r["C001"], r["C003"], r["C002"]]
    assert _rows(_page(client, "?sort=open_balance&dir=asc&status=all")) == [r["C004"], r["C003"], r["C002"],
                                                                           r["C001"]]
    assert _rows(_page(client, "?amount_min=9800.50&amount_max=35000&sort=open_balance")) == [r["C002"], r["C003"]]
    assert set(_rows(_page(client, "?overdue_min=40&sort=open_balance"))) == {r["C001"], r["C003"]}
    closed = _page(client, "?status=closed&sort=open_balance")
    assert _rows(closed) == [r["C004"]] and "6,000.00" not in closed  # what a closed case chased is not owed
    sheet = load_workbook(io.BytesIO(client.get("/cases?export=xlsx&sort=open_balance&dir=desc").data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    balance = list(rows[0]).index("Open balance")
    assert [(row[0], row[balance]) for row in rows[1:]] == [(r["C001"], 200000), (r["C002"], 35000),
                                                            (r["C003"], Decimal("9800.5"))]
