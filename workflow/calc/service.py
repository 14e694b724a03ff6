"""The effective calendar and rate table (shipped data + administrator's additions), the writes
that add to them, and the calculators as the API and CLI call them.

``LawData`` is built once (``core.services.calc``). Writes run in the caller's unit of work and are
for administrators only, checked here so the CLI's actor and jobs meet the same rule as the API;
readers pass the session of theirs. A ``LawRefusal`` from the pure engine leaves here as a
``ValidationFailed`` naming the same field, so the web layer answers 422 and the CLI exits 2.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.calc.models import CalendarYearRow, RateQuoteRow
from workflow.calc.schemas import InterestIn, LimitationIn
from workflow.errors import Conflict, FieldProblem, ValidationFailed, invalid
from workflow.law.interest import calculate
from workflow.law.limitation import compute_limitation
from workflow.law.rates import RateQuote, RateTable, shipped_quotes
from workflow.law.refusals import LawRefusal
from workflow.law.words import rmb_upper
from workflow.law.workdays import CalendarYear, WorkCalendar, shipped_years
from workflow.unit_of_work import UnitOfWork

T = TypeVar("T")
MAX_UPLOAD = 1024 * 1024
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the NIFC publishes on Beijing time, whatever the server's zone
PUBLICATION_TIME = time(9, 15)
NEXT_YEAR_DUE = (11, 1)  # (month, day) from which next year's missing calendar is warned about


def as_validation(exc: LawRefusal, prefix: str = "") -> ValidationFailed:
    where = f"{prefix}.{exc.field}" if prefix and exc.field else (exc.field or prefix)
    return ValidationFailed([FieldProblem(where, exc.code, exc.zh, exc.en)])


@contextmanager
def refusals_as_422(prefix: str = "") -> Iterator[None]:
    try:
        yield
    except LawRefusal as exc:
        raise as_validation(exc, prefix) from exc


@lru_cache(maxsize=1)
def _shipped_years() -> tuple[CalendarYear, ...]:
    return tuple(shipped_years())


@lru_cache(maxsize=1)
def _shipped_quotes() -> tuple[RateQuote, ...]:
    return tuple(shipped_quotes())


def parse_year_csv(text: str, source: str) -> CalendarYear:
    """``date,kind,name`` with kind ``holiday`` (a rest day) or ``workday`` (调休上班)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"date", "kind", "name"} <= set(reader.fieldnames):
        raise LawRefusal("file", "bad_header", "CSV 表头应为 date,kind,name", "the CSV header must be date,kind,name")
    days: dict[str, dict[str, str]] = {"holidays": {}, "workdays": {}}
    years: set[int] = set()
    for n, row in enumerate(reader, start=2):
        kind = (row["kind"] or "").strip()
        if kind not in ("holiday", "workday"):
            raise LawRefusal(f"line {n}.kind", "unknown_kind", "kind 应为 holiday 或 workday",
                             "kind must be holiday or workday")
        raw = (row["date"] or "").strip()
        try:
            years.add(date.fromisoformat(raw).year)
        except ValueError as exc:
            raise LawRefusal(f"line {n}.date", "invalid_date", "日期格式应为 YYYY-MM-DD",
                             "date must be YYYY-MM-DD") from exc
        days[kind + "s"][raw] = (row["name"] or "").strip()
    if len(years) != 1:
        raise LawRefusal("file", "one_year", "一个文件只能包含一年的安排", "a file must hold exactly one year")
    return CalendarYear.from_json({"year": years.pop(), "source": source, **days})


