"""The outbox: every email is a row first, sent after commit, and sent once as far as SMTP allows.

Queueing (``Outbox.queue``) runs in the caller's unit of work: recipients are the customer's
designated contacts only, the body and the attached letter pass the letter check, the row and its
audit entry are written, and the send job is registered to run after the commit.

Sending (``Outbox.send``), per attempt:

1. On a first attempt the bytes are composed and stored in the file store (outside any write
   lock); then a short unit of work claims the row with a lease (status ``sending``,
   ``lease_owner``, ``lease_until`` = now + 3 × the SMTP timeout), counts the attempt and records
   the bytes' SHA-256 (``raw_sha256``). It commits before any byte goes to the server, so the
   Message-ID and the exact bytes are durable first.
2. The transport hands the bytes to the server.
3. At once, a second short unit of work records the outcome: ``sent`` with the server's reply,
   the time and an ``outbox.sent`` audit entry; or back to ``pending`` with backoff (temporary),
   ``failed`` with a case note for the clerk (permanent, or out of attempts), ``unknown``
   (ambiguous: the data went out, the answer did not come back).

Why SMTP cannot be exactly-once: the server's "250 accepted" and our commit are two events on two
machines; a crash between them leaves a message delivered that our database does not know about.
No protocol step can close that gap (SMTP has no two-phase commit), so the design makes the gap
as small as it can be and makes a duplicate harmless:

- Nothing happens between the server's acceptance and our commit but opening the transaction and
  writing one row, one attempt record and one audit entry: composing, storing the bytes and
  reading the attachment all happen before the bytes are sent.
- A sender that dies in ``sending`` leaves a lease that expires; the sweep (``send_due``) turns
  such rows into ``unknown``. Unknown rows are re-sent with the SAME stored bytes, hence the SAME
  Message-ID, so a duplicate (only possible when the crash hit the window) is the very same
  message, which mail clients and most servers collapse by Message-ID.
- Everything else (a crash before the data went out, a temporary refusal) is retried with the
  same bytes and is not a duplicate at all.

The limit of that: at most one duplicate per crash that hit the window, counted in the SIGKILL
test (``tests/mail/test_exactly_once.py``) and described, with measurements, in ``docs/outbox.md``.

Automated rows go out only within contact hours on working days (docs/dunning.md); a message a clerk
sends now (``automated=False``) goes at once. A per-account rate limit, shared across processes
through Redis when configured, keeps us under the provider's limits; a throttling reply pauses the
whole account.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.cases.contact import next_contact_window
from workflow.cases.models import CaseNote, DunningCase
from workflow.cases.states import CLOSED, CaseState
from workflow.config import Settings
from workflow.documents.docx_text import docx_text
from workflow.documents.models import GeneratedDocument, PdfStatus
from workflow.errors import Conflict, DomainError, FieldProblem, Forbidden, NotFound, ValidationFailed, invalid
from workflow.filestore import FileStore, sha256_hex
from workflow.law.linter import Finding, lint_letter
from workflow.law.workdays import WorkCalendar
from workflow.ledger.access import can_see_customer, is_restricted
from workflow.ledger.models import Contact, Customer
from workflow.mail import texts
from workflow.mail.compose import (
    DOCX_MIME,
    PDF_MIME,
    Attachment,
    Draft,
    compose,
    make_message_id,
    new_token,
    plus_address,
)
from workflow.mail.models import OutboxAttempt, OutboxMessage, OutboxStatus
from workflow.mail.transport import (
    Accepted,
    AmbiguousFailure,
    Envelope,
    MailTransport,
    PermanentFailure,
    TemporaryFailure,
)
from workflow.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


S = OutboxStatus
OUTBOX_ACTOR = Actor(user_id=None, username="system:outbox", role=Role.ADMIN)
# who may withdraw or re-try a message
OUTBOX_WRITERS = (Role.CLERK, Role.LEGAL, Role.ADMIN)

# a message is retried after 1, 2, 4... minutes (± 20 %), never later than this
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# an unknown outcome (connection dropped after the data) is retried sooner than a refusal
UNKNOWN_RETRY = timedelta(seconds=30)
# how long a throttling reply stops the whole account
THROTTLE_PAUSE = timedelta(minutes=5)
# the letter's PDF is made after its commit: wait this long for it before sending the DOCX instead
PDF_WAIT = timedelta(minutes=10)
PDF_RECHECK = timedelta(seconds=20)
THROTTLE_WORDS = ("rate", "频率", "too many", "throttl", "frequency")
DUNNING_KINDS = frozenset({"payment_reminder", "dunning_letter_1", "dunning_letter_2", "dunning_letter_3",
                           "lawyer_letter"})


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


# ---- the per-account rate limit ------------------------------------------------------------------

class RateLimiter(Protocol):
    def acquire(self, patience: float) -> float:
        """Take one send token, waiting up to ``patience`` seconds; 0 when taken, else how long
        the caller would still have to wait (the account is paused or over its rate)."""
        ...

    def pause(self, seconds: float) -> None:
        """Stop every sender of this account for a while (the provider throttled us)."""
        ...


class LocalRateLimiter:
    """A token bucket in this process (no Redis configured: one process sends)."""

    def __init__(self, per_minute: int, sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, per_minute / 6.0)  # ten seconds' worth of burst
        self._tokens = self.capacity
        self._at = time.monotonic()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def _try(self) -> float:
        with self._lock:
            now = time.monotonic()
            if now < self._paused_until:
                return self._paused_until - now
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def acquire(self, patience: float) -> float:
        return _acquire(self._try, patience, self._sleep)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)


# tokens and the refill time live in one hash; time comes from the Redis server, so every host
# agrees on it. Returns 0 when a token was taken, else the milliseconds to wait.
_BUCKET_LUA = """
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return pause end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1]) / 60000.0
local cap = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return wait
"""


class RedisRateLimiter:
    """The same bucket in Redis: every process and host sending from one account shares it."""

    def __init__(self, redis_url: str, account: str, per_minute: int,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url)
        self._script = self._redis.register_script(_BUCKET_LUA)
        self._keys = [f"dunning:smtp:bucket:{account}", f"dunning:smtp:pause:{account}"]
        self._args = [per_minute, max(1, per_minute // 6)]
        self._sleep = sleep

    def _try(self) -> float:
        return float(self._script(keys=self._keys, args=self._args)) / 1000.0

    def acquire(self, patience: float) -> float:
        return _acquire(self._try, patience, self._sleep)

    def pause(self, seconds: float) -> None:
        self._redis.set(self._keys[1], "1", px=max(1, int(seconds * 1000)))


def _acquire(attempt: Callable[[], float], patience: float, sleep: Callable[[float], None]) -> float:
    deadline = time.monotonic() + patience
    while True:
        wait = attempt()
        if wait <= 0:
            return 0.0
        left = deadline - time.monotonic()
        if wait > left:
            return wait
        sleep(wait)


def make_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url, settings.mail_from, settings.smtp_rate_per_minute)
    return LocalRateLimiter(settings.smtp_rate_per_minute)


def is_throttling(reply: str) -> bool:
    text = reply.lower()
    return text[:3] in ("421", "450", "451") and any(w in text for w in THROTTLE_WORDS)


# ---- counting contacts ---------------------------------------------------------------------------

def automated_contacts(s: Session, customer_id: int, since: date, until: date) -> int:
    """Automated messages to a debtor whose business day is in [since, until], whatever their
    state, except those withdrawn or refused (the contact caps of docs/dunning.md)."""
    return int(s.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.customer_id == customer_id, OutboxMessage.automated.is_(True),
        OutboxMessage.contact_on >= since, OutboxMessage.contact_on <= until,
        OutboxMessage.status.not_in((S.CANCELLED.value, S.FAILED.value)))) or 0)


# ---- the service ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Claim:
    outbox_id: int
    attempt_id: int
    attempt: int
    owner: str
    envelope: Envelope
    raw: bytes
    sha256: str
    message_id: str


@dataclass(frozen=True)
class _Prepared:
    sha256: str
    size: int
    raw: bytes
    at: datetime


UnitOfWorkFactory = Callable[..., AbstractContextManager[UnitOfWork]]


class Outbox:
    def __init__(self, *, settings: Settings, files: FileStore, transport: MailTransport,
                 unit_of_work: UnitOfWorkFactory, calendar: Callable[[Session], WorkCalendar],
                 enqueue_send: Callable[[int], None], limiter: RateLimiter | None = None,
                 rng: random.Random | None = None,
                 transport_factory: Callable[[], MailTransport] | None = None) -> None:
        self.settings = settings
        self.files = files
        self.transport = transport
        # parallel sending (send_due(threads=n)) gives each thread its own connection
        self._transport_factory = transport_factory
        self._local = threading.local()
        # this process's senders take turns for the short writing transactions, rather than each
        # waiting on SQLite's busy handler (which sleeps in steps of up to 100 ms)
        self._write_turn = threading.Lock()
        self._unit_of_work = unit_of_work
        self._calendar = calendar
        self._enqueue_send = enqueue_send
        self.limiter = limiter or make_rate_limiter(settings)
        self._rng = rng or random.Random()

    def close(self) -> None:
        """Drop the transport's kept connection (the process is ending)."""
        self.transport.close()

    # ---- queueing ---------------------------------------------------------------------------------
    def queue(self, uow: UnitOfWork, *, customer_id: int, case_id: int | None, document_id: int | None,
              kind: str, language: str, automated: bool, contact_on: date,
              not_before: datetime | None = None) -> OutboxMessage:
        """Write the message for a letter (made in this unit of work or before); it is sent after commit.

        Refused, with nothing written: an unknown kind or language, a case or document of another
        customer, no designated contact with a usable address, a body or letter the letter check
        finds threatening or harassing."""
        # the lawyer who approves a 律师函 sends it, as they may make it final (DocumentService.generate)
        senders = (*OUTBOX_WRITERS, Role.LAWYER) if kind == "lawyer_letter" else OUTBOX_WRITERS
        uow.require(senders, "无权发送函件", "You may not send letters")
        s = uow.session
        if kind not in texts.MAIL_KINDS:
            raise invalid("kind", "unknown_kind",
                          f"不能用邮件发送此类文书：{kind}（可选：{'、'.join(texts.MAIL_KINDS)}）",
                          f"this kind is not sent by email: {kind} (one of: {', '.join(texts.MAIL_KINDS)})")
        if language not in texts.LANGUAGES:
            raise invalid("language", "unknown_language", "语言应为 zh 或 en", "language must be zh or en")
        customer = s.get(Customer, customer_id)
        if customer is None:
            raise NotFound("客户", "customer", customer_id)
        case = None
        if case_id is not None:
            case = s.get(DunningCase, case_id)
            if case is None:
                raise NotFound("案件", "case", case_id)
            if case.customer_id != customer_id:
                raise invalid("case_id", "other_customer", "该案件不属于此客户", "the case belongs to another customer")
        doc = None
        if document_id is not None:
            doc = s.get(GeneratedDocument, document_id)
            if doc is None:
                raise NotFound("文书", "document", document_id)
            if doc.customer_id is not None and doc.customer_id != customer_id:
                raise invalid("document_id", "other_customer", "该文书不属于此客户",
                              "the document was made for another customer")
        recipients = designated_recipients(s, customer_id)
        if not recipients:
            raise invalid("contacts", "no_designated_contact",
                          f"客户 {customer.legal_name} 没有可接收催收邮件的指定联系人（须有邮箱、未退信、已指定接收）",
                          f"customer {customer.legal_name} has no designated contact for dunning mail "
                          "(with an email address, not bounced, marked to receive it)")
        ref = case.ref if case is not None else ""
        attachment_name = attachment_filename(kind, language, ref, doc) if doc is not None else ""
        facts = texts.facts_from_context(doc.context if doc is not None else {}, kind, language, ref=ref,
                                         attachment=attachment_name)
        if not facts.customer:
            en_name = customer.legal_name_en or customer.legal_name
            facts = _with_customer(facts, en_name if language == "en" else customer.legal_name)
        subject = texts.subject(kind, language, facts)
        body = texts.body(kind, language, facts)
        self._letter_check(body, doc)
        now = uow.now()
        token = new_token()
        row = OutboxMessage(
            case_id=case_id, customer_id=customer_id, document_id=document_id, kind=kind, language=language,
            automated=automated, contact_on=contact_on,
            message_id=make_message_id(ref or f"C{customer_id}", token, self.settings.mail_from),
            sender=self.settings.mail_from, reply_to=plus_address(self.settings.mail_from, ref),
            recipients=recipients, cc=[], subject=subject, body_text=body, status=S.PENDING.value, attempts=0,
            next_attempt_at=not_before if not_before is not None else now,
            created_by=uow.actor.username, created_at=now,
        )
        s.add(row)
        s.flush()
        uow.audit("outbox.queue", "outbox_message", row.id, None, {
            "message_id": row.message_id, "case_id": case_id, "customer_id": customer_id, "document_id": document_id,
            "kind": kind, "language": language, "automated": automated, "recipients": recipients,
            "contact_on": contact_on.isoformat(), "next_attempt_at": row.next_attempt_at.isoformat()})
        outbox_id = row.id
        uow.after_commit(lambda: self._enqueue_send(outbox_id))
        return row

    def _letter_check(self, body: str, doc: GeneratedDocument | None) -> None:
        """The same check as ``dunning letter lint``, on the email and on the letter it carries."""
        problems: list[FieldProblem] = []
        found: list[dict[str, str]] = []
        texts_to_check = [("body", body)]
        if doc is not None:
            texts_to_check.append(("document", docx_text(self.files.get(doc.docx_sha256), field="document")))
        for field, text in texts_to_check:
            for f in lint_letter(text):
                if f.severity != "error":
                    continue
                problems.append(_finding_problem(field, f))
                found.append({"where": field, "rule": f.rule, "text": f.clause_text})
        if problems:
            raise ValidationFailed(problems, extra={"findings": found})

    # ---- sending ----------------------------------------------------------------------------------
    def send(self, outbox_id: int) -> str:
        """One attempt to send one row; safe to call any number of times from any process. Returns
        the row's status afterwards (``sent`` if it was already sent)."""
        patience = float(self.settings.smtp_timeout_seconds)
        wait = self.limiter.acquire(patience)
        if wait > 0:
            log.info("outbox %s: the account is paused or over its rate for %.0f s more", outbox_id, wait)
            return self.status(outbox_id)
        claim = self._claim(outbox_id, self._prepare(outbox_id))
        if isinstance(claim, str):
            return claim
        try:
            accepted = self._transport().send(claim.envelope, claim.raw)
        except TemporaryFailure as exc:
            return self._after_failure(claim, "temporary", exc.reply)
        except PermanentFailure as exc:
            return self._after_failure(claim, "permanent", exc.reply, exc.refused)
        except AmbiguousFailure as exc:
            return self._after_failure(claim, "ambiguous", exc.reply)
        except Exception as exc:  # an unforeseen error may have struck after the data went out
            log.exception("outbox %s: transport error", outbox_id)
            return self._after_failure(claim, "ambiguous", f"{type(exc).__name__}: {exc}")
        return self._after_sent(claim, accepted)

    def _transport(self) -> MailTransport:
        own: MailTransport | None = getattr(self._local, "transport", None)
        return own if own is not None else self.transport

    @contextmanager
    def _uow(self) -> Iterator[UnitOfWork]:
        with self._write_turn, self._unit_of_work(OUTBOX_ACTOR) as uow:
            yield uow

    def status(self, outbox_id: int) -> str:
        with self._unit_of_work(OUTBOX_ACTOR, read_only=True) as uow:
            row = uow.session.get(OutboxMessage, outbox_id)
            if row is None:
                raise NotFound("邮件", "outbox message", outbox_id)
            return row.status

    def _prepare(self, outbox_id: int) -> _Prepared | None:
        """A first attempt's bytes, composed and stored before the claim's transaction, which then
        only has to adopt them: the write lock (all of SQLite's) is held for milliseconds, not for
        the composition and the file store's fsync. Bytes composed here and not adopted (another
        sender was first) are an unreferenced blob in a content-addressed store: harmless."""
        with self._unit_of_work(OUTBOX_ACTOR, read_only=True) as uow:
            s = uow.session
            row = s.get(OutboxMessage, outbox_id)
            now = uow.now()
            if row is None or row.raw_sha256 is not None or row.status not in (S.PENDING, S.UNKNOWN):
                return None
            if row.next_attempt_at > now:
                return None
            if not row.sender:
                return None  # an internal notice gets our address in the claim (mail/notices.py)
            doc = s.get(GeneratedDocument, row.document_id) if row.document_id is not None else None
            if doc is not None and doc.pdf_status == PdfStatus.PENDING:
                return None  # the claim decides whether to wait for the PDF
            raw = self.compose(row, now, doc)
        return _Prepared(self.files.put(raw), len(raw), raw, now)

    def _claim(self, outbox_id: int, prepared: _Prepared | None = None) -> _Claim | str:
        with self._uow() as uow:
            s = uow.session
            row = s.get(OutboxMessage, outbox_id, with_for_update=True)
            if row is None:
                raise NotFound("邮件", "outbox message", outbox_id)
            now = uow.now()
            if row.status in (S.SENT, S.CANCELLED, S.FAILED):
                return row.status
            if row.status == S.SENDING:
                if row.lease_until is not None and row.lease_until > now:
                    return row.status
                self._recover(uow, row)
            if row.next_attempt_at > now:
                return row.status
            withdrawn = self._withdrawn_because(s, row)
            if withdrawn is not None:
                self._cancel(uow, row, withdrawn)
                return row.status
            if row.automated:
                opening = self._next_window(s, now)
                if opening > now:
                    row.next_attempt_at = opening
                    return row.status
            doc = s.get(GeneratedDocument, row.document_id) if row.document_id is not None else None
            if (row.raw_sha256 is None and doc is not None and doc.pdf_status == PdfStatus.PENDING
                    and now - doc.made_at < PDF_WAIT):
                row.next_attempt_at = now + PDF_RECHECK
                return row.status
            if not row.sender:
                self._address_notice(row)
            owner = worker_name()
            row.attempts += 1
            row.status = S.SENDING.value
            row.lease_owner = owner
            row.lease_until = now + timedelta(seconds=self.settings.smtp_timeout_seconds * 3)
            started = now
            if row.raw_sha256 is None and prepared is not None:
                raw, started = prepared.raw, prepared.at  # the Date it carries is this attempt's start
                row.raw_sha256, row.raw_size = prepared.sha256, prepared.size
            elif row.raw_sha256 is None:
                raw = self.compose(row, now, doc)
                row.raw_sha256 = self.files.put(raw)
                row.raw_size = len(raw)
            else:
                raw = self.files.get(row.raw_sha256)
                if sha256_hex(raw) != row.raw_sha256:
                    raise DomainError("存储的邮件已损坏（哈希不符）", "the stored message is corrupt (hash mismatch)",
                                      status=500, code="corrupt_file")
            attempt = OutboxAttempt(outbox_id=row.id, attempt=row.attempts, worker=owner, started_at=started)
            s.add(attempt)
            s.flush()
            return _Claim(row.id, attempt.id, row.attempts, owner,
                          Envelope(row.reply_to, tuple(row.recipients) + tuple(row.cc)), raw, row.raw_sha256,
                          row.message_id)

    def _after_sent(self, claim: _Claim, accepted: Accepted) -> str:
        # the window: the server has the message, our database does not know yet. Only this short
        # transaction stands between them: two UPDATEs by primary key and the audit entry, with
        # everything they need prepared before the send.
        with self._uow() as uow:
            s = uow.session
            now = uow.now()
            marked = s.execute(update(OutboxMessage).where(
                OutboxMessage.id == claim.outbox_id, OutboxMessage.status != S.SENT.value).values(
                status=S.SENT.value, smtp_reply=accepted.reply, sent_at=now, transport=self.transport.name,
                error=None, lease_owner=None, lease_until=None))
            s.execute(update(OutboxAttempt).where(OutboxAttempt.id == claim.attempt_id).values(
                finished_at=now, outcome="sent", reply=accepted.reply,
                detail={"refused": dict(accepted.refused)} if accepted.refused else None))
            uow.audit("outbox.sent", "outbox_message", claim.outbox_id, None, {
                "message_id": claim.message_id, "sha256": claim.sha256, "reply": accepted.reply,
                "attempt": claim.attempt, "recipients": list(claim.envelope.recipients),
                "refused": dict(accepted.refused), "already_sent": _rowcount(marked) == 0})
            if accepted.refused:
                row = s.get(OutboxMessage, claim.outbox_id)
                if row is not None and row.case_id is not None:
                    self._note(uow, row.case_id, _refused_note(row, accepted.refused))
        return S.SENT.value

    def _after_failure(self, claim: _Claim, outcome: str, reply: str,
                       refused: dict[str, str] | None = None) -> str:
        throttled = outcome == "temporary" and is_throttling(reply)
        if throttled:
            self.limiter.pause(THROTTLE_PAUSE.total_seconds())
        with self._uow() as uow:
            s = uow.session
            row = s.get(OutboxMessage, claim.outbox_id, with_for_update=True)
            assert row is not None
            now = uow.now()
            attempt = s.get(OutboxAttempt, claim.attempt_id)
            if attempt is not None:
                attempt.finished_at, attempt.reply = now, reply
                attempt.outcome = "throttled" if throttled else outcome
                if refused:
                    attempt.detail = {"refused": dict(refused)}
            if row.status in (S.SENT, S.CANCELLED):  # another sender finished it meanwhile
                return row.status
            row.lease_owner = row.lease_until = None
            row.error = reply
            before = {"status": row.status, "attempts": row.attempts}
            out_of_attempts = row.attempts >= self.settings.mail_max_attempts
            if outcome == "permanent" or (outcome != "ambiguous" and out_of_attempts and not throttled):
                row.status = S.FAILED.value
                uow.audit("outbox.failed", "outbox_message", row.id, before,
                          {"status": row.status, "reply": reply, "outcome": outcome, "refused": refused or {}})
                if row.case_id is not None:
                    self._note(uow, row.case_id, _failed_note(row, reply, outcome == "permanent"))
            elif outcome == "ambiguous":
                row.status = S.UNKNOWN.value
                row.next_attempt_at = now + UNKNOWN_RETRY
                uow.audit("outbox.unknown", "outbox_message", row.id, before,
                          {"status": row.status, "reply": reply, "next_attempt_at": row.next_attempt_at.isoformat()})
            else:
                row.status = S.PENDING.value
                delay = THROTTLE_PAUSE if throttled else self.backoff(row.attempts)
                row.next_attempt_at = now + delay
                uow.audit("outbox.deferred", "outbox_message", row.id, before,
                          {"status": row.status, "reply": reply, "throttled": throttled,
                           "next_attempt_at": row.next_attempt_at.isoformat()})
            return row.status

    def backoff(self, attempts: int) -> timedelta:
        """1, 2, 4... minutes after the n-th failed attempt, capped, ± 20 % so senders spread out."""
        base: timedelta = min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_CAP)
        return base * self._rng.uniform(0.8, 1.2)

    # ---- the sweep --------------------------------------------------------------------------------
    def recover_stale(self) -> list[int]:
        """Rows whose sender died while ``sending`` (its lease ran out) become ``unknown``: the
        server may or may not have the message. They are re-sent with the same bytes."""
        with self._uow() as uow:
            now = uow.now()
            rows = list(uow.session.scalars(select(OutboxMessage).where(
                OutboxMessage.status == S.SENDING.value, OutboxMessage.lease_until < now).with_for_update()))
            for row in rows:
                self._recover(uow, row)
            return [r.id for r in rows]

    def _recover(self, uow: UnitOfWork, row: OutboxMessage) -> None:
        now = uow.now()
        open_attempt = uow.session.scalars(select(OutboxAttempt).where(
            OutboxAttempt.outbox_id == row.id, OutboxAttempt.finished_at.is_(None))
            .order_by(OutboxAttempt.id.desc())).first()
        if open_attempt is not None:
            open_attempt.finished_at, open_attempt.outcome = now, "recovered"
            open_attempt.detail = {"lease_owner": row.lease_owner or ""}
        uow.audit("outbox.recovered", "outbox_message", row.id, {"status": row.status, "lease_owner": row.lease_owner},
                  {"status": S.UNKNOWN.value})
        row.status = S.UNKNOWN.value
        row.lease_owner = row.lease_until = None
        row.next_attempt_at = now

    def due_ids(self, limit: int = 100) -> list[int]:
        with self._unit_of_work(OUTBOX_ACTOR, read_only=True) as uow:
            return list(uow.session.scalars(select(OutboxMessage.id).where(
                OutboxMessage.status.in_((S.PENDING.value, S.UNKNOWN.value)),
                OutboxMessage.next_attempt_at <= uow.now())
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))

    def send_due(self, limit: int = 100, threads: int = 1) -> int:
        """Recover stale leases, then one attempt for each due row (up to ``limit``); the number sent.

        ``threads`` > 1 sends over that many SMTP connections at once (each thread its own), so the
        server's round trips overlap; the leases make it safe like any number of processes."""
        self.recover_stale()
        due = self.due_ids(limit)
        # several senders sweep at once: each takes the batch in its own order, so they rarely
        # queue up behind one another's lease on the same row
        self._rng.shuffle(due)
        if threads <= 1 or self._transport_factory is None or len(due) < 2:
            return sum(1 for outbox_id in due if self.send(outbox_id) == S.SENT)
        factory = self._transport_factory
        opened: list[MailTransport] = []
        opened_lock = threading.Lock()

        def start_thread() -> None:
            self._local.transport = factory()
            with opened_lock:
                opened.append(self._local.transport)

        try:
            with ThreadPoolExecutor(min(threads, len(due)), initializer=start_thread) as pool:
                return sum(1 for status in pool.map(self.send, due) if status == S.SENT)
        finally:
            for t in opened:
                t.close()

    def next_due(self) -> datetime | None:
        """When something will next need a sender: the earliest retry, or a lease running out."""
        with self._unit_of_work(OUTBOX_ACTOR, read_only=True) as uow:
            s = uow.session
            retry = s.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.status.in_((S.PENDING.value, S.UNKNOWN.value))))
            lease = s.scalar(select(func.min(OutboxMessage.lease_until)).where(
                OutboxMessage.status == S.SENDING.value))
        found = [t for t in (retry, lease) if t is not None]
        return min(found) if found else None

    # ---- clerk actions ----------------------------------------------------------------------------
    def retry(self, uow: UnitOfWork, outbox_id: int) -> OutboxMessage:
        """A failed or unknown message goes again (a clerk fixed the address, or checked the Sent
        folder): the same bytes, the same Message-ID, a fresh allowance of attempts."""
        uow.require(OUTBOX_WRITERS, "无权重发邮件", "You may not resend mail")
        row = self._get_locked(uow, outbox_id)
        if row.status not in (S.FAILED, S.UNKNOWN):
            raise Conflict(f"只能重发失败或结果未知的邮件（当前：{row.status}）",
                           f"only a failed or unknown message can be retried (it is {row.status})",
                           [FieldProblem("status", "not_retryable", f"当前状态：{row.status}",
                                         f"status: {row.status}")])
        before = {"status": row.status, "attempts": row.attempts}
        row.status, row.next_attempt_at, row.attempts = S.PENDING.value, uow.now(), 0
        uow.audit("outbox.retry", "outbox_message", row.id, before, {"status": row.status})
        uow.after_commit(lambda: self._enqueue_send(outbox_id))
        return row

    def cancel(self, uow: UnitOfWork, outbox_id: int, reason: str = "") -> OutboxMessage:
        uow.require(OUTBOX_WRITERS, "无权撤回邮件", "You may not withdraw mail")
        row = self._get_locked(uow, outbox_id)
        if row.status != S.PENDING:
            raise Conflict(f"只能撤回待发送的邮件（当前：{row.status}）",
                           f"only a pending message can be cancelled (it is {row.status})",
                           [FieldProblem("status", "not_cancellable", f"当前状态：{row.status}",
                                         f"status: {row.status}")])
        self._cancel(uow, row, reason or "cancelled by " + uow.actor.username)
        return row

    def _get_locked(self, uow: UnitOfWork, outbox_id: int) -> OutboxMessage:
        row = uow.session.get(OutboxMessage, outbox_id, with_for_update=True)
        if row is None:
            raise NotFound("邮件", "outbox message", outbox_id)
        return row

    def _cancel(self, uow: UnitOfWork, row: OutboxMessage, reason: str) -> None:
        before = {"status": row.status}
        row.status = S.CANCELLED.value
        row.error = reason
        uow.audit("outbox.cancel", "outbox_message", row.id, before, {"status": row.status, "reason": reason})

    def _withdrawn_because(self, s: Session, row: OutboxMessage) -> str | None:
        """A letter queued earlier that must not go now: its case closed, or (automated) the debtor
        disputed the debt, was paused or marked do-not-dun since."""
        if row.kind not in DUNNING_KINDS:
            return None
        if row.case_id is not None:
            case = s.get(DunningCase, row.case_id)
            if case is not None and case.state in CLOSED:
                return f"case {case.ref} closed ({case.state})"
            if row.automated and case is not None and case.state in (CaseState.DISPUTED, CaseState.PAUSED):
                return f"case {case.ref} is {case.state}"
        if row.automated:
            customer = s.get(Customer, row.customer_id)
            if customer is not None and customer.do_not_dun:
                return "customer marked do-not-dun"
        return None

    def _address_notice(self, row: OutboxMessage) -> None:
        """An internal notice (mail/notices.py) is queued without our address, which only the
        settings know: it gets the sender, a plain Reply-To (an answer is no debtor's reply) and its
        Message-ID here, committed with the claim before any byte is sent."""
        row.sender = row.reply_to = self.settings.mail_from
        row.message_id = make_message_id("N", new_token(), self.settings.mail_from)

    def _next_window(self, s: Session, now: datetime) -> datetime:
        return next_contact_window(now, self.settings, self._calendar(s))

    def _note(self, uow: UnitOfWork, case_id: int, body: str) -> None:
        uow.session.add(CaseNote(case_id=case_id, kind="system", body=body, author=uow.actor.username,
                                 created_at=uow.now()))

    # ---- composing --------------------------------------------------------------------------------
    def compose(self, row: OutboxMessage, first_attempt_at: datetime, doc: GeneratedDocument | None) -> bytes:
        """The row's message as bytes; the same row and attachment give the same bytes."""
        case_ref = ""
        if row.reply_to != row.sender:
            case_ref = row.reply_to.partition("+")[2].rpartition("@")[0]
        draft = Draft(sender=row.sender, sender_name=self.settings.mail_from_name, recipients=tuple(row.recipients),
                      cc=tuple(row.cc), reply_to=row.reply_to, subject=row.subject, body=row.body_text,
                      message_id=row.message_id, date=first_attempt_at, automated=row.automated, case_ref=case_ref)
        return compose(draft, self.attachment(row, doc), self.settings.tz)

    def attachment(self, row: OutboxMessage, doc: GeneratedDocument | None) -> Attachment | None:
        if doc is None:
            return None
        ref = row.reply_to.partition("+")[2].rpartition("@")[0] if row.reply_to != row.sender else ""
        name = attachment_filename(row.kind, row.language, ref, doc)
        if doc.pdf_sha256 is not None and doc.pdf_status == PdfStatus.MADE:
            return Attachment(name, *PDF_MIME, self.files.get(doc.pdf_sha256))
        return Attachment(name, *DOCX_MIME, self.files.get(doc.docx_sha256))

    def raw(self, uow: UnitOfWork, outbox_id: int) -> tuple[OutboxMessage, bytes]:
        """The exact bytes handed to the server, checked against their SHA-256; audit-logged."""
        row = uow.session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFound("邮件", "outbox message", outbox_id)
        require_mail_reader(uow, row.customer_id)
        if row.raw_sha256 is None:
            raise NotFound("邮件原文", "message bytes", f"{outbox_id} (not composed yet: {row.status})")
        data = self.files.get(row.raw_sha256)
        if sha256_hex(data) != row.raw_sha256:
            raise DomainError("存储的邮件已损坏（哈希不符）", "the stored message is corrupt (hash mismatch)",
                              status=500, code="corrupt_file")
        uow.audit("outbox.download", "outbox_message", row.id, None, {"sha256": row.raw_sha256})
        return row, data


