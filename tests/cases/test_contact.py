"""Lawful contact (docs/dunning.md): working days with the State Council calendar and the
provisional one for a year not loaded, contact hours in Beijing time, and the contact caps."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import SYSTEM_ACTOR
from tests.mail.letters import seed_debtor
from workflow.cases.contact import (
    RunCalendar,
    add_working_days,
    automated_contacts,
    calendar_warning,
    cap_reached,
    contacts_by_customer,
    next_contact_window,
    send_not_before,
    within_contact_hours,
)
from workflow.config import Settings
from workflow.core import Core
from workflow.law.workdays import shipped_calendar
from workflow.mail.models import OutboxMessage

CAL = shipped_calendar()


def bj(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    """A Beijing wall-clock time, as the UTC instant the services see."""
    return datetime(y, m, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2026, 9, 30), 1, date(2026, 10, 8)),  # 国庆 1–7 Oct are rest days
    (date(2026, 9, 30), 10, date(2026, 10, 20)),  # counting the make-up Saturday 10 Oct
    (date(2026, 9, 30), -3, date(2026, 9, 24)),  # back over 中秋 (25–27 Sep)
    (date(2026, 9, 21), -1, date(2026, 9, 20)),  # Sunday 20 Sep is a working day (调休)
    (date(2025, 1, 27), -1, date(2025, 1, 26)),  # Sunday 26 Jan 2025 too
    (date(2026, 2, 13), 1, date(2026, 2, 14)),  # and Saturday 14 Feb 2026
    (date(2026, 11, 26), 0, date(2026, 11, 26)),
    (date(2026, 11, 27), 1, date(2026, 11, 30)),  # over a plain weekend
])
def test_working_days_forwards_and_back(start: date, n: int, expected: date) -> None:
    assert add_working_days(CAL, start, n) == expected


def test_a_year_without_its_notice_uses_the_provisional_calendar_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    cal = RunCalendar(CAL)
    with caplog.at_level(logging.INFO, logger="workflow.cases.contact"):
        # 31 Dec 2026 (loaded) + 1 working day: 1 Jan 2027 is 元旦 and 2–3 Jan a weekend
        assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
        assert not cal.is_working_day(date(2027, 5, 1)) and not cal.is_working_day(date(2027, 10, 3))
        assert cal.is_working_day(date(2027, 10, 4))  # Monday: the guess knows no more than the fixed dates
    assert cal.provisional_used == {2027} and cal.is_provisional(date(2027, 1, 4))
    assert not cal.is_provisional(date(2026, 12, 31))
    assert sum("provisional" in r.getMessage() for r in caplog.records) == 1  # said once, not per day


def test_the_administrator_is_warned_from_1_november() -> None:
    assert calendar_warning(CAL, date(2026, 10, 31)) is None
    warning = calendar_warning(CAL, date(2026, 11, 1))
    assert warning is not None and "2027" in warning["zh"] and "provisional" in warning["en"]
    assert calendar_warning(CAL, date(2027, 1, 4)) is not None  # and on, while 2027 is not loaded


def test_contact_hours_in_beijing_time() -> None:
    s = Settings()
    assert within_contact_hours(bj(2026, 11, 26, 9), s, CAL)
    assert within_contact_hours(bj(2026, 11, 26, 17, 59), s, CAL)
    assert not within_contact_hours(bj(2026, 11, 26, 18), s, CAL)
    assert not within_contact_hours(bj(2026, 11, 26, 8, 59), s, CAL)
    assert not within_contact_hours(bj(2026, 11, 28, 10), s, CAL)  # Saturday
    assert within_contact_hours(bj(2026, 10, 10, 10), s, CAL)  # the make-up Saturday
    assert not within_contact_hours(bj(2026, 10, 5, 10), s, CAL)  # 国庆
    assert not within_contact_hours(bj(2027, 1, 1, 10), s, CAL)  # 元旦 2027, provisional


def test_next_contact_window() -> None:
    s = Settings()
    now = bj(2026, 11, 26, 10)
    assert next_contact_window(now, s, CAL) == now
    assert next_contact_window(bj(2026, 11, 26, 7), s, CAL) == bj(2026, 11, 26, 9)
    assert next_contact_window(bj(2026, 11, 27, 19), s, CAL) == bj(2026, 11, 30, 9)  # Friday evening → Monday
    assert next_contact_window(bj(2026, 9, 30, 18, 30), s, CAL) == bj(2026, 10, 8, 9)  # over 国庆
    assert next_contact_window(bj(2026, 12, 31, 20), s, CAL) == bj(2027, 1, 4, 9)
    narrow = Settings(contact_start_hour=10, contact_end_hour=16)
    assert next_contact_window(bj(2026, 11, 26, 16), narrow, CAL) == bj(2026, 11, 27, 10)


def test_a_run_for_a_day_sends_from_its_scheduled_time() -> None:
    s = Settings()
    # typed at 07:30 for today: from 09:00; typed at 15:00 for today: now; typed in the evening: next morning
    assert send_not_before(date(2026, 11, 26), bj(2026, 11, 26, 7, 30), 9, s, CAL) == bj(2026, 11, 26, 9)
    assert send_not_before(date(2026, 11, 26), bj(2026, 11, 26, 15), 9, s, CAL) == bj(2026, 11, 26, 15)
    assert send_not_before(date(2026, 11, 26), bj(2026, 11, 26, 21), 9, s, CAL) == bj(2026, 11, 27, 9)


def test_caps_count_automated_messages_of_the_debtor(core: Core, shipped_templates: None) -> None:
    debtor = seed_debtor(core)
    other = seed_debtor(core, code="HD002", creditor_id=debtor.creditor_id)
    s = Settings()
    now = core.clock.now()
    rows = [(debtor.customer_id, date(2026, 11, 20), True, "sent"),
            (debtor.customer_id, date(2026, 11, 23), True, "pending"),
            (debtor.customer_id, date(2026, 11, 24), True, "failed"),  # never reached them
            (debtor.customer_id, date(2026, 11, 25), False, "sent"),  # a clerk's own email
            (other.customer_id, date(2026, 11, 26), True, "sent")]
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        for n, (cid, on, automated, status) in enumerate(rows):
            uow.session.add(OutboxMessage(
                customer_id=cid, kind="dunning_letter_1", language="zh", automated=automated, contact_on=on,
                message_id=f"<cap-{n}@test>", sender="ar@bspack.example.cn", reply_to="ar@bspack.example.cn",
                recipients=["caiwu@huadong-jidian.test"], subject="催款函", body_text="请付款", status=status,
                next_attempt_at=now, created_by="test", created_at=now))
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        ses = uow.session
        assert automated_contacts(ses, debtor.customer_id, date(2026, 11, 20), date(2026, 11, 26)) == 2
        assert contacts_by_customer(ses, [debtor.customer_id, other.customer_id], date(2026, 11, 26)) == {
            debtor.customer_id: (0, 2), other.customer_id: (1, 1)}
        assert cap_reached(ses, debtor.customer_id, date(2026, 11, 26), s) is None
        assert cap_reached(ses, other.customer_id, date(2026, 11, 26), s) is not None  # one today already
        tight = Settings(contact_max_per_7_days=2)
        reason = cap_reached(ses, debtor.customer_id, date(2026, 11, 26), tight)
        assert reason is not None and "7 days" in reason[1] and "7 日内已自动联系 2 次" in reason[0]
        # the 20th drops out of the rolling window on the 27th
        assert cap_reached(ses, debtor.customer_id, date(2026, 11, 27), tight) is None