class LawData:
    """The calculators over the effective calendar and rate table, and the administrator's additions."""

    def __init__(self, max_upload: int = MAX_UPLOAD) -> None:
        self.max_upload = max_upload

    # -- effective data ---------------------------------------------------------------------
    def calendar(self, s: Session) -> WorkCalendar:
        years = {y.year: y for y in _shipped_years()}
        for row in s.scalars(select(CalendarYearRow)):
            years[row.year] = CalendarYear.from_json(row.data)
        return WorkCalendar.of(years.values())

    def rate_table(self, s: Session, calendar: WorkCalendar | None = None) -> RateTable:
        """The rate table over the effective calendar (which dates the next LPR publication)."""
        added = [_quote(r) for r in s.scalars(select(RateQuoteRow))]
        return RateTable([*_shipped_quotes(), *added], calendar if calendar is not None else self.calendar(s))

    def status(self, uow: UnitOfWork) -> dict[str, Any]:
        """What the rate table and the calendar know, and what an administrator must add (read-only)."""
        cal = self.calendar(uow.session)
        return data_status(self.rate_table(uow.session, cal), cal, uow.now().astimezone(SHANGHAI))

    # -- writes -----------------------------------------------------------------------------
    def add_year(self, uow: UnitOfWork, content: bytes, filename: str) -> CalendarYear:
        uow.require_admin("仅管理员可载入节假日安排", "Only an administrator may load a holiday calendar")
        if len(content) > self.max_upload:
            raise invalid("file", "too_large", "文件过大", "the file is too large")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise invalid("file", "encoding", "文件应为 UTF-8 编码", "the file must be UTF-8") from exc
        with refusals_as_422():
            if filename.lower().endswith(".csv"):
                year = parse_year_csv(text, filename)
            else:
                try:
                    data = json.loads(text)
                except ValueError as exc:
                    raise LawRefusal("file", "invalid_json", "文件不是有效的 JSON，也不是 CSV",
                                     "the file is neither valid JSON nor CSV") from exc
                year = CalendarYear.from_json(data)
        if not year.source:
            year = CalendarYear(year.year, year.holidays, year.workdays, filename)
        s = uow.session
        row = s.scalar(select(CalendarYearRow).where(CalendarYearRow.year == year.year).with_for_update())
        before = None if row is None else row.data
        if row is None:
            row = CalendarYearRow(year=year.year)
            s.add(row)
        row.data, row.source = year.as_json(), year.source[:300]
        row.added_by, row.added_at = uow.actor.username, uow.now()
        _flush_or_conflict(s, "file", f"{year.year}")
        uow.audit("calendar.add_year", "law_calendar_year", year.year, before, row.data)
        return year

    def add_rate(self, uow: UnitOfWork, *, effective: date, rate_1y: Decimal, rate_5y: Decimal | None,
                 source: str, verified: bool, kind: str = "lpr") -> RateQuote:
        uow.require_admin("仅管理员可录入利率", "Only an administrator may add a rate quote")
        if not source.strip():
            raise invalid("source", "missing", "请注明来源（公告名称或网址）", "name the source (notice or URL)")
        if kind not in ("lpr", "pboc_benchmark"):
            raise invalid("kind", "unknown_kind", "种类应为 lpr 或 pboc_benchmark",
                          "kind must be lpr or pboc_benchmark")
        with refusals_as_422():
            quote = RateQuote("lpr" if kind == "lpr" else "pboc_benchmark", effective, rate_1y, rate_5y,
                              source.strip()[:300], verified)
        s = uow.session
        row = s.scalar(select(RateQuoteRow).where(RateQuoteRow.kind == kind, RateQuoteRow.effective == effective)
                       .with_for_update())
        before = None if row is None else _quote(row).as_row()
        if row is None:
            row = RateQuoteRow(kind=kind, effective=effective)
            s.add(row)
        row.rate_1y, row.rate_5y, row.source, row.verified = rate_1y, rate_5y, quote.source, verified
        row.added_by, row.added_at = uow.actor.username, uow.now()
        _flush_or_conflict(s, "effective", f"{kind} {effective.isoformat()}")
        uow.audit("rates.add", "law_rate_quote", f"{kind}:{effective.isoformat()}", before, quote.as_row())
        return quote

    # -- calculators ------------------------------------------------------------------------
    def interest(self, s: Session, body: InterestIn) -> dict[str, Any]:
        return _guarded(lambda: calculate(body.to_request(), self.rate_table(s)).as_json())

    def limitation(self, s: Session, body: LimitationIn) -> dict[str, Any]:
        return _guarded(lambda: compute_limitation(body.to_request(), self.calendar(s)).as_json())

    @staticmethod
    def words(amount: Decimal) -> dict[str, str]:
        return _guarded(lambda: {"amount": format(amount.quantize(Decimal("0.01")), "f"),
                                 "words": rmb_upper(amount)})


