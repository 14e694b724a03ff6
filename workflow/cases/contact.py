"""When automated contact is lawful (docs/dunning.md): working days, contact hours, and the caps.

Pure functions over a ``RunCalendar`` and the contact settings, plus one counting query over the
outbox. Automated contact happens only on working days, inside the contact hours (09:00–18:00
Beijing time by default), at most ``contact_max_per_day`` automated messages per debtor on a
working day and ``contact_max_per_7_days`` in any rolling seven calendar days, across all channels.

Working days come from the State Council notice the law data loads. The run must go on in a year
whose notice is not out yet (today: 2027), so for its timing — never for a legal deadline — such a
year is the provisional one of ``workflow.law.workdays.provisional_year`` (weekends plus 1 Jan,
1 May and 1–3 Oct); the run logs that it used it, and administrators are warned from 1 November of
the year before (the calendar warnings of ``GET /api/v1/status`` and ``dunning check-settings``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from workflow.law.workdays import CalendarYear, WorkCalendar, provisional_year
from workflow.mail.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
WINDOW_DAYS = 7  # the rolling window of the weekly cap, in calendar days (today included)
# messages that never reached anyone do not count against the debtor's caps
NOT_CONTACTS = (OutboxStatus.CANCELLED.value, OutboxStatus.FAILED.value)
NEXT_YEAR_WARNING = (11, 1)  # (month, day) from which next year's missing notice is warned about


class ContactSettings(Protocol):
    """What the rules read from ``workflow.config.Settings``."""

    @property
    def contact_start_hour(self) -> int: ...

    @property
    def contact_end_hour(self) -> int: ...

    @property
    def contact_max_per_day(self) -> int: ...

    @property
    def contact_max_per_7_days(self) -> int: ...

    @property
    def tz(self) -> ZoneInfo: ...


@dataclass
class RunCalendar:
    """The loaded calendar, with a provisional year standing in for each year not loaded.

    ``provisional_used`` collects the years the run had to guess, so it can say so once."""

    loaded: WorkCalendar
    provisional_used: set[int] = field(default_factory=set)
    _stand_ins: dict[int, CalendarYear] = field(default_factory=dict)
    _memo: dict[tuple[date, int], date] = field(default_factory=dict)
    _rolled: dict[date, date] = field(default_factory=dict)

    @classmethod
    def of(cls, calendar: WorkCalendar | RunCalendar) -> RunCalendar:
        return calendar if isinstance(calendar, RunCalendar) else cls(calendar)

    def year(self, year: int) -> CalendarYear:
        found = self.loaded.years.get(year)
        if found is not None:
            return found
        stand_in = self._stand_ins.get(year)
        if stand_in is None:
            stand_in = self._stand_ins[year] = provisional_year(year)
        if year not in self.provisional_used:
            self.provisional_used.add(year)
            log.info("the %s holiday calendar is not loaded: the dunning run uses the provisional calendar "
                        "(weekends, 1 Jan, 1 May, 1-3 Oct)", year)
        return stand_in

    def is_provisional(self, d: date) -> bool:
        return not self.loaded.is_loaded(d.year)

    def is_working_day(self, d: date) -> bool:
        cal = self.year(d.year)
        if d in cal.holidays:
            return False
        if d in cal.workdays:
            return True
        return d.weekday() < 5

    def rest_day_name(self, d: date) -> str | None:
        if self.is_working_day(d):
            return None
        return self.year(d.year).holidays.get(d, "周末")

    def roll_forward(self, d: date) -> date:
        """``d`` if it is a working day, else the next one."""
        found = self._rolled.get(d)
        if found is not None:
            return found
        start = d
        while not self.is_working_day(d):
            d += ONE_DAY
        self._rolled[start] = d
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` not counted); before it when ``n`` is
        negative (-3: the third working day before ``d``); ``d`` itself for 0."""
        # the run asks this of every customer, but of few distinct (date, offset) pairs
        key = (d, n)
        found = self._memo.get(key)
        if found is not None:
            return found
        step = ONE_DAY if n > 0 else -ONE_DAY
        for _ in range(abs(n)):
            d += step
            while not self.is_working_day(d):
                d += step
        self._memo[key] = d
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how far ``end`` is past ``start``."""
        n, d = 0, start
        while d < end:
            d += ONE_DAY
            if self.is_working_day(d):
                n += 1
        return n


def add_working_days(calendar: WorkCalendar | RunCalendar, d: date, n: int) -> date:
    return RunCalendar.of(calendar).add_working_days(d, n)


# ---- contact hours -------------------------------------------------------------------------------

def _local(now_utc: datetime, settings: ContactSettings) -> datetime:
    if now_utc.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return now_utc.astimezone(settings.tz)


def _window(day: date, settings: ContactSettings) -> tuple[datetime, datetime]:
    tz = settings.tz
    start = datetime.combine(day, time(settings.contact_start_hour), tz)
    end = datetime.combine(day, time(0), tz) + timedelta(hours=settings.contact_end_hour)
    return start, end


def within_contact_hours(now_utc: datetime, settings: ContactSettings, calendar: WorkCalendar | RunCalendar) -> bool:
    """A working day, between the contact start and end hours, in the business time zone."""
    local = _local(now_utc, settings)
    if not RunCalendar.of(calendar).is_working_day(local.date()):
        return False
    start, end = _window(local.date(), settings)
    return start <= local < end


def next_contact_window(now_utc: datetime, settings: ContactSettings,
                        calendar: WorkCalendar | RunCalendar) -> datetime:
    """``now_utc`` itself inside the contact hours, else the next time they open (UTC)."""
    cal = RunCalendar.of(calendar)
    if within_contact_hours(now_utc, settings, cal):
        return now_utc
    local = _local(now_utc, settings)
    day = local.date()
    start, _end = _window(day, settings)
    if not (cal.is_working_day(day) and local < start):
        day = cal.roll_forward(day + ONE_DAY)
        start, _end = _window(day, settings)
    return start.astimezone(UTC)


def scheduled_time(day: date, run_hour: int, settings: ContactSettings) -> datetime:
    """The day's scheduled run (``run_hour`` in the business time zone), in UTC."""
    return datetime.combine(day, time(run_hour), settings.tz).astimezone(UTC)