def may_read_mail(uow: UnitOfWork, customer_id: int | None) -> bool:
    """Staff read all mail; a lawyer or a salesperson the mail to and from their own customers."""
    if is_restricted(uow.actor):
        return customer_id is not None and can_see_customer(uow.session, uow.actor, customer_id)
    return uow.actor.role in OUTBOX_WRITERS


def require_mail_reader(uow: UnitOfWork, customer_id: int | None) -> None:
    if not may_read_mail(uow, customer_id):
        raise Forbidden("无权查看该邮件", "You may not read this message")


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def designated_recipients(s: Session, customer_id: int) -> list[str]:
    """The debtor's own business contacts marked to receive dunning mail, with an address that has
    not bounced: never anyone else (docs/dunning.md)."""
    rows = s.scalars(select(Contact).where(
        Contact.customer_id == customer_id, Contact.receives_dunning.is_(True), Contact.email.is_not(None),
        Contact.email_invalid_since.is_(None)).order_by(Contact.id))
    seen: dict[str, None] = {}
    for c in rows:
        email = (c.email or "").strip()
        # an internationalised address needs SMTPUTF8 end to end, which we cannot count on
        if email and "@" in email and email.isascii():
            seen.setdefault(email, None)
    return list(seen)


def attachment_filename(kind: str, language: str, ref: str, doc: GeneratedDocument) -> str:
    ext = "pdf" if doc.pdf_sha256 is not None and doc.pdf_status == PdfStatus.MADE else "docx"
    name = texts.label(kind, language) if kind in texts.MAIL_KINDS else kind
    if language == "en":
        name = name.replace("'", "").replace(" ", "_")
    return f"{name}-{ref or doc.id}.{ext}"


