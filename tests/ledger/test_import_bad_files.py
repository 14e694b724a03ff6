"""Bad spreadsheets: every bad row is named with its column and reason, and nothing is written."""

from __future__ import annotations

import io
import random
import zipfile
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import select

from tests.conftest import Users
from tests.ledger.test_import import (
    BAOSTEEL,
    CLERK,
    CUSTOMERS_CSV,
    HUAXING,
    add_creditor,
    cc,
    db_session,
    importer,
    ledger_workbook,
    snapshot,
)
from workflow.core import Core
from workflow.errors import TooLarge, ValidationFailed
from workflow.ledger.imports import ImportRejected
from workflow.ledger.models import CreditorEntity, Customer


def rejected(core: Core, name: str, data: bytes) -> list[tuple[int, str, str]]:
    before = snapshot(core)
    with pytest.raises(ImportRejected) as exc:
        importer(core).run(CLERK, name, data)
    assert snapshot(core) == before
    for p in exc.value.rows:
        assert p.zh and p.en  # both languages, always
    return [(p.row, p.column, p.code) for p in exc.value.rows]


def test_bad_invoice_rows_are_all_reported(any_db: Core) -> None:
    add_creditor(any_db)
    importer(any_db).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    before = snapshot(any_db)
    csv = (
        "发票号,客户编码,开票日期,到期日,金额,币种\n"
        "FP001,C001,2025-06-30,2025-07-30,1000.00,CNY\n"  # row 2: good
        "FP002,C001,2025-06-30,2025-05-30,1000.00,CNY\n"  # row 3: due before issue
        "FP003,C001,2025-06-30,2025-07-30,1000.00,XYZ\n"  # row 4: unknown currency
        "FP004,C001,2025-06-30,2025-07-30,-50.00,CNY\n"  # row 5: negative
        "FP005,C001,2025-06-30,2025-07-30,99999999999999,CNY\n"  # row 6: absurd
        "FP001,C001,2025-06-30,2025-07-30,1000.00,CNY\n"  # row 7: duplicate of row 2
        "FP007,C999,2025-06-30,2025-07-30,1000.00,CNY\n"  # row 8: unknown customer
        "FP008,C001,2025-02-30,2025-07-30,12.345,CNY\n"  # row 9: no such date; 3 decimals
        "FP009,C001,下周一,,1000,CNY\n"  # row 10: unreadable date, missing due date
    )
    rows = rejected(any_db, "invoices.csv", csv.encode())
    assert set(rows) == {
        (3, "到期日", "due_before_issue"),
        (4, "币种", "unknown_currency"),
        (5, "金额", "invalid_amount"),
        (6, "金额", "invalid_amount"),
        (7, "发票号", "duplicate_in_file"),
        (8, "客户编码", "unknown_customer"),
        (9, "开票日期", "invalid_date"),
        (9, "金额", "invalid_amount"),
        (10, "开票日期", "invalid_date"),
        (10, "到期日", "required"),
    }
    assert snapshot(any_db) == before


def test_bad_customer_rows(core: Core) -> None:
    add_creditor(core)
    bad_check = HUAXING[:-1] + ("0" if HUAXING[-1] != "0" else "1")
    csv = (
        "customer_code,legal_name,credit_code,kind\n"
        f"C001,深圳市华星光电技术有限公司,{bad_check},private_large\n"
        f"C002,,{HUAXING},private_small\n"
        f"C003,南京某某贸易有限公司,{HUAXING},private_small\n"
        "C004,宁波北仑华锐模具有限公司,91330206ABC,private_small\n"
        "C005,温州瓯越阀门有限公司,,private_small\n"
        "C006,Kessler Industrietechnik GmbH,,foreign\n"
        "C007,昆山恒通机电经营部,,合伙企业\n"
    )
    rows = rejected(core, "customers.csv", csv.encode())
    assert set(rows) == {
        (2, "credit_code", "invalid_credit_code"),
        (3, "legal_name", "required"),
        (4, "credit_code", "duplicate_credit_code"),
        (5, "credit_code", "invalid_credit_code"),
        (6, "credit_code", "required"),
        (8, "kind", "invalid_kind"),
    }


def test_missing_required_column_names_it(core: Core) -> None:
    add_creditor(core)
    importer(core).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    rows = rejected(
        core,
        "payments.csv",
        "银行流水号,客户编码,金额\nB1,C001,100\n".encode(),
    )
    assert rows == [(1, "付款日期", "missing_column")]


