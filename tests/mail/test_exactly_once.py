"""Exactly once, as far as SMTP allows: 200 letters go out (from a SQLite file, then a PostgreSQL
database) through a real sender process that is
killed with SIGKILL at random points and restarted, to a real SMTP server that delivers into a
real IMAP mailbox. Counted by Message-ID in the mailbox: none is missing, and a letter arrives
twice only when a kill hit the window between the server's acceptance and our commit — so the
duplicates are at most the kills (printed, with the rows that were recovered as unknown).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests.conftest import FIXED_NOW, SYSTEM_ACTOR, TEMPLATE_CACHE, postgres_url
from tests.jobs import own_database, redis_server_url
from tests.mail.letters import CLERK, FINANCE, TINY_PDF, seed_debtor, with_pdf
from tests.mailserver import MailServers
from tests.uow import run
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core, build_core
from workflow.mail.models import OutboxAttempt, OutboxMessage
from workflow.mail.outbox import LocalRateLimiter, Outbox
from workflow.mail.transport import MemoryTransport
from workflow.migrate import upgrade
from workflow.unit_of_work import UnitOfWork

LETTERS = 200
KILLS = 10
SEED = 20261126
OVERALL_TIMEOUT = 600.0  # seconds; the loop ends when every row is sent, long before this


@dataclass
class Stage:
    core: Core
    env: dict[str, str]
    message_ids: list[str]


def _settings(tmp_path: Path, servers: MailServers, database_url: str = "") -> Settings:
    return Settings(instance_path=tmp_path / "instance", database_url=database_url, mail_transport="smtp",
                    smtp_url=servers.smtp_url, smtp_timeout_seconds=1, smtp_rate_per_minute=100_000,
                    pdf_converter="none", secret_key="test-secret", mailbox_dir=tmp_path / "mailbox")


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUNNING_")}
    env.update({
        "DUNNING_INSTANCE_PATH": str(settings.instance_path),
        "DUNNING_DATABASE_URL": settings.effective_database_url,
        "DUNNING_MAIL_TRANSPORT": "smtp",
        "DUNNING_SMTP_URL": settings.smtp_url,
        # the lease is three SMTP timeouts: a killed sender's rows are recovered after 3 s
        "DUNNING_SMTP_TIMEOUT_SECONDS": str(settings.smtp_timeout_seconds),
        "DUNNING_SMTP_RATE_PER_MINUTE": str(settings.smtp_rate_per_minute),
        "DUNNING_PDF_CONVERTER": "none",
        "DUNNING_SECRET_KEY": "test-secret",
        "DUNNING_LOCALE": "en",
    })
    redis = redis_server_url()
    if redis is not None:  # the per-account rate limit then lives in Redis, shared by the restarts
        env["DUNNING_REDIS_URL"] = own_database(redis, "gw10")  # an index no other test flushes
    return env


def _tiny_pdf(n: int) -> bytes:
    # each letter its own PDF, so each message is different bytes
    return TINY_PDF.replace(b"%%EOF", f"% letter {n}\n%%EOF".encode())


@contextmanager
def _database(kind: str) -> Iterator[str]:
    """'' (a SQLite file in the instance folder), or a fresh PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield ""
        return
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL not configured (set DUNNING_TEST_POSTGRES_URL)")
    name = f"dunning_test_{os.environ.get('DUNNING_TEST_DB_TAG', '')}exactly_once"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stage(request: pytest.FixtureRequest, tmp_path: Path, mail_servers: MailServers) -> Iterator[Stage]:
    with _database(request.param) as url:
        yield from _staged(tmp_path, mail_servers, url)


def _staged(tmp_path: Path, mail_servers: MailServers, database_url: str) -> Iterator[Stage]:
    settings = _settings(tmp_path, mail_servers, database_url)
    settings.instance_path.mkdir(parents=True)
    upgrade(settings.effective_database_url)
    core = build_core(settings, clock=FixedClock(FIXED_NOW), template_cache=TEMPLATE_CACHE)
    run(core, SYSTEM_ACTOR, core.services.templates.sync_shipped)
    debtor = seed_debtor(core)
    outbox = Outbox(settings=settings, files=core.files, transport=MemoryTransport(), unit_of_work=core.unit_of_work,
                    calendar=core.services.calc.calendar, enqueue_send=lambda _id: None,
                    limiter=LocalRateLimiter(100_000))
    documents = [with_pdf(core, debtor.document_id, _tiny_pdf(n)) for n in range(LETTERS)]

    def queue_all(uow: UnitOfWork) -> list[str]:
        # sent by a clerk (not automated), due long ago: the sender sends at once, whatever the hour
        return [outbox.queue(uow, customer_id=debtor.customer_id, case_id=debtor.case_id, document_id=doc,
                             kind="dunning_letter_1", language="zh", automated=False, contact_on=uow.today(),
                             not_before=datetime(2020, 1, 1, tzinfo=UTC)).message_id for doc in documents]

    ids = run(core, CLERK, queue_all)
    try:
        yield Stage(core, _env(settings), ids)
    finally:
        core.close()


def _count(core: Core, *statuses: str) -> int:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status.in_(statuses))) or 0)


def _sender(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "from workflow.cli import main; main()", "outbox", "send-due",
                             "--until-empty"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.slow
@pytest.mark.integration
def test_200_letters_survive_sigkill_with_none_missing(stage: Stage, mail_servers: MailServers) -> None:
    rng = random.Random(SEED)
    deadline = time.monotonic() + OVERALL_TIMEOUT
    kills = 0
    runs = 0
    while _count(stage.core, "sent") < LETTERS:
        assert time.monotonic() < deadline, f"not done after {OVERALL_TIMEOUT} s: {kills} kills, {runs} runs"
        proc = _sender(stage.env)
        runs += 1
        if kills < KILLS:
            # kill at a random point of the sending: after a random number of further letters went out,
            # plus a random fraction of one letter's time, so some kills land mid-conversation
            target = _count(stage.core, "sent") + rng.randint(1, 15)
            while proc.poll() is None and _count(stage.core, "sent") < target and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.03))
            if proc.poll() is None:  # (it may have finished everything first)
                proc.send_signal(signal.SIGKILL)
                proc.communicate()
                kills += 1
                continue
        _, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        assert proc.returncode == 0, err.decode(errors="replace")

    with stage.core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        recovered = sorted(set(uow.session.scalars(select(OutboxAttempt.outbox_id)
                                                   .where(OutboxAttempt.outcome == "recovered"))))
        statuses = dict(uow.session.execute(select(OutboxMessage.status, func.count())
                                            .group_by(OutboxMessage.status)).all())
    counts = mail_servers.count_by_message_id(FINANCE)
    missing = [m for m in stage.message_ids if counts[m] == 0]
    duplicates = sum(n - 1 for m, n in counts.items() if n > 1)
    strangers = [m for m in counts if m not in set(stage.message_ids)]
    print(f"\nexactly-once: {LETTERS} letters, {runs} sender runs, {kills} SIGKILLs, {duplicates} duplicates, "
          f"{len(recovered)} rows recovered as unknown {recovered}, statuses {statuses}")
    assert statuses == {"sent": LETTERS}
    assert missing == []
    assert strangers == []
    assert kills == KILLS
    assert duplicates <= kills