def data_status(table: RateTable, cal: WorkCalendar, now: datetime) -> dict[str, Any]:
    """The state of the law data at ``now`` (Beijing time) and the administrator's warnings: the
    next LPR quote is overdue from its publication (about 9:15, the day it applies from), a monthly
    quote is missing inside the table, the current year's calendar is missing, or next year's from
    1 November on (the State Council notice comes out late in the year before)."""
    today = now.date()
    warnings: list[dict[str, str]] = []
    last = table.last_lpr
    nxt = table.next_lpr_publication
    overdue = nxt is not None and now >= datetime.combine(nxt, PUBLICATION_TIME, now.tzinfo)
    if last is None or nxt is None:
        warnings.append({"code": "lpr_missing", "zh": "利率表中没有任何 LPR 报价",
                         "en": "the rate table has no LPR quote"})
    elif overdue:
        warnings.append({
            "code": "lpr_quote_overdue",
            "zh": f"{nxt:%Y-%m} 的 LPR 报价应已于 {nxt.isoformat()} 公布，尚未录入（最后一次报价为 "
                  f"{last.effective.isoformat()}）：{nxt.isoformat()} 及以后的利息计算将被拒绝，"
                  "请用 dunning rates add 录入",
            "en": f"the LPR quote of {nxt:%Y-%m}, due {nxt.isoformat()}, is not in the rate table (last quote: "
                  f"{last.effective.isoformat()}): interest from {nxt.isoformat()} on is refused until it is added "
                  "with `dunning rates add`"})
    for start, end in table.lpr_gaps():
        warnings.append({
            "code": "lpr_quote_gap",
            "zh": f"利率表缺少 {start.isoformat()} 至 {end.isoformat()} 期间的月度 LPR 报价，"
                  "这些日期的利息计算将被拒绝",
            "en": f"monthly LPR quotes are missing for {start.isoformat()} to {end.isoformat()}: interest on those "
                  "days is refused until they are added"})
    unverified = [q for q in table.quotes["lpr"] if not q.verified]
    for year, why_zh, why_en in _calendar_gaps(cal, today):
        warnings.append({
            "code": "calendar_year_missing",
            "zh": f"{year} 年的节假日安排尚未载入（{why_zh}）：请用 dunning calendar add-year 载入国务院办公厅通知；"
                  "载入前，每日催收运行在该年按临时日历（周末及 1 月 1 日、5 月 1 日、10 月 1 日至 3 日）安排发送",
            "en": f"the {year} holiday calendar is not loaded ({why_en}): load the State Council notice with "
                  "`dunning calendar add-year`; until then the daily dunning run times its letters in that year on "
                  "a provisional calendar (weekends, 1 Jan, 1 May, 1-3 Oct)"})
    return {
        "today": today.isoformat(),
        "lpr": {"last_quote": None if last is None else last.effective.isoformat(),
                "last_quote_verified": None if last is None else last.verified,
                "known_through": None if table.lpr_horizon is None else table.lpr_horizon.isoformat(),
                "next_publication": None if nxt is None else nxt.isoformat(),
                "overdue": overdue,
                "gaps": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in table.lpr_gaps()],
                "unverified_quotes": [q.effective.isoformat() for q in unverified]},
        "calendar": {"first_year": cal.first_year, "last_year": cal.last_year,
                     "next_year_loaded": cal.is_loaded(today.year + 1)},
        "warnings": warnings,
    }


def _calendar_gaps(cal: WorkCalendar, today: date) -> list[tuple[int, str, str]]:
    out = []
    if not cal.is_loaded(today.year):
        out.append((today.year, "今年", "the current year"))
    if today >= date(today.year, NEXT_YEAR_DUE[0], NEXT_YEAR_DUE[1]) and not cal.is_loaded(today.year + 1):
        out.append((today.year + 1, "通知通常于上一年 11 月前后发布，自 11 月 1 日起提示",
                    "the notice usually comes out in the autumn before; this warning shows from 1 November"))
    return out


def _flush_or_conflict(s: Session, field: str, what: str) -> None:
    """Two administrators adding the same year or quote at once: the later one is told, not a 500
    (on PostgreSQL ``FOR UPDATE`` cannot lock a row that does not exist yet)."""
    try:
        s.flush()
    except IntegrityError as exc:
        raise Conflict("同时有人录入了同一条数据，请重试", "someone else added the same entry just now; try again",
                       [FieldProblem(field, "concurrent_change", f"{what} 刚被他人录入", f"{what} was just added")]
                       ) from exc


def _guarded(fn: Callable[[], T]) -> T:
    with refusals_as_422():
        return fn()


def _quote(r: RateQuoteRow) -> RateQuote:
    return RateQuote("lpr" if r.kind == "lpr" else "pboc_benchmark", r.effective, r.rate_1y, r.rate_5y,
                     r.source, r.verified)
