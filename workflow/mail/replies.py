"""Replies: store what arrives, read it, find its case, and move the case (docs/inbox.md).

A pass (``Inbox.poll``) asks the mail source (the Maildir inbox by default, IMAP when
``DUNNING_IMAP_URL`` is set) for what is new. For each message, in this order:

1. ``store``: the exact bytes go to the file store and an ``InboundMessage`` row is committed,
   together with how far the mailbox has been read. Nothing has parsed the message yet, so no
   malformed message can be lost; the same bytes are one row (SHA-256), another copy of a
   Message-ID already kept is a ``duplicate`` and moves nothing.
2. ``process``: classify (``workflow.mail.classify``), match to a case, move the case, in one unit
   of work; the row becomes ``processed``, or ``triage`` for a clerk. Calling it again does nothing.
3. the source flags or moves the message on the server, and the row records that it did.

A crash between any two steps is repaired by the next pass: a row still ``stored`` is processed,
a row not yet done on the server is flagged or moved then.

Matching, in order of trust: In-Reply-To / References naming one of OUR outbox Message-IDs; our
plus-address (``ar+AR-2026-0042@``) among the recipients; a case reference in the subject; the
sender's address, then its company domain, among the debtors' contact emails (never a free-mail
domain). What matches nothing waits in triage.

Moving the case (issue 15), always through ``lifecycle.apply`` with the reply as evidence
(``{"type": "reply", "id", "message_id"}``) — and only at or above ``reply_confidence_threshold``;
below it nothing moves until a clerk confirms or corrects the reading (``confirm``), and each such
decision is kept (``TriageDecision``) for the accuracy report.

Answers we send to the debtor's own message (the remittance slip we ask for after "we have paid",
the letter re-sent after "we never got it") go through the outbox as sent by a person
(``automated=False``): they answer the debtor rather than chase them, so they are neither held to
the contact hours nor counted against the contact caps of docs/dunning.md, and still pass the letter
check. At most one of each per case and day, however many messages the debtor sends.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.cases.lifecycle import apply, lock_case
from workflow.cases.models import CaseNote, DunningAction, DunningCase, Promise
from workflow.cases.outbox_port import OutboxPort
from workflow.cases.service import CASE_WORKERS, open_balance, paid_total
from workflow.cases.states import CLOSED, CaseEvent, CaseState, allowed
from workflow.config import Settings
from workflow.errors import Conflict, DomainError, NotFound, invalid
from workflow.filestore import FileStore, sha256_hex
from workflow.ledger.models import Attachment, Contact, Customer, Invoice
from workflow.mail import mime
from workflow.mail.inbound import InboundMessage, InboundStatus, MailboxState, TriageDecision, TriageReason
from workflow.mail.models import OutboxMessage
from workflow.mail.outbox import require_mail_reader
from workflow.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

INBOX_ACTOR = Actor(user_id=None, username="system:inbox", role=Role.ADMIN)
S = InboundStatus
INTENTS = ("promise_to_pay", "paid", "dispute", "document_request", "installment_request", "hardship",
           "statement_confirmed", "auto_reply", "bounce", "other")
# intents whose move needs a case; the others act on contacts and outbox rows, or on nothing
CASE_INTENTS = frozenset(INTENTS) - {"auto_reply", "bounce", "other"}
CASE_REF = re.compile(r"\bAR-(\d{4})-(\d{4,6})\b", re.IGNORECASE)
MESSAGE_ID = re.compile(rb"<([^<>\s@]{1,200}@[^<>\s@]{1,200})>")
# one sender domain must never stand for one debtor when thousands of people share it
FREE_MAIL = frozenset({
    "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "188.com", "sina.com", "sina.cn", "sohu.com",
    "aliyun.com", "139.com", "189.cn", "wo.cn", "tom.com", "21cn.com", "gmail.com", "outlook.com", "hotmail.com",
    "live.com", "msn.com", "yahoo.com", "icloud.com", "me.com", "vip.qq.com", "vip.163.com", "vip.sina.com",
})
# a permanent failure that is our sending problem, not a bad debtor address (QQ's frequency limit,
# DMARC/SPF refusals): the contact stays valid
OUR_PROBLEM = re.compile(r"frequen|频率|too many|rate limit|dmarc|spf|dkim|spam|垃圾|blocked|blacklist|黑名单"
                         r"|reputation", re.IGNORECASE)
SLIP_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/jpg"})
NOTE_EXCERPT = 600

# (the raw message, the day relative dates count from when it has no readable Date) -> its JSON
Classifier = Callable[[bytes, date], Mapping[str, Any]]
UnitOfWorkFactory = Callable[..., AbstractContextManager[UnitOfWork]]


class MailSource(Protocol):
    """Where messages come from: the local Maildir inbox, or an IMAP folder."""

    name: str

    def poll(self, inbox: Inbox, limit: int) -> PollReport: ...


@dataclass
class PollReport:
    mailbox: str
    seen: int = 0  # messages looked at on the server
    stored: int = 0  # new rows (new bytes)
    processed: dict[str, int] = field(default_factory=dict)  # status -> count, this pass
    resynced: bool = False  # UIDVALIDITY changed: the folder was read again from the start
    server_done: int = 0  # moved or flagged on the server

    def as_json(self) -> dict[str, Any]:
        return {"mailbox": self.mailbox, "seen": self.seen, "stored": self.stored, "processed": self.processed,
                "resynced": self.resynced, "server_done": self.server_done}


@dataclass(frozen=True)
class Stored:
    id: int
    new: bool  # False: these bytes were already kept
    status: str


@dataclass(frozen=True)
class Match:
    case: DunningCase | None
    customer_id: int | None
    matched_by: str | None
    outbox: OutboxMessage | None
    note: str = ""


class _NeedsClerk(Exception):
    """Why a reply waits for a clerk: the English detail is the row's ``error``; the Chinese one goes
    into its outcome (``why_zh``) for the desk and the API's Chinese readers."""

    def __init__(self, reason: TriageReason, message: str, zh: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.zh = zh


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID from the header block alone, for deduplication before anything is parsed."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:256 * 1024], headersonly=True)
        value = str(headers.get("Message-ID") or "")
    except Exception:  # a header that breaks the parser: the content hash still deduplicates
        return None
    m = re.search(r"<[^<>\s]+>", value)
    found = m.group(0) if m else value.strip()
    return found[:500] or None


class Inbox:
    def __init__(self, *, settings: Settings, files: FileStore, unit_of_work: UnitOfWorkFactory,
                 classify: Classifier, outbox: Callable[[], OutboxPort],
                 source: Callable[[Inbox], MailSource] | None = None) -> None:
        self.settings = settings
        self.files = files
        self._unit_of_work = unit_of_work
        self._classify = classify
        self._outbox = outbox
        self._make_source = source

    # ---- the pass ---------------------------------------------------------------------------------
    def source(self) -> MailSource:
        if self._make_source is not None:
            return self._make_source(self)
        if self.settings.imap_url:
            from workflow.mail.imap import ImapInbox

            return ImapInbox(self.settings)
        from workflow.mail.maildir_inbox import MaildirInbox

        return MaildirInbox(self.settings.mailbox_dir / "inbox")

    def poll(self, limit: int = 100) -> PollReport:
        """One pass over the mailbox: store what is new, process it, settle it on the server."""
        return self.source().poll(self, limit)

    # ---- 1. store ---------------------------------------------------------------------------------
    def store(self, raw: bytes, *, mailbox: str, uid: int | None = None, uidvalidity: int | None = None,
              maildir_key: str | None = None) -> Stored:
        """Keep the bytes and commit, before any parsing; also advances the mailbox's last UID."""
        sha = self.files.put(raw)
        message_id = message_id_of(raw)
        try:
            stored = self._store(raw, sha, message_id, mailbox, uid, uidvalidity, maildir_key)
        except IntegrityError:
            # another poller stored the same bytes (or made the mailbox's row) at the same moment:
            # the second try finds its row
            stored = self._store(raw, sha, message_id, mailbox, uid, uidvalidity, maildir_key)
        return stored

    def _store(self, raw: bytes, sha: str, message_id: str | None, mailbox: str, uid: int | None,
               uidvalidity: int | None, maildir_key: str | None) -> Stored:
        with self._unit_of_work(INBOX_ACTOR) as uow:
            s = uow.session
            if uid is not None:
                state = self._state(s, mailbox, uow.now())
                state.uidvalidity = uidvalidity
                state.last_uid = max(state.last_uid, uid)
                state.updated_at = uow.now()
            existing = s.scalar(select(InboundMessage).where(InboundMessage.sha256 == sha).with_for_update())
            if existing is not None:
                # the same bytes are (again) at this place, e.g. under a new UID after a re-sync:
                # nothing is processed again, but this copy is still to be moved or flagged
                existing.mailbox, existing.uid, existing.uidvalidity = mailbox[:255], uid, uidvalidity
                existing.maildir_key = maildir_key
                existing.server_done = False
                return Stored(existing.id, False, existing.status)
            original = None
            if message_id is not None:
                original = s.scalar(select(InboundMessage.id).where(InboundMessage.message_id == message_id)
                                    .order_by(InboundMessage.id).limit(1))
            row = InboundMessage(
                sha256=sha, size=len(raw), message_id=message_id, mailbox=mailbox[:255], uid=uid,
                uidvalidity=uidvalidity, maildir_key=maildir_key, received_at=uow.now(),
                status=(S.DUPLICATE if original is not None else S.STORED).value, server_done=False,
                duplicate_of=original)
            s.add(row)
            s.flush()
            uow.audit("inbound.stored", "inbound_message", row.id, None,
                      {"sha256": sha, "size": len(raw), "message_id": message_id, "mailbox": row.mailbox,
                       "uid": uid, "uidvalidity": uidvalidity, "duplicate_of": original})
            return Stored(row.id, True, row.status)

    def _state(self, s: Session, mailbox: str, now: datetime) -> MailboxState:
        state = s.scalar(select(MailboxState).where(MailboxState.name == mailbox).with_for_update())
        if state is None:
            state = MailboxState(name=mailbox, uidvalidity=None, last_uid=0, highestmodseq=None, updated_at=now)
            s.add(state)
            s.flush()
        return state

    def mailbox_state(self, mailbox: str) -> tuple[int | None, int]:
        """(UIDVALIDITY, last UID) as recorded for ``mailbox``."""
        with self._unit_of_work(INBOX_ACTOR, read_only=True) as uow:
            state = uow.session.scalar(select(MailboxState).where(MailboxState.name == mailbox))
            return (None, 0) if state is None else (state.uidvalidity, int(state.last_uid))

    def reset_mailbox(self, mailbox: str, uidvalidity: int, highestmodseq: int | None = None) -> None:
        """The server renumbered the folder (a new UIDVALIDITY): read it again from UID 1."""
        with self._unit_of_work(INBOX_ACTOR) as uow:
            state = self._state(uow.session, mailbox, uow.now())
            before = {"uidvalidity": state.uidvalidity, "last_uid": state.last_uid}
            state.uidvalidity, state.last_uid, state.highestmodseq = uidvalidity, 0, highestmodseq
            state.updated_at = uow.now()
            uow.audit("inbound.resync", "mailbox_state", state.id, before,
                      {"uidvalidity": uidvalidity, "last_uid": 0, "mailbox": mailbox})

    def not_done_on_server(self, mailbox: str,
                           uidvalidity: int | None = None) -> list[tuple[int, int | None, str | None]]:
        """(row id, uid, maildir key) of stored rows whose message is still to be flagged or moved."""
        with self._unit_of_work(INBOX_ACTOR, read_only=True) as uow:
            stmt = select(InboundMessage.id, InboundMessage.uid, InboundMessage.maildir_key).where(
                InboundMessage.mailbox == mailbox, InboundMessage.server_done.is_(False))
            if uidvalidity is not None:
                stmt = stmt.where(InboundMessage.uidvalidity == uidvalidity)
            return [(int(i), u, k) for i, u, k in uow.session.execute(stmt.order_by(InboundMessage.id))]

    def mark_server_done(self, ids: Iterable[int]) -> int:
        wanted = sorted(set(ids))
        if not wanted:
            return 0
        with self._unit_of_work(INBOX_ACTOR) as uow:
            rows = list(uow.session.scalars(select(InboundMessage).where(InboundMessage.id.in_(wanted))))
            for row in rows:
                row.server_done = True
            return len(rows)

    # ---- 2. process -------------------------------------------------------------------------------
    def pending_ids(self, limit: int = 1000) -> list[int]:
        with self._unit_of_work(INBOX_ACTOR, read_only=True) as uow:
            return list(uow.session.scalars(select(InboundMessage.id).where(
                InboundMessage.status == S.STORED.value).order_by(InboundMessage.id).limit(limit)))

    def process_pending(self, limit: int = 1000) -> dict[str, int]:
        counts: dict[str, int] = {}
        for inbound_id in self.pending_ids(limit):
            status = self.process(inbound_id)
            counts[status] = counts.get(status, 0) + 1
        return counts

    def process(self, inbound_id: int) -> str:
        """Classify, match and move for one stored message; its status afterwards. Idempotent: a
        row already past ``stored`` is left as it is."""
        try:
            with self._unit_of_work(INBOX_ACTOR) as uow:
                row = uow.session.get(InboundMessage, inbound_id, with_for_update=True, populate_existing=True)
                if row is None:
                    raise NotFound("邮件", "inbound message", inbound_id)
                if row.status != S.STORED:
                    return row.status
                return self._process(uow, row)
        except DomainError as exc:  # the case cannot move that way: nothing moved, a clerk decides
            return self._after_failure(inbound_id, S.TRIAGE, TriageReason.CANNOT_MOVE, exc.one_line("en"))
        except Exception as exc:
            log.exception("inbound %s: processing failed", inbound_id)
            return self._after_failure(inbound_id, S.FAILED, None, f"{type(exc).__name__}: {exc}")

    def _after_failure(self, inbound_id: int, status: InboundStatus, reason: TriageReason | None, error: str) -> str:
        raw = None
        with self._unit_of_work(INBOX_ACTOR) as uow:
            row = uow.session.get(InboundMessage, inbound_id, with_for_update=True)
            if row is None or row.status != S.STORED:
                return row.status if row is not None else S.FAILED.value
            raw = self.files.get(row.sha256)
            self._describe_row(row, raw)
            try:
                if row.classification is None:
                    self._classify_into(row, raw)
                    self._match_into(uow, row, raw)
            except Exception:
                log.exception("inbound %s: reading it for the clerk failed too", inbound_id)
            row.status, row.triage_reason, row.error = status.value, reason.value if reason else None, error[:2000]
            row.processed_at = uow.now()
            uow.audit(f"inbound.{status.value}", "inbound_message", row.id, None,
                      {"reason": row.triage_reason, "error": row.error, "case_id": row.case_id})
            return row.status

    def _describe_row(self, row: InboundMessage, raw: bytes) -> mime.Decoded | None:
        try:
            decoded = mime.parse(raw)
        except Exception:
            return None
        row.from_address = (decoded.from_address or "")[:254] or None
        row.subject = decoded.subject[:300] or None
        row.sent_at = decoded.date
        return decoded

    def _classify_into(self, row: InboundMessage, raw: bytes) -> dict[str, Any]:
        received = row.received_at.astimezone(self.settings.tz).date()
        cls = dict(self._classify(raw, received))
        row.classification = _jsonable(cls)
        row.intent = str(cls.get("intent") or "other")[:32]
        return cls

    def _match_into(self, uow: UnitOfWork, row: InboundMessage, raw: bytes) -> Match:
        decoded = mime.parse(raw)
        m = self.match(uow.session, decoded, row.classification or {}, raw, row.intent or "other")
        row.case_id = m.case.id if m.case is not None else None
        row.customer_id = m.customer_id
        row.matched_by = m.matched_by
        row.outbox_id = m.outbox.id if m.outbox is not None else None
        return m

    def _process(self, uow: UnitOfWork, row: InboundMessage) -> str:
        raw = self.files.get(row.sha256)
        if sha256_hex(raw) != row.sha256:
            raise RuntimeError(f"stored bytes of inbound {row.id} do not match their SHA-256")
        decoded = self._describe_row(row, raw)
        cls = self._classify_into(row, raw)
        if decoded is None:
            raise RuntimeError("the message could not be decoded")
        m = self.match(uow.session, decoded, cls, raw, row.intent or "other")
        row.case_id = m.case.id if m.case is not None else None
        row.customer_id = m.customer_id
        row.matched_by = m.matched_by
        row.outbox_id = m.outbox.id if m.outbox is not None else None
        confidence = _decimal(cls.get("confidence")) or Decimal(0)
        try:
            if confidence < self.settings.reply_confidence_threshold:
                threshold = self.settings.reply_confidence_threshold
                raise _NeedsClerk(TriageReason.LOW_CONFIDENCE, f"confidence {confidence} below {threshold}",
                                  f"置信度 {confidence} 低于 {threshold}")
            outcome = self._move(uow, row, cls, decoded, m)
        except _NeedsClerk as need:
            row.status, row.triage_reason, row.error = S.TRIAGE.value, need.reason.value, str(need)
            row.outcome = {"waiting": need.reason.value, "why": str(need), "why_zh": need.zh,
                           **({"note": m.note} if m.note else {})}
        else:
            row.status, row.triage_reason, row.outcome = S.PROCESSED.value, None, outcome
        row.processed_at = uow.now()
        uow.audit(f"inbound.{row.status}", "inbound_message", row.id, None,
                  {"intent": row.intent, "confidence": str(confidence), "case_id": row.case_id,
                   "matched_by": row.matched_by, "reason": row.triage_reason, "outcome": row.outcome})
        return row.status

    # ---- matching ---------------------------------------------------------------------------------
    def match(self, s: Session, decoded: mime.Decoded, cls: Mapping[str, Any], raw: bytes, intent: str) -> Match:
        """The case a message belongs to, and by which route (module docstring)."""
        domain = self.settings.mail_from.rpartition("@")[2].lower()
        # 1. our Message-IDs: In-Reply-To first, then References (newest last, so read backwards);
        #    a delivery report quotes the original's headers in its body, so look there too
        routes: list[tuple[str, list[str]]] = [
            ("in_reply_to", list(_strs(cls.get("in_reply_to"))) or decoded.in_reply_to),
            ("references", list(reversed(list(_strs(cls.get("references"))) or decoded.references))),
        ]
        if intent == "bounce" or decoded.from_address.startswith(("mailer-daemon", "postmaster")):
            routes.append(("in_reply_to", [f"<{m.decode('ascii', 'replace')}>" for m in MESSAGE_ID.findall(raw)]))
        for route, ids in routes:
            ours = [_angle(i) for i in ids if _angle(i).lower().endswith("@" + domain + ">")]
            if not ours:
                continue
            found = {o.message_id: o for o in s.scalars(
                select(OutboxMessage).where(OutboxMessage.message_id.in_(ours)))}
            for mid in ours:
                out = found.get(mid)
                if out is not None:
                    case = self._live_case(s, s.get(DunningCase, out.case_id) if out.case_id else None)
                    if case is None and out.customer_id is not None:  # none: an internal notice
                        case = self._only_open_case(s, out.customer_id)
                    return Match(case, out.customer_id, route, out)
        # 2. our plus-address among the recipients
        local = self.settings.mail_from.rpartition("@")[0].lower()
        addresses = [*decoded.to, *(a.lower() for h in ("delivered-to", "x-original-to", "envelope-to")
                                    for a in decoded.all(h))]
        for address in addresses:
            addr = address.strip().strip("<>")
            box, _, dom = addr.rpartition("@")
            if dom == domain and box.startswith(local + "+"):
                case = self._by_ref(s, box[len(local) + 1:])
                if case is not None:
                    return self._checked(s, decoded, Match(case, case.customer_id, "plus_address", None))
        # 3. the case reference in the subject (or wherever the classifier found it)
        for text in (decoded.subject, str(cls.get("case_ref") or "")):
            ref = CASE_REF.search(text)
            if ref:
                case = self._by_ref(s, ref.group(0))
                if case is not None:
                    return self._checked(s, decoded, Match(case, case.customer_id, "subject_ref", None))
        # 4. the sender: a debtor's contact address, else the company's own domain
        sender = decoded.from_address.lower()
        customers = _customers_with_email(s, sender)
        route = "sender_address"
        sender_domain = sender.rpartition("@")[2]
        if not customers and sender_domain and sender_domain not in FREE_MAIL and sender_domain != domain:
            customers = sorted(set(s.scalars(select(Contact.customer_id).where(
                func.lower(Contact.email).like("%@" + _like_escape(sender_domain), escape="\\")))))
            route = "sender_domain"
        if len(customers) == 1:
            case = self._only_open_case(s, customers[0])
            note = "" if case is not None else "the sender's company has no single open case"
            return Match(case, customers[0], route if case is not None else None, None, note)
        note = "several debtors use this address" if customers else ""
        return Match(None, None, None, None, note)

    def _checked(self, s: Session, decoded: mime.Decoded, m: Match) -> Match:
        """A reference anyone can type: when the sender is a known contact of other debtors only,
        do not let it move this one's case."""
        customers = _customers_with_email(s, decoded.from_address.lower())
        if customers and m.customer_id not in customers:
            return Match(None, None, None, None,
                         f"{m.matched_by} names {m.case.ref if m.case else '?'}, but the sender is a contact of "
                         "another debtor")
        return m

    def _by_ref(self, s: Session, ref: str) -> DunningCase | None:
        m = CASE_REF.fullmatch(ref.strip())
        if m is None:
            return None
        case = s.scalar(select(DunningCase).where(DunningCase.ref == m.group(0).upper()))
        return self._live_case(s, case)

    def _live_case(self, s: Session, case: DunningCase | None) -> DunningCase | None:
        """A reply to a letter of a closed case belongs to the pair's open case, if there is one."""
        if case is None or case.state not in CLOSED:
            return case
        newer = s.scalar(select(DunningCase).where(
            DunningCase.creditor_id == case.creditor_id, DunningCase.customer_id == case.customer_id,
            DunningCase.open_slot == 1))
        return newer or case

    def _only_open_case(self, s: Session, customer_id: int) -> DunningCase | None:
        cases = list(s.scalars(select(DunningCase).where(DunningCase.customer_id == customer_id,
                                                          DunningCase.open_slot == 1).limit(2)))
        return cases[0] if len(cases) == 1 else None

    # ---- moving the case --------------------------------------------------------------------------
    def _move(self, uow: UnitOfWork, row: InboundMessage, cls: Mapping[str, Any], decoded: mime.Decoded,
              m: Match) -> dict[str, Any]:
        intent = str(cls.get("intent") or "other")
        if intent not in INTENTS:
            intent = "other"
        if intent == "bounce":
            return self._bounce(uow, row, cls, m)
        if intent == "auto_reply":
            return self._auto_reply(uow, row, cls, m)
        if intent == "other":
            raise _NeedsClerk(TriageReason.UNCLEAR, "the reply says something the machine does not act on",
                              "回复的内容系统无法自动处理")
        if m.case is None:
            raise _NeedsClerk(TriageReason.UNMATCHED, m.note or "no case found for this message",
                              "找不到这封邮件对应的案件")
        case = lock_case(uow, m.case.id)
        if case.state in CLOSED:
            raise _NeedsClerk(TriageReason.CANNOT_MOVE, f"case {case.ref} is closed ({case.state})",
                              f"案件 {case.ref} 已结案")
        handler = {
            "promise_to_pay": self._promise, "paid": self._paid, "dispute": self._dispute,
            "document_request": self._document_request, "installment_request": self._installments,
            "hardship": self._hardship, "statement_confirmed": self._statement_confirmed,
        }[intent]
        return handler(uow, row, case, cls, decoded)

    def _evidence(self, row: InboundMessage, **more: Any) -> dict[str, Any]:
        return {"type": "reply", "id": row.id, "message_id": row.message_id, **more}

    def _note(self, uow: UnitOfWork, case: DunningCase, body: str) -> CaseNote:
        note = CaseNote(case_id=case.id, kind="system", body=body[:4000], contact_name=None,
                        author=uow.actor.username, created_at=uow.now())
        uow.session.add(note)
        uow.session.flush()
        return note

    def _assign(self, uow: UnitOfWork, case: DunningCase) -> int | None:
        """The case goes to the customer's clerk when nobody has it yet."""
        if case.assigned_user_id is None:
            customer = uow.session.get(Customer, case.customer_id)
            if customer is not None and customer.assigned_clerk_id is not None:
                case.assigned_user_id = customer.assigned_clerk_id
        return case.assigned_user_id

    def _promise(self, uow: UnitOfWork, row: InboundMessage, case: DunningCase, cls: Mapping[str, Any],
                 decoded: mime.Decoded) -> dict[str, Any]:
        s = uow.session
        dated = sorted((d, a) for d, a in ((_date(p.get("date")), _decimal(p.get("amount")))
                                          for p in _dicts(cls.get("promises"))) if d is not None)
        if not dated and _date(cls.get("promised_date")) is not None:
            dated = [(_date(cls.get("promised_date")), _decimal(cls.get("amount")))]  # type: ignore[list-item]
        if not dated:
            raise _NeedsClerk(TriageReason.INCOMPLETE, "a promise without a date", "承诺付款未写明日期")
        promised_on, amount = dated[0]
        assert promised_on is not None
        if promised_on < uow.today():
            raise _NeedsClerk(TriageReason.INCOMPLETE, f"the promised date {promised_on} has passed",
                              f"承诺付款日 {promised_on} 已过")
        if CaseEvent.PROMISE_RECORDED not in allowed(CaseState(case.state)):
            raise _NeedsClerk(TriageReason.CANNOT_MOVE,
                              f"case {case.ref} is {case.state}: a promise cannot be recorded",
                              f"案件 {case.ref} 当前状态下不能记录承诺付款")
        owed = open_balance(s, case.creditor_id, case.customer_id)
        currency = str(cls.get("currency") or case.currency).upper()
        if currency not in owed:
            currency = case.currency
        if currency not in owed:
            raise _NeedsClerk(TriageReason.CANNOT_MOVE, f"the customer owes nothing in {currency}",
                              f"客户没有 {currency} 欠款")
        if amount is None or amount <= 0:
            amount = owed[currency]  # "we will pay next Friday": the whole balance
        amount = amount.quantize(Decimal("0.01"))
        for old in s.scalars(select(Promise).where(Promise.case_id == case.id, Promise.status == "pending")):
            old.status, old.resolved_on = "cancelled", uow.today()
        promise = Promise(case_id=case.id, promised_on=promised_on, amount=amount, currency=currency, source="reply",
                          contact_name=(decoded.from_name or decoded.from_address)[:100] or None,
                          note=_excerpt(cls), paid_before=paid_total(s, case.creditor_id, case.customer_id, currency),
                          status="pending", recorded_by=uow.actor.username, recorded_at=uow.now())
        s.add(promise)
        s.flush()
        apply(uow, case, CaseEvent.PROMISE_RECORDED, reason=f"回复承诺 {promised_on} 前付 {currency} {amount} / "
              f"reply promises {currency} {amount} by {promised_on}",
              evidence=self._evidence(row, promise_id=promise.id, promised_on=promised_on.isoformat(),
                                      amount=str(amount), currency=currency))
        later = [{"date": d.isoformat(), "amount": str(a) if a is not None else None} for d, a in dated[1:] if d]
        if later:
            self._note(uow, case, f"回复中还有后续承诺：{later}（仅记录了最早一笔）。 / The reply promises more "
                                  f"payments later: {later} (only the earliest is recorded).")
        return {"event": CaseEvent.PROMISE_RECORDED.value, "promise_id": promise.id,
                "promised_on": promised_on.isoformat(), "amount": str(amount), "currency": currency}

    def _paid(self, uow: UnitOfWork, row: InboundMessage, case: DunningCase, cls: Mapping[str, Any],
              decoded: mime.Decoded) -> dict[str, Any]:
        paid_on, amount = _date(cls.get("paid_date")), _decimal(cls.get("amount"))
        reference = str(cls.get("reference") or "")[:100]
        said = " ".join(x for x in (f"{paid_on}" if paid_on else "", f"{cls.get('currency') or case.currency} {amount}"
                                    if amount else "", f"ref {reference}" if reference else "") if x)
        until = uow.today() + timedelta(days=self.settings.reply_paid_pause_days)
        reason = (f"债务人回复称已付款（{said or '未写明'}），待与银行收款核对 / the debtor says it has paid "
                  f"({said or 'no details'}): to be matched against the bank payments")
        moved = CaseEvent.PAUSED in allowed(CaseState(case.state))
        if moved:
            apply(uow, case, CaseEvent.PAUSED, reason=reason, paused_until=until, hold_reason=reason[:1000],
                  evidence=self._evidence(row, paid_date=paid_on.isoformat() if paid_on else None,
                                          amount=str(amount) if amount is not None else None, reference=reference))
        self._note(uow, case, f"待核对付款：{reason}。" + ("" if moved else f"（案件处于「{case.state}」，未暂停）")
                   + f"\n\n{_excerpt(cls)}")
        slip = any(a.content_type in SLIP_TYPES and not a.too_large for a in decoded.attachments)
        asked = None if slip else self._answer(uow, case, row, "remittance_request", None, _language(uow.session, case))
        return {"event": CaseEvent.PAUSED.value if moved else None,
                "paused_until": until.isoformat() if moved else None,
                "flag": "match_payment", "paid_date": paid_on.isoformat() if paid_on else None,
                "amount": str(amount) if amount is not None else None, "reference": reference or None,
                "slip_attached": slip, "slip_requested_outbox_id": asked}

    def _dispute(self, uow: UnitOfWork, row: InboundMessage, case: DunningCase, cls: Mapping[str, Any],
                 decoded: mime.Decoded) -> dict[str, Any]:
        why = str(cls.get("dispute_reason") or "").strip() or _excerpt(cls, 300)
        reason = f"债务人回复提出异议：{why} / the debtor disputes the debt: {why}"
        customer = uow.session.get(Customer, case.customer_id)
        clerk = case.assigned_user_id or (customer.assigned_clerk_id if customer is not None else None)
        moved = CaseEvent.DISPUTE_RAISED in allowed(CaseState(case.state)) and case.state != CaseState.DISPUTED
        if moved:
            apply(uow, case, CaseEvent.DISPUTE_RAISED, reason=reason[:2000], hold_reason=reason[:1000],
                  evidence=self._evidence(row, dispute_reason=why[:500]), assigned_user_id=clerk)
        assigned = self._assign(uow, case)
        self._note(uow, case, f"异议待处理（自动催收已停止）：{why}\n\n{_excerpt(cls)}")
        return {"event": CaseEvent.DISPUTE_RAISED.value if moved else None, "assigned_user_id": assigned,
                "dispute_reason": why}

    def _document_request(self, uow: UnitOfWork, row: InboundMessage, case: DunningCase, cls: Mapping[str, Any],
                          decoded: mime.Decoded) -> dict[str, Any]:
        s = uow.session
        last = s.scalar(select(OutboxMessage).where(
            OutboxMessage.case_id == case.id, OutboxMessage.document_id.is_not(None),
            OutboxMessage.status == "sent").order_by(OutboxMessage.id.desc()).limit(1))
        queued = None
        if last is not None and last.document_id is not None:
            queued = self._answer(uow, case, row, last.kind, last.document_id, last.language)
        self._assign(uow, case)
        self._note(uow, case, "债务人索要文件（发票、合同或送货单）：" + ("已重发最近一封函件；" if queued else "")
                   + "请核对并补发所需文件副本。 / The debtor asks for documents: "
                   + ("the last letter is sent again; " if queued else "")
                   + f"send the copies it needs.\n\n{_excerpt(cls)}")
        return {"event": None, "resent_outbox_id": queued, "resent_document_id": last.document_id if queued and last
                else None, "task": "send_documents"}

    def _installments(self, uow: UnitOfWork, row: InboundMessage, case: DunningCase, cls: Mapping[str, Any],
                      decoded: mime.Decoded) -> dict[str, Any]:
        plan = [{"date": p.get("date"), "amount": p.get("amount")} for p in _dicts(cls.get("promises"))]
        self._assign(uow, case)
        lines = "；".join(f"{p['date'] or '?'} {p['amount'] or '?'}" for p in plan) or "未写明 / not stated"
        self._note(uow, case, f"债务人请求分期付款，请起草还款协议（dunning case plan {case.ref}）。提议：{lines}。 / "
                              f"The debtor asks to pay in instalments: draft a repayment agreement. Proposed: {lines}."
                              f"\n\n{_excerpt(cls)}")
        return {"event": None, "task": "draft_repayment_agreement", "proposed": plan}

    def _hardship(self, uow: UnitOfWork, row: InboundMessage, case: DunningCase, cls: Mapping[str, Any],
                  decoded: mime.Decoded) -> dict[str, Any]:
        self._assign(uow, case)
        self._note(uow, case, "债务人称暂时无力付款，请联系了解情况。 / The debtor says it cannot pay now: call them."
                              f"\n\n{_excerpt(cls)}")
        return {"event": None, "task": "call_debtor"}

    def _statement_confirmed(self, uow: UnitOfWork, row: InboundMessage, case: DunningCase, cls: Mapping[str, Any],
                             decoded: mime.Decoded) -> dict[str, Any]:
        s = uow.session
        tz = self.settings.tz
        signed_on = min(decoded.date.astimezone(tz).date() if decoded.date else uow.today(), uow.today())
        files = [(a.name, a.content_type, a.data) for a in decoded.attachments
                 if a.content_type in SLIP_TYPES and not a.too_large and a.data]
        if not files:  # the email itself, from the debtor's address, is the written acknowledgment
            raw = self.files.get(row.sha256)
            files = [(f"reply-{row.id}.eml", "message/rfc822", raw)]
        invoices = list(s.scalars(select(Invoice).where(
            Invoice.creditor_id == case.creditor_id, Invoice.customer_id == case.customer_id,
            Invoice.issue_date <= signed_on).order_by(Invoice.id)))
        attachment_ids: list[int] = []
        for name, content_type, data in files:
            sha = self.files.put(data)
            for inv in invoices:
                att = Attachment(invoice_id=inv.id, filename=name[:255], content_type=content_type[:100],
                                 size=len(data), sha256=sha, uploaded_by=uow.actor.username, uploaded_at=uow.now(),
                                 kind="signed_statement", signed_on=signed_on)
                s.add(att)
                s.flush()
                attachment_ids.append(att.id)
                uow.audit("attachment.upload", "attachment", att.id, None,
                          {"invoice_id": inv.id, "filename": att.filename, "sha256": sha, "kind": att.kind,
                           "signed_on": signed_on.isoformat(), "evidence": self._evidence(row)})
        apply(uow, case, CaseEvent.STATEMENT_CONFIRMED,
              reason=f"债务人回复确认对账（{signed_on}） / the debtor confirmed the statement ({signed_on})",
              evidence=self._evidence(row, signed_on=signed_on.isoformat(), attachment_ids=attachment_ids))
        return {"event": CaseEvent.STATEMENT_CONFIRMED.value, "signed_on": signed_on.isoformat(),
                "attachment_ids": attachment_ids, "invoices": [inv.number for inv in invoices]}

    def _auto_reply(self, uow: UnitOfWork, row: InboundMessage, cls: Mapping[str, Any], m: Match) -> dict[str, Any]:
        back = _date(cls.get("return_date")) or _date(cls.get("promised_date"))
        if m.case is not None:
            self._note(uow, m.case, "收到自动回复" + (f"，对方预计 {back} 返回" if back else "")
                       + "。 / An automatic reply" + (f": back on {back}" if back else "") + ".")
        return {"event": None, "auto_reply": True, "return_date": back.isoformat() if back else None}

    def _bounce(self, uow: UnitOfWork, row: InboundMessage, cls: Mapping[str, Any], m: Match) -> dict[str, Any]:
        s = uow.session
        bounce = cls.get("bounce") if isinstance(cls.get("bounce"), Mapping) else {}
        assert isinstance(bounce, Mapping)
        status = str(bounce.get("status") or "")
        recipients = sorted({r.strip().lower() for r in _strs(bounce.get("recipients")) if "@" in r})
        permanent = bool(bounce.get("permanent", status.startswith("5"))) and not status.startswith("4")
        if "invalid_recipients" in bounce:  # the reader judged each recipient (reports.py)
            ours = bool(bounce.get("our_problem"))
            invalid = sorted({r.strip().lower() for r in _strs(bounce.get("invalid_recipients")) if "@" in r})
        else:
            raw_text = self.files.get(row.sha256)[:200_000].decode("utf-8", "replace")
            ours = permanent and bool(OUR_PROBLEM.search(raw_text))
            invalid = recipients if permanent and not ours else []
        invalid_ids: list[int] = []
        if invalid:
            for contact in s.scalars(select(Contact).where(func.lower(Contact.email).in_(invalid))
                                     .order_by(Contact.id)):
                if contact.email_invalid_since is None:
                    contact.email_invalid_since = uow.now()
                    invalid_ids.append(contact.id)
                    uow.audit("contact.email_invalid", "contact", contact.id, {"email_invalid_since": None},
                              {"email": contact.email, "email_invalid_since": uow.now().isoformat(),
                               "evidence": self._evidence(row, status=status)})
        bounced = None
        # the letter is no demand when it reached none of its recipients (one bounced copy of three
        # still leaves two delivered)
        reached = {r.lower() for r in (m.outbox.recipients if m.outbox is not None else [])} - set(recipients)
        if permanent and m.outbox is not None and m.outbox.bounced_at is None and not (recipients and reached):
            out = s.get(OutboxMessage, m.outbox.id, with_for_update=True)
            assert out is not None
            out.bounced_at = uow.now()
            bounced = out.id
            uow.audit("outbox.bounced", "outbox_message", out.id, {"bounced_at": None},
                      {"bounced_at": uow.now().isoformat(), "status": status, "recipients": recipients,
                       "our_sending_problem": ours, "evidence": self._evidence(row)})
        case = m.case
        if case is not None:
            if ours:
                text = (f"邮件被对方服务器以发信方原因拒收（{status}，如频率限制或 DMARC）："
                        "收件人地址仍有效，请检查我方发信设置。"
                        f" / Our letter was refused for a sending reason ({status}: rate limit or DMARC); the "
                        "address stays valid: check our sending setup.")
            elif permanent:
                text = (f"退信（{status}）：{', '.join(recipients) or '?'} 无法投递，已标记为无效地址，"
                        "此函件不计为已送达的催告。"
                        f"请核实联系人邮箱。 / Bounced ({status}): {', '.join(recipients) or '?'} marked invalid; "
                        "the letter does not count as a delivered demand. Check the contact's address.")
            else:
                text = (f"暂时无法投递（{status}），服务器会继续尝试：{', '.join(recipients) or '?'}。"
                        " / Delivery delayed "
                        f"({status}) to {', '.join(recipients) or '?'}: the server keeps trying.")
            self._note(uow, case, text)
        elif not invalid_ids and bounced is None:
            raise _NeedsClerk(TriageReason.UNMATCHED, "a delivery report about none of our letters or contacts",
                              "退信与我们发出的函件或联系人都不对应")
        return {"event": None, "bounce": {"status": status, "recipients": recipients, "permanent": permanent},
                "our_sending_problem": ours, "contacts_invalid": invalid_ids, "outbox_bounced": bounced}

    def _answer(self, uow: UnitOfWork, case: DunningCase, row: InboundMessage, kind: str, document_id: int | None,
                language: str) -> int | None:
        """Queue our answer to the debtor's message, once per kind, case and day (module docstring)."""
        s = uow.session
        key = f"reply:{kind}:{case.id}:{uow.today().isoformat()}"
        if s.scalar(select(DunningAction.id).where(DunningAction.key == key)) is not None:
            return None
        try:
            message = self._outbox().queue(uow, customer_id=case.customer_id, case_id=case.id, document_id=document_id,
                                           kind=kind, language=language, automated=False, contact_on=uow.today())
        except DomainError as exc:  # no designated contact left, a kind the outbox cannot send...
            self._note(uow, case, f"未能自动回复债务人（{kind}）：{exc.one_line('zh_CN')} / "
                                  "Could not answer the debtor "
                                  f"({kind}): {exc.one_line('en')}")
            return None
        s.add(DunningAction(key=key, case_id=case.id, creditor_id=case.creditor_id, customer_id=case.customer_id,
                            run_on=uow.today(), action="resend" if document_id else "reply", level=None, kind=kind,
                            status="queued", reason=f"answer to reply {row.id}", document_id=document_id,
                            outbox_id=message.id, decided_by=uow.actor.username, created_at=uow.now()))
        s.flush()
        return message.id

    # ---- the clerk's side -------------------------------------------------------------------------
    def triage(self, uow: UnitOfWork, *, page: int = 1, per_page: int = 50) -> dict[str, Any]:
        uow.require(CASE_WORKERS, "无权查看待处理回复", "You may not read replies")
        s = uow.session
        stmt = select(InboundMessage).where(InboundMessage.status.in_((S.TRIAGE.value, S.FAILED.value)))
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(InboundMessage.id).limit(per_page).offset((page - 1) * per_page))
        return {"items": [describe(s, r) for r in rows], "total": total, "page": page, "per_page": per_page}

    def show(self, uow: UnitOfWork, inbound_id: int) -> dict[str, Any]:
        row = uow.session.get(InboundMessage, inbound_id)
        if row is None:
            raise NotFound("回复", "reply", inbound_id)
        require_mail_reader(uow, row.customer_id)  # staff; a lawyer, their customers' replies
        out = describe(uow.session, row)
        out["decisions"] = [{"intent": d.intent, "machine_intent": d.machine_intent, "corrected": d.corrected,
                             "corrections": d.corrections, "decided_by": d.decided_by, "decided_at": d.decided_at}
                            for d in uow.session.scalars(select(TriageDecision).where(
                                TriageDecision.inbound_id == row.id).order_by(TriageDecision.id))]
        return out

    def confirm(self, uow: UnitOfWork, inbound_id: int, corrections: Mapping[str, Any]) -> InboundMessage:
        """A clerk confirms the machine's reading (no corrections) or corrects it (intent, case,
        promised date, amount, currency, paid date, dispute reason); then the case moves as it would
        have, in this unit of work, and the decision is kept for the accuracy report."""
        uow.require(CASE_WORKERS, "无权处理回复", "You may not act on replies")
        s = uow.session
        row = s.get(InboundMessage, inbound_id, with_for_update=True)
        if row is None:
            raise NotFound("回复", "reply", inbound_id)
        if row.status not in (S.TRIAGE, S.FAILED):
            raise Conflict(f"此回复已处理（{row.status}）",
                           f"this reply is not waiting for a clerk (it is {row.status})")
        raw = self.files.get(row.sha256)
        decoded = mime.parse(raw)
        machine = dict(row.classification or {})
        applied = dict(machine)
        changed = {k: _jsonable(v) for k, v in corrections.items() if v is not None and k != "case_ref"}
        intent = str(corrections.get("intent") or machine.get("intent") or "other")
        if intent not in INTENTS:
            raise invalid("intent", "unknown_intent", f"意图应为：{'、'.join(INTENTS)}",
                          f"one of: {', '.join(INTENTS)}")
        applied.update(changed)
        applied["intent"] = intent
        if intent in ("promise_to_pay", "installment_request") and (
                corrections.get("promised_date") is not None or corrections.get("amount") is not None):
            # the clerk's date and amount replace the earliest promise read (either may be left as read)
            read_first = next(iter(sorted((p for p in _dicts(machine.get("promises")) if _date(p.get("date"))),
                                          key=lambda p: str(p.get("date")))), {})
            applied["promises"] = [{
                "date": _jsonable(corrections.get("promised_date") or read_first.get("date")
                                  or machine.get("promised_date")),
                "amount": _jsonable(corrections.get("amount") or read_first.get("amount"))}]
        case = s.get(DunningCase, row.case_id) if row.case_id is not None else None
        matched_by = row.matched_by
        ref = str(corrections.get("case_ref") or "").strip()
        if ref:
            case = self._by_ref(s, ref) if CASE_REF.fullmatch(ref) else None
            if case is None:
                raise invalid("case_ref", "unknown_case", f"没有案件 {ref}", f"no case {ref}")
            changed["case_ref"] = case.ref
            matched_by = "clerk"
        outbox = s.get(OutboxMessage, row.outbox_id) if row.outbox_id is not None else None
        m = Match(case, case.customer_id if case else row.customer_id, matched_by, outbox)
        try:
            if intent == "other":
                outcome: dict[str, Any] = {"event": None}
                if case is not None:
                    self._note(uow, case, f"回复已由 {uow.actor.username} 阅读，无需处理。 / Read by "
                                          f"{uow.actor.username}: nothing to do.\n\n{_excerpt(applied)}")
            else:
                outcome = self._move(uow, row, applied, decoded, m)
        except _NeedsClerk as need:
            field = "case_ref" if need.reason == TriageReason.UNMATCHED else "intent"
            raise invalid(field, need.reason.value, f"无法按此处理：{need}", f"cannot act on it so: {need}") from None
        decision = TriageDecision(inbound_id=row.id, machine_intent=machine.get("intent"), intent=intent,
                                  corrected=bool(changed) and any(machine.get(k) != v for k, v in changed.items()),
                                  machine=machine or None, corrections=changed, case_id=case.id if case else None,
                                  decided_by=uow.actor.username, decided_at=uow.now())
        s.add(decision)
        before = {"status": row.status, "intent": row.intent, "case_id": row.case_id}
        row.status, row.triage_reason, row.error = S.PROCESSED.value, None, None
        row.intent, row.case_id, row.matched_by = intent, case.id if case else row.case_id, matched_by
        row.customer_id = case.customer_id if case else row.customer_id
        row.outcome = {**outcome, "confirmed_by": uow.actor.username}
        row.processed_at = uow.now()
        s.flush()
        uow.audit("inbound.confirmed", "inbound_message", row.id, before,
                  {"status": row.status, "intent": intent, "case_id": row.case_id, "corrections": changed,
                   "decision_id": decision.id, "outcome": row.outcome})
        return row

    def accuracy(self, uow: UnitOfWork) -> dict[str, Any]:
        """What clerks said about the machine's readings: per intent read, how often confirmed."""
        uow.require(CASE_WORKERS, "无权查看", "You may not read this")
        by: dict[str, dict[str, Any]] = {}
        for d in uow.session.scalars(select(TriageDecision).order_by(TriageDecision.id)):
            key = d.machine_intent or "none"
            slot = by.setdefault(key, {"decisions": 0, "confirmed": 0, "corrected_to": {}})
            slot["decisions"] += 1
            if d.intent == d.machine_intent and not d.corrected:
                slot["confirmed"] += 1
            elif d.intent != d.machine_intent:
                slot["corrected_to"][d.intent] = slot["corrected_to"].get(d.intent, 0) + 1
        total = sum(v["decisions"] for v in by.values())
        confirmed = sum(v["confirmed"] for v in by.values())
        return {"decisions": total, "confirmed": confirmed, "by_intent": by}

    def raw(self, uow: UnitOfWork, inbound_id: int) -> tuple[InboundMessage, bytes]:
        row = uow.session.get(InboundMessage, inbound_id)
        if row is None:
            raise NotFound("回复", "reply", inbound_id)
        require_mail_reader(uow, row.customer_id)
        data = self.files.get(row.sha256)
        uow.audit("inbound.download", "inbound_message", row.id, None, {"sha256": row.sha256})
        return row, data


