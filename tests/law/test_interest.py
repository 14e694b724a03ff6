"""Late interest: worked examples computed by hand (arithmetic in the comments), then the edges.

Every rate these tests use is typed in this file or in ``tests/law/helpers.py`` (``HISTORY``), never
read from the shipped rate file, so each figure in a comment is the figure the engine was given."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from tests.law.helpers import monthly, quote, run, segs, table
from workflow.law.interest import Basis
from workflow.law.rates import RateTable
from workflow.law.refusals import LawRefusal
from workflow.law.workdays import WorkCalendar

DAILY = Basis("daily_rate", rate=D("0.0005"))


def test_issue_example_daily_rate_interest_first() -> None:
    # 上海宝钢包装 owes 128,000.00 due 2025-06-30, pays 50,000.00 on 2025-09-30, as of 2025-12-31.
    # 07-01..09-30 = 31+31+30 = 92 days: 128000 × 0.0005 × 92 = 5888.00
    # the payment: 5888.00 to interest, 44112.00 to principal → 83888.00 left
    # 10-01..12-31 = 31+30+31 = 92 days: 83888 × 0.0005 × 92 = 3858.848 → 3858.85
    r = run("2025-12-31", DAILY, [("INV-1", "128000.00", "2025-06-30")], [("2025-09-30", "50000.00", "INV-1")])
    out = r.as_json()
    assert segs(r) == [("2025-07-01", "2025-09-30", 92, "128000.00", "0.1825", "5888.00"),
                       ("2025-10-01", "2025-12-31", 92, "83888.00", "0.1825", "3858.85")]
    assert (out["interest_accrued"], out["interest_paid"], out["interest_outstanding"],
            out["principal_outstanding"]) == ("9746.85", "5888.00", "3858.85", "83888.00")
    assert out["invoices"][0]["payments"] == [{"date": "2025-09-30", "to_interest": "5888.00",
                                               "to_principal": "44112.00"}]
    assert "第五百六十一条" in out["method"]["zh"] and "art. 561" in out["method"]["en"]


def test_principal_first_keeps_interest_outstanding() -> None:
    # same facts, principal first: 128000 − 50000 = 78000; 78000 × 0.0005 × 92 = 3588.00
    # accrued 5888.00 + 3588.00 = 9476.00, nothing of it paid
    r = run("2025-12-31", DAILY, [("INV-1", "128000.00", "2025-06-30")], [("2025-09-30", "50000.00", "INV-1")],
            allocation="principal_first")
    out = r.as_json()
    assert (out["interest_accrued"], out["interest_paid"], out["principal_outstanding"]) == \
        ("9476.00", "0.00", "78000.00")


def test_annual_rate_360_and_365_day_count_on_a_month_end_in_a_leap_year() -> None:
    # due 2024-01-31 (month end), as of 2024-03-31: Feb 1..29 + Mar 1..31 = 29 + 31 = 60 days
    # /360: 100000 × 0.12 × 60 / 360 = 2000.00 ; /365: 100000 × 0.12 × 60 / 365 = 1972.6027 → 1972.60
    basis = Basis("annual_rate", rate=D("0.12"))
    r360 = run("2024-03-31", basis, [("F-1", "100000.00", "2024-01-31")], day_count=360)
    r365 = run("2024-03-31", basis, [("F-1", "100000.00", "2024-01-31")])
    assert segs(r360) == [("2024-02-01", "2024-03-31", 60, "100000.00", "0.1200", "2000.00")]
    assert r365.as_json()["interest_accrued"] == "1972.60"


def test_a_leap_year_has_366_days_of_interest_on_a_365_day_count() -> None:
    # 2024-01-01..2024-12-31 = 366 days: 100000 × 0.10 × 366 / 365 = 10027.3973 → 10027.40
    r = run("2024-12-31", Basis("annual_rate", rate=D("0.10")), [("F-2", "100000.00", "2023-12-31")])
    assert segs(r)[0][2] == 366 and r.as_json()["interest_accrued"] == "10027.40"


def test_daily_rate_across_29_february() -> None:
    # due 2024-02-28: Feb 29 and Mar 1 are 2 days; 10000 × 0.0005 × 2 = 10.00
    r = run("2024-03-01", DAILY, [("F-3", "10000.00", "2024-02-28")])
    assert r.as_json()["interest_accrued"] == "10.00"


def test_lpr_fixed_at_the_first_day_of_delay() -> None:
    # due 2024-07-20 → first day 07-21, LPR then 3.45% (quote of 2024-02-20; the 07-22 cut comes later)
    # × 1.5 = 5.175%; 07-21..12-31 = 11 + 31 + 30 + 31 + 30 + 31 = 164 days
    # 200000 × 0.05175 × 164 / 365 = 1697400 / 365 = 4650.4109 → 4650.41
    r = run("2024-12-31", Basis("lpr", markup=D("0.5"), mode="fixed"), [("深华星-7", "200000.00", "2024-07-20")])
    assert segs(r) == [("2024-07-21", "2024-12-31", 164, "200000.00", "0.05175", "4650.41")]


def test_lpr_floating_rerates_at_each_change_inside_the_period() -> None:
    # 07-21        1 day  × 3.45% × 1.5 = 5.175%: 200000 × 0.05175 × 1 / 365  = 28.356  → 28.36
    # 07-22..10-20 91 days × 3.35% × 1.5 = 5.025%: 200000 × 0.05025 × 91 / 365 = 2505.616 → 2505.62
    # 10-21..12-31 72 days × 3.10% × 1.5 = 4.65%:  200000 × 0.0465 × 72 / 365  = 1834.520 → 1834.52
    # total 28.36 + 2505.62 + 1834.52 = 4368.50
    r = run("2024-12-31", Basis("lpr", markup=D("0.5"), mode="floating"), [("深华星-7", "200000.00", "2024-07-20")])
    assert segs(r) == [("2024-07-21", "2024-07-21", 1, "200000.00", "0.05175", "28.36"),
                       ("2024-07-22", "2024-10-20", 91, "200000.00", "0.05025", "2505.62"),
                       ("2024-10-21", "2024-12-31", 72, "200000.00", "0.0465", "1834.52")]
    assert r.as_json()["interest_accrued"] == "4368.50"


def test_statutory_fixed_on_each_side_of_2019_08_20() -> None:
    # due 2019-08-18: breach (first day of delay) 2019-08-19, before the reform → PBOC 4.35% × 1.5 = 6.525%
    #   08-19..12-31 = 13 + 30 + 31 + 30 + 31 = 135 days: 100000 × 0.06525 × 135 / 365 = 2413.356 → 2413.36
    # due 2019-08-19: breach 2019-08-20 → LPR 4.25% × 1.5 = 6.375%
    #   08-20..12-31 = 134 days: 100000 × 0.06375 × 134 / 365 = 2340.4109 → 2340.41
    basis = Basis("statutory", markup=D("0.5"), mode="fixed")
    before = run("2019-12-31", basis, [("A", "100000.00", "2019-08-18")])
    after = run("2019-12-31", basis, [("B", "100000.00", "2019-08-19")])
    assert segs(before) == [("2019-08-19", "2019-12-31", 135, "100000.00", "0.06525", "2413.36")]
    assert segs(after) == [("2019-08-20", "2019-12-31", 134, "100000.00", "0.06375", "2340.41")]
    assert "基准利率" in before.as_json()["invoices"][0]["segments"][0]["rate_note"]["zh"]


def test_statutory_floating_switches_from_benchmark_to_lpr() -> None:
    # 08-19          1 day  benchmark 6.525%: 100000 × 0.06525 / 365        = 17.877  → 17.88
    # 08-20..09-19  31 days LPR 4.25 → 6.375%: 100000 × 0.06375 × 31 / 365 = 541.438 → 541.44
    # 09-20..11-19  61 days LPR 4.20 → 6.30%:  100000 × 0.063 × 61 / 365   = 1052.877 → 1052.88
    # 11-20..12-31  42 days LPR 4.15 → 6.225%: 100000 × 0.06225 × 42 / 365 = 716.301 → 716.30
    # total 2328.50
    r = run("2019-12-31", Basis("statutory", markup=D("0.5"), mode="floating"), [("A", "100000.00", "2019-08-18")])
    assert [s[5] for s in segs(r)] == ["17.88", "541.44", "1052.88", "716.30"]
    assert r.as_json()["interest_accrued"] == "2328.50"


def test_statutory_markup_30_percent() -> None:
    # due 2019-08-19, LPR 4.25% × 1.3 = 5.525%; 134 days: 100000 × 0.05525 × 134 / 365 = 2028.356 → 2028.36
    r = run("2019-12-31", Basis("statutory", markup=D("0.3")), [("B", "100000.00", "2019-08-19")])
    assert r.as_json()["interest_accrued"] == "2028.36"


def test_payment_before_the_due_date_only_reduces_principal() -> None:
    # 50000 due 2025-03-31, 20000 paid 03-15: no interest yet; 30000 × 0.0005 × 30 (04-01..04-30) = 450.00
    r = run("2025-04-30", DAILY, [("P", "50000.00", "2025-03-31")], [("2025-03-15", "20000.00", "P")])
    out = r.as_json()
    assert (out["interest_accrued"], out["interest_paid"], out["principal_outstanding"]) == \
        ("450.00", "0.00", "30000.00")


def test_payment_larger_than_the_debt_leaves_the_rest_unapplied() -> None:
    # 10000 due 01-31; 02-01..03-02 = 28 + 2 = 30 days × 10000 × 0.0005 = 150.00
    # 12000 paid on 03-02: 150.00 interest, 10000.00 principal, 1850.00 over; nothing accrues after
    r = run("2025-03-31", DAILY, [("X", "10000.00", "2025-01-31")], [("2025-03-02", "12000.00", "X")])
    out = r.as_json()
    assert (out["interest_accrued"], out["interest_outstanding"], out["principal_outstanding"], out["unapplied"]) \
        == ("150.00", "0.00", "0.00", "1850.00")


def test_a_payment_naming_no_invoice_goes_to_the_invoice_due_first() -> None:
    # A 10000 due 01-31 (listed first), B 10000 due 01-15; 10000 paid 02-14 naming none → B (民法典 560)
    # B: 01-16..02-14 = 16 + 14 = 30 days × 5.00 = 150.00 interest; 9850.00 to principal → 150.00 left
    # as of 02-28: A 02-01..02-28 = 28 × 5.00 = 140.00; B 150 × 0.0005 × 14 = 1.05 → 151.05 accrued
    r = run("2025-02-28", DAILY, [("A", "10000.00", "2025-01-31"), ("B", "10000.00", "2025-01-15")],
            [("2025-02-14", "10000.00", None)])
    a, b = r.as_json()["invoices"]
    assert (a["interest_accrued"], a["principal_outstanding"]) == ("140.00", "10000.00")
    assert (b["interest_accrued"], b["interest_paid"], b["principal_outstanding"]) == ("151.05", "150.00", "150.00")


def test_surplus_over_the_named_invoice_goes_on_by_due_date() -> None:
    # 10200 naming A on 02-14: A 02-01..02-14 = 14 × 5.00 = 70.00 interest + 10000 principal = 10070.00
    # the other 130.00 goes to B, due first among the rest: to B's interest (150.00 accrued by 02-14)
    r = run("2025-02-14", DAILY, [("A", "10000.00", "2025-01-31"), ("B", "10000.00", "2025-01-15")],
            [("2025-02-14", "10200.00", "A")])
    a, b = r.as_json()["invoices"]
    assert (a["interest_paid"], a["principal_outstanding"]) == ("70.00", "0.00")
    assert (b["interest_paid"], b["interest_outstanding"], b["principal_outstanding"]) == \
        ("130.00", "20.00", "10000.00")


def test_as_of_on_the_due_date_gives_no_interest() -> None:
    r = run("2025-06-30", DAILY, [("Z", "5000.00", "2025-06-30")])
    assert r.as_json()["interest_accrued"] == "0.00" and r.as_json()["invoices"][0]["segments"] == []


# The monthly quotes after the verified history, typed for the test (all 3.00% / 3.50%, as reported):
# 2025-06-20 … 2026-08-20, each on its publication day.
MONTHLY = table(*monthly("2025-06-20", "2026-08-20", verified=False))
FLOAT = Basis("lpr", markup=D("0.5"), mode="floating")


def test_a_quote_holds_until_the_day_before_the_next_possible_publication() -> None:
    # last quote 2026-08-20; September's is due on the 20th, a Sunday made a working day in 2026
    # (国庆调休), so the quote is known through 2026-09-19 and no further
    assert (MONTHLY.next_lpr_publication, MONTHLY.lpr_horizon) == (date(2026, 9, 20), date(2026, 9, 19))
    run("2026-09-19", FLOAT, [("Q", "1000.00", "2026-01-31")], table=MONTHLY)
    with pytest.raises(LawRefusal) as e:
        run("2026-09-20", FLOAT, [("Q", "1000.00", "2026-01-31")], table=MONTHLY)
    assert e.value.field == "as_of" and e.value.code == "lpr_missing"
    assert "2026-09" in e.value.zh and "2026-09-20" in e.value.en and "carry_forward" in e.value.en


def test_no_stale_days_after_a_quote_moved_by_a_holiday() -> None:
    # the February 2026 quote came on 02-24 (春节); March's is due 03-20 (a Friday), not 03-24
    feb = table(*monthly("2025-06-20", "2026-02-20"))
    assert feb.last_lpr is not None and feb.last_lpr.effective == date(2026, 2, 24)
    assert feb.lpr_horizon == date(2026, 3, 19)
    with pytest.raises(LawRefusal):
        run("2026-03-20", FLOAT, [("Q", "1000.00", "2026-01-31")], table=feb)


def test_a_20th_on_a_weekend_moves_the_next_publication_to_monday() -> None:
    # 2025-09-20 is a Saturday: September's quote is due Monday 09-22, so 09-21 is still known
    aug = table(*monthly("2025-06-20", "2025-08-20"))
    assert aug.lpr_horizon == date(2025, 9, 21)


def test_without_the_calendar_of_the_year_the_20th_itself_is_the_limit() -> None:
    # no holiday calendar: the quote may come as early as the 20th, so only the 19th is known
    bare = RateTable([quote("lpr", "2025-08-20", "3.00", "3.50")], WorkCalendar())
    assert bare.lpr_horizon == date(2025, 9, 19)


def test_floating_within_the_known_days_names_each_unverified_quote_in_the_method() -> None:
    r = run("2026-09-19", FLOAT, [("Q", "1000.00", "2026-01-31")], table=MONTHLY)
    out = r.as_json()
    assert any("2026-08-20" in w["zh"] for w in out["warnings"])
    # the sheet prints the method paragraph, so the unverified quotes are named there too
    assert "2026-08-20" in out["method"]["zh"] and "not yet checked" in out["method"]["en"]
    # reported-unchanged months do not cut the table into extra segments
    assert len(out["invoices"][0]["segments"]) == 1
    assert out["assumptions"] == []


def test_a_missing_month_inside_the_table_is_refused_not_bridged() -> None:
    # quotes of June and August 2025, July's missing: July's was due 07-21 (the 20th a Sunday)
    gap = table(*monthly("2025-06-20", "2025-06-20"), *monthly("2025-08-20", "2025-08-20"))
    assert gap.lpr_gaps() == [(date(2025, 7, 21), date(2025, 8, 19))]
    with pytest.raises(LawRefusal) as e:
        run("2025-08-31", FLOAT, [("G", "100000.00", "2025-06-30")], table=gap)
    assert "2025-07" in e.value.zh


def test_carry_forward_bridges_a_missing_month_on_its_own_line_and_says_so() -> None:
    # 3.00% × 1.5 = 4.5% throughout, but the days of the missing July quote are a line of their own:
    # 07-01..07-20 20 days: 100000 × 0.045 × 20 / 365 = 246.575 → 246.58
    # 07-21..08-19 30 days (assumed):  100000 × 0.045 × 30 / 365 = 369.863 → 369.86
    # 08-20..08-31 12 days: 100000 × 0.045 × 12 / 365 = 147.945 → 147.95;  total 764.39
    gap = table(*monthly("2025-06-20", "2025-06-20"), *monthly("2025-08-20", "2025-08-20"))
    r = run("2025-08-31", FLOAT, [("G", "100000.00", "2025-06-30")], table=gap, carry_forward=True)
    out = r.as_json()
    assert segs(r) == [("2025-07-01", "2025-07-20", 20, "100000.00", "0.0450", "246.58"),
                       ("2025-07-21", "2025-08-19", 30, "100000.00", "0.0450", "369.86"),
                       ("2025-08-20", "2025-08-31", 12, "100000.00", "0.0450", "147.95")]
    assert out["interest_accrued"] == "764.39"
    assert "假定沿用" in out["invoices"][0]["segments"][1]["rate_note"]["zh"]
    [assumption] = out["assumptions"]
    assert "2025-07" in assumption["zh"] and "2025-06-20" in assumption["zh"]
    assert "assum" in assumption["en"] and "2025-06-20" in assumption["en"]
    assert "假定" in out["method"]["zh"] and "ssumption" in out["method"]["en"]


def test_carry_forward_past_the_last_quote_in_fixed_mode() -> None:
    # breach 2026-11-01, after the last quote's days (through 2026-09-19): refused unless asked;
    # asked: the 2026-08-20 quote 3.00% × 1.5 = 4.5%, 11-01..11-30 30 days:
    # 100000 × 0.045 × 30 / 365 = 369.863 → 369.86
    basis = Basis("lpr", markup=D("0.5"))
    with pytest.raises(LawRefusal) as e:
        run("2026-11-30", basis, [("F", "100000.00", "2026-10-31")], table=MONTHLY)
    assert e.value.field == "invoices.0.due_date"
    r = run("2026-11-30", basis, [("F", "100000.00", "2026-10-31")], table=MONTHLY, carry_forward=True)
    assert segs(r) == [("2026-11-01", "2026-11-30", 30, "100000.00", "0.0450", "369.86")]
    out = r.as_json()
    assert "2026-09" in out["assumptions"][0]["zh"] and out["assumptions"][0] in out["warnings"]


def test_fixed_mode_needs_only_the_quote_at_breach() -> None:
    r = run("2026-11-26", Basis("lpr", markup=D("0.5")), [("Q", "1000.00", "2025-05-19")])
    # 2025-05-20 quote 3.00% × 1.5 = 4.5%, verified: no warning, although the history ends in June 2025
    assert segs(r)[0][4] == "0.0450" and r.as_json()["warnings"] == []


def test_lpr_before_the_reform_is_refused_for_contract_lpr() -> None:
    with pytest.raises(LawRefusal) as e:
        run("2020-01-31", Basis("lpr", markup=D("0.5")), [("Q", "1000.00", "2019-03-31")])
    assert e.value.field == "invoices.0.due_date"


def test_a_benchmark_before_the_first_in_the_table_is_refused_not_guessed() -> None:
    with pytest.raises(LawRefusal) as e:
        run("2016-01-31", Basis("statutory"), [("Q", "1000.00", "2015-06-30")])
    assert e.value.code == "rate_missing" and "2015-10-24" in e.value.en


# The PBOC 1-year benchmark changes of 2011–2012 (percent): 2011-07-07 6.56, 2012-06-08 6.31, 2012-07-06 6.00
BENCH_2012 = table(quote("pboc_benchmark", "2011-07-07", "6.56", "7.05"),
                   quote("pboc_benchmark", "2012-06-08", "6.31", "6.80"),
                   quote("pboc_benchmark", "2012-07-06", "6.00", "6.55", verified=False))


def test_statutory_before_2015_uses_the_benchmark_at_breach() -> None:
    # due 2012-05-31 → breach 06-01, benchmark 6.56% × 1.5 = 9.84%, fixed;
    # 06-01..12-31 = 30 + 31 + 31 + 30 + 31 + 30 + 31 = 214 days: 100000 × 0.0984 × 214 / 365 = 5769.2055 → 5769.21
    r = run("2012-12-31", Basis("statutory", markup=D("0.5")), [("S", "100000.00", "2012-05-31")], table=BENCH_2012)
    assert segs(r) == [("2012-06-01", "2012-12-31", 214, "100000.00", "0.0984", "5769.21")]
    assert r.as_json()["warnings"] == []


def test_statutory_floating_before_2015_follows_each_benchmark_change() -> None:
    # 06-01..06-07   7 days × 6.56% × 1.5 = 9.84%:  100000 × 0.0984 × 7 / 365   = 188.712 → 188.71
    # 06-08..07-05  28 days × 6.31% × 1.5 = 9.465%: 100000 × 0.09465 × 28 / 365 = 726.082 → 726.08
    # 07-06..12-31 179 days × 6.00% × 1.5 = 9.00%:  100000 × 0.09 × 179 / 365   = 4413.699 → 4413.70
    # total 5328.49; the 2012-07-06 row is marked unverified here, so the result names it
    r = run("2012-12-31", Basis("statutory", markup=D("0.5"), mode="floating"), [("S", "100000.00", "2012-05-31")],
            table=BENCH_2012)
    assert [(s[0], s[2], s[4], s[5]) for s in segs(r)] == [("2012-06-01", 7, "0.0984", "188.71"),
                                                           ("2012-06-08", 28, "0.09465", "726.08"),
                                                           ("2012-07-06", 179, "0.0900", "4413.70")]
    out = r.as_json()
    assert out["interest_accrued"] == "5328.49"
    assert "人民银行贷款基准利率 2012-07-06" in out["method"]["zh"]
    assert "PBOC benchmark 2012-07-06" in out["method"]["en"]


@pytest.mark.parametrize(("as_of", "basis", "payments", "field"), [
    ("2025-01-01", DAILY, [], "as_of"),  # before the due date
    ("2025-12-31", Basis("daily_rate", rate=D("-0.0005")), [], "basis.rate"),
    ("2025-12-31", Basis("daily_rate", rate=D("0.05")), [], "basis.rate"),  # 5% a day: a typo for 0.05%
    ("2025-12-31", Basis("statutory", markup=D("0.6")), [], "basis.markup"),
    ("2025-12-31", DAILY, [("2026-01-05", "1.00", "F")], "payments.0.date"),
    ("2025-12-31", DAILY, [("2025-08-05", "1.00", "NOPE")], "payments.0.invoice"),
])
def test_bad_input_names_the_field(as_of: str, basis: Basis, payments: list[tuple[str, str, str | None]],
                                   field: str) -> None:
    with pytest.raises(LawRefusal) as e:
        run(as_of, basis, [("F", "1000.00", "2025-06-30")], payments)
    assert e.value.field == field


def test_an_added_quote_changes_floating_results_from_its_date() -> None:
    # a September 2026 cut to 2.90% (published 09-21 in this example): October's quote is due 10-20, so
    # the calculation may run to 10-19; 2.90% × 1.5 = 4.35% from 09-21
    with_sept = table(*monthly("2025-06-20", "2026-08-20"), quote("lpr", "2026-09-21", "2.90", "3.40"))
    assert with_sept.lpr_horizon == date(2026, 10, 19)
    r = run("2026-10-19", FLOAT, [("Q", "100000.00", "2026-08-31")], table=with_sept)
    assert [s[4] for s in segs(r)] == ["0.0450", "0.0435"]


@pytest.mark.parametrize("mode", ["fixed", "floating"])
def test_an_invoice_not_yet_overdue_needs_no_rate(mode: str) -> None:
    # due today (2026-11-26), past the known LPR quotes: nothing accrues, so nothing is refused
    r = run("2026-11-26", Basis("lpr", markup=D("0.5"), mode=mode),  # type: ignore[arg-type]
            [("T", "1000.00", "2026-11-26")], table=MONTHLY)
    assert r.as_json()["interest_accrued"] == "0.00"
