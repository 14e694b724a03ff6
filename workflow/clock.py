"""The clock port: services ask it for "now" and "today" so tests can fix time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    tz: ZoneInfo

    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...

    def today(self) -> date:
        """The calendar date in the configured business time zone."""
        ...


class SystemClock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(self.tz).date()


class FixedClock:
    """In-memory clock for tests: starts at a given instant and moves only when told."""

    def __init__(self, at: datetime, tz: ZoneInfo | None = None) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.tz = tz or ZoneInfo("Asia/Shanghai")
        self._now = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(self.tz).date()

    def advance(self, delta: timedelta) -> None:
        self._now += delta