def corrections_of(*, intent: str | None = None, case_ref: str | None = None, promised_date: date | None = None,
                   amount: str | Decimal | None = None, currency: str | None = None, paid_date: date | None = None,
                   dispute_reason: str | None = None) -> dict[str, Any]:
    """A clerk's corrections, checked (each bad value is a 4xx naming its field); absent ones left out."""
    out: dict[str, Any] = {}
    if intent is not None:
        if intent not in INTENTS:
            raise invalid("intent", "unknown_intent", f"意图应为：{'、'.join(INTENTS)}",
                          f"one of: {', '.join(INTENTS)}")
        out["intent"] = intent
    if case_ref is not None and case_ref.strip():
        if not CASE_REF.fullmatch(case_ref.strip()):
            raise invalid("case_ref", "bad_ref", "案件编号形如 AR-2026-0042",
                          "a case reference looks like AR-2026-0042")
        out["case_ref"] = case_ref.strip().upper()
    if promised_date is not None:
        out["promised_date"] = promised_date
    if paid_date is not None:
        out["paid_date"] = paid_date
    if amount is not None and str(amount).strip():
        value = _decimal(str(amount).strip().replace(",", ""))
        if value is None or value <= 0 or value != value.quantize(Decimal("0.01")) or value >= Decimal("1e13"):
            raise invalid("amount", "bad_amount", "金额须为正数，最多两位小数",
                          "a positive amount with at most two decimals")
        out["amount"] = str(value)
    if currency is not None and currency.strip():
        if not re.fullmatch(r"[A-Z]{3}", currency.strip().upper()):
            raise invalid("currency", "bad_currency", "币种为三位字母代码（CNY）", "a three-letter currency code (CNY)")
        out["currency"] = currency.strip().upper()
    if dispute_reason is not None and dispute_reason.strip():
        if len(dispute_reason) > 1000:
            raise invalid("dispute_reason", "too_long", "最多 1000 个字符", "at most 1000 characters")
        out["dispute_reason"] = dispute_reason.strip()
    return out