def test_workbook_with_an_unknown_sheet_is_refused_whole(core: Core) -> None:
    add_creditor(core)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(ledger_workbook()))
    extra = wb.create_sheet("库存明细")
    extra.append(["物料编码", "物料名称", "数量"])
    extra.append(["M001", "伺服电机", 3])
    buf = io.BytesIO()
    wb.save(buf)
    rows = rejected(core, "台账.xlsx", buf.getvalue())
    assert rows == [(1, "", "unknown_sheet")]


def test_payment_reimported_with_another_amount_is_refused(core: Core) -> None:
    add_creditor(core)
    importer(core).run(CLERK, "a.xlsx", ledger_workbook())
    csv = "银行流水号,客户编码,付款日期,金额\nB20250605001,C001,2025-06-05,26000\n"
    assert rejected(core, "p.csv", csv.encode()) == [(2, "银行流水号", "payment_changed")]


def test_payment_naming_unknown_or_foreign_invoice(core: Core) -> None:
    add_creditor(core)
    importer(core).run(CLERK, "a.xlsx", ledger_workbook())
    csv = (
        "银行流水号,客户编码,付款日期,金额,核销发票号\n"
        "B9,C001,2025-07-01,100,FP404\n"
        "B10,C001,2025-07-01,100,FP004\n"
    )  # FP004 is C002's invoice
    assert rejected(core, "p.csv", csv.encode()) == [
        (2, "核销发票号", "unknown_invoice"),
        (3, "核销发票号", "invoice_mismatch"),
    ]


def test_invoice_amount_below_what_is_paid_is_refused(core: Core) -> None:
    add_creditor(core)
    importer(core).run(CLERK, "a.xlsx", ledger_workbook())  # FP002 is paid 20,000
    csv = "发票号,客户编码,开票日期,到期日,金额\nFP002,C001,2025-02-01,2025-03-31,15000\n"
    assert rejected(core, "i.csv", csv.encode()) == [(2, "金额", "below_settled")]


def test_contract_with_arbitration_and_court_is_refused(core: Core) -> None:
    add_creditor(core)
    importer(core).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    csv = "合同编号,客户编码,管辖法院所在地,仲裁委员会,违约金日利率\nHT-9,C001,上海市浦东新区,上海仲裁委员会,百分之五\n"
    assert set(rejected(core, "contracts.csv", csv.encode())) == {
        (2, "仲裁委员会", "arbitration_or_court"),
        (2, "违约金日利率", "invalid_rate"),
    }


def test_two_creditors_need_the_creditor_column(core: Core) -> None:
    add_creditor(core)
    with db_session(core) as s:
        s.add(
            CreditorEntity(
                code="CM-SZ",
                legal_name="苏州澄明精密制造有限公司",
                credit_code=cc("91320594MA1MXY2K3"),
                address="苏州工业园区星湖街328号",
                bank_name="工商银行苏州工业园区支行",
                bank_account="1102021109000123456",
                created_at=core.clock.now(),
            )
        )
    importer(core).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    csv = "发票号,客户编码,开票日期,到期日,金额\nFP1,C001,2025-01-01,2025-02-01,10\n"
    assert rejected(core, "i.csv", csv.encode()) == [(2, "creditor_code", "creditor_required")]
    ok = "我方主体编码,发票号,客户编码,开票日期,到期日,金额\nCM-SZ,FP1,C001,2025-01-01,2025-02-01,10\n"
    assert importer(core).run(CLERK, "i.csv", ok.encode()).counts["invoices"].created == 1


def test_unreadable_files(core: Core) -> None:
    add_creditor(core)
    for data in (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, b"PK\x03\x04broken", b"\x00\x01\x02binary"):
        with pytest.raises(ValidationFailed) as exc:
            importer(core).run(CLERK, "x.xls", data)
        assert exc.value.problems[0].field == "file"
    with pytest.raises(ValidationFailed):
        importer(core).run(CLERK, "empty.csv", b"\n\n")
    with pytest.raises(TooLarge):
        importer(core, max_bytes=10).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())


# ---------------------------------------------------------------- API and CLI


