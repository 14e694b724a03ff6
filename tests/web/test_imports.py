"""The desk's imports: a clerk uploads a spreadsheet, checks it or imports it, and reads the row
report; a bad file is a 4xx naming the problem, and nothing is half-written."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import Users
from tests.ledger.sample_ledger import bad_cc, reading
from tests.ledger.test_import import CUSTOMERS_CSV, HUAXING, add_creditor
from tests.web.test_money import log_in
from workflow.config import Settings
from workflow.core import Core
from workflow.ledger.models import Customer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", max_upload_bytes=200_000)


def _customers(core: Core) -> int:
    with reading(core) as s:
        return s.scalar(select(func.count()).select_from(Customer)) or 0


def _upload(client: FlaskClient, token: str, name: str, data: bytes, **form: Any) -> Any:
    return client.post("/imports", data={"csrf_token": token, "file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def test_a_check_reports_the_counts_and_writes_nothing(core: Core, client: FlaskClient, users: Users) -> None:
    add_creditor(core)
    token = log_in(client, "clerk1", start="/imports")
    resp = _upload(client, token, "客户档案.csv", CUSTOMERS_CSV.encode("gbk"), dry_run="1")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "已检查：客户档案.csv（未写入）" in html
    assert re.search(r'data-testid="row-customers"><td>客户</td><td class="num">3</td>', html)
    assert _customers(core) == 0
    assert 'data-testid="row-import-' not in html  # a check is no import


def test_an_import_writes_and_is_in_the_history(core: Core, client: FlaskClient, users: Users) -> None:
    add_creditor(core)
    token = log_in(client, "clerk1", start="/imports")
    resp = _upload(client, token, "客户档案.csv", CUSTOMERS_CSV.encode("gbk"), dry_run="0")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "已导入：客户档案.csv" in html and "文件已导入" in html
    assert _customers(core) == 3
    history = client.get("/imports").get_data(as_text=True)
    assert re.search(r'data-testid="row-import-\d+"><td>[^<]+</td><td>clerk1</td><td>客户档案.csv</td>'
                     r'<td>客户：新增 3，变更 0</td>', history)
    # the same file again changes nothing, and says so
    again = _upload(client, token, "客户档案.csv", CUSTOMERS_CSV.encode("gbk"), dry_run="0")
    assert "已在台账中" in again.get_data(as_text=True) and _customers(core) == 3


def _workbook(rows: list[list[Any]], title: str = "客户") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_bad_rows_are_listed_with_the_reason_per_field_and_nothing_is_written(
        core: Core, client: FlaskClient, users: Users, lang: str) -> None:
    add_creditor(core)
    data = _workbook([
        ["客户编码", "客户名称", "统一社会信用代码", "客户类型"],
        ["C001", "深圳市华星光电技术有限公司", HUAXING, "大型民营企业"],
        ["C002", "", bad_cc("91330100143055621"), "民营中小企业"],
        ["C003", "中粮糖业控股股份有限公司", "", "央企"],
    ])
    token = log_in(client, "clerk1", lang=lang, start="/imports")
    resp = _upload(client, token, "客户.xlsx", data, dry_run="0")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert re.findall(r'data-testid="row-客户-(\d+)"', html) == ["3", "4"]  # row 2 was fine
    row3 = re.search(r'data-testid="row-客户-3">(.*?)</tr>', html, re.S)
    assert row3 is not None
    if lang == "zh_CN":
        assert "导入文件有 2 行错误，未写入任何数据" in html and "统一社会信用代码" in row3.group(1)
    else:
        assert "The file has 2 bad row(s); nothing was imported" in html and "Not accepted" in html
    assert row3.group(1).count("<li>") == 2  # the name and the credit code, each with its reason
    assert _customers(core) == 0


def test_wrong_columns_name_the_missing_one(core: Core, client: FlaskClient, users: Users) -> None:
    add_creditor(core)
    token = log_in(client, "clerk1", start="/imports")
    resp = _upload(client, token, "customers.csv", "客户编码,地址\nC001,深圳\n".encode(), kind="customers",
                   dry_run="0")
    assert resp.status_code == 422
    assert "缺少必填列「客户名称」" in resp.get_data(as_text=True)
    assert _customers(core) == 0


@pytest.mark.parametrize(("name", "data", "status", "says"), [
    # read as CSV, as the API does; named 发票 it should hold invoices, and has none of their columns
    ("发票.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", 422,
     "required column &#39;invoice_number&#39; is missing"),
    ("台账.xlsx", b"PK\x03\x04 not really a workbook", 422, 'id="file-error"'),
    # a UTF-8 header over a GBK row: never guessed into mojibake, the line is named
    ("客户.csv", "客户编码,客户名称\n".encode() + "C001,华为技术有限公司\n".encode("gbk"), 422, "line 2"),
])
def test_a_bad_file_is_a_4xx_naming_the_problem(core: Core, client: FlaskClient, users: Users, name: str,
                                                data: bytes, status: int, says: str) -> None:
    token = log_in(client, "clerk1", lang="en", start="/imports")
    resp = _upload(client, token, name, data, dry_run="0")
    assert resp.status_code == status and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert says in html and 'data-testid="import-form"' in html
    assert 'data-testid="row-import-' not in client.get("/imports").get_data(as_text=True)


def test_an_upload_over_the_request_limit_is_a_413_page(core: Core, client: FlaskClient, users: Users) -> None:
    token = log_in(client, "clerk1", start="/imports")
    resp = _upload(client, token, "台账.csv", b"a" * 300_000, dry_run="0")
    assert resp.status_code == 413 and "上传内容过大" in resp.get_data(as_text=True)


def test_no_file_is_a_422(core: Core, client: FlaskClient, users: Users) -> None:
    token = log_in(client, "clerk1", start="/imports")
    resp = client.post("/imports", data={"csrf_token": token, "dry_run": "0"}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "请选择要上传的文件" in resp.get_data(as_text=True)


def test_imports_are_for_staff_and_need_the_form_token(core: Core, client: FlaskClient, users: Users) -> None:
    token = log_in(client, "clerk1", start="/imports")
    forged = client.post("/imports", data={"file": (io.BytesIO(CUSTOMERS_CSV.encode()), "c.csv")},
                         content_type="multipart/form-data")
    assert forged.status_code == 403 and _customers(core) == 0
    assert token
    lawyer = client.application.test_client()
    log_in(lawyer, "lawyer1", start="/invoices")
    assert lawyer.get("/imports").status_code == 403
