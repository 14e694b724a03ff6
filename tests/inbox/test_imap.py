"""Reading a real IMAP server (Dovecot, tests/mailserver.py) without losing or doubling a message:
appended messages are processed once and moved out of the folder; a poller SIGKILLed after storing
some of a batch and started again loses nothing and processes nothing twice; a UIDVALIDITY reset
(the folder deleted and made again, the same messages appended again) re-syncs without duplicates."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR
from tests.inbox.desk import MAIL_FROM, all_inbound, debtor, reply, sample
from tests.mailserver import MailServers
from tests.uow import read
from workflow.audit.models import AuditEntry
from workflow.cases.models import Promise
from workflow.config import Settings
from workflow.core import Core, build_core
from workflow.migrate import upgrade

USER = "ar@dunning.example"
PROCESSED = "Dunning-Processed"
NAMES = ["001-outlook_zh-promise_to_pay.eml", "010-gmail_zh-promise_to_pay.eml", "021-outlook_zh-paid.eml",
         "029-outlook_zh-dispute.eml", "040-foxmail-hardship.eml", "046-outlook_zh-auto_reply.eml",
         "050-outlook_zh-other.eml", "069-foxmail-promise_to_pay.eml"]
DUNNING = str(Path(sys.executable).with_name("dunning"))
# `dunning inbox poll`, SIGKILLed right after the k-th new message is committed: before it is processed,
# before anything moves on the server (the fault is injected here, not in the product)
KILLED_POLLER = """
import os, signal, sys
from workflow.mail import replies
k = int(sys.argv.pop(1))
stored = [0]
original = replies.Inbox.store
def store(self, *args, **kwargs):
    result = original(self, *args, **kwargs)
    if result.new:
        stored[0] += 1
        if stored[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)
    return result
replies.Inbox.store = store
from workflow.cli import main
main()
"""


def _settings(tmp_path: Path, servers: MailServers, folder: str) -> Settings:
    url = f"imap://{quote(USER, safe='')}:{servers.users[USER]}@{servers.imap_host}:{servers.imap_port}/{folder}"
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", mail_from=MAIL_FROM, imap_url=url,
                    imap_processed_folder=PROCESSED, reply_confidence_threshold=Decimal("0.5"))


def _env(settings: Settings, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUNNING_")}
    env.update({"DUNNING_INSTANCE_PATH": str(settings.instance_path), "DUNNING_MAILBOX_DIR": str(settings.mailbox_dir),
                "DUNNING_MAIL_TRANSPORT": "memory", "DUNNING_PDF_CONVERTER": "none", "DUNNING_LOCALE": "en",
                "DUNNING_SECRET_KEY": "test-secret", "DUNNING_MAIL_FROM": MAIL_FROM,
                "DUNNING_IMAP_URL": settings.imap_url, "DUNNING_IMAP_PROCESSED_FOLDER": PROCESSED,
                "DUNNING_REPLY_CONFIDENCE_THRESHOLD": "0.5", **more})
    return env


@pytest.fixture
def servers(mail_servers: MailServers) -> MailServers:
    with mail_servers.imap(USER) as client:
        for folder in (PROCESSED, "Replies"):
            if client.folder_exists(folder):
                client.delete_folder(folder)
    return mail_servers


def _core(settings: Settings) -> Iterator[Core]:
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)  # the schema a `dunning` process finds at head
    core = build_core(settings)  # files on disk: a second process shares them
    try:
        yield core
    finally:
        core.close()


@pytest.fixture
def inbox_core(tmp_path: Path, servers: MailServers) -> Iterator[Core]:
    yield from _core(_settings(tmp_path, servers, "INBOX"))


def _debtors(core: Core) -> list[int]:
    """The cases the promises are made on (the others' replies wait in triage, unmatched)."""
    first = debtor(core, "AR-2026-0042", "lina@csot.com.cn")
    second = debtor(core, "AR-2026-0083", "caijialing@ivo.com.cn", code="C2", creditor_id=first.creditor_id,
                    token="t2")
    return [first.case_id, second.case_id]


def _append(servers: MailServers, raws: list[bytes], folder: str = "INBOX") -> None:
    with servers.imap(USER) as client:
        for raw in raws:
            client.append(folder, raw)


def _count(core: Core, *actions: str) -> int:
    return int(read(core, SYSTEM_ACTOR, lambda uow: uow.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action.in_(actions)))) or 0)