def describe(s: Session, row: InboundMessage) -> dict[str, Any]:
    cls = row.classification or {}
    case_ref = s.scalar(select(DunningCase.ref).where(DunningCase.id == row.case_id)) if row.case_id else None
    return {
        "id": row.id, "status": row.status, "triage_reason": row.triage_reason, "received_at": row.received_at,
        "mailbox": row.mailbox, "message_id": row.message_id, "from_address": row.from_address,
        "subject": row.subject, "sent_at": row.sent_at, "intent": row.intent,
        "confidence": _jsonable(cls.get("confidence")), "reply_text": str(cls.get("reply_text") or "")[:4000],
        "promises": [{"date": p.get("date"), "amount": p.get("amount")} for p in _dicts(cls.get("promises"))],
        "paid_date": cls.get("paid_date"), "amount": cls.get("amount"), "currency": cls.get("currency"),
        "dispute_reason": cls.get("dispute_reason"), "case_id": row.case_id, "case_ref": case_ref,
        "customer_id": row.customer_id, "matched_by": row.matched_by, "outbox_id": row.outbox_id,
        "duplicate_of": row.duplicate_of, "outcome": row.outcome, "error": row.error, "sha256": row.sha256,
        "size": row.size, "processed_at": row.processed_at,
    }


# ---- small pure helpers --------------------------------------------------------------------------

