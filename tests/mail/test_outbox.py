"""The outbox as the clerk and the debtor see it: the letter check stops threats before anything is
queued, failures are retried or shown on the case, an unknown outcome is resent as the very same
message, automated mail waits for contact hours, a rolled-back decision sends nothing, and the API
shows each message with the exact bytes sent."""

from __future__ import annotations

import email
import hashlib
import json
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.jobs import redis_url_fixture  # noqa: F401 (the redis_url fixture)
from tests.mail.letters import CLERK, FINANCE, docx_with, memory_outbox, queue, row, seed_debtor, with_pdf
from workflow.audit.models import AuditEntry
from workflow.cases.models import CaseNote, DunningCase
from workflow.clock import FixedClock
from workflow.core import Core
from workflow.errors import DomainError
from workflow.mail import texts
from workflow.mail.models import OutboxAttempt, OutboxMessage
from workflow.mail.outbox import LocalRateLimiter, RedisRateLimiter, is_throttling
from workflow.mail.transport import AmbiguousFailure, MemoryTransport, PermanentFailure, TemporaryFailure

pytestmark = pytest.mark.usefixtures("shipped_templates")


@pytest.fixture
def core(any_db: Core) -> Core:
    """Every test here on SQLite, then on PostgreSQL."""
    return any_db


def _audit(core: Core, action: str) -> list[AuditEntry]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _notes(core: Core, case_id: int) -> list[str]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        return list(uow.session.scalars(select(CaseNote.body).where(CaseNote.case_id == case_id)))


# ---- the letter check -----------------------------------------------------------------------------