def _promises(core: Core) -> int:
    return int(read(core, SYSTEM_ACTOR, lambda uow: uow.session.scalar(select(func.count()).select_from(Promise))) or 0)


def _hashes(messages: list[bytes]) -> list[str]:
    return sorted(hashlib.sha256(m).hexdigest() for m in messages)


def _check_each_once(core: Core, servers: MailServers, n: int, folder: str = "INBOX") -> None:
    rows = all_inbound(core)
    assert len(rows) == n
    assert [r.status for r in rows if r.status == "stored"] == []  # everything processed
    assert all(r.server_done for r in rows)
    assert servers.messages(USER, folder) == []
    filed = servers.messages(USER, PROCESSED)
    assert sorted(set(_hashes(filed))) == sorted(r.sha256 for r in rows)  # what we kept is what was there
    assert _count(core, "inbound.stored") == n
    assert _count(core, "inbound.processed", "inbound.triage", "inbound.failed") == n  # processed once each


def _check_moved_once(core: Core) -> None:
    """Each case moved once per reply that moved it (whether a promise dated by the real clock is
    still ahead depends on the day the test runs; the dispute does not)."""
    promised = [r for r in all_inbound(core) if (r.outcome or {}).get("event") == "promise_recorded"]
    assert _promises(core) == _count(core, "case.promise_recorded") == len(promised)
    assert _count(core, "case.dispute_raised") == 1


def test_appended_messages_are_processed_once(inbox_core: Core, servers: MailServers) -> None:
    _debtors(inbox_core)
    raws = [sample(n) for n in NAMES]
    _append(servers, raws)

    report = inbox_core.services.inbox.poll()

    assert (report.seen, report.stored, report.server_done, report.resynced) == (len(raws), len(raws), len(raws),
                                                                                 False)
    _check_each_once(inbox_core, servers, len(raws))
    _check_moved_once(inbox_core)
    again = inbox_core.services.inbox.poll()
    assert (again.seen, again.stored) == (0, 0)


@pytest.mark.parametrize("killed_after", [1, 5])
def test_a_poller_killed_mid_batch_loses_nothing_and_doubles_nothing(
        inbox_core: Core, servers: MailServers, killed_after: int) -> None:
    _debtors(inbox_core)
    raws = [sample(n) for n in NAMES]
    _append(servers, raws)
    settings = inbox_core.settings

    # the poller dies (SIGKILL) right after committing the k-th message: before processing it,
    # before moving anything on the server
    first = subprocess.run([sys.executable, "-c", KILLED_POLLER, str(killed_after), "inbox", "poll"],
                           env=_env(settings), capture_output=True, timeout=300, check=False)
    assert first.returncode == -signal.SIGKILL, first.stderr.decode()
    assert [r.status for r in all_inbound(inbox_core)] == ["stored"] * killed_after
    assert len(servers.messages(USER)) == len(raws)  # all still on the server

    second = subprocess.run([DUNNING, "inbox", "poll", "--json"], env=_env(settings), capture_output=True,
                            timeout=300, check=False)

    assert second.returncode == 0, second.stderr.decode()
    _check_each_once(inbox_core, servers, len(raws))
    _check_moved_once(inbox_core)


