"""The column-wise invoice check must say and plan exactly what the per-row checker says and plans."""

from __future__ import annotations

import gc
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.ledger.test_import import CLERK, CUSTOMERS_CSV, add_creditor, db_session, importer, snapshot
from workflow.core import Core
from workflow.ledger.imports import Importer, ImportRejected
from workflow.ledger.imports.columns import check_invoices
from workflow.ledger.imports.plan import Plan, rows_of
from workflow.ledger.imports.read import read_file
from workflow.ledger.imports.rows import Checker
from workflow.ledger.imports.schema import Kind, map_headers
from workflow.ledger.imports.state import Stored
from workflow.ledger.models import Invoice

MESSY = (
    "发票号,客户编码,合同编号,开票日期,到期日,金额,币种,摘要\n"
    'FP001,C001,HT-2025-001,2025-06-30,2025-07-30,"12,000.00",CNY,伺服电机\n'  # clean, with its contract
    "FP002,C001,,2025/6/30,2025年7月30日,800,rmb,\n"  # clean: other date styles, RMB
    "FP003,C001,,2025-06-30,2025-07-30,１，０００．５０,CNY,全角金额\n"  # full width: careful path accepts
    "FP004,C001,,2025-06-30,2025-07-30,¥1200.00,人民币,\n"  # yen sign: careful path accepts
    "FP001,C002,,2025-06-30,2025-07-30,100.00,CNY,\n"  # duplicate of row 2
    "FP006,C002,HT-2025-001,2025-06-30,2025-07-30,100.00,CNY,\n"  # contract of another customer
    "FP007,C001,HT-404,2025-06-30,2025-07-30,100.00,CNY,\n"  # unknown contract
    "FP008,C001,,2025-06-30,2025-05-30,100.00,CNY,\n"  # due before issue
    "FP009,C001,,2025-06-30,2025-07-30,1.005,CNY,\n"  # three decimals
    "FP010,C001,,2025-06-30,2025-07-30,0,CNY,\n"  # zero
    "FP011,C009,,2025-06-30,2025-07-30,100.00,CNY,\n"  # unknown customer
    "FP012,C001,,2025-06-31,2025-07-30,100.00,USD,\n"  # no such date
    f"{'X' * 65},C001,,2025-06-30,2025-07-30,100.00,CNY,\n"  # number too long
    "FP014,C001\n"  # a short row
    "FP015,C003,,20250630,20250830,99.9,usd,含税\n"  # clean: compact dates, lower-case currency
    "FP100,C002,,2025-06-01,2025-07-01,300.00,CNY,\n"  # stored and part-paid by C001: cannot move
    "FP101,C001,,2025-06-01,2025-07-01,350.00,CNY,\n"  # stored, 400 paid: cannot drop below
    "FP102,C001,,2025-06-01,2025-07-01,500.00,CNY,改了摘要\n"  # stored, changed description
    "FP102,C001,,2025-06-01,2025-07-01,500.00,CNY,\n"  # duplicate of a stored number
)


def seeded(core: Core) -> None:
    add_creditor(core)
    importer(core).run(CLERK, "c.csv", CUSTOMERS_CSV.encode())
    importer(core).run(CLERK, "合同.csv", "合同编号,客户编码\nHT-2025-001,C001\n".encode())
    stored = (
        "发票号,客户编码,开票日期,到期日,金额\n"
        "FP100,C001,2025-06-01,2025-07-01,300.00\n"
        "FP101,C001,2025-06-02,2025-07-01,400.00\n"
        "FP102,C001,2025-06-01,2025-07-01,500.00\n"
    )
    importer(core).run(CLERK, "i.csv", stored.encode())
    payment = (
        "银行流水号,客户编码,付款日期,金额,核销发票号\nB1,C001,2025-07-05,100,FP100\nB2,C001,2025-07-05,400,FP101\n"
    )
    importer(core).run(CLERK, "p.csv", payment.encode())


def checked(core: Core, data: bytes, column_wise: bool) -> tuple[list[Any], list[Any]]:
    sheet = read_file("应收发票.csv", data)[0]
    colmap = map_headers(Kind.INVOICES, sheet.headers)
    with db_session(core) as s:
        stored = Stored()
        stored.load_base(s)
        stored.load_contracts(s, Importer._keys(stored, [(sheet, colmap)], "contract_number"))
        stored.load_invoices(s, Importer._keys(stored, [(sheet, colmap)], "invoice_number"))
    plan = Plan()
    checker = Checker(plan, stored)
    if column_wise:
        check_invoices(checker, plan, sheet, colmap)
    else:
        for row in rows_of(plan, sheet, colmap):
            checker.invoice(row)
    planned = [(p.key, p.row, p.values, p.existing_id, p.changed) for p in plan.items[Kind.INVOICES]]
    return [p.as_dict() for p in plan.problems], planned


