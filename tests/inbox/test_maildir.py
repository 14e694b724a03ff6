"""The embedded default: a reply dropped into ``<mailbox_dir>/inbox/new/`` is stored, processed once,
and filed in ``cur/``; a pass that died after storing is finished by the next one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR
from tests.inbox.desk import all_inbound, case_of, debtor, drop, inbound, sample
from tests.uow import read
from workflow.audit.models import AuditEntry
from workflow.cases.models import Promise
from workflow.core import Core
from workflow.jobs.tasks import TASKS
from workflow.unit_of_work import UnitOfWork

PROMISE = "001-outlook_zh-promise_to_pay.eml"  # 李娜 of 华星光电: 2026-11-30, then 12-05


def _promises(core: Core, case_id: int) -> list[Promise]:
    def q(uow: UnitOfWork) -> list[Promise]:
        rows = list(uow.session.scalars(select(Promise).where(Promise.case_id == case_id)))
        for r in rows:
            uow.session.expunge(r)
        return rows

    return read(core, SYSTEM_ACTOR, q)


def _audits(core: Core, action: str) -> int:
    return int(read(core, SYSTEM_ACTOR, lambda uow: uow.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))) or 0)


def test_a_dropped_reply_is_processed_once_and_filed(any_db: Core) -> None:
    core = any_db
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    inbox_dir = core.settings.mailbox_dir / "inbox"
    drop(core, sample(PROMISE), "1764120000.M1P1.host")

    report = core.services.inbox.poll()

    assert (report.seen, report.stored, report.processed, report.server_done) == (1, 1, {"processed": 1}, 1)
    [row] = all_inbound(core)
    assert (row.status, row.intent, row.matched_by, row.case_id, row.server_done) == (
        "processed", "promise_to_pay", "in_reply_to", d.case_id, True)
    assert core.files.get(row.sha256) == sample(PROMISE)
    assert case_of(core, d.case_id).state == "promise_pending"
    [promise] = _promises(core, d.case_id)
    assert (promise.promised_on, promise.source, promise.status) == (date(2026, 11, 30), "reply", "pending")
    assert not list((inbox_dir / "new").iterdir())
    assert [p.name for p in (inbox_dir / "cur").iterdir()] == ["1764120000.M1P1.host:2,S"]

    # the next pass finds nothing; the same bytes delivered again are filed without a second move
    assert core.services.inbox.poll().seen == 0
    drop(core, sample(PROMISE), "1764120099.M2P1.host")
    again = core.services.inbox.poll()
    assert (again.seen, again.stored, again.server_done) == (1, 0, 1)
    assert len(all_inbound(core)) == 1 and len(_promises(core, d.case_id)) == 1
    assert _audits(core, "case.promise_recorded") == 1
    assert not list((inbox_dir / "new").iterdir())


def test_a_pass_that_died_after_storing_is_finished_by_the_next(any_db: Core) -> None:
    core = any_db
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    path = drop(core, sample(PROMISE), "1764120000.M1P1.host")
    inbox = core.services.inbox
    # what a pass does before it dies: the bytes are committed, nothing else happened
    stored = inbox.store(path.read_bytes(), mailbox=inbox.source().name, maildir_key=path.name)
    assert inbound(core, stored.id).status == "stored" and path.exists()

    report = inbox.poll()

    assert (report.stored, report.processed, report.server_done) == (0, {"processed": 1}, 1)
    assert [r.status for r in all_inbound(core)] == ["processed"]
    assert len(_promises(core, d.case_id)) == 1 and not path.exists()
    assert _audits(core, "inbound.stored") == 1 and _audits(core, "inbound.processed") == 1


def test_bytes_that_are_no_mail_are_kept_and_shown_to_a_clerk(core: Core) -> None:
    junk = b"\xff\xfe\x00garbage without headers\r\n\x00\x01"
    drop(core, junk, "1764120000.M9P1.host")

    core.services.inbox.poll()

    [row] = all_inbound(core)
    assert core.files.get(row.sha256) == junk
    assert row.status in ("triage", "failed") and row.server_done


def test_the_inbox_job_reads_the_maildir(core: Core) -> None:
    d = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    drop(core, sample(PROMISE), "1764120000.M1P1.host")

    result = TASKS["poll_inbox"](core)

    assert result["processed"] == {"processed": 1}
    assert case_of(core, d.case_id).state == "promise_pending"
    assert _promises(core, d.case_id)[0].amount > Decimal(0)


def test_two_pollers_storing_the_same_message_at_once_keep_one_row(any_db: Core) -> None:
    import threading

    core = any_db
    debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    raw = sample(PROMISE)
    inbox = core.services.inbox
    start = threading.Barrier(4)
    results: list[int] = []

    def poller() -> None:
        start.wait()
        results.append(inbox.store(raw, mailbox="imap://ar@mail.test:993/INBOX", uid=7, uidvalidity=1).id)

    threads = [threading.Thread(target=poller) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == 4 and len(set(results)) == 1
    assert len(all_inbound(core)) == 1 and _audits(core, "inbound.stored") == 1
    assert inbox.mailbox_state("imap://ar@mail.test:993/INBOX") == (1, 7)


def test_the_minute_sweep_reads_the_mailbox(core: Core) -> None:
    from workflow.jobs.schedule import Scheduler

    enqueued: list[tuple[str, str, str | None]] = []

    class Recording:
        def enqueue(self, queue: str, task: str, *args: int | str, job_id: str | None = None) -> None:
            enqueued.append((queue, task, job_id))

        def try_lock(self, name: str, seconds: float) -> bool:
            return True

        def close(self) -> None:
            pass

    Scheduler(core, jobs=Recording()).tick()

    assert ("inbox", "poll_inbox", "poll_inbox") in enqueued