def upload(client: FlaskClient, headers: dict[str, str], name: str, data: bytes, query: str = "") -> Any:
    return client.post(
        f"/api/v1/imports{query}",
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_api_import_and_bad_file_problem(core: Core, client: FlaskClient, users: Users) -> None:
    add_creditor(core)
    resp = upload(client, users.clerk, "客户.csv", CUSTOMERS_CSV.encode("gbk"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["counts"]["customers"]["created"] == 3
    bad = (
        "发票号,客户编码,开票日期,到期日,金额\nFP1,C001,2025-06-30,2025-05-01,100\nFP2,C404,2025-06-30,2025-07-01,100\n"
    )
    resp = upload(client, users.clerk, "fp.csv", bad.encode(), "?kind=invoices")
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    body = resp.json
    assert [(r["row"], r["column"], r["code"]) for r in body["rows"]] == [
        (2, "到期日", "due_before_issue"),
        (3, "客户编码", "unknown_customer"),
    ]
    assert body["bad_rows"] == 2 and "2" in body["title"]
    assert body["errors"][0]["field"] == "fp.csv[2].到期日"
    resp = upload(client, {**users.clerk, "Accept-Language": "en"}, "fp.csv", bad.encode())
    assert resp.json["errors"][1]["message"].startswith("unknown customer code")


def test_api_dry_run_roles_and_limits(core: Core, client: FlaskClient, users: Users) -> None:
    add_creditor(core)
    resp = upload(client, users.clerk, "c.csv", CUSTOMERS_CSV.encode(), "?dry_run=true")
    assert resp.status_code == 200 and resp.json["dry_run"] is True
    assert upload(client, users.clerk, "c.csv", CUSTOMERS_CSV.encode()).json["counts"]["customers"]["created"] == 3
    assert upload(client, users.lawyer, "c.csv", CUSTOMERS_CSV.encode()).status_code == 403
    assert upload(client, users.clerk, "c.csv", CUSTOMERS_CSV.encode(), "?kind=stock").status_code == 422
    resp = client.post("/api/v1/imports", headers=users.clerk, data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "file"
    assert client.application.config["MAX_CONTENT_LENGTH"] == core.settings.max_upload_bytes
    client.application.config["MAX_CONTENT_LENGTH"] = 4096  # the cap, scaled down to keep the test small
    resp = upload(client, users.clerk, "big.csv", b"a,b\n" + b"x" * 5000)
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"


def test_cli_import_lists_every_bad_row_and_exits_2(core: Core, runner: Any, tmp_path: Any) -> None:
    add_creditor(core)
    good = tmp_path / "客户.csv"
    good.write_bytes(CUSTOMERS_CSV.encode("gbk"))
    result = runner.invoke(args=["import", str(good), "--dry-run"])
    assert result.exit_code == 0 and "新增 3" in result.output and "未写入" in result.output
    result = runner.invoke(args=["import", str(good)])
    assert result.exit_code == 0, result.output
    assert "未变 3" in runner.invoke(args=["import", str(good)]).output
    bad = tmp_path / "fp.csv"
    bad.write_text(
        "发票号,客户编码,开票日期,到期日,金额\nFP1,C001,2025-06-30,2025-05-01,100\n"
        "FP2,C001,2025-06-30,2025-07-01,abc\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import", str(bad)])
    assert result.exit_code == 2
    assert "第2行" in result.output and "到期日" in result.output and "第3行" in result.output
    assert "金额不是数字" in result.output and "not a number" not in result.output  # one language


def test_a_key_stored_by_a_concurrent_import_is_a_conflict_not_a_500(core: Core, monkeypatch: Any) -> None:
    from workflow.errors import Conflict
    from workflow.ledger.imports.state import Stored

    add_creditor(core)
    importer(core).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    inv = "发票号,客户编码,开票日期,到期日,金额\nFP1,C001,2025-01-01,2025-02-01,10\nFP2,C001,2025-01-01,2025-02-01,20\n"
    importer(core).run(CLERK, "i.csv", inv.encode().replace(b"FP2", b"FPX"))
    before = snapshot(core)
    # the race: our check ran before the other import committed FP1, so it does not see it
    monkeypatch.setattr(Stored, "load_invoices", lambda self, s, keys: None)
    with pytest.raises(Conflict):
        importer(core).run(CLERK, "i.csv", inv.encode())
    assert snapshot(core) == before


# ---------------------------------------------------------------- encodings, control characters, limits


def refused(core: Core, name: str, data: bytes) -> ValidationFailed:
    """A file the reader refuses as a whole: a 422 on the file, nothing written."""
    before = snapshot(core)
    with pytest.raises(ValidationFailed) as exc:
        importer(core).run(CLERK, name, data)
    assert not isinstance(exc.value, ImportRejected)
    assert snapshot(core) == before
    assert exc.value.status == 422 and exc.value.problems[0].field == "file"
    return exc.value


def test_utf8_file_with_one_gbk_row_is_refused_naming_the_row(core: Core) -> None:
    add_creditor(core)
    lines = CUSTOMERS_CSV.splitlines(keepends=True)
    # a clerk pasted row 3 from an old GBK export into a UTF-8 file
    data = (lines[0] + lines[1]).encode() + lines[2].encode("gbk") + lines[3].encode()
    exc = refused(core, "客户.csv", data)
    assert exc.problems[0].code == "mixed_encoding" and exc.extra["line"] == 3
    assert "第 3 行" in exc.problems[0].zh and "line 3" in exc.problems[0].en


def test_gbk_file_with_one_utf8_row_is_refused_naming_the_row(core: Core) -> None:
    add_creditor(core)
    english = "customer_code,legal_name,credit_code,kind\n"
    rows = [
        f"C001,深圳市华星光电技术有限公司,{HUAXING},private_large\n".encode("gbk"),
        f"C002,上海宝钢包装股份有限公司,{cc('91310000132200821')},state_owned\n".encode(),  # UTF-8
        f"C003,杭州娃哈哈食品有限公司,{cc('91330100143055621')},private_small\n".encode("gbk"),
    ]
    exc = refused(core, "customers.csv", english.encode() + b"".join(rows))
    assert exc.problems[0].code == "mixed_encoding" and exc.extra["line"] == 3


def test_bom_with_invalid_utf8_is_refused_naming_the_line(core: Core) -> None:
    add_creditor(core)
    lines = CUSTOMERS_CSV.splitlines(keepends=True)
    data = b"\xef\xbb\xbf" + "".join(lines[:3]).encode() + lines[3].encode("gbk")
    exc = refused(core, "客户.csv", data)
    assert exc.problems[0].code == "invalid_encoding" and exc.extra["line"] == 4


def test_gb18030_file_keeps_its_rare_characters(core: Core) -> None:
    add_creditor(core)
    # 𠮷 (U+20BB7) exists only in GB18030's four-byte range, not in GBK
    data = CUSTOMERS_CSV.replace("杭州娃哈哈食品有限公司", "杭州𠮷祥五金有限公司").encode("gb18030")
    importer(core).run(CLERK, "客户.csv", data)
    with db_session(core) as s:
        assert s.scalar(select(Customer.legal_name).where(Customer.code == "C003")) == "杭州𠮷祥五金有限公司"


def test_nul_byte_in_a_code_is_refused_naming_the_line(core: Core) -> None:
    add_creditor(core)
    data = CUSTOMERS_CSV.replace("C002,", "C0\x0002,").encode()
    exc = refused(core, "客户.csv", data)
    assert exc.problems[0].code == "control_character" and exc.extra["line"] == 3


def test_control_characters_and_line_breaks_in_names_are_refused_per_cell(core: Core) -> None:
    add_creditor(core)
    csv = (
        "客户编码,客户名称,统一社会信用代码,客户类型,备注\n"
        f'C001,"深圳市华星光电\r\n技术有限公司",{HUAXING},大型民营企业,\n'
        f"C002,上海宝钢包装股份有限公司\x07,{BAOSTEEL},国有企业,\n"
        f'C003,杭州娃哈哈食品有限公司,{cc("91330100143055621")},民营中小企业,"月结60天\n对账联系人陈静"\n'
    )
    rows = rejected(core, "客户.csv", csv.encode())
    assert rows == [(2, "客户名称", "control_character"), (3, "客户名称", "control_character")]
    ok = csv.replace("光电\r\n技术", "光电技术").replace("有限公司\x07", "有限公司")
    importer(core).run(CLERK, "客户.csv", ok.encode())
    with db_session(core) as s:  # notes are free text: their line break is kept
        assert s.scalar(select(Customer.notes).where(Customer.code == "C003")) == "月结60天\n对账联系人陈静"


def test_line_break_in_an_xlsx_invoice_number_is_refused(core: Core) -> None:
    add_creditor(core)
    importer(core).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "应收发票"
    ws.append(["发票号", "客户编码", "开票日期", "到期日", "金额"])
    ws.append(["FP2025\n0001", "C001", "2025-06-01", "2025-07-01", 1000])
    ws.append(["FP20250002", "C001", "2025-06-01", "2025-07-01", 2000])
    buf = io.BytesIO()
    wb.save(buf)
    assert rejected(core, "应收台账.xlsx", buf.getvalue()) == [(2, "发票号", "control_character")]


def test_file_name_with_a_line_break_is_refused(core: Core) -> None:
    add_creditor(core)
    exc = refused(core, "客户\r\n.csv", CUSTOMERS_CSV.encode())
    assert exc.problems[0].code == "invalid_filename"


def test_a_huge_error_list_is_capped_with_the_total(core: Core) -> None:
    add_creditor(core)
    importer(core).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    lines = ["发票号,客户编码,开票日期,到期日,金额"]
    lines += [f"FP{k:05d},C404,2025-06-01,2025-05-01,1000" for k in range(1500)]  # two problems a row
    before = snapshot(core)
    with pytest.raises(ImportRejected) as exc:
        importer(core).run(CLERK, "应收发票.csv", "\n".join(lines).encode())
    assert snapshot(core) == before
    assert len(exc.value.rows) == 1000 and exc.value.problem_count == 3000 and exc.value.bad_rows == 1500
    assert exc.value.rows[0].row == 2 and exc.value.rows[-1].row == 501
    assert "1500" in exc.value.zh and "3000" in exc.value.en


def _workbook_with_cell(value: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    ws.append(["客户编码", "客户名称", "统一社会信用代码", "备注"])
    ws.append(["C001", "深圳市华星光电技术有限公司", HUAXING, value])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_cell_longer_than_excel_allows_is_refused(core: Core) -> None:
    add_creditor(core)
    exc = refused(core, "客户.xlsx", _workbook_with_cell("质保金条款" * 7000))  # 35,000 characters
    assert exc.problems[0].code == "cell_too_long" and "32,767" in exc.problems[0].en


def _workbook_with_enormous_cell(chars: int, letters: bytes = b"A") -> bytes:
    """What no spreadsheet program writes (openpyxl itself cuts a cell at 32,767 characters): the
    workbook's sheet XML rewritten with one cell of ``chars`` characters."""
    source = zipfile.ZipFile(io.BytesIO(_workbook_with_cell("PLACEHOLDER")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/sharedStrings.xml" or b"PLACEHOLDER" in body:
                body = body.replace(b"PLACEHOLDER", (letters * (chars // len(letters) + 1))[:chars])
            zf.writestr(info.filename, body)
    return out.getvalue()


def test_xlsx_with_one_enormous_cell_is_refused_before_it_is_parsed(core: Core) -> None:
    add_creditor(core)
    data = _workbook_with_enormous_cell(30_000_000)  # 30 MB of text in a ~30 KB file: a zip bomb
    assert len(data) < 100_000
    assert refused(core, "客户.xlsx", data).problems[0].code == "zip_bomb"
    # a cell that does not compress well stays under the ratio, and is refused by its length
    noise = bytes(random.Random(7).choices(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", k=4096))
    exc = refused(core, "客户.xlsx", _workbook_with_enormous_cell(2_000_000, noise))
    assert exc.problems[0].code == "cell_too_long"


def test_xlsx_over_the_row_limit_is_refused(core: Core, monkeypatch: Any) -> None:
    from workflow.ledger.imports import read

    add_creditor(core)
    monkeypatch.setattr(read, "MAX_ROWS", 2)  # the limit, scaled down to keep the test small
    exc = refused(core, "应收台账.xlsx", ledger_workbook())
    assert exc.problems[0].code == "too_many_rows"
    exc = refused(core, "客户.csv", CUSTOMERS_CSV.encode())
    assert exc.problems[0].code == "too_many_rows"


def test_api_refuses_bad_encodings_and_control_characters_with_422(
    core: Core, client: FlaskClient, users: Users
) -> None:
    add_creditor(core)
    lines = CUSTOMERS_CSV.splitlines(keepends=True)
    bom_gbk = b"\xef\xbb\xbf" + "".join(lines[:3]).encode() + lines[3].encode("gbk")
    resp = upload(client, users.clerk, "客户.csv", bom_gbk)
    assert resp.status_code == 422 and resp.json["line"] == 4
    assert resp.json["errors"][0]["code"] == "invalid_encoding"
    resp = upload(client, users.clerk, "客户.xlsx", _workbook_with_enormous_cell(3_000_000))
    assert resp.status_code == 422 and resp.json["errors"][0]["code"] in ("zip_bomb", "cell_too_long")


def test_the_import_commits_only_with_its_unit_of_work(core: Core) -> None:
    add_creditor(core)
    before = snapshot(core)
    with pytest.raises(RuntimeError), core.unit_of_work(CLERK) as uow:
        result = core.services.importer.run(uow, "客户.csv", CUSTOMERS_CSV.encode())
        assert result.counts["customers"].created == 3
        raise RuntimeError("a later step of the same use case failed")
    assert snapshot(core) == before  # customers and audit entry went with it
