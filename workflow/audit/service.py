"""Writing and verifying the audit log.

What an entry's hash covers: every column — its id, the instant to the microsecond (UTC), the
actor's name and id, the action, the entity, the before/after JSON and the previous entry's hash.
The JSON is normalised through one encode/decode before it is hashed and stored, so what is
hashed is exactly what SQLite and PostgreSQL give back.

Writers are serialised, so the chain stays linear and ids stay consecutive: on SQLite a writing
unit of work holds the database's write lock from its start (``BEGIN IMMEDIATE``, workflow/db.py);
on PostgreSQL ``record`` takes a transaction-level advisory lock before it reads the head. The
writer gives each entry the id after the head's, so two writers that somehow raced would collide
on the primary key instead of silently forking the chain.

A chain alone cannot show that its newest entries were removed, or that someone rewrote an entry
and recomputed every later hash. Checkpoints can: a checkpoint records the head (entry count, last
id, last hash) signed with HMAC-SHA256 under a key kept outside the database (``AuditKey``), and
links to the previous checkpoint. They are written
  * inside the writing transaction whenever an entry's id is a multiple of ``checkpoint_every``
    (``DUNNING_AUDIT_CHECKPOINT_EVERY``, default 100), and
  * on demand by ``dunning audit checkpoint`` (from cron, say, so a quiet log is sealed too).
Checkpoints are never removed and ``verify`` checks every one of them, so a checkpoint only adds
evidence: signing a head after tampering hides nothing already done. That is why writers sign
without re-walking the chain (that is verify's job), and why a log with an old break — a fork from
before writes were serialised — keeps being sealed. ``verify`` only reads: it is safe on a
read-only unit of work and never changes what it checks.

What remains undetectable from the database alone: a rewrite of the entries after the newest
checkpoint, and removing the newest checkpoints together with the entries they cover. Run
``dunning audit checkpoint`` often and keep its output (or the verify summary) elsewhere to
narrow that window.

Entries written before checkpoints existed carry the earlier hash (without id and actor_id); the
verifier accepts that form only before the first entry of the current form, and counts them. Back
then concurrent writers could fork the chain; such a fork fails verification until a checkpoint
that holds seals it, and is reported as a note from then on (recorded history, not tampering). A
fork among current entries is always a break: writers are serialised now.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from workflow.accounts.actor import Actor
from workflow.audit.key import AuditKey
from workflow.audit.models import AuditCheckpoint, AuditEntry
from workflow.clock import Clock

log = logging.getLogger(__name__)

GENESIS = "0" * 64
HASH_VERSION = 2
DEFAULT_CHECKPOINT_EVERY = 100
# pg_advisory_xact_lock key shared by every process writing this database's audit log
PG_LOCK_KEY = 727274


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return _jsonable(value.value)
    return value


def normalise(value: Any) -> Any:
    """``value`` as it will come back from the database's JSON column."""
    if value is None:
        return None
    # allow_nan=False: PostgreSQL's json type refuses NaN, so refuse it before it is hashed
    return json.loads(json.dumps(_jsonable(value), ensure_ascii=False, allow_nan=False))


