"""The periodic schedule: one daily run per business day whatever the number of tickers, run at the
run hour in Shanghai (or as soon as a ticker is up after it), through a year whose holiday notice is
not loaded; the minute sweep. Time is a fixed clock moved by the test."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.jobs import wait_for
from tests.mail.letters import CLERK, seed_debtor
from tests.uow import run
from workflow.cases.models import ScheduledRun
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core
from workflow.jobs.queue import InlineQueue
from workflow.jobs.schedule import DAILY_RUN, STALE_CLAIM, Scheduler, Status, Ticker
from workflow.jobs.tasks import JOBS_ACTOR, TASKS
from workflow.mail.transport import MemoryTransport
from workflow.unit_of_work import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def set_clock(core: Core, when: datetime) -> None:
    assert isinstance(core.clock, FixedClock)
    core.clock.advance(when - core.clock.now())


class Counting:
    """The real tasks, each call counted by (task, args)."""

    def __init__(self, **replace: Callable[..., Any]) -> None:
        self.calls: Counter[tuple[Any, ...]] = Counter()
        self.tasks = {name: self._wrap(name, replace.get(name, fn)) for name, fn in TASKS.items()}

    def _wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(core: Core, *args: Any) -> Any:
            self.calls[(name, *args)] += 1
            return fn(core, *args)

        return counted

    def runs(self) -> Counter[str]:
        return Counter({args[0]: n for (name, *args), n in self.calls.items() if name == DAILY_RUN})


def scheduled(core: Core) -> list[ScheduledRun]:
    with core.unit_of_work(JOBS_ACTOR, read_only=True) as uow:
        return list(uow.session.scalars(select(ScheduledRun).where(ScheduledRun.job == DAILY_RUN)
                                        .order_by(ScheduledRun.run_on)))


def test_january_2027_one_run_a_day_on_the_provisional_calendar(core: Core) -> None:
    """2027's holiday notice is not loaded: the run goes on every day, on weekends and 1 January
    finding no working day, and each day's run happens exactly once however often the clock ticks."""
    counting = Counting()
    scheduler = Scheduler(core, InlineQueue(core, counting.tasks), name="host-a")
    day = date(2027, 1, 1)
    while day.month == 1:
        for hour, minute in ((0, 30), (8, 59), (9, 0), (9, 5), (12, 0), (23, 59)):
            set_clock(core, at(day, hour, minute))
            result = scheduler.tick()
            assert (result.run_on == day) == ((hour, minute) == (9, 0)), (day, hour, minute)
        day += timedelta(days=1)

    january = [date(2027, 1, d) for d in range(1, 32)]
    assert counting.runs() == Counter({d.isoformat(): 1 for d in january})
    rows = scheduled(core)
    assert [r.run_on for r in rows] == january
    assert {r.status for r in rows} == {Status.DONE} and {r.claimed_by for r in rows} == {"host-a"}
    for r in rows:
        assert r.summary is not None and r.summary["provisional_calendar"] is True
        # the provisional year: weekends and 1 January are rest days, everything else is worked
        assert r.summary["working_day"] is (r.run_on.weekday() < 5 and r.run_on != date(2027, 1, 1)), r.run_on


def test_many_tickers_at_once_claim_and_run_the_day_once(any_db: Core) -> None:
    core = any_db
    set_clock(core, at(date(2026, 12, 1), 9, 0))
    counting = Counting()
    tickers = [Scheduler(core, InlineQueue(core, counting.tasks), name=f"host-{i}") for i in range(8)]
    start = threading.Barrier(len(tickers))

    def tick(s: Scheduler) -> bool:
        start.wait()
        return s.tick().claimed

    with ThreadPoolExecutor(len(tickers)) as pool:
        won = list(pool.map(tick, tickers))
    assert won.count(True) == 1
    assert counting.runs() == Counter({"2026-12-01": 1})
    [row] = scheduled(core)
    assert row.status == Status.DONE and row.claimed_by == f"host-{won.index(True)}"


def test_a_ticker_started_after_the_run_hour_runs_the_missed_run_once(core: Core) -> None:
    counting = Counting()
    late = Scheduler(core, InlineQueue(core, counting.tasks))
    set_clock(core, at(date(2026, 12, 2), 15, 0))  # the host was down at 09:00
    assert late.tick().run_on == date(2026, 12, 2)
    assert late.tick().run_on is None
    set_clock(core, at(date(2026, 12, 3), 8, 59))  # the next day: not before its hour
    assert late.tick().run_on is None
    set_clock(core, at(date(2026, 12, 3), 9, 0))
    assert late.tick().run_on == date(2026, 12, 3)
    assert counting.runs() == Counter({"2026-12-02": 1, "2026-12-03": 1})


def test_the_run_hour_is_in_the_business_time_zone(core: Core) -> None:
    counting = Counting()
    scheduler = Scheduler(core, InlineQueue(core, counting.tasks))
    # 01:30 UTC is 09:30 in Shanghai: the run of that Shanghai day, not of the previous UTC one
    set_clock(core, datetime(2026, 12, 4, 0, 59, tzinfo=ZoneInfo("UTC")))
    assert scheduler.tick().run_on is None
    set_clock(core, datetime(2026, 12, 4, 1, 30, tzinfo=ZoneInfo("UTC")))
    assert scheduler.tick().run_on == date(2026, 12, 4)


