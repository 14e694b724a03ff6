"""The aging report and the KPIs, against figures computed by hand."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import Users
from tests.ledger.books import Books, reading
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.ledger.aging import BUCKET_KEYS, aging_report, bucket_of
from workflow.ledger.kpi import kpis

TODAY = date(2026, 11, 26)  # the fixed test clock's date in Shanghai
D = Decimal


BOUNDARIES = [  # (days overdue, amount, expected bucket)
    (-5, "100", "not_due"),
    (0, "101", "not_due"),
    (1, "110", "d1_30"),
    (30, "130", "d1_30"),
    (31, "131", "d31_60"),
    (60, "160", "d31_60"),
    (61, "161", "d61_90"),
    (90, "190", "d61_90"),
    (91, "191", "d91_180"),
    (180, "280", "d91_180"),
    (181, "281", "d181_365"),
    (365, "465", "d181_365"),
    (366, "466", "y1_2"),
    (730, "830", "y1_2"),
    (731, "831", "over_2y"),
]


def test_bucket_boundaries_by_hand(any_db: Core) -> None:
    books = Books(any_db)
    books.customer("C001", "深圳市华星光电技术有限公司")
    for days, amount, expected in BOUNDARIES:
        assert bucket_of(days) == expected
        due = TODAY - timedelta(days=days)
        books.invoice("C001", min(due - timedelta(days=30), TODAY), due, amount)
    with reading(any_db) as s:
        report = aging_report(s, TODAY)
    line = report.lines[0]
    assert {k: str(v) for k, v in line.buckets.items()} == {
        "not_due": "201.00",
        "d1_30": "240.00",
        "d31_60": "291.00",
        "d61_90": "351.00",
        "d91_180": "471.00",
        "d181_365": "746.00",
        "y1_2": "1296.00",
        "over_2y": "831.00",
    }
    assert line.total == D("4427.00") and line.overdue == D("4226.00") and line.invoices == 15
    assert report.method == "maintained_totals"
    assert report.totals["CNY"].share("y1_2") == D("29.27")


def test_as_of_in_the_past_ignores_later_payments_credits_and_invoices(any_db: Core) -> None:
    books = Books(any_db)
    books.customer("C001", "深圳市华星光电技术有限公司")
    books.customer("C002", "上海宝钢包装股份有限公司")
    a = books.invoice("C001", date(2026, 1, 10), date(2026, 2, 9), "1000.00")
    books.pay(a, date(2026, 3, 1), "400.00")
    books.credit(a, date(2026, 9, 1), "100.00")
    books.pay(a, date(2026, 10, 1), "500.00")
    books.invoice("C001", date(2026, 7, 1), date(2026, 7, 31), "2000.00")  # issued after the past as-of
    books.invoice("C002", date(2025, 1, 5), date(2025, 2, 4), "777.00", written_off=True)
    books.invoice("C002", date(2026, 5, 1), date(2026, 6, 15), "5000.00", currency="USD")
    with reading(any_db) as s:
        past = aging_report(s, date(2026, 6, 30))
        now = aging_report(s, TODAY)
        cny_only = aging_report(s, TODAY, currency="CNY")
    assert past.method == "historical"
    by_cur = {(ln.customer_code, ln.currency): ln for ln in past.lines}
    # 2026-06-30 − 2026-02-09 = 141 days overdue; 1000 − 400 paid by then; later cash and credit unseen
    assert by_cur[("C001", "CNY")].buckets["d91_180"] == D("600.00")
    assert by_cur[("C001", "CNY")].total == D("600.00")
    assert by_cur[("C002", "USD")].buckets["d1_30"] == D("5000.00")  # 15 days overdue
    assert past.totals["CNY"].written_off == D("777.00")
    assert set(past.totals) == {"CNY", "USD"}
    # today: invoice A is settled (900 paid + 100 credited), the July invoice is 118 days overdue
    now_cny = {ln.customer_code: ln for ln in now.lines if ln.currency == "CNY"}
    assert now_cny["C001"].buckets["d91_180"] == D("2000.00") and now_cny["C001"].invoices == 1
    assert "C002" not in now_cny  # only the written-off invoice: not aged
    assert set(cny_only.totals) == {"CNY"}


def test_movements_after_the_date_are_not_seen_even_when_the_date_is_today(any_db: Core) -> None:
    books = Books(any_db)
    books.customer("C001", "深圳市华星光电技术有限公司")
    a = books.invoice("C001", date(2026, 8, 1), date(2026, 8, 31), "880.50")
    books.pay(a, date(2026, 9, 15), "80.50")
    books.credit(a, date(2026, 9, 20), "100.00")
    with reading(any_db) as s:
        before = aging_report(s, TODAY)
    # 880.50 − 80.50 − 100.00 = 700.00, 2026-11-26 − 2026-08-31 = 87 days overdue
    assert before.method == "maintained_totals" and before.lines[0].buckets["d61_90"] == D("700.00")
    books.pay(a, TODAY + timedelta(days=1), "200.00")  # dated tomorrow: not received today
    with reading(any_db) as s:
        today = aging_report(s, TODAY)
        tomorrow = aging_report(s, TODAY + timedelta(days=1))
    assert today.method == "historical" and today.lines[0].buckets["d61_90"] == D("700.00")
    assert tomorrow.lines[0].buckets["d61_90"] == D("500.00")  # 88 days overdue, 200 received that day


def written_off_books(core: Core) -> None:
    """W1 is written off with a payment and a credit note after 2025-12-31; W2 is written off but
    issued after that date; L is a live invoice paid in part after it."""
    books = Books(core)
    books.customer("C001", "深圳市华星光电技术有限公司")
    w1 = books.invoice("C001", date(2025, 1, 10), date(2025, 2, 9), "1000.00", written_off=True)
    books.pay(w1, date(2025, 6, 1), "300.00")
    books.credit(w1, date(2026, 3, 1), "200.00")
    books.pay(w1, date(2026, 8, 1), "150.00")
    books.invoice("C001", date(2026, 2, 1), date(2026, 3, 3), "400.00", written_off=True)
    live = books.invoice("C001", date(2025, 11, 1), date(2025, 12, 1), "2000.00")
    books.pay(live, date(2026, 1, 15), "500.00")


def test_written_off_as_of_a_date_is_one_figure_in_aging_and_kpis(any_db: Core) -> None:
    """The ledger records that an invoice is written off, not when; the bad debt on a date is what
    the written-off invoices owed on that date, in both reports."""
    written_off_books(any_db)
    with reading(any_db) as s:
        aging_past, kpi_past = aging_report(s, date(2025, 12, 31)), kpis(s, date(2025, 12, 31), 365)
        aging_now, kpi_now = aging_report(s, TODAY), kpis(s, TODAY, 365)
    # on 2025-12-31: W1 owed 1000 − 300 (the credit note and the 150 came later); W2 did not exist;
    # L owed all 2000, 2025-12-31 − 2025-12-01 = 30 days overdue
    assert aging_past.totals["CNY"].written_off == D("700.00")
    assert aging_past.lines[0].buckets["d1_30"] == D("2000.00") and aging_past.lines[0].total == D("2000.00")
    past = kpi_past["currencies"][0]
    assert past["inputs"]["written_off"] == "700.00" and past["inputs"]["receivables_end"] == "2000.00"
    assert past["bad_debt_rate_percent"] == "25.93"  # 700 / (2000 + 700)
    # today: W1 owes 1000 − 300 − 200 − 150 = 350, W2 400; L owes 1500, 360 days overdue
    assert aging_now.totals["CNY"].written_off == D("750.00")
    assert aging_now.lines[0].buckets["d181_365"] == D("1500.00")
    now = kpi_now["currencies"][0]
    assert now["inputs"]["written_off"] == "750.00" and now["inputs"]["receivables_end"] == "1500.00"
    assert now["bad_debt_rate_percent"] == "33.33"  # 750 / (1500 + 750)


def test_unapplied_cash_as_of_a_past_date(any_db: Core) -> None:
    """A prepayment received 2026-03-01 and later allocated to an invoice issued 2026-04-01 was
    unapplied cash until that invoice existed."""
    books = Books(any_db)
    books.customer("C001", "深圳市华星光电技术有限公司")
    prepaid = books.receive("C001", date(2026, 3, 1), "5000.00")
    invoice = books.invoice("C001", date(2026, 4, 1), date(2026, 5, 1), "3000.00")
    books.allocate(prepaid, invoice, "3000.00")
    books.receive("C001", date(2026, 9, 1), "800.00")
    books.invoice("C001", date(2026, 2, 1), date(2026, 3, 3), "100.00")  # so the customer has a line
    with reading(any_db) as s:
        cash = {d: aging_report(s, d) for d in (date(2026, 3, 31), date(2026, 6, 30), date(2026, 8, 31), TODAY)}
    # 2026-03-31: all 5000 (the invoice it paid was not issued yet); 2026-06-30 and 2026-08-31:
    # 5000 − 3000; today: 2000 + the 800 received 2026-09-01
    expected = {date(2026, 3, 31): "5000.00", date(2026, 6, 30): "2000.00", date(2026, 8, 31): "2000.00",
                TODAY: "2800.00"}
    for day, amount in expected.items():
        assert cash[day].totals["CNY"].unapplied_cash == D(amount), day
        assert cash[day].lines[0].unapplied_cash == D(amount), day
    # the invoice the prepayment paid is settled from its issue date on: never in the buckets
    assert cash[date(2026, 6, 30)].lines[0].total == D("100.00")


def test_kpis_by_hand(any_db: Core) -> None:
    books = Books(any_db)
    books.customer("C001", "深圳市华星光电技术有限公司")
    x = books.invoice("C001", date(2026, 3, 1), date(2026, 3, 31), "1000.00")
    books.pay(x, date(2026, 3, 20), "1000.00")  # on time, 19 days after issue
    y = books.invoice("C001", date(2026, 6, 1), date(2026, 7, 1), "3000.00")
    books.pay(y, date(2026, 8, 10), "1000.00")  # late, 70 days after issue
    books.invoice("C001", date(2025, 10, 1), date(2025, 10, 31), "2000.00")  # before the period
    books.invoice("C001", date(2024, 1, 1), date(2024, 1, 31), "500.00", written_off=True)
    with reading(any_db) as s:
        data = kpis(s, TODAY, 365)
    assert data["period"] == {"from": "2025-11-27", "to": "2026-11-26"}
    k = data["currencies"][0]
    assert k["inputs"]["net_sales"] == "4000.00"
    assert k["inputs"]["receivables_start"] == "2000.00" and k["inputs"]["receivables_end"] == "4000.00"
    assert k["dso_days"] == "365.0"  # 4000 / 4000 × 365
    assert k["receivables_turnover"] == "1.33"  # 4000 / ((2000 + 4000) / 2)
    assert k["on_time_collection_rate_percent"] == "25.00"  # 1000 of the 4000 due in the period
    assert k["bad_debt_rate_percent"] == "11.11"  # 500 / (4000 + 500)
    assert k["average_collection_period_days"] == "44.5"  # (1000×19 + 1000×70) / 2000
    assert "DSO" in data["formulas"]["dso"]["en"] and "回款及时率" in data["formulas"]["on_time_collection_rate"]["zh"]


# ---------------------------------------------------------------- API and CLI


def small_books(core: Core) -> None:
    books = Books(core)
    books.customer("C001", "深圳市华星光电技术有限公司")
    books.invoice("C001", date(2026, 9, 1), date(2026, 10, 1), "12345.60")
    books.invoice("C001", date(2024, 9, 1), date(2024, 10, 1), "100.00")


def test_aging_api_formats(core: Core, client: FlaskClient, users: Users) -> None:
    small_books(core)
    resp = client.get("/api/v1/reports/aging", headers=users.clerk)
    assert resp.status_code == 200
    body: dict[str, Any] = resp.json
    assert body["as_of"] == "2026-11-26" and [b["key"] for b in body["buckets"]] == list(BUCKET_KEYS)
    assert body["customers"][0]["buckets"]["d31_60"] == "12345.60"
    assert body["totals"][0]["buckets"]["over_2y"] == "100.00"
    # the file formats are the audited download, a writing request of its own
    moved = client.get("/api/v1/reports/aging?format=csv&as_of=2026-11-26", headers=users.clerk)
    assert moved.status_code == 307
    assert moved.headers["Location"].endswith("/api/v1/reports/aging/file?format=csv&as_of=2026-11-26")
    csv = client.get("/api/v1/reports/aging?format=csv&as_of=2026-11-26", headers=users.clerk, follow_redirects=True)
    assert csv.mimetype == "text/csv" and csv.data.startswith(b"\xef\xbb\xbf")
    text = csv.data.decode("utf-8-sig")
    assert "客户编码 / Customer code" in text and "12345.60" in text
    xlsx = client.get("/api/v1/reports/aging/file?format=xlsx", headers=users.legal)
    ws = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    assert ws.cell(3, 1).value == "C001" and ws.cell(3, 6).value == pytest.approx(12345.6)
    with reading(core) as s:  # the two file downloads are in the audit log, the JSON view is not
        downloads = s.scalars(select(AuditEntry).where(AuditEntry.action == "report.download")).all()
        assert [(d.actor, d.after["format"]) for d in downloads] == [("clerk1", "csv"), ("legal1", "xlsx")]
    assert client.get("/api/v1/reports/aging", headers=users.lawyer).status_code == 403
    assert client.get("/api/v1/reports/aging/file", headers=users.lawyer).status_code == 403
    bad = client.get("/api/v1/reports/aging?as_of=2026-13-01&format=pdf", headers=users.clerk)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"query.as_of", "query.format"}
    assert client.get("/api/v1/reports/aging/file?format=json", headers=users.clerk).status_code == 422
    kp = client.get("/api/v1/reports/kpis?period_days=90", headers=users.admin)
    assert kp.status_code == 200 and kp.json["period_days"] == 90


def test_cli_reports(core: Core, runner: Any, tmp_path: Any) -> None:
    small_books(core)
    table = runner.invoke(args=["report", "aging"])
    assert table.exit_code == 0, table.output
    assert "C001" in table.output and "12,345.60" in table.output
    out = tmp_path / "aging.xlsx"
    assert runner.invoke(args=["report", "aging", "--format", "xlsx", "--out", str(out)]).exit_code == 0
    assert load_workbook(out).worksheets[1].cell(2, 1).value == "CNY"
    past = runner.invoke(args=["report", "aging", "--as-of", "2026-09-30", "--format", "json"])
    assert '"as_of": "2026-09-30"' in past.output and "12345.60" in past.output  # not due then
    assert runner.invoke(args=["report", "aging", "--as-of", "30/09/2026"]).exit_code == 2
    # one of our entities only: the books' creditor has the invoices, another has none
    ours = runner.invoke(args=["report", "aging", "--format", "json", "--creditor-id", "1"])
    other = runner.invoke(args=["report", "aging", "--format", "json", "--creditor-id", "2"])
    assert "12345.60" in ours.output and "C001" not in other.output
    kp = runner.invoke(args=["report", "kpis", "--period-days", "180"])
    assert kp.exit_code == 0 and '"period_days": 180' in kp.output
