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
from tests.ledger.test_import import add_creditor, cc
from workflow.audit.models import AuditEntry
from workflow.core import Core
from workflow.ledger.aging import BUCKET_KEYS, aging_report, bucket_of
from workflow.ledger.kpi import kpis
from workflow.ledger.models import Allocation, CreditNote, Customer, Invoice, Payment

TODAY = date(2026, 11, 26)  # the fixed test clock's date in Shanghai
D = Decimal


class Books:
    """Writes ledger rows with their maintained totals kept right, as the services do."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.creditor = add_creditor(core)
        self.customers: dict[str, int] = {}
        self.seq = 0

    def customer(self, code: str, name: str, first17: str) -> int:
        with self.core.db.session() as s:
            c = Customer(
                code=code,
                legal_name=name,
                credit_code=cc(first17),
                kind="private_large",
                created_at=self.core.clock.now(),
            )
            s.add(c)
            s.flush()
            self.customers[code] = c.id
            return c.id

    def invoice(
        self, code: str, issue: date, due: date, amount: str, currency: str = "CNY", written_off: bool = False
    ) -> int:
        self.seq += 1
        with self.core.db.session() as s:
            inv = Invoice(
                creditor_id=self.creditor,
                customer_id=self.customers[code],
                number=f"FP{self.seq:05d}",
                issue_date=issue,
                due_date=due,
                amount=D(amount),
                currency=currency,
                written_off=written_off,
                created_at=self.core.clock.now(),
            )
            s.add(inv)
            s.flush()
            return inv.id

    def pay(self, invoice_id: int, when: date, amount: str) -> None:
        self.seq += 1
        with self.core.db.session() as s:
            inv = s.get(Invoice, invoice_id)
            assert inv is not None
            p = Payment(
                creditor_id=self.creditor,
                customer_id=inv.customer_id,
                received_on=when,
                amount=D(amount),
                currency=inv.currency,
                bank_reference=f"B{self.seq:06d}",
                unallocated_amount=D("0.00"),
                created_at=self.core.clock.now(),
            )
            s.add(p)
            s.add(Allocation(payment=p, invoice_id=invoice_id, amount=D(amount), received_on=when))
            inv.paid_amount += D(amount)

    def credit(self, invoice_id: int, when: date, amount: str) -> None:
        self.seq += 1
        with self.core.db.session() as s:
            inv = s.get(Invoice, invoice_id)
            assert inv is not None
            s.add(
                CreditNote(
                    creditor_id=self.creditor,
                    customer_id=inv.customer_id,
                    invoice_id=invoice_id,
                    number=f"HZ{self.seq}",
                    issued_on=when,
                    amount=D(amount),
                    currency=inv.currency,
                    created_at=self.core.clock.now(),
                )
            )
            inv.credited_amount += D(amount)


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
    books.customer("C001", "深圳市华星光电技术有限公司", "91440300682013573")
    for days, amount, expected in BOUNDARIES:
        assert bucket_of(days) == expected
        due = TODAY - timedelta(days=days)
        books.invoice("C001", min(due - timedelta(days=30), TODAY), due, amount)
    with any_db.db.session() as s:
        report = aging_report(s, TODAY, TODAY)
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
    books.customer("C001", "深圳市华星光电技术有限公司", "91440300682013573")
    books.customer("C002", "上海宝钢包装股份有限公司", "91310000132200821")
    a = books.invoice("C001", date(2026, 1, 10), date(2026, 2, 9), "1000.00")
    books.pay(a, date(2026, 3, 1), "400.00")
    books.credit(a, date(2026, 9, 1), "100.00")
    books.pay(a, date(2026, 10, 1), "500.00")
    books.invoice("C001", date(2026, 7, 1), date(2026, 7, 31), "2000.00")  # issued after the past as-of
    books.invoice("C002", date(2025, 1, 5), date(2025, 2, 4), "777.00", written_off=True)
    books.invoice("C002", date(2026, 5, 1), date(2026, 6, 15), "5000.00", currency="USD")
    with any_db.db.session() as s:
        past = aging_report(s, date(2026, 6, 30), TODAY)
        now = aging_report(s, TODAY, TODAY)
        cny_only = aging_report(s, TODAY, TODAY, currency="CNY")
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


@pytest.mark.parametrize("past", [False, True])
def test_historical_and_maintained_paths_agree_today(any_db: Core, past: bool) -> None:
    books = Books(any_db)
    books.customer("C001", "深圳市华星光电技术有限公司", "91440300682013573")
    a = books.invoice("C001", date(2026, 8, 1), date(2026, 8, 31), "880.50")
    books.pay(a, date(2026, 9, 15), "80.50")
    books.credit(a, date(2026, 9, 20), "100.00")
    with any_db.db.session() as s:
        # as_of yesterday with today = tomorrow forces the join path over the same data
        today = TODAY + timedelta(days=1) if past else TODAY
        report = aging_report(s, TODAY, today)
    assert report.method == ("historical" if past else "maintained_totals")
    assert report.lines[0].buckets["d61_90"] == D("700.00")  # 87 days overdue


def test_kpis_by_hand(any_db: Core) -> None:
    books = Books(any_db)
    books.customer("C001", "深圳市华星光电技术有限公司", "91440300682013573")
    x = books.invoice("C001", date(2026, 3, 1), date(2026, 3, 31), "1000.00")
    books.pay(x, date(2026, 3, 20), "1000.00")  # on time, 19 days after issue
    y = books.invoice("C001", date(2026, 6, 1), date(2026, 7, 1), "3000.00")
    books.pay(y, date(2026, 8, 10), "1000.00")  # late, 70 days after issue
    books.invoice("C001", date(2025, 10, 1), date(2025, 10, 31), "2000.00")  # before the period
    books.invoice("C001", date(2024, 1, 1), date(2024, 1, 31), "500.00", written_off=True)
    with any_db.db.session() as s:
        data = kpis(s, TODAY, TODAY, 365)
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
    books.customer("C001", "深圳市华星光电技术有限公司", "91440300682013573")
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
    csv = client.get("/api/v1/reports/aging?format=csv&as_of=2026-11-26", headers=users.clerk)
    assert csv.mimetype == "text/csv" and csv.data.startswith(b"\xef\xbb\xbf")
    text = csv.data.decode("utf-8-sig")
    assert "客户编码 / Customer code" in text and "12345.60" in text
    xlsx = client.get("/api/v1/reports/aging?format=xlsx", headers=users.legal)
    ws = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    assert ws.cell(3, 1).value == "C001" and ws.cell(3, 6).value == pytest.approx(12345.6)
    with core.db.session() as s:  # the two file downloads are in the audit log, the JSON view is not
        downloads = s.scalars(select(AuditEntry).where(AuditEntry.action == "report.download")).all()
        assert [(d.actor, d.after["format"]) for d in downloads] == [("clerk1", "csv"), ("legal1", "xlsx")]
    assert client.get("/api/v1/reports/aging", headers=users.lawyer).status_code == 403
    bad = client.get("/api/v1/reports/aging?as_of=2026-13-01&format=pdf", headers=users.clerk)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"query.as_of", "query.format"}
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
