"""Writing reports as JSON, CSV (UTF-8 with BOM, so Excel on a Chinese Windows opens it right) and XLSX.

Headers are bilingual ("客户编码 / Customer code") so one file serves both readers. Amounts are
written as exact decimal text in CSV and as numbers with two decimals in XLSX.

Every cell of every spreadsheet file goes through ``cell_value``: text a spreadsheet would take for
a formula (a customer called ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0``) is neutralised as the
OWASP CSV-injection guidance says, by a leading apostrophe, and XLSX stores all text as text, never
as a formula. Numbers stay numbers: a negative amount is a number, not text that starts with "-".
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from workflow.accounts.models import Role
from workflow.ledger.aging import BUCKETS, AgingReport, aging_report
from workflow.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# what makes Excel, LibreOffice or Sheets evaluate a cell (OWASP "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

REPORT_READERS = (Role.CLERK, Role.LEGAL, Role.ADMIN)


def cell_value(value: Any) -> Any:
    """A value as it may go into a spreadsheet cell: text that would start a formula gets a leading
    apostrophe; numbers, dates and empty cells are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM and CRLF; Decimals as exact text, never in exponent form."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        w.writerow([format(v, "f") if isinstance(v, Decimal) else cell_value(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode()


def xlsx_append(ws: Worksheet, row: Sequence[Any]) -> int:
    """Append a row and return its number. Text cells are typed as text: openpyxl stores any string
    starting with "=" as a live formula."""
    ws.append([cell_value(v) for v in row])
    r = ws.max_row
    for cell in ws[r]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
    return r


def _head(zh: str, en: str) -> str:
    return f"{zh} / {en}"


AGING_HEAD = [
    _head("客户编码", "Customer code"),
    _head("客户名称", "Customer"),
    _head("币种", "Currency"),
    *(_head(b.zh, b.en) for b in BUCKETS),
    _head("合计", "Total"),
    _head("逾期合计", "Overdue"),
    _head("发票数", "Invoices"),
    _head("未核销收款", "Unapplied cash"),
]


def aging_rows(report: AgingReport) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for line in report.lines:
        rows.append(
            [
                line.customer_code,
                line.customer_name,
                line.currency,
                *(line.buckets[b.key] for b in BUCKETS),
                line.total,
                line.overdue,
                line.invoices,
                line.unapplied_cash,
            ]
        )
    for cur in sorted(report.totals):
        t = report.totals[cur]
        rows.append(
            [
                "",
                f"合计 / Total ({t.customers})",
                cur,
                *(t.buckets[b.key] for b in BUCKETS),
                t.total,
                t.total - t.buckets["not_due"],
                t.invoices,
                t.unapplied_cash,
            ]
        )
    return rows


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def aging_csv(report: AgingReport) -> bytes:
    rows: list[Sequence[Any]] = [[_head("截至日期", "As of"), report.as_of.isoformat()], AGING_HEAD]
    rows += aging_rows(report)
    rows += [[_head("已核销坏账", "Written off"), cur, report.totals[cur].written_off] for cur in sorted(report.totals)]
    return csv_bytes(rows)


def aging_xlsx(report: AgingReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "账龄分析 Aging"
    xlsx_append(ws, [_head("截至日期", "As of"), report.as_of])
    head = xlsx_append(ws, AGING_HEAD)
    for cell in ws[head]:
        cell.font = Font(bold=True)
    money_cols = [*range(4, 4 + len(BUCKETS) + 2), len(AGING_HEAD)]
    for row in aging_rows(report):
        r = xlsx_append(ws, row)
        for i in money_cols:
            ws.cell(r, i).number_format = "#,##0.00"
    ws.cell(1, 2).number_format = "yyyy-mm-dd"
    ws.column_dimensions["B"].width = 36
    ws.freeze_panes = "D3"
    totals = wb.create_sheet("币种汇总 Totals")
    xlsx_append(
        totals,
        [
            _head("币种", "Currency"),
            *(_head(b.zh, b.en) for b in BUCKETS),
            _head("合计", "Total"),
            _head("已核销坏账", "Written off"),
            _head("未核销收款", "Unapplied cash"),
        ],
    )
    for cur in sorted(report.totals):
        t = report.totals[cur]
        xlsx_append(totals, [cur, *(t.buckets[b.key] for b in BUCKETS), t.total, t.written_off, t.unapplied_cash])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def aging_file(uow: UnitOfWork, fmt: Literal["csv", "xlsx"], as_of: date, *, currency: str | None = None,
               creditor_id: int | None = None) -> bytes:
    """The aging report as a file. A file of every customer's balance leaves the system, so the
    download is recorded in the audit log, in the same transaction, like any other."""
    uow.require(REPORT_READERS, "无权导出报表", "You may not export reports")
    report = aging_report(uow.session, as_of, currency=currency, creditor_id=creditor_id)
    uow.audit("report.download", "report", "aging", None,
              {"format": fmt, "as_of": as_of, "currency": currency, "creditor_id": creditor_id})
    return aging_csv(report) if fmt == "csv" else aging_xlsx(report)