def _language(s: Session, case: DunningCase) -> str:
    """We answer in the language of our last letter on the case."""
    last = s.scalar(select(OutboxMessage.language).where(OutboxMessage.case_id == case.id)
                    .order_by(OutboxMessage.id.desc()).limit(1))
    return "en" if last == "en" else "zh"


def _customers_with_email(s: Session, address: str) -> list[int]:
    if "@" not in address:
        return []
    exact = set(s.scalars(select(Contact.customer_id).where(Contact.email.in_({address, address.lower()}))))
    if not exact:  # addresses typed with capitals: a scan of the (small) contact table
        exact = set(s.scalars(select(Contact.customer_id).where(func.lower(Contact.email) == address.lower())))
    return sorted(exact)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _angle(mid: str) -> str:
    mid = mid.strip()
    return mid if mid.startswith("<") else f"<{mid}>"


def _strs(value: object) -> Sequence[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return []


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list | tuple) else []


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _excerpt(cls: Mapping[str, Any], limit: int = NOTE_EXCERPT) -> str:
    text = str(cls.get("reply_text") or "").strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


__all__ = ["INBOX_ACTOR", "INTENTS", "Inbox", "MailSource", "PollReport", "Stored", "corrections_of", "describe"]


def classify_message(raw: bytes, fallback_day: date) -> Mapping[str, Any]:
    """The reader of ``workflow.mail.classify``: the JSON of ``dunning reply classify``."""
    from workflow.mail.classify import classify

    return classify(raw, fallback_day=fallback_day).as_json()
