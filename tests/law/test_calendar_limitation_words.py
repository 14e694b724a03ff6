"""Working days, the limitation period (民法典 188, 195, 201–203) and 人民币大写 (docs/law.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.law.helpers import calendar
from workflow.law.limitation import Interruption, LimitationRequest, compute_limitation
from workflow.law.refusals import LawRefusal
from workflow.law.seed import years_from_package
from workflow.law.words import rmb_upper
from workflow.law.workdays import CalendarYear, WorkCalendar

# -- working days ----------------------------------------------------------------------------

def test_the_domain_test_days() -> None:
    cal = calendar()
    assert cal.is_working_day(date(2025, 1, 26))  # Sunday, made working before Spring Festival
    assert not cal.is_working_day(date(2025, 10, 8))  # Wednesday inside the National Day holiday
    assert cal.rest_day_name(date(2025, 10, 8)) == "国庆节"
    assert cal.is_working_day(date(2026, 2, 14))  # Saturday, made working
    assert not cal.is_working_day(date(2025, 6, 1))  # an ordinary Sunday
    assert cal.is_working_day(date(2025, 6, 3))  # an ordinary Tuesday


def test_next_and_added_working_days_skip_the_golden_week() -> None:
    cal = calendar()
    assert cal.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)
    # 09-28 (Sunday, working), 09-29, 09-30, then 10-09, 10-10, 10-11 (Saturday, working)
    assert cal.add_working_days(date(2025, 9, 27), 6) == date(2025, 10, 11)
    assert cal.add_working_days(date(2025, 9, 27), 0) == date(2025, 9, 27)


def test_a_year_that_is_not_loaded_is_refused() -> None:
    cal = calendar()
    assert cal.last_year == 2026
    with pytest.raises(LawRefusal) as e:
        cal.next_working_day(date(2026, 12, 31))
    assert e.value.code == "calendar_not_loaded" and "2027" in e.value.zh and "add-year" in e.value.en


def test_provisional_mode_uses_weekends_only() -> None:
    cal = calendar()
    assert cal.roll_forward(date(2027, 1, 1), provisional=True) == date(2027, 1, 1)  # a Friday: no 元旦 yet
    assert cal.roll_forward(date(2027, 1, 2), provisional=True) == date(2027, 1, 4)


def test_shipped_calendar_agrees_with_the_package_day_by_day() -> None:
    shipped = calendar()
    for year in years_from_package():
        assert shipped.years[year.year].holidays == year.holidays
        assert shipped.years[year.year].workdays == year.workdays


def test_a_year_cannot_both_rest_and_work_on_one_day() -> None:
    with pytest.raises(LawRefusal) as e:
        CalendarYear(2027, {date(2027, 2, 6): "春节"}, {date(2027, 2, 6): "春节调休上班"})
    assert e.value.field == "workdays"


def test_an_added_year_is_used() -> None:
    y2027 = CalendarYear(2027, {date(2027, 1, 1): "元旦", date(2027, 10, 1): "国庆节"}, {})
    cal = WorkCalendar.of([*calendar().years.values(), y2027])
    assert not cal.is_working_day(date(2027, 1, 1))


# -- limitation ------------------------------------------------------------------------------

def test_due_2022_06_30_ends_2025_06_30() -> None:
    r = compute_limitation(LimitationRequest(date(2022, 6, 30)), calendar())
    assert (r.starts_on, r.expires_on, r.provisional) == (date(2022, 7, 1), date(2025, 6, 30), False)
    assert r.long_stop == date(2042, 6, 30)


def test_due_2022_10_01_is_moved_past_the_national_day_holiday() -> None:
    r = compute_limitation(LimitationRequest(date(2022, 10, 1)), calendar())
    assert r.expires_on == date(2025, 10, 9)
    assert any("第二百零三条" in s["zh"] for s in r.steps)


def test_interruptions_restart_the_period_from_the_day_after() -> None:
    # demand 2023-05-10, acknowledgment 2024-02-01 → 2027-02-01 (a Monday), provisional: 2027 not loaded
    r = compute_limitation(LimitationRequest(date(2022, 6, 30), [
        Interruption(date(2023, 5, 10), "demand"), Interruption(date(2024, 2, 1), "acknowledgment")]), calendar())
    assert (r.expires_on, r.provisional) == (date(2027, 2, 1), True)
    assert r.last_interruption is not None and r.last_interruption.kind == "acknowledgment"
    assert r.starts_on == date(2024, 2, 2)


def test_an_event_after_expiry_does_not_revive_the_claim() -> None:
    r = compute_limitation(LimitationRequest(date(2020, 3, 31), [Interruption(date(2023, 5, 1), "part_payment")],
                                             as_of=date(2023, 6, 1)), calendar())
    assert r.expires_on == date(2023, 3, 31) and r.last_interruption is None and r.expired is True
    assert any("第一百九十二条" in s["zh"] for s in r.steps)


def test_an_event_on_the_last_day_still_interrupts() -> None:
    r = compute_limitation(LimitationRequest(date(2022, 6, 30), [Interruption(date(2025, 6, 30), "suit")]),
                           calendar())
    assert r.expires_on == date(2028, 6, 30)


def test_29_february_ends_on_28_february_then_the_next_working_day() -> None:
    # 2021-02-28 is a Sunday → Monday 2021-03-01
    r = compute_limitation(LimitationRequest(date(2018, 2, 28)), calendar())
    assert r.expires_on == date(2021, 3, 1)
    r = compute_limitation(LimitationRequest(date(2020, 2, 29)), calendar())
    assert r.expires_on == date(2023, 2, 28)  # a Tuesday


def test_instalments_run_from_the_last_one() -> None:
    r = compute_limitation(LimitationRequest(date(2022, 1, 31), instalment_due_dates=[
        date(2022, 1, 31), date(2022, 4, 30), date(2022, 7, 29)]), calendar())
    assert r.expires_on == date(2025, 7, 29)
    assert r.long_stop == date(2042, 1, 31)


def test_the_long_stop_caps_repeated_interruptions() -> None:
    events = [Interruption(date(2006 + 3 * k, 1, 5), "acknowledgment") for k in range(7)]  # to 2024-01-05
    r = compute_limitation(LimitationRequest(date(2005, 6, 30), events), calendar())
    assert r.long_stop == date(2025, 6, 30) and r.expires_on == date(2025, 6, 30)


# -- 人民币大写 --------------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "words"), [
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("10000", "壹万元整"),
    ("100000", "壹拾万元整"),
    # the optional 零 is always written (docs/law.md)
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("107000.53", "壹拾万零柒仟元零伍角叁分"),
    ("10", "壹拾元整"),
    ("100000001.00", "壹亿零壹元整"),
    ("0.05", "伍分"),
    ("0", "零元整"),
    ("83888.00", "捌万叁仟捌佰捌拾捌元整"),
])
def test_rmb_upper(amount: str, words: str) -> None:
    assert rmb_upper(Decimal(amount)) == words


@pytest.mark.parametrize(("amount", "code"), [
    ("-1.00", "negative"), ("1000000000000.00", "too_large"), ("1.234", "too_many_decimals"), ("NaN", "not_finite"),
])
def test_rmb_upper_refuses(amount: str, code: str) -> None:
    with pytest.raises(LawRefusal) as e:
        rmb_upper(Decimal(amount))
    assert e.value.code == code and e.value.field == "amount"


def test_the_provisional_year_for_the_dunning_run() -> None:
    from workflow.law.workdays import provisional_year

    cal = WorkCalendar.of([*calendar().years.values(), provisional_year(2027)])
    assert not cal.is_working_day(date(2027, 10, 1)) and not cal.is_working_day(date(2027, 5, 1))
    assert cal.is_working_day(date(2027, 10, 4))  # a Monday: the real notice may say otherwise