def test_a_letter_threatening_a_criminal_complaint_is_refused_and_nothing_is_queued(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    threat = docx_with(core, debtor.document_id,
                       ["贵司拖欠货款至今未付。", "请于十日内付清，否则将向公安机关举报您诈骗。"])
    with pytest.raises(DomainError) as refused:
        queue(desk, debtor, document_id=threat)
    assert refused.value.status == 422
    assert {p.field for p in refused.value.problems} == {"document"}
    assert all(p.code == "letter.threat" for p in refused.value.problems)
    assert "公安机关" in refused.value.problems[0].zh
    assert desk.enqueued == []
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        assert uow.session.query(OutboxMessage).count() == 0


def test_a_mail_text_that_would_contact_family_members_is_refused(core: Core,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    original = texts.body
    monkeypatch.setattr(texts, "body", lambda *a: original(*a) + "\n如仍不付款，我们将联系您的家人。")
    with pytest.raises(DomainError) as refused:
        queue(desk, debtor)
    assert [p.field for p in refused.value.problems] == ["body"]
    assert desk.enqueued == []


def test_the_shipped_letters_and_mail_texts_pass_the_check(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    for kind in ("payment_reminder", "dunning_letter_1", "dunning_letter_3", "lawyer_letter", "statement",
                 "repayment_agreement"):
        for language in ("zh", "en"):
            queue(desk, debtor, kind=kind, language=language)
    assert len(desk.enqueued) == 12


# ---- queueing inside the caller's unit of work ----------------------------------------------------

def test_a_rolled_back_decision_queues_and_sends_nothing(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    with pytest.raises(RuntimeError), core.unit_of_work(CLERK) as uow:
        desk.outbox.queue(uow, customer_id=debtor.customer_id, case_id=debtor.case_id,
                          document_id=debtor.document_id, kind="dunning_letter_1", language="zh", automated=True,
                          contact_on=uow.today())
        raise RuntimeError("the run failed after queueing")
    assert desk.enqueued == []
    assert desk.outbox.send_due() == 0
    assert desk.transport.sent == []
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        assert uow.session.query(OutboxMessage).count() == 0


def test_queueing_registers_the_send_after_commit_and_audits_it(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, debtor)
    assert desk.enqueued == [oid]
    [entry] = _audit(core, "outbox.queue")
    assert entry.entity_id == str(oid)
    assert row(core, oid).status == "pending"


# ---- failures ---------------------------------------------------------------------------------------

def test_temporary_failures_back_off_then_fail_and_tell_the_clerk(core: Core, clock: FixedClock) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core, mail_max_attempts=3)
    oid = queue(desk, debtor, automated=False)
    desk.transport.fail_next = [TemporaryFailure("451 4.3.0 mailbox busy") for _ in range(3)]
    waits = []
    for _ in range(2):
        assert desk.outbox.send(oid) == "pending"
        r = row(core, oid)
        waits.append(r.next_attempt_at - clock.now())
        assert desk.outbox.send(oid) == "pending"  # not due yet: nothing is tried
        clock.advance(waits[-1])
    assert timedelta(seconds=48) <= waits[0] <= timedelta(seconds=72)
    assert timedelta(seconds=96) <= waits[1] <= timedelta(seconds=144)
    assert desk.outbox.send(oid) == "failed"
    r = row(core, oid)
    assert (r.attempts, r.error) == (3, "451 4.3.0 mailbox busy")
    assert desk.transport.sent == []
    [note] = _notes(core, debtor.case_id)
    assert "已尝试 3 次" in note and "451 4.3.0 mailbox busy" in note
    assert desk.outbox.send(oid) == "failed"  # and stays so


def test_a_permanent_refusal_fails_at_once_with_a_note_on_the_case(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, debtor, automated=False)
    desk.transport.fail_next = [PermanentFailure("550 5.1.1 user unknown", {FINANCE: "550 5.1.1 user unknown"})]
    assert desk.outbox.send(oid) == "failed"
    [note] = _notes(core, debtor.case_id)
    assert "邮件服务器拒收" in note and "550 5.1.1 user unknown" in note and FINANCE in note
    [failed] = _audit(core, "outbox.failed")
    assert failed.entity_id == str(oid)
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        [attempt] = uow.session.scalars(select(OutboxAttempt).where(OutboxAttempt.outbox_id == oid))
        assert (attempt.outcome, attempt.reply) == ("permanent", "550 5.1.1 user unknown")


def test_an_unknown_outcome_is_resent_as_the_same_message(core: Core, clock: FixedClock) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, debtor, document_id=with_pdf(core, debtor.document_id), automated=False)
    desk.transport.fail_next = [AmbiguousFailure("connection lost after DATA")]
    assert desk.outbox.send(oid) == "unknown"
    first_sha = row(core, oid).raw_sha256
    assert first_sha is not None
    clock.advance(timedelta(minutes=5))
    assert desk.outbox.send_due() == 1
    r = row(core, oid)
    assert (r.status, r.attempts, r.raw_sha256) == ("sent", 2, first_sha)
    [(_, raw)] = desk.transport.sent
    assert hashlib.sha256(raw).hexdigest() == first_sha
    assert email.message_from_bytes(raw, policy=policy.default)["Message-ID"] == r.message_id
    [sent] = _audit(core, "outbox.sent")
    assert sent.after["message_id"] == r.message_id and sent.after["sha256"] == first_sha  # type: ignore[index]


def test_a_sender_that_died_mid_send_is_recovered_and_the_same_bytes_go(core: Core, clock: FixedClock) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core, smtp_timeout_seconds=10)
    oid = queue(desk, debtor, automated=False)
    claim = desk.outbox._claim(oid)  # a sender took the row, stored the bytes... and was killed
    assert not isinstance(claim, str)
    assert desk.outbox.send(oid) == "sending"  # its lease still holds: nobody else sends
    clock.advance(timedelta(seconds=31))
    assert desk.outbox.recover_stale() == [oid]
    assert row(core, oid).status == "unknown"
    assert desk.outbox.send_due() == 1
    assert desk.transport.sent[0][1] == claim.raw
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        outcomes = [a.outcome for a in uow.session.scalars(
            select(OutboxAttempt).where(OutboxAttempt.outbox_id == oid).order_by(OutboxAttempt.id))]
    assert outcomes == ["recovered", "sent"]


def test_sending_a_sent_or_cancelled_message_again_does_nothing(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, debtor, automated=False)
    assert desk.outbox.send(oid) == "sent"
    assert desk.outbox.send(oid) == "sent"
    assert len(desk.transport.sent) == 1
    other = queue(desk, debtor, automated=False)
    with core.unit_of_work(CLERK) as uow:
        desk.outbox.cancel(uow, other)
    assert desk.outbox.send(other) == "cancelled"
    assert len(desk.transport.sent) == 1


def test_a_letter_queued_before_the_case_closed_is_withdrawn(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    oid = queue(desk, debtor)
    with core.unit_of_work(SYSTEM_ACTOR) as uow:
        case = uow.session.get(DunningCase, debtor.case_id)
        assert case is not None
        case.state, case.open_slot = "closed_paid", None
    assert desk.outbox.send(oid) == "cancelled"
    assert desk.transport.sent == []


# ---- contact hours ----------------------------------------------------------------------------------

def test_automated_mail_waits_for_contact_hours_and_a_clerks_goes_at_once(core: Core, clock: FixedClock) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    clock.advance(timedelta(hours=10))  # Thursday 20:00 in Shanghai
    automated = queue(desk, debtor)
    manual = queue(desk, debtor, automated=False)
    assert desk.outbox.send(automated) == "pending"
    assert row(core, automated).next_attempt_at == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # Friday 09:00
    assert desk.outbox.send(manual) == "sent"
    clock.advance(timedelta(hours=24))  # Friday 20:00: Saturday and Sunday are rest days
    assert desk.outbox.send_due() == 0
    assert row(core, automated).next_attempt_at == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 09:00
    clock.advance(timedelta(days=2, hours=13))  # Monday 09:00
    assert desk.outbox.send_due() == 1
    assert len(desk.transport.sent) == 2


# ---- the rate limit ---------------------------------------------------------------------------------

def test_a_throttling_reply_pauses_the_account() -> None:
    slept: list[float] = []
    limiter = LocalRateLimiter(60, sleep=slept.append)
    assert is_throttling("421 4.7.0 Too many messages, try later")
    assert is_throttling("450 发送频率过快")
    assert not is_throttling("451 4.3.0 mailbox busy")
    assert not is_throttling("550 rate of spam too high")  # permanent: not a pause
    assert limiter.acquire(0) == 0
    limiter.pause(300)
    assert limiter.acquire(1.0) > 290  # paused longer than the caller will wait: it gives up at once
    assert slept == []


def test_the_rate_limit_spaces_sends_out() -> None:
    slept: list[float] = []
    limiter = LocalRateLimiter(60, sleep=slept.append)
    for _ in range(10):  # the burst: ten seconds' worth
        assert limiter.acquire(0) == 0
    assert 0.9 <= limiter.acquire(0) <= 1.0  # the next token in about a second
    assert slept == []


def test_a_throttled_send_defers_the_row_without_using_up_its_attempts(core: Core, clock: FixedClock) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core, mail_max_attempts=1)
    oid = queue(desk, debtor, automated=False)
    desk.transport.fail_next = [TemporaryFailure("421 4.7.0 Too many messages, slow down")]
    assert desk.outbox.send(oid) == "pending"
    assert row(core, oid).next_attempt_at == clock.now() + timedelta(minutes=5)
    assert desk.outbox.limiter.acquire(0) > 0  # the whole account is paused


# ---- the API --------------------------------------------------------------------------------------------

def test_the_api_lists_shows_and_downloads_the_exact_bytes(core: Core, client: FlaskClient, users: Users) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    core.services.outbox = desk.outbox  # type: ignore[misc]
    oid = queue(desk, debtor, automated=False)
    desk.outbox.send(oid)
    listed = client.get(f"/api/v1/outbox?status=sent&case={debtor.case_id}", headers=users.clerk)
    assert listed.status_code == 200, listed.json
    assert [m["id"] for m in listed.json["items"]] == [oid]
    assert client.get("/api/v1/outbox?status=pending", headers=users.clerk).json["items"] == []
    shown = client.get(f"/api/v1/outbox/{oid}", headers=users.clerk).json
    assert shown["smtp_reply"].startswith("250") and shown["sent_at"] and shown["recipients"] == [FINANCE]
    assert [a["outcome"] for a in shown["attempt_log"]] == ["sent"]
    before = len(_audit(core, "outbox.download"))
    eml = client.get(f"/api/v1/outbox/{oid}/eml", headers=users.clerk)
    assert eml.status_code == 200
    assert eml.mimetype == "message/rfc822"
    assert hashlib.sha256(eml.data).hexdigest() == shown["raw_sha256"]
    assert eml.data == desk.transport.sent[0][1]
    assert len(_audit(core, "outbox.download")) == before + 1


def test_the_api_refuses_bad_ids_and_wrong_moves(core: Core, client: FlaskClient, users: Users) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    core.services.outbox = desk.outbox  # type: ignore[misc]
    oid = queue(desk, debtor, automated=False)
    assert client.get("/api/v1/outbox/999999", headers=users.clerk).status_code == 404
    assert client.get("/api/v1/outbox/0", headers=users.clerk).status_code in (404, 422)
    assert client.get("/api/v1/outbox/abc", headers=users.clerk).status_code == 404
    assert client.get(f"/api/v1/outbox/{oid}/eml", headers=users.clerk).status_code == 404  # not composed yet
    assert client.get("/api/v1/outbox?status=nonsense", headers=users.clerk).status_code == 422
    assert client.post(f"/api/v1/outbox/{oid}/retry", headers=users.clerk).status_code == 409  # pending
    assert client.post("/api/v1/outbox/999999/cancel", headers=users.clerk).status_code == 404
    assert client.post(f"/api/v1/outbox/{oid}/cancel", headers=users.lawyer).status_code == 403
    cancelled = client.post(f"/api/v1/outbox/{oid}/cancel", headers=users.clerk)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert client.post(f"/api/v1/outbox/{oid}/cancel", headers=users.clerk).status_code == 409


def test_a_failed_message_is_retried_from_the_api(core: Core, client: FlaskClient, users: Users) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    core.services.outbox = desk.outbox  # type: ignore[misc]
    oid = queue(desk, debtor, automated=False)
    desk.transport.fail_next = [PermanentFailure("550 5.7.1 blocked")]
    assert desk.outbox.send(oid) == "failed"
    retried = client.post(f"/api/v1/outbox/{oid}/retry", headers=users.clerk)
    assert retried.status_code == 200 and retried.json["status"] == "pending"
    assert desk.enqueued[-1] == oid
    assert desk.outbox.send(oid) == "sent"


def test_the_redis_rate_limit_is_shared_by_every_sender(redis_url: str) -> None:
    slept: list[float] = []
    here = RedisRateLimiter(redis_url, "ar@dunning.example", 60, sleep=slept.append)
    there = RedisRateLimiter(redis_url, "ar@dunning.example", 60, sleep=slept.append)
    for n in range(10):  # one burst between them
        assert (here if n % 2 else there).acquire(0) == 0
    assert 0.5 < here.acquire(0) <= 1.0 and 0.5 < there.acquire(0) <= 1.0
    other_account = RedisRateLimiter(redis_url, "billing@dunning.example", 60, sleep=slept.append)
    assert other_account.acquire(0) == 0
    there.pause(120)
    assert here.acquire(1.0) > 100  # the pause one sender saw stops the other too
    assert slept == []


# ---- the CLI --------------------------------------------------------------------------------------------

def test_the_cli_lists_shows_cancels_and_refuses_a_wrong_retry(core: Core, runner: FlaskCliRunner) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    core.services.outbox = desk.outbox  # type: ignore[misc]
    sent = queue(desk, debtor, automated=False)
    desk.outbox.send(sent)
    pending = queue(desk, debtor, automated=False)
    listed = runner.invoke(args=["outbox", "list", "--status", "sent", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [m["id"] for m in json.loads(listed.output)["items"]] == [sent]
    shown = runner.invoke(args=["outbox", "show", str(sent), "--json"])
    assert json.loads(shown.output)["smtp_reply"].startswith("250")
    assert runner.invoke(args=["outbox", "cancel", str(pending)]).exit_code == 0
    assert row(core, pending).status == "cancelled"
    refused = runner.invoke(args=["outbox", "retry", str(sent)])
    assert refused.exit_code == 2
    assert runner.invoke(args=["outbox", "show", "999999"]).exit_code == 2


def test_parallel_sending_sends_each_letter_once_over_several_connections(core: Core) -> None:
    debtor = seed_debtor(core)
    desk = memory_outbox(core)
    connections: list[MemoryTransport] = []

    def connect() -> MemoryTransport:
        connections.append(MemoryTransport())
        return connections[-1]

    desk.outbox._transport_factory = connect
    ids = [queue(desk, debtor, automated=False) for _ in range(12)]
    assert desk.outbox.send_due(threads=4) == 12
    sent = [raw for t in connections for _, raw in t.sent]
    assert len(connections) == 4 and desk.transport.sent == []
    message_ids = sorted(email.message_from_bytes(raw, policy=policy.default)["Message-ID"] for raw in sent)
    assert message_ids == sorted(row(core, i).message_id for i in ids)
    assert desk.outbox.send_due(threads=4) == 0