def _with_customer(facts: texts.MailFacts, name: str) -> texts.MailFacts:
    from dataclasses import replace

    return replace(facts, customer=name)


def _finding_problem(field: str, f: Finding) -> FieldProblem:
    where_zh, where_en = ("邮件正文", "email body") if field == "body" else ("所附函件", "attached letter")
    return FieldProblem(field, f.rule, f"{where_zh}：{f.message_zh}（{f.clause_text}）",
                        f"{where_en}: {f.message_en} ({f.clause_text})")


def _failed_note(row: OutboxMessage, reply: str, permanent: bool) -> str:
    why = "邮件服务器拒收" if permanent else f"已尝试 {row.attempts} 次仍未发出"
    return (f"邮件未能发送（{why}）：{row.subject}；收件人 {', '.join(row.recipients)}；服务器答复：{reply}。"
            f"请核对联系人邮箱后在发件箱重发（outbox {row.id}）。 / The email could not be sent "
            f"({'refused by the server' if permanent else f'{row.attempts} attempts'}): reply {reply}. "
            f"Check the contact's address, then retry it from the outbox (outbox {row.id}).")


def _refused_note(row: OutboxMessage, refused: dict[str, str]) -> str:
    who = "; ".join(f"{addr}: {why}" for addr, why in refused.items())
    return (f"邮件已发出，但部分收件人被拒收：{who}（outbox {row.id}）。 / The email went out, but some "
            f"recipients were refused: {who} (outbox {row.id}).")