def _canonical(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode()


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(e: AuditEntry) -> str:
    """The current hash: every column but the hash itself."""
    return hashlib.sha256(_canonical({
        "v": HASH_VERSION, "id": e.id, "at": _instant(e.at), "actor": e.actor, "actor_id": e.actor_id,
        "action": e.action, "entity_type": e.entity_type, "entity_id": e.entity_id,
        "before": e.before, "after": e.after, "prev_hash": e.prev_hash,
    })).hexdigest()


def legacy_entry_hash(e: AuditEntry) -> str:
    """The hash entries had before migration 0002 (no id, no actor_id, whole seconds)."""
    payload = json.dumps(
        [e.prev_hash, e.at.isoformat(), e.actor, e.action, e.entity_type, e.entity_id, e.before, e.after],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def checkpoint_mac(key: bytes, cp: AuditCheckpoint) -> str:
    return hmac.new(key, _canonical({
        "id": cp.id, "at": _instant(cp.at), "entries": cp.entries, "head_id": cp.head_id,
        "head_hash": cp.head_hash, "prev_mac": cp.prev_mac,
    }), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Break:
    """One place where the log does not prove what it claims."""

    kind: str  # altered | missing | fork | link | rewritten | count | truncated | checkpoint_*
    zh: str
    en: str
    entry_id: int | None = None
    checkpoint_id: int | None = None

    def message(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "entry_id": self.entry_id, "checkpoint_id": self.checkpoint_id,
                "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class CheckpointInfo:
    id: int
    at: datetime
    entries: int
    head_id: int
    head_hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "at": _instant(self.at), "entries": self.entries, "head_id": self.head_id,
                "head_hash": self.head_hash}


@dataclass
class AuditReport:
    entries: int = 0
    legacy_entries: int = 0
    checkpoints: int = 0
    last_checkpoint: CheckpointInfo | None = None
    # entries after the newest valid checkpoint: protected by the chain only
    unsealed: int = 0
    breaks: list[Break] = field(default_factory=list)
    # forks among entries from before writes were serialised, sealed since by a checkpoint that
    # holds: recorded history, not tampering, so they do not fail verification
    notes: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "entries": self.entries, "legacy_entries": self.legacy_entries,
            "checkpoints": self.checkpoints,
            "last_checkpoint": self.last_checkpoint.as_dict() if self.last_checkpoint else None,
            "unsealed_entries": self.unsealed, "breaks": [b.as_dict() for b in self.breaks],
            "notes": [b.as_dict() for b in self.notes],
        }


class _Chain:
    """Walks entries in id order, reporting each break and carrying on from the stored hash, so
    one changed entry is one break, not a cascade."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.prev_id = 0
        self.prev_hash = GENESIS
        self.current_seen = False
        self.legacy = 0
        self.was_legacy = False  # the entry just stepped over has the earlier hash form

    def step(self, e: AuditEntry) -> list[Break]:
        breaks: list[Break] = []
        current = e.hash == entry_hash(e)
        self.was_legacy = False
        if current:
            self.current_seen = True
        elif not self.current_seen and e.hash == legacy_entry_hash(e):
            self.legacy += 1
            self.was_legacy = True
        else:
            breaks.append(Break(
                "altered", f"第 {e.id} 条记录的内容与其哈希不符：写入后被修改过",
                f"entry #{e.id}: its content does not match its hash (changed after it was written)",
                entry_id=e.id))
        # ids are consecutive since writers number entries; earlier entries may have gaps
        if self.current_seen and e.id != self.prev_id + 1:
            first, last = self.prev_id + 1, e.id - 1
            span_en = f"entry #{first} was" if first == last else f"entries #{first}–#{last} were"
            span_zh = f"#{first}" if first == last else f"#{first}–#{last}"
            breaks.append(Break(
                "missing", f"记录 {span_zh} 已被删除（第 {e.id} 条之前）",
                f"{span_en} removed (before entry #{e.id})", entry_id=e.id))
        elif e.prev_hash != self.prev_hash:
            onto = self.session.scalar(select(AuditEntry.id).where(AuditEntry.hash == e.prev_hash))
            if onto is not None and onto != self.prev_id:
                breaks.append(Break(
                    "fork", f"第 {e.id} 条记录接在第 {onto} 条之后，而非第 {self.prev_id} 条：链条分叉"
                    "（并发写入，发生在写入串行化之前）",
                    f"entry #{e.id} chains onto entry #{onto}, not #{self.prev_id}: the chain forked "
                    "(concurrent writers, before writes were serialised)", entry_id=e.id))
            else:
                breaks.append(Break(
                    "link", f"第 {e.id} 条记录未接续第 {self.prev_id} 条：前一条被改写，或两者之间的记录被删除",
                    f"entry #{e.id} does not follow entry #{self.prev_id}: that entry was rewritten, "
                    "or entries between them were removed", entry_id=e.id))
        self.prev_id, self.prev_hash = e.id, e.hash
        return breaks


class AuditLog:
    def __init__(self, clock: Clock, key: AuditKey, *,
                 checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        self.clock = clock
        self.key = key
        self.checkpoint_every = checkpoint_every

    # ---- writing -------------------------------------------------------------------------------
    def record(self, session: Session, actor: Actor, action: str, entity_type: str, entity_id: str,
               before: Any = None, after: Any = None) -> AuditEntry:
        """Append an entry in the caller's transaction (and a checkpoint every N entries)."""
        _serialise(session)
        head = session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
        entry = AuditEntry(
            id=(head.id + 1) if head else 1, at=self.clock.now().astimezone(UTC), actor=actor.username,
            actor_id=actor.user_id, action=action, entity_type=entity_type, entity_id=entity_id,
            before=normalise(before), after=normalise(after),
            prev_hash=head.hash if head else GENESIS,
        )
        entry.hash = entry_hash(entry)
        session.add(entry)
        session.flush()
        if entry.id % self.checkpoint_every == 0:
            self._seal(session, entry.id, entry.hash)
        return entry

    def checkpoint(self, session: Session) -> AuditCheckpoint | None:
        """Sign the current head now (``None`` for an empty log; the last checkpoint when it
        already covers the head)."""
        _serialise(session)
        head = session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
        if head is None:
            return None
        return self._seal(session, head.id, head.hash)

    def _seal(self, session: Session, head_id: int, head_hash: str) -> AuditCheckpoint:
        last = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
        if last is not None and last.head_id == head_id and last.head_hash == head_hash:
            return last
        counted = select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= head_id)
        if last is not None and last.head_id < head_id:
            # the count carries on from the last checkpoint's, so an entry removed before it stays
            # a difference verify reports there, instead of being absorbed into this count
            entries = last.entries + (session.scalar(counted.where(AuditEntry.id > last.head_id)) or 0)
        else:
            entries = session.scalar(counted) or 0
        cp = AuditCheckpoint(
            id=(last.id + 1) if last else 1, at=self.clock.now().astimezone(UTC), entries=entries,
            head_id=head_id, head_hash=head_hash, prev_mac=last.mac if last else GENESIS,
        )
        cp.mac = checkpoint_mac(self.key.get(), cp)
        session.add(cp)
        session.flush()
        return cp

    # ---- verifying -----------------------------------------------------------------------------
    def verify(self, session: Session) -> AuditReport:
        """Every break in the chain and against the checkpoints, not only the first."""
        report = AuditReport()
        # checkpoints first: each is written in the transaction of the entries it covers, so the
        # entries read next include all of them even while others keep writing (PostgreSQL reads
        # each statement at its own snapshot)
        checkpoints = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
        report.checkpoints = len(checkpoints)
        trusted = self._check_checkpoints(checkpoints, report.breaks)
        if trusted:
            newest = max(trusted, key=lambda cp: cp.head_id)
            report.last_checkpoint = CheckpointInfo(newest.id, newest.at, newest.entries, newest.head_id,
                                            newest.head_hash)
        pending = sorted(trusted, key=lambda cp: (cp.head_id, cp.id))
        chain = _Chain(session)
        count = 0
        sealed_count = 0
        last_offset = 0
        rewritten = False
        prev_cp: AuditCheckpoint | None = None
        # an earlier-form fork is settled by the next checkpoint whose hash and count hold
        unsettled: list[Break] = []
        i = 0
        for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
            while i < len(pending) and pending[i].head_id < e.id:
                cp = pending[i]
                report.breaks.append(Break(
                    "checkpoint_head", f"检查点 #{cp.id} 记录的最后一条（第 {cp.head_id} 条）已不存在",
                    f"checkpoint #{cp.id}: its head, entry #{cp.head_id}, is gone",
                    entry_id=cp.head_id, checkpoint_id=cp.id))
                i += 1
            count += 1
            for b in chain.step(e):
                (unsettled if b.kind == "fork" and chain.was_legacy else report.breaks).append(b)
            while i < len(pending) and pending[i].head_id == e.id:
                cp = pending[i]
                since = f"#{prev_cp.head_id}" if prev_cp else "#1"
                if e.hash != cp.head_hash:
                    # every later hash was recomputed too: name where it started, once
                    if not rewritten:
                        report.breaks.append(Break(
                            "rewritten",
                            f"第 {e.id} 条记录的哈希与检查点 #{cp.id}（{_instant(cp.at)}）不符："
                            f"{since} 至 #{e.id} 之间的记录被改写（连同之后的哈希）",
                            f"entry #{e.id} does not match checkpoint #{cp.id} ({_instant(cp.at)}): "
                            f"entries from {since} to #{e.id} were rewritten (with every later hash)",
                            entry_id=e.id, checkpoint_id=cp.id))
                    rewritten = True
                else:
                    rewritten = False
                offset = count - cp.entries
                (report.notes if e.hash == cp.head_hash and offset == last_offset else report.breaks).extend(unsettled)
                unsettled.clear()
                if offset != last_offset:
                    n = abs(offset - last_offset)
                    zh_what, en_what = ("删除", "removed") if offset < last_offset else ("插入", "inserted")
                    report.breaks.append(Break(
                        "count",
                        f"检查点 #{cp.id} 记录至第 {cp.head_id} 条共 {cp.entries} 条，现有 {count} 条："
                        f"{since} 至 #{cp.head_id} 之间有 {n} 条被{zh_what}",
                        f"checkpoint #{cp.id} counted {cp.entries} entries up to #{cp.head_id}, there are "
                        f"{count}: {n} entries between {since} and #{cp.head_id} were {en_what}",
                        entry_id=cp.head_id, checkpoint_id=cp.id))
                    last_offset = offset
                sealed_count = count
                prev_cp = cp
                i += 1
        report.breaks.extend(unsettled)
        report.entries = count
        report.legacy_entries = chain.legacy
        report.unsealed = count - sealed_count if pending else count
        if i < len(pending):
            cp = max(pending[i:], key=lambda c: c.head_id)
            if count:
                now_zh = f"日志止于第 {chain.prev_id} 条（共 {count} 条）"
                now_en = f"the log ends at entry #{chain.prev_id} ({count} entries)"
                gone_zh = f"第 {chain.prev_id} 条之后的记录被删除"
                gone_en = f"the entries after #{chain.prev_id} were removed"
            else:
                now_zh, now_en = "日志为空", "the log is empty"
                gone_zh, gone_en = "全部记录被删除", "every entry was removed"
            report.breaks.append(Break(
                "truncated",
                f"{now_zh}，但检查点 #{cp.id}（{_instant(cp.at)}）记录了至第 {cp.head_id} 条共 {cp.entries} 条："
                f"{gone_zh}",
                f"{now_en}, but checkpoint #{cp.id} ({_instant(cp.at)}) recorded {cp.entries} entries up to "
                f"#{cp.head_id}: {gone_en}",
                entry_id=cp.head_id, checkpoint_id=cp.id))
        report.breaks.sort(key=lambda b: b.entry_id or 0)
        return report

    def _check_checkpoints(self, checkpoints: Iterable[AuditCheckpoint], breaks: list[Break]) -> list[AuditCheckpoint]:
        """The checkpoints whose signature holds; a break for each that does not, or is missing."""
        checkpoints = list(checkpoints)
        if not checkpoints:
            return []
        key = self.key.get()
        trusted: list[AuditCheckpoint] = []
        prev_id, prev_mac, prev_trusted = 0, GENESIS, True
        for cp in checkpoints:
            if not hmac.compare_digest(cp.mac, checkpoint_mac(key, cp)):
                breaks.append(Break(
                    "checkpoint_forged", f"检查点 #{cp.id} 的签名不符：被伪造或改写（或审计密钥已更换）",
                    f"checkpoint #{cp.id}: its signature does not match (forged or altered, or the audit "
                    "key changed)", entry_id=cp.head_id, checkpoint_id=cp.id))
                prev_trusted = False
            else:
                # after a forged one the link cannot be judged: that break is already reported
                if prev_trusted and (cp.id != prev_id + 1 or cp.prev_mac != prev_mac):
                    breaks.append(Break(
                        "checkpoint_missing", f"检查点 #{cp.id} 未接续检查点 #{prev_id}：其间的检查点被删除",
                        f"checkpoint #{cp.id} does not follow checkpoint #{prev_id}: checkpoints between "
                        "them were removed", entry_id=cp.head_id, checkpoint_id=cp.id))
                trusted.append(cp)
                prev_trusted = True
            prev_id, prev_mac = cp.id, cp.mac
        return trusted


def _serialise(session: Session) -> None:
    """Hold the audit write lock for the rest of the transaction (see the module docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry | AuditCheckpoint):
            raise PermissionError("the audit log is append-only")

