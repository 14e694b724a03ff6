"""Writing reports as JSON, CSV (UTF-8 with BOM, so Excel on a Chinese Windows opens it right) and XLSX.

Headers are bilingual ("客户编码 / Customer code") so one file serves both readers. Amounts are
written as exact decimal text in CSV and as numbers with two decimals in XLSX.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from workflow.ledger.aging import BUCKETS, AgingReport


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
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([_head("截至日期", "As of"), report.as_of.isoformat()])
    w.writerow(AGING_HEAD)
    for row in aging_rows(report):
        w.writerow([format(v, "f") if isinstance(v, Decimal) else v for v in row])
    for cur in sorted(report.totals):
        w.writerow([_head("已核销坏账", "Written off"), cur, format(report.totals[cur].written_off, "f")])
    return ("\ufeff" + buf.getvalue()).encode()


def aging_xlsx(report: AgingReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "账龄分析 Aging"
    ws.append([_head("截至日期", "As of"), report.as_of])
    ws.append(AGING_HEAD)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    money_cols = range(4, 4 + len(BUCKETS) + 2)
    for row in aging_rows(report):
        ws.append(row)
        for i in money_cols:
            ws.cell(ws.max_row, i).number_format = "#,##0.00"
        ws.cell(ws.max_row, len(AGING_HEAD)).number_format = "#,##0.00"
    ws.cell(1, 2).number_format = "yyyy-mm-dd"
    ws.column_dimensions["B"].width = 36
    ws.freeze_panes = "D3"
    totals = wb.create_sheet("币种汇总 Totals")
    totals.append(
        [
            _head("币种", "Currency"),
            *(_head(b.zh, b.en) for b in BUCKETS),
            _head("合计", "Total"),
            _head("已核销坏账", "Written off"),
            _head("未核销收款", "Unapplied cash"),
        ]
    )
    for cur in sorted(report.totals):
        t = report.totals[cur]
        totals.append([cur, *(t.buckets[b.key] for b in BUCKETS), t.total, t.written_off, t.unapplied_cash])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