def describe(row: OutboxMessage) -> dict[str, Any]:
    return {
        "id": row.id, "case_id": row.case_id, "customer_id": row.customer_id, "user_id": row.user_id,
        "document_id": row.document_id, "kind": row.kind, "language": row.language, "automated": row.automated,
        "contact_on": row.contact_on.isoformat(), "message_id": row.message_id, "sender": row.sender,
        "reply_to": row.reply_to, "recipients": list(row.recipients), "cc": list(row.cc or []),
        "subject": row.subject, "status": row.status, "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "raw_sha256": row.raw_sha256, "raw_size": row.raw_size, "smtp_reply": row.smtp_reply,
        "transport": row.transport, "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "error": row.error, "created_by": row.created_by, "created_at": row.created_at.isoformat(),
    }


def describe_attempts(rows: Iterable[OutboxAttempt]) -> list[dict[str, Any]]:
    return [{"attempt": a.attempt, "worker": a.worker, "started_at": a.started_at.isoformat(),
             "finished_at": a.finished_at.isoformat() if a.finished_at else None, "outcome": a.outcome,
             "reply": a.reply} for a in rows]


def attempts_of(s: Session, outbox_id: int) -> list[OutboxAttempt]:
    # in the order they happened (a clerk's retry numbers attempts afresh)
    return list(s.scalars(select(OutboxAttempt).where(OutboxAttempt.outbox_id == outbox_id)
                          .order_by(OutboxAttempt.id)))