def send_not_before(day: date, now_utc: datetime, run_hour: int, settings: ContactSettings,
                    calendar: WorkCalendar | RunCalendar) -> datetime:
    """When a letter the run decided for ``day`` may leave: the day's scheduled time, or now if that
    has passed, and never outside the contact hours."""
    return next_contact_window(max(scheduled_time(day, run_hour, settings), now_utc), settings, calendar)


# ---- caps ----------------------------------------------------------------------------------------

def _counted(s: Session) -> Any:
    return and_(OutboxMessage.automated.is_(True), OutboxMessage.status.not_in(NOT_CONTACTS))


def automated_contacts(s: Session, customer_id: int, since: date, until: date) -> int:
    """Automated messages to the debtor counting against its caps with ``contact_on`` in [since, until]."""
    try:  # the outbox's own count, once it has one: one meaning of "a contact" everywhere
        from workflow.mail import outbox
    except ImportError:
        pass
    else:
        return int(outbox.automated_contacts(s, customer_id, since, until))
    return int(s.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.customer_id == customer_id, OutboxMessage.contact_on >= since,
        OutboxMessage.contact_on <= until, _counted(s))) or 0)


def contacts_by_customer(s: Session, customer_ids: Collection[int], day: date) -> dict[int, tuple[int, int]]:
    """For many debtors at once (the run's decision pass): (messages on ``day``, messages in the
    seven days ending with it), with the same meaning as ``automated_contacts``."""
    if not customer_ids:
        return {}
    wanted = set(customer_ids)
    since = day - timedelta(days=WINDOW_DAYS - 1)
    # one range over the batch's ids (they are consecutive in the run), not a long IN list
    rows = s.execute(
        select(OutboxMessage.customer_id,
               func.sum(case((OutboxMessage.contact_on == day, 1), else_=0)), func.count())
        .where(OutboxMessage.customer_id >= min(wanted), OutboxMessage.customer_id <= max(wanted),
               OutboxMessage.contact_on >= since, OutboxMessage.contact_on <= day, _counted(s))
        .group_by(OutboxMessage.customer_id))
    return {int(cid): (int(on_day or 0), int(week or 0)) for cid, on_day, week in rows if cid in wanted}


def cap_reason(on_day: int, in_week: int, settings: ContactSettings) -> tuple[str, str] | None:
    """Why one more automated message today would break a cap, (Chinese, English), or None."""
    if on_day >= settings.contact_max_per_day:
        return (f"频次上限：今日已自动联系 {on_day} 次（上限 {settings.contact_max_per_day}）",
                f"cap: {on_day} automated message(s) today (limit {settings.contact_max_per_day})")
    if in_week >= settings.contact_max_per_7_days:
        return (f"频次上限：7 日内已自动联系 {in_week} 次（上限 {settings.contact_max_per_7_days}）",
                f"cap: {in_week} automated message(s) in 7 days (limit {settings.contact_max_per_7_days})")
    return None


def cap_reached(s: Session, customer_id: int, day: date, settings: ContactSettings) -> tuple[str, str] | None:
    """The caps re-checked for one debtor under its own unit of work, just before queueing."""
    since = day - timedelta(days=WINDOW_DAYS - 1)
    return cap_reason(automated_contacts(s, customer_id, day, day),
                      automated_contacts(s, customer_id, since, day), settings)


# ---- the administrator's warning -----------------------------------------------------------------

def calendar_warning(calendar: WorkCalendar, today: date) -> dict[str, str] | None:
    """What administrators are told while the run times letters on a provisional year: this year's
    notice missing, or next year's from 1 November on. None when both are loaded (or not yet due)."""
    years = []
    if not calendar.is_loaded(today.year):
        years.append(today.year)
    if today >= date(today.year, *NEXT_YEAR_WARNING) and not calendar.is_loaded(today.year + 1):
        years.append(today.year + 1)
    if not years:
        return None
    listed = "、".join(str(y) for y in years)
    listed_en = " and ".join(str(y) for y in years)
    return {"code": "dunning_provisional_calendar",
            "zh": f"{listed} 年的节假日安排尚未载入：每日催收运行在该年按临时日历（周末及 1 月 1 日、5 月 1 日、"
                  "10 月 1 日至 3 日）安排发送，请尽快用 dunning calendar add-year 载入国务院办公厅通知",
            "en": f"the {listed_en} holiday calendar is not loaded: the daily dunning run times its letters in that "
                  "year on a provisional calendar (weekends, 1 Jan, 1 May, 1-3 Oct); load the State Council notice "
                  "with `dunning calendar add-year`"}