def test_column_wise_check_matches_the_row_checker_on_a_messy_sheet(core: Core) -> None:
    seeded(core)
    data = MESSY.encode("gb18030")
    problems, planned = checked(core, data, column_wise=True)
    assert (problems, planned) == checked(core, data, column_wise=False)
    assert {(p["row"], p["column"], p["code"]) for p in problems} == {
        (6, "发票号", "duplicate_in_file"),
        (7, "合同编号", "contract_customer_mismatch"),
        (8, "合同编号", "unknown_contract"),
        (9, "到期日", "due_before_issue"),
        (10, "金额", "invalid_amount"),
        (11, "金额", "invalid_amount"),
        (12, "客户编码", "unknown_customer"),
        (13, "开票日期", "invalid_date"),
        (14, "发票号", "too_long"),
        (15, "开票日期", "required"),
        (15, "到期日", "required"),
        (15, "金额", "required"),
        (17, "客户编码", "settled_invoice_moved"),
        (18, "金额", "below_settled"),
        (20, "发票号", "duplicate_in_file"),
    }
    by_number = {key[1]: (values, existing, changed) for key, _, values, existing, changed in planned}
    assert set(by_number) == {"FP001", "FP002", "FP003", "FP004", "FP015", "FP102"}
    assert by_number["FP001"][0]["amount"] == Decimal("12000.00")
    assert by_number["FP002"][0]["currency"] == "CNY"
    assert by_number["FP003"][0]["amount"] == Decimal("1000.50")
    assert (by_number["FP015"][0]["amount"], by_number["FP015"][0]["currency"]) == (Decimal("99.90"), "USD")
    assert by_number["FP102"][1] is not None and by_number["FP102"][2] is True


def test_a_large_file_with_one_bad_row_names_it_and_writes_nothing(core: Core) -> None:
    seeded(core)
    lines = ["发票号,客户编码,开票日期,到期日,金额,币种"]
    lines += [
        f'FP{k:05d},C00{1 + k % 3},2025/6/{1 + k % 28},2025-08-{1 + k % 28:02d},"{1000 + k:,}.50",CNY'
        for k in range(3000)
    ]
    lines[1501] = "FP01500,C001,2025-06-01,2025-08-01,1.234,CNY"
    before = snapshot(core)
    with pytest.raises(ImportRejected) as exc:
        importer(core).run(CLERK, "应收发票.csv", "\n".join(lines).encode())
    assert [(p.row, p.column, p.code) for p in exc.value.rows] == [(1502, "金额", "invalid_amount")]
    assert snapshot(core) == before
    lines[1501] = "FP01500,C001,2025-06-01,2025-08-01,1.23,CNY"
    data = "\n".join(lines).encode()
    assert importer(core).run(CLERK, "应收发票.csv", data).counts["invoices"].created == 3000
    assert importer(core).run(CLERK, "应收发票.csv", data).counts["invoices"].unchanged == 3000
    expected = sum(Decimal(f"{1000 + k}.50") for k in range(3000) if k != 1500) + Decimal("1.23") + 1200
    with db_session(core) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 3003
        assert sum(s.scalars(select(Invoice.amount))) == expected


def test_an_import_leaves_the_collector_and_the_page_cache_as_it_found_them(core: Core) -> None:
    seeded(core)  # four good imports
    with pytest.raises(ImportRejected):
        importer(core).run(CLERK, "应收发票.csv", MESSY.encode("gb18030"))
    assert gc.isenabled()
    pool = core.db.engine.pool
    with core.db.engine.connect() as conn:  # the one pooled connection every import used
        assert pool.checkedin() == 0
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -2000  # SQLite's default


def test_invoices_read_a_slice_at_a_time_report_and_write_the_same(any_db: Core, monkeypatch: Any) -> None:
    from workflow.ledger import imports

    seeded(any_db)
    data = MESSY.encode("gb18030")
    with pytest.raises(ImportRejected) as whole:
        importer(any_db).run(CLERK, "应收发票.csv", data)
    before = snapshot(any_db)
    monkeypatch.setattr(imports, "SLICE_ROWS", 3)  # FP001 (rows 2 and 6) and FP102 (19, 20) in other slices
    with pytest.raises(ImportRejected) as sliced:
        importer(any_db).run(CLERK, "应收发票.csv", data)
    assert [p.as_dict() for p in sliced.value.rows] == [p.as_dict() for p in whole.value.rows]
    assert (sliced.value.bad_rows, sliced.value.problem_count) == (whole.value.bad_rows, whole.value.problem_count)
    assert snapshot(any_db) == before  # the slices written before the bad ones are undone

    # a clean workbook: invoices over four slices, a payment naming one from the first slice
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    ws = wb.create_sheet("应收发票")
    ws.append(["发票号", "客户编码", "开票日期", "到期日", "金额"])
    for k in range(10):
        ws.append([f"FP2025{k:04d}", "C002", "2025-06-01", f"2025-07-{1 + k:02d}", 1000 + k])
    pays = wb.create_sheet("收款")
    pays.append(["银行流水号", "客户编码", "付款日期", "金额", "核销发票号"])
    pays.append(["B202507150001", "C002", "2025-07-15", 1500, "FP20250001"])
    buf = io.BytesIO()
    wb.save(buf)
    result = importer(any_db).run(CLERK, "应收台账.xlsx", buf.getvalue())
    assert result.counts["invoices"].created == 10 and result.allocations == 2
    with db_session(any_db) as s:
        paid = dict(
            s.execute(
                select(Invoice.number, Invoice.paid_amount).where(
                    Invoice.paid_amount > Decimal(0), Invoice.number.like("FP2025%")
                )
            ).all()
        )
    # the named invoice first (1,001.00), the rest by 民法典 560 to the one due first (FP20250000)
    assert paid == {"FP20250001": Decimal("1001.00"), "FP20250000": Decimal("499.00")}
    again = importer(any_db).run(CLERK, "应收台账.xlsx", buf.getvalue())
    assert not again.changed and again.counts["invoices"].unchanged == 10