def test_a_uidvalidity_reset_resyncs_without_duplicates(tmp_path: Path, servers: MailServers) -> None:
    with servers.imap(USER) as client:
        client.create_folder("Replies")
    for core in _core(_settings(tmp_path, servers, "Replies")):
        _debtors(core)
        raws = [sample(n) for n in NAMES]
        _append(servers, raws, "Replies")
        assert core.services.inbox.poll().stored == len(raws)

        with servers.imap(USER) as client:
            before = client.select_folder("Replies", readonly=True)[b"UIDVALIDITY"]
            after = before
            for _ in range(5):  # Dovecot derives UIDVALIDITY from the clock: a new second gives a new one
                client.unselect_folder()
                client.delete_folder("Replies")
                client.create_folder("Replies")
                after = client.select_folder("Replies", readonly=True)[b"UIDVALIDITY"]
                if after != before:
                    break
                subprocess.run(["sleep", "1"], check=True)
            assert after != before
        new = reply(sender="lina@csot.com.cn", subject="Re: [AR-2026-0042] 对账", body="对账单已收到，下周回复。")
        _append(servers, [*raws, new], "Replies")

        report = core.services.inbox.poll()

        assert report.resynced and (report.seen, report.stored) == (len(raws) + 1, 1)
        rows = all_inbound(core)
        assert len(rows) == len(raws) + 1 and all(r.server_done for r in rows)
        assert servers.messages(USER, "Replies") == []
        assert len(servers.messages(USER, PROCESSED)) == 2 * len(raws) + 1  # the re-appended copies filed too
        assert _count(core, "inbound.stored") == len(raws) + 1
        assert _count(core, "inbound.processed", "inbound.triage", "inbound.failed") == len(raws) + 1
        _check_moved_once(core)


def test_idle_wakes_the_reader_when_mail_arrives(inbox_core: Core, servers: MailServers) -> None:
    from workflow.mail.imap import ImapInbox

    source = ImapInbox(inbox_core.settings)
    with source.connect() as client:
        assert source.read(client, inbox_core.services.inbox, 10).seen == 0
        _append(servers, [sample(NAMES[0])])  # another client delivers while we wait

        woken = source.wait(client, 60)

        assert woken
        assert source.read(client, inbox_core.services.inbox, 10).stored == 1


def test_a_refused_connection_is_retried_with_growing_pauses(tmp_path: Path) -> None:
    from tests.mailserver import free_port
    from workflow.mail.imap import ImapInbox

    settings = Settings(instance_path=tmp_path, imap_url=f"imap://u:p@127.0.0.1:{free_port()}/INBOX")
    pauses: list[float] = []
    source = ImapInbox(settings, sleep=pauses.append)

    source.watch(None, 10, 60, stop=lambda: len(pauses) >= 10)  # type: ignore[arg-type]

    assert pauses == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]


def test_without_move_read_messages_are_flagged_and_skipped(inbox_core: Core, servers: MailServers) -> None:
    from workflow.mail.imap import DONE_KEYWORD, ImapInbox

    _debtors(inbox_core)
    _append(servers, [sample(n) for n in NAMES[:3]])
    inbox = inbox_core.services.inbox
    source = ImapInbox(inbox_core.settings, use_move=False)  # as on a server that offers no MOVE

    report = source.poll(inbox, 100)

    assert (report.stored, report.server_done) == (3, 3)
    with servers.imap(USER) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search("ALL"))
    assert len(flags) == 3
    assert all(b"\\Seen" in f and DONE_KEYWORD.encode() in f for f in flags.values())
    assert source.poll(inbox, 100).seen == 0
    # even read again from the start (a new UIDVALIDITY would do that), the flagged ones are skipped
    inbox.reset_mailbox(source.name, 1)
    assert source.poll(inbox, 100).seen == 0


def test_the_same_bytes_twice_in_the_folder_are_one_reply_and_both_leave(inbox_core: Core,
                                                                         servers: MailServers) -> None:
    _debtors(inbox_core)
    raw = sample(NAMES[0])
    _append(servers, [raw, raw])

    report = inbox_core.services.inbox.poll()

    assert (report.seen, report.stored) == (2, 1)
    assert len(all_inbound(inbox_core)) == 1 and _count(inbox_core, "inbound.stored") == 1
    assert servers.messages(USER) == [] and len(servers.messages(USER, PROCESSED)) == 2
