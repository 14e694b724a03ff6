"""Each rating rule on a ledger built for it, with the arithmetic written out; the grade thresholds;
the weights as settings; the reasons in both languages. The tests' day is Thursday 26 November 2026."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.credit.ledger import JOBS, CreditBook, at, days_ago, reasons_by_figure
from tests.ledger.books import committed
from workflow.config import Settings, SettingsError
from workflow.core import Core
from workflow.credit.models import ExposureOrder
from workflow.credit.rating import Figures, Thresholds, Weights, parse_weights, rate
from workflow.ledger.models import Attachment


def rated(core: Core, book: CreditBook, code: str) -> dict[str, object]:
    core.services.credit.recompute(JOBS, customer_code=code)
    row = book.ratings(code)[-1]
    return {"score": row.score, "grade": row.grade, "reasons": row.reasons, "figures": row.figures}


def test_days_beyond_terms_and_the_share_paid_late(any_db: Core) -> None:
    book = CreditBook(any_db)
    book.customer("KH1001", "杭州明远五金制品有限公司")
    book.paid_invoice("KH1001", days_ago(200), days_ago(190))  # 10 days late
    book.paid_invoice("KH1001", days_ago(150), days_ago(150))  # on the day: 0
    book.paid_invoice("KH1001", days_ago(100), days_ago(70))  # 30 days late
    book.paid_invoice("KH1001", days_ago(60), days_ago(65))  # early: 0
    book.paid_invoice("KH1001", days_ago(20), None)  # still open: 20 days so far
    book.paid_invoice("KH1001", days_ago(400), days_ago(380))  # due and paid more than 12 months ago: not looked at
    book.paid_invoice("KH1001", days_ago(-10), None)  # not due yet: not looked at
    r = rated(any_db, book, "KH1001")
    f = r["figures"]
    assert isinstance(f, dict)
    assert (f["invoices"], f["late_invoices"], f["worst_days_late"]) == (5, 3, 30)
    # average (10 + 0 + 30 + 0 + 20) / 5 = 12.0 days → 12.0 × 0.5 = 6.0 points
    # worst 30 days → 30 × 0.1 = 3.0 points
    # 3 of 5 invoices late → 60 % → 30 × 0.6 = 18.0 points
    reasons = reasons_by_figure(r)
    assert f["avg_days_late"] == "12.0" and reasons["avg_days_late"]["points"] == "6.0"
    assert reasons["worst_days_late"]["points"] == "3.0"
    assert reasons["late_share"]["points"] == "18.0"
    assert reasons["late_share"]["zh"] == "5 张发票中 3 张逾期付款或逾期未付（60.0%）：扣 18.0 分"
    assert reasons["late_share"]["en"] == "3 of 5 invoices paid late or still overdue (60.0%): −18.0 points"
    # 100 − 6 − 3 − 18 = 73 → B (60–79)
    assert (r["score"], r["grade"]) == (73, "B")
    assert set(reasons) == {"avg_days_late", "worst_days_late", "late_share"}


def test_an_invoice_long_overdue_counts_with_all_its_days(core: Core) -> None:
    book = CreditBook(core)
    book.customer("KH1002", "温州宏达电器有限公司")
    book.paid_invoice("KH1002", days_ago(500), None)  # open 500 days: still in arrears in the last 12 months
    r = rated(core, book, "KH1002")
    reasons = reasons_by_figure(r)
    # 500 days: 500 × 0.5 = 250 → the cap 25; 500 × 0.1 = 50 → the cap 15; 1 of 1 late → 30
    assert [reasons[k]["points"] for k in ("avg_days_late", "worst_days_late", "late_share")] == ["25.0", "15.0",
                                                                                                   "30.0"]
    assert (r["score"], r["grade"]) == (30, "D")  # 100 − 70


def test_broken_promises_of_the_last_twelve_months(any_db: Core) -> None:
    book = CreditBook(any_db)
    book.customer("KH1003", "苏州恒通物流有限公司")
    case = book.case("KH1003")
    book.promise(case, days_ago(40), "broken", days_ago(30))
    book.promise(case, days_ago(210), "broken", days_ago(200))
    book.promise(case, days_ago(420), "broken", days_ago(400))  # more than 12 months ago: not counted
    book.promise(case, days_ago(10), "kept", days_ago(9))
    book.promise(case, days_ago(-5), "pending", None)
    r = rated(any_db, book, "KH1003")
    reasons = reasons_by_figure(r)
    # 2 broken × 8 = 16 points → 84 → A
    assert reasons["broken_promises"]["value"] == "2" and reasons["broken_promises"]["points"] == "16.0"
    assert reasons["broken_promises"]["zh"] == "近 12 个月违背付款承诺 2 次：扣 16.0 分"
    assert (r["score"], r["grade"]) == (84, "A")


def test_open_disputes(core: Core) -> None:
    book = CreditBook(core)
    book.customer("KH1004", "宁波港城化工有限公司")
    book.case("KH1004", "closed_settled")  # an earlier dispute, settled: no longer counts
    book.case("KH1004", "disputed")
    r = rated(core, book, "KH1004")
    reasons = reasons_by_figure(r)
    # 1 open dispute × 10 = 10 → 90 → A
    assert reasons["open_disputes"]["points"] == "10.0" and (r["score"], r["grade"]) == (90, "A")


def test_bounced_letters_and_invalid_addresses(any_db: Core) -> None:
    book = CreditBook(any_db)
    book.customer("KH1005", "合肥新桥建材有限公司")
    book.letter("KH1005", sent=at(days_ago(30)), bounced=at(days_ago(30), 3))
    book.letter("KH1005", sent=at(days_ago(100)), bounced=at(days_ago(99)))
    book.letter("KH1005", sent=at(days_ago(400)), bounced=at(days_ago(400), 3))  # more than 12 months ago
    book.letter("KH1005", sent=at(days_ago(5)))  # delivered
    book.contact("KH1005", "周会计", "zhou@xinqiao.example", invalid_since=at(days_ago(30), 3))
    book.contact("KH1005", "吴经理", "wu@xinqiao.example")
    r = rated(any_db, book, "KH1005")
    reasons = reasons_by_figure(r)
    # 2 bounced + 1 invalid address = 3 × 5 = 15 points → 85 → A
    assert reasons["bounced"]["value"] == "3" and reasons["bounced"]["points"] == "15.0"
    assert reasons["bounced"]["en"] == ("2 letter(s) bounced in the last 12 months and 1 contact address(es) "
                                        "invalid: −15.0 points")
    assert (r["score"], r["grade"]) == (85, "A")


def test_limitation_critical_debts_by_the_ledger_rule(any_db: Core) -> None:
    """On 26 Nov 2026 a period ends within 90 days (by 24 Feb 2027) when it runs from 24 Feb 2024 or
    earlier: three years from the due date, or from the last payment, statement or demand."""
    book = CreditBook(any_db)
    for code, name in (("KH1006", "东莞市裕丰塑胶制品有限公司"), ("KH1007", "佛山市顺德区美嘉家具有限公司"),
                       ("KH1008", "厦门海泓贸易有限公司")):
        book.customer(code, name)
    book.invoice("KH1006", date(2023, 12, 1), date(2024, 1, 31), "30000.00")  # ends 31 Jan 2027: critical
    book.invoice("KH1006", date(2023, 5, 1), date(2023, 6, 30), "20000.00")  # ended 30 Jun 2026: critical
    part = book.invoice("KH1006", date(2023, 12, 1), date(2024, 1, 15), "50000.00")
    book.pay(part, date(2024, 6, 1), "10000.00")  # part payment: runs again from 1 Jun 2024 → 2027
    book.invoice("KH1006", date(2024, 2, 1), date(2024, 3, 31), "15000.00")  # ends 31 Mar 2027: not yet
    book.invoice("KH1007", date(2023, 12, 1), date(2024, 1, 31), "30000.00")
    book.letter("KH1007", kind="dunning_letter_2", sent=at(date(2025, 5, 6)))  # a demand: runs again from 2025
    inv = book.invoice("KH1008", date(2023, 12, 1), date(2024, 1, 31), "30000.00")
    with committed(any_db) as s:  # a signed 对账单 acknowledges the debt (时效规定 14)
        s.add(Attachment(invoice_id=inv, filename="对账单-2025.pdf", content_type="application/pdf", size=1,
                         sha256="1" * 64, uploaded_by="test", uploaded_at=any_db.clock.now(),
                         kind="signed_statement", signed_on=date(2025, 3, 1)))
    any_db.services.credit.recompute(JOBS)
    figures = {code: book.ratings(code)[-1].figures for code in ("KH1006", "KH1007", "KH1008")}
    # KH1006: 30,000.00 + 20,000.00 = 50,000.00 in 2 invoices → 2 × 10 = 20 points (the cap)
    assert (figures["KH1006"]["limitation_critical"], figures["KH1006"]["limitation_critical_amount"]) == \
        (2, "50000.00")
    reasons = reasons_by_figure(book.ratings("KH1006")[-1])
    assert reasons["limitation_critical"]["points"] == "20.0"
    assert "诉讼时效将在 90 日内届满或已届满" in reasons["limitation_critical"]["zh"]
    assert figures["KH1007"]["limitation_critical"] == 0 and figures["KH1008"]["limitation_critical"] == 0


def test_credit_limit_utilisation_counts_open_invoices_and_orders(any_db: Core) -> None:
    book = CreditBook(any_db)
    cid = book.customer("KH1009", "昆山精工机械有限公司", limit="100000.00")
    book.invoice("KH1009", days_ago(10), days_ago(-50), "70000.00")  # not due yet: no lateness
    with committed(any_db) as s:
        for ref, amount, currency, status in (("SO-1", "40000.00", "CNY", "open"),
                                              ("SO-2", "5000.00", "CNY", "cancelled"),
                                              ("SO-3", "9000.00", "CNY", "invoiced"),
                                              ("SO-4", "8000.00", "USD", "open")):
            s.add(ExposureOrder(customer_id=cid, source="erp", external_ref=ref, amount=Decimal(amount),
                                currency=currency, status=status, reported_at=any_db.clock.now(), reported_by="erp"))
    r = rated(any_db, book, "KH1009")
    f = r["figures"]
    assert isinstance(f, dict)
    # exposure 70,000 + 40,000 (open; cancelled, invoiced and USD orders left out) = 110,000 of 100,000 → 110.0 %
    assert (f["exposure"], f["utilisation_percent"]) == ("110000.00", "110.0")
    # (110 − 80) × 0.5 = 15 points → 85 → A
    reasons = reasons_by_figure(r)
    assert reasons["utilisation_percent"]["points"] == "15.0" and (r["score"], r["grade"]) == (85, "A")


@pytest.mark.parametrize(("disputes", "score", "grade"), [(20, 80, "A"), (21, 79, "B"), (40, 60, "B"), (41, 59, "C"),
                                                          (60, 40, "C"), (61, 39, "D"), (150, 0, "D")])
def test_grade_thresholds(disputes: int, score: int, grade: str) -> None:
    # one point a dispute, no cap: 100 − n
    w = Weights(open_dispute=Decimal(1), open_dispute_cap=Decimal(1000))
    r = rate(Figures(open_disputes=disputes), w)
    assert (r.score, r.grade) == (score, grade)


def test_thresholds_and_weights_are_settings() -> None:
    s = Settings.from_env({"DUNNING_CREDIT_WEIGHTS": "late_share=40, broken_promise=10",
                           "DUNNING_CREDIT_GRADE_A": "90", "DUNNING_CREDIT_GRADE_B": "70",
                           "DUNNING_CREDIT_GRADE_C": "50"})
    w = parse_weights(s.credit_weights)
    assert (w.late_share, w.broken_promise, w.open_dispute) == (Decimal(40), Decimal(10), Decimal(10))
    assert parse_weights('{"bounced": 2, "bounced_cap": "4"}').bounced_cap == Decimal(4)
    # 3 of 4 late → 75 % × 40 = 30 points → 70: A at 90, B at 70
    r = rate(Figures(invoices=4, late_invoices=3), w, Thresholds(s.credit_grade_a, s.credit_grade_b, s.credit_grade_c))
    assert (r.score, r.grade) == (70, "B")
    for env, zh in (({"DUNNING_CREDIT_WEIGHTS": "speed=3"}, "DUNNING_CREDIT_WEIGHTS 无效"),
                    ({"DUNNING_CREDIT_WEIGHTS": "late_share=-1"}, "DUNNING_CREDIT_WEIGHTS 无效"),
                    ({"DUNNING_CREDIT_WEIGHTS": "[1, 2]"}, "DUNNING_CREDIT_WEIGHTS 无效"),
                    ({"DUNNING_CREDIT_GRADE_B": "85"}, "须满足 100 ≥ A > B > C ≥ 1")):
        with pytest.raises(SettingsError) as err:
            Settings.from_env(env)
        assert zh in err.value.zh and err.value.en.startswith("DUNNING_CREDIT")


def test_every_reason_names_its_figure_in_chinese_and_english() -> None:
    f = Figures(invoices=10, late_invoices=6, avg_days_late=Decimal("40.0"), worst_days_late=120, broken_promises=1,
                open_disputes=1, bounced_letters=1, invalid_contacts=1, limitation_critical=1,
                limitation_critical_amount=Decimal("8000.00"), open_invoices=Decimal("95000.00"),
                credit_limit=Decimal("100000.00"))
    r = rate(f)
    assert [x.figure for x in r.reasons] == ["avg_days_late", "worst_days_late", "late_share", "broken_promises",
                                             "open_disputes", "bounced", "limitation_critical",
                                             "utilisation_percent"]
    for x in r.reasons:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in x.zh) and f"扣 {x.points} 分" in x.zh
        assert f"−{x.points} points" in x.en and not any("\u4e00" <= ch <= "\u9fff" for ch in x.en)
    # 20 + 12 + 18 + 8 + 10 + 10 + 10 + 7.5 = 95.5 → 4.5 → rounds half up to 5
    assert (r.score, r.grade) == (5, "D")


def test_a_customer_with_no_history_has_nothing_against_it() -> None:
    r = rate(Figures())
    assert (r.score, r.grade, r.reasons) == (100, "A", [])


def test_the_examples_docs_credit_md_works_through() -> None:
    # always a week late: 7 × 0.5 + 7 × 0.1 + 30 × 100 % = 34.2 → 65.8 → 66, B
    always_a_week = rate(Figures(invoices=10, late_invoices=10, avg_days_late=Decimal("7.0"), worst_days_late=7))
    # once a month late in ten: 3 × 0.5 + 30 × 0.1 + 30 × 10 % = 7.5 → 92.5 → 93 (half up), A
    once_a_month = rate(Figures(invoices=10, late_invoices=1, avg_days_late=Decimal("3.0"), worst_days_late=30))
    # a month late on everything: 15 + 3 + 30 = 48 → 52, C; two months: 25 (cap) + 6 + 30 = 61 → 39, D
    month = rate(Figures(invoices=10, late_invoices=10, avg_days_late=Decimal("30.0"), worst_days_late=30))
    two_months = rate(Figures(invoices=10, late_invoices=10, avg_days_late=Decimal("60.0"), worst_days_late=60))
    assert [(r.score, r.grade) for r in (always_a_week, once_a_month, month, two_months)] == [
        (66, "B"), (93, "A"), (52, "C"), (39, "D")]