def test_a_claim_whose_claimer_died_before_enqueueing_is_run_by_another_ticker_later(core: Core) -> None:
    day = date(2026, 12, 7)
    with core.unit_of_work(JOBS_ACTOR) as uow:  # claimed at 09:00 by a host that then lost power
        uow.session.add(ScheduledRun(job=DAILY_RUN, run_on=day, status=Status.CLAIMED, claimed_by="host-dead",
                                     claimed_at=at(day, 9, 0)))
    counting = Counting()
    scheduler = Scheduler(core, InlineQueue(core, counting.tasks), name="host-b")
    set_clock(core, at(day, 9, 0) + STALE_CLAIM - timedelta(minutes=1))  # it may still be enqueueing it
    assert scheduler.tick().run_on is None
    set_clock(core, at(day, 9, 0) + STALE_CLAIM + timedelta(minutes=1))
    result = scheduler.tick()
    assert result.run_on == day and not result.claimed
    assert counting.runs() == Counter({day.isoformat(): 1})
    [row] = scheduled(core)
    assert row.status == Status.DONE and row.claimed_by == "host-dead"


def test_a_failed_run_is_recorded_and_not_started_again_by_the_schedule(core: Core,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    def broken(actor: Any, as_of: date, **options: Any) -> Any:
        raise RuntimeError("the database went away")

    core.services.dunning.run = broken  # type: ignore[method-assign]
    counting = Counting()
    scheduler = Scheduler(core, InlineQueue(core, counting.tasks))
    day = date(2026, 12, 8)
    for hour in (9, 10, 12, 18):
        set_clock(core, at(day, hour))
        scheduler.tick()
    assert counting.runs() == Counter({day.isoformat(): 1})
    [row] = scheduled(core)
    assert row.status == Status.FAILED and row.summary == {"error": "RuntimeError: the database went away"}
    assert "the database went away" in caplog.text


def test_the_sweep_is_enqueued_once_a_minute_whatever_the_number_of_ticks(core: Core) -> None:
    counting = Counting()
    queue = InlineQueue(core, counting.tasks)
    a, b = Scheduler(core, queue, name="a"), Scheduler(core, queue, name="b")
    set_clock(core, at(date(2026, 12, 9), 8, 0))
    assert [a.tick().swept, b.tick().swept, a.tick().swept] == [True, False, False]
    assert counting.calls[("sweep",)] == 1 and counting.calls[("finish_pending",)] == 1
    assert counting.runs() == Counter()  # before the run hour


def test_the_ticker_thread_ticks_until_stopped(core: Core) -> None:
    set_clock(core, at(date(2026, 12, 10), 9, 30))
    counting = Counting()
    ticker = Ticker(Scheduler(core, InlineQueue(core, counting.tasks)), interval=0.05).start()
    try:
        wait_for("the first run", lambda: [r for r in scheduled(core) if r.status != Status.CLAIMED], timeout=60)
    finally:
        ticker.stop()
    assert not ticker.alive
    assert counting.runs() == Counter({"2026-12-10": 1})


def test_a_letter_whose_send_job_was_lost_goes_out_with_the_next_sweep(core: Core, shipped_templates: None) -> None:
    """Redis was flushed (or the process died) between the outbox's commit and its job: the row is
    in the database, so the sweep finds and sends it; a sweep after that sends nothing more."""
    lost: list[int] = []
    core.job_queue = InlineQueue(core, {**TASKS, "send_outbox": lambda _core, oid: lost.append(oid)})
    debtor = seed_debtor(core)

    def letter(uow: UnitOfWork) -> int:
        return core.services.outbox.queue(uow, customer_id=debtor.customer_id, case_id=debtor.case_id,
                                          document_id=debtor.document_id, kind="dunning_letter_1", language="zh",
                                          automated=False, contact_on=uow.today()).id

    oid = run(core, CLERK, letter)
    assert lost == [oid]
    transport = core.services.outbox.transport
    assert isinstance(transport, MemoryTransport) and transport.sent == []
    assert TASKS["sweep"](core) == {"outbox": 1, "webhooks": 0, "bundles": 0}
    assert len(transport.sent) == 1 and debtor.case_ref.encode() in transport.sent[0][1]
    assert TASKS["sweep"](core) == {"outbox": 0, "webhooks": 0, "bundles": 0}
    assert len(transport.sent) == 1


def test_dunning_up_ticks_the_schedule_itself_only_when_jobs_run_inline(
        core: Core, settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.cli.admin import _start_schedule

    monkeypatch.setenv("DUNNING_LOCALE", "en")
    set_clock(core, at(date(2026, 12, 11), 9, 30))
    ticker = _start_schedule(core)
    assert ticker is not None
    try:
        [row] = wait_for("the day's run", lambda: [r for r in scheduled(core) if r.status != Status.CLAIMED],
                         timeout=60)
    finally:
        ticker.stop()
    assert row.run_on == date(2026, 12, 11) and row.status == Status.DONE
    assert "schedule: in this process (the dunning run daily at 9:00 Asia/Shanghai" in capsys.readouterr().out

    on_redis = Core(settings=settings.with_(job_runner="rq", redis_url="redis://127.0.0.1:1/0"), db=core.db,
                    clock=core.clock, files=core.files, audit=core.audit)
    assert _start_schedule(on_redis) is None
    assert "start `dunning worker --with-schedule`" in capsys.readouterr().out
