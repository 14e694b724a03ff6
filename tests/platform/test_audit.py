"""The audit log proves what it claims: every column is hashed, checkpoints signed with a key kept
outside the database catch a removed or rewritten tail, verify lists every break, and concurrent
writers keep one linear chain on SQLite and PostgreSQL.

Tampering is simulated as a rogue DBA would do it: raw SQL behind the ORM (the test databases are
built with ``create_all``, without the migration's append-only triggers).
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, insert, select, update

from tests.conftest import Users, postgres_url
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.key import AuditKey
from workflow.audit.models import AuditCheckpoint, AuditEntry
from workflow.audit.service import GENESIS, AuditLog, AuditReport, checkpoint_mac, entry_hash, legacy_entry_hash
from workflow.core import Core
from workflow.migrate import upgrade

ALICE = Actor(user_id=7, username="alice", role=Role.ADMIN)


def write(core: Core, n: int, actor: Actor = ALICE) -> None:
    for i in range(n):
        with core.unit_of_work(actor) as uow:
            uow.audit("invoice.update", "invoice", i + 1,
                      {"amount": Decimal("1234.50"), "due": date(2026, 12, 31), "note": "首付款"},
                      {"amount": Decimal("99.99"), "lines": [1, 2.5, 10**18], "ok": True, "none": None})


def verify(core: Core) -> AuditReport:
    with core.unit_of_work(ALICE, read_only=True) as uow:
        return core.audit.verify(uow.session)


def kinds(report: AuditReport) -> list[tuple[str, int | None]]:
    return [(b.kind, b.entry_id) for b in report.breaks]


def tamper(core: Core, *statements: Any) -> None:
    with core.db.engine.begin() as conn:
        for st in statements:
            conn.execute(st)


def entries(core: Core) -> list[AuditEntry]:
    with core.unit_of_work(ALICE, read_only=True) as uow:
        return list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_an_untouched_log_verifies_on_both_databases(any_db: Core) -> None:
    write(any_db, 5)
    report = verify(any_db)
    assert report.ok and report.entries == 5 and report.breaks == []
    stored = entries(any_db)
    assert [e.id for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].before == {"amount": "1234.50", "due": "2026-12-31", "note": "首付款"}
    assert stored[0].actor_id == 7


@pytest.mark.parametrize("column", ["actor_id", "at", "actor", "action", "entity_type", "entity_id",
                                    "before", "after"])
def test_a_change_to_any_column_is_detected(any_db: Core, column: str) -> None:
    write(any_db, 4)
    e = entries(any_db)[1]
    changed = {
        "actor_id": 8, "at": e.at + timedelta(microseconds=1), "actor": "mallory", "action": "invoice.delete",
        "entity_type": "payment", "entity_id": "99", "before": None, "after": {"amount": "0.00"},
    }[column]
    tamper(any_db, update(AuditEntry).where(AuditEntry.id == 2).values({column: changed}))
    assert kinds(verify(any_db)) == [("altered", 2)]


def test_verify_lists_every_break_not_only_the_first(any_db: Core) -> None:
    write(any_db, 8)
    tamper(any_db,
           update(AuditEntry).where(AuditEntry.id == 2).values(actor_id=None),
           update(AuditEntry).where(AuditEntry.id == 6).values(actor="mallory"),
           delete(AuditEntry).where(AuditEntry.id == 4))
    report = verify(any_db)
    assert kinds(report) == [("altered", 2), ("missing", 5), ("altered", 6)]
    missing = report.breaks[1]
    assert "#4" in missing.en and "#4" in missing.zh


def test_a_removed_tail_is_detected_by_the_checkpoint(any_db: Core) -> None:
    any_db.audit.checkpoint_every = 5
    write(any_db, 12)
    assert verify(any_db).ok
    tamper(any_db, delete(AuditEntry).where(AuditEntry.id >= 8))
    report = verify(any_db)
    assert kinds(report) == [("truncated", 10)]
    assert report.breaks[0].checkpoint_id == 2
    assert "#7" in report.breaks[0].en and "10 entries" in report.breaks[0].en


def test_an_emptied_log_is_detected(any_db: Core) -> None:
    any_db.audit.checkpoint_every = 3
    write(any_db, 3)
    tamper(any_db, delete(AuditEntry))
    assert [b.kind for b in verify(any_db).breaks] == ["truncated"]


def _rewrite_from(core: Core, first_id: int, **changes: Any) -> None:
    """What someone who knows the algorithm but not the key does: change an entry and recompute
    its hash and every later one, so the chain itself is whole again."""
    rows = [e for e in entries(core) if e.id >= first_id]
    prev = next((e.hash for e in entries(core) if e.id == first_id - 1), GENESIS)
    statements = []
    for e in rows:
        if e.id == first_id:
            for k, v in changes.items():
                setattr(e, k, v)
        e.prev_hash = prev
        e.hash = entry_hash(e)
        prev = e.hash
        statements.append(update(AuditEntry).where(AuditEntry.id == e.id).values(
            {**changes, "prev_hash": e.prev_hash, "hash": e.hash} if e.id == first_id
            else {"prev_hash": e.prev_hash, "hash": e.hash}))
    tamper(core, *statements)


def test_a_rewritten_entry_with_every_later_hash_is_detected(any_db: Core) -> None:
    any_db.audit.checkpoint_every = 5
    write(any_db, 10)
    _rewrite_from(any_db, 3, actor="mallory", actor_id=None)
    report = verify(any_db)
    # one break, at the first checkpoint the rewrite passed; the chain alone is whole
    assert kinds(report) == [("rewritten", 5)]
    assert report.breaks[0].checkpoint_id == 1
    assert "#1" in report.breaks[0].en and "#5" in report.breaks[0].en


def test_the_report_says_how_much_of_the_log_is_sealed(any_db: Core) -> None:
    any_db.audit.checkpoint_every = 5
    write(any_db, 7)
    report = verify(any_db)
    assert report.checkpoints == 1 and report.unsealed == 2
    assert report.last_checkpoint is not None and report.last_checkpoint.head_id == 5


def test_forged_checkpoints_are_detected(any_db: Core) -> None:
    any_db.audit.checkpoint_every = 2
    write(any_db, 8)
    _rewrite_from(any_db, 3, action="invoice.create")
    # the forger signs the rewritten heads with a key of their own
    wrong_key = b"w" * 32
    with any_db.unit_of_work(ALICE, read_only=True) as uow:
        cps = list(uow.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
        heads = {e.id: e.hash for e in uow.session.scalars(select(AuditEntry))}
    prev = cps[0].mac
    statements: list[Any] = []
    for cp in cps[1:]:
        cp.head_hash, cp.prev_mac = heads[cp.head_id], prev
        cp.mac = checkpoint_mac(wrong_key, cp)
        prev = cp.mac
        statements.append(update(AuditCheckpoint).where(AuditCheckpoint.id == cp.id).values(
            head_hash=cp.head_hash, prev_mac=cp.prev_mac, mac=cp.mac))
    tamper(any_db, *statements)
    assert [(b.kind, b.checkpoint_id) for b in verify(any_db).breaks] == [
        ("checkpoint_forged", 2), ("checkpoint_forged", 3), ("checkpoint_forged", 4)]


def test_a_checkpoint_removed_from_the_middle_is_detected(any_db: Core) -> None:
    any_db.audit.checkpoint_every = 2
    write(any_db, 6)
    tamper(any_db, delete(AuditCheckpoint).where(AuditCheckpoint.id == 2))
    assert [(b.kind, b.checkpoint_id) for b in verify(any_db).breaks] == [("checkpoint_missing", 3)]


def test_checkpoints_are_written_every_n_entries_and_signed_with_the_instance_key(core: Core) -> None:
    core.audit.checkpoint_every = 3
    write(core, 7)
    with core.unit_of_work(ALICE, read_only=True) as uow:
        cps = list(uow.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
    assert [(c.entries, c.head_id) for c in cps] == [(3, 3), (6, 6)]
    key_file = core.settings.instance_path / "audit.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = AuditKey.for_instance("", core.settings.instance_path)
    assert again.get() == core.audit.key.get()
    # the database alone does not let anyone make a valid checkpoint: another key fails them all
    other = AuditLog(core.clock, AuditKey("another key, long enough", Path("unused")))
    with core.unit_of_work(ALICE, read_only=True) as uow:
        assert [b.kind for b in other.verify(uow.session).breaks] == ["checkpoint_forged"] * 2


def test_dunning_audit_key_is_used_instead_of_a_file(core: Core, tmp_path: Path) -> None:
    key = AuditKey.for_instance("s" * 40, tmp_path / "elsewhere")
    assert key.get() == b"s" * 40
    assert not (tmp_path / "elsewhere").exists()
    with pytest.raises(ValueError, match="DUNNING_AUDIT_KEY"):
        AuditKey.for_instance("short", tmp_path).get()


def test_the_key_and_the_interval_come_from_the_environment(tmp_path: Path) -> None:
    from workflow.config import Settings, SettingsError
    from workflow.core import build_core

    with pytest.raises(SettingsError, match="DUNNING_AUDIT_KEY"):
        Settings.from_env({"DUNNING_AUDIT_KEY": "too short"})
    with pytest.raises(SettingsError, match="DUNNING_AUDIT_CHECKPOINT_EVERY"):
        Settings.from_env({"DUNNING_AUDIT_CHECKPOINT_EVERY": "0"})
    settings = Settings.from_env({"DUNNING_INSTANCE_PATH": str(tmp_path), "DUNNING_AUDIT_KEY": "k" * 20,
                                  "DUNNING_AUDIT_CHECKPOINT_EVERY": "7"})
    core = build_core(settings)
    try:
        assert core.audit.checkpoint_every == 7 and core.audit.key.get() == b"k" * 20
    finally:
        core.close()
    assert not (tmp_path / "audit.key").exists()


def test_a_log_with_a_break_keeps_being_sealed_and_the_break_stays_reported(any_db: Core) -> None:
    any_db.audit.checkpoint_every = 5
    write(any_db, 3)
    tamper(any_db, update(AuditEntry).where(AuditEntry.id == 2).values(entity_id="x"))
    write(any_db, 4)
    with any_db.unit_of_work(ALICE) as uow:
        cp = any_db.audit.checkpoint(uow.session)
        assert cp is not None and (cp.id, cp.entries, cp.head_id) == (2, 7, 7)
    assert kinds(verify(any_db)) == [("altered", 2)]
    tamper(any_db, delete(AuditEntry).where(AuditEntry.id >= 6))
    assert kinds(verify(any_db)) == [("altered", 2), ("truncated", 7)]


def test_a_fork_is_told_apart_from_tampering(any_db: Core) -> None:
    write(any_db, 3)
    _, e2, e3 = entries(any_db)
    # an entry chained onto #2 although #3 exists: what unserialised writers used to produce
    forked = AuditEntry(id=4, at=e3.at, actor="bob", actor_id=None, action="attachment.download",
                        entity_type="attachment", entity_id="1", before=None, after=None, prev_hash=e2.hash)
    forked.hash = entry_hash(forked)
    tamper(any_db, insert(AuditEntry).values(
        id=4, at=forked.at, actor="bob", actor_id=None, action=forked.action, entity_type=forked.entity_type,
        entity_id="1", before=None, after=None, prev_hash=forked.prev_hash, hash=forked.hash))
    report = verify(any_db)
    assert kinds(report) == [("fork", 4)]
    assert "#2" in report.breaks[0].en
    # writers are serialised now: a fork among current entries stays a break, sealed or not
    with any_db.unit_of_work(ALICE) as uow:
        assert any_db.audit.checkpoint(uow.session) is not None
    assert kinds(verify(any_db)) == [("fork", 4)]


def _legacy_rows(core: Core, links: dict[int, int | None]) -> None:
    """Entries in the hash form from before checkpoints; ``links`` maps an id to the id it chains onto."""
    hashes: dict[int | None, str] = {None: GENESIS}
    rows = []
    for i, onto in links.items():
        e = AuditEntry(id=i, at=core.clock.now(), actor="old", actor_id=3, action="user.create",
                       entity_type="user", entity_id=str(i), before=None, after={"n": i}, prev_hash=hashes[onto])
        e.hash = legacy_entry_hash(e)
        hashes[i] = e.hash
        rows.append({c: getattr(e, c) for c in ("id", "at", "actor", "actor_id", "action", "entity_type",
                                                 "entity_id", "before", "after", "prev_hash", "hash")})
    with core.db.engine.begin() as conn:
        conn.execute(insert(AuditEntry), rows)


def test_an_old_fork_fails_verification_until_a_checkpoint_seals_it(any_db: Core) -> None:
    _legacy_rows(any_db, {1: None, 2: 1, 3: 1, 4: 3})  # 2 and 3 both chained onto 1, as the bug did
    write(any_db, 1)
    assert kinds(verify(any_db)) == [("fork", 3)]
    with any_db.unit_of_work(ALICE) as uow:
        any_db.audit.checkpoint(uow.session)
    report = verify(any_db)
    assert report.ok and [(b.kind, b.entry_id) for b in report.notes] == [("fork", 3)]
    # sealed means sealed: an entry removed from that stretch afterwards is a break again
    tamper(any_db, delete(AuditEntry).where(AuditEntry.id == 2))
    report = verify(any_db)
    assert kinds(report) == [("count", 5)] and "1 entries between #1 and #5 were removed" in report.breaks[0].en


def test_entries_in_the_earlier_hash_form_still_verify(any_db: Core) -> None:
    _legacy_rows(any_db, {1: None, 2: 1, 4: 2})  # PostgreSQL sequences left gaps on rollback
    write(any_db, 2)
    report = verify(any_db)
    assert report.ok and report.entries == 5 and report.legacy_entries == 3
    assert [e.id for e in entries(any_db)][-2:] == [5, 6]


@pytest.mark.parametrize("threads,each", [(8, 25)])
def test_concurrent_writers_keep_one_linear_chain(any_db: Core, threads: int, each: int) -> None:
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        actor = Actor(user_id=n, username=f"user{n}", role=Role.CLERK)
        try:
            start.wait()
            for i in range(each):
                with any_db.unit_of_work(actor) as uow:
                    uow.audit("document.download", "document", f"{n}-{i}")
        except BaseException as exc:  # collected: an exception in a thread would otherwise vanish
            failures.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    stored = entries(any_db)
    total = threads * each
    assert [e.id for e in stored] == list(range(1, total + 1))
    assert len({e.prev_hash for e in stored}) == total  # no two entries share a predecessor
    report = verify(any_db)
    assert report.ok and report.entries == total
    assert report.checkpoints == total // 100


def test_audit_rows_cannot_be_edited_or_deleted_through_the_orm(core: Core) -> None:
    core.audit.checkpoint_every = 1
    write(core, 1)
    for model in (AuditEntry, AuditCheckpoint):
        with pytest.raises(PermissionError), core.unit_of_work(ALICE) as uow:
            row = uow.session.get(model, 1)
            assert row is not None
            uow.session.delete(row)
            uow.session.flush()
    with pytest.raises(PermissionError), core.unit_of_work(ALICE) as uow:
        entry = uow.session.get(AuditEntry, 1)
        assert entry is not None
        entry.actor = "mallory"
        uow.session.flush()
    assert verify(core).ok


# ---- the migrated database refuses UPDATE and DELETE on the checkpoints ------------------------

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    base = postgres_url()
    if base is None:
        pytest.skip("PostgreSQL not configured (set DUNNING_TEST_POSTGRES_URL)")
    name = f"dunning_audit_{os.environ.get('DUNNING_TEST_DB_TAG', '')}{worker_id}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield base.rsplit("/", 1)[0] + "/" + name


def test_the_migrated_database_keeps_checkpoints_append_only(migrated_url: str, core: Core) -> None:
    from workflow.db import Database

    upgrade(migrated_url)
    db = Database(migrated_url)
    log = AuditLog(core.clock, core.audit.key, checkpoint_every=2)
    try:
        for i in range(2):
            with db.session_factory.begin() as s:
                log.record(s, ALICE, "test.write", "test", str(i))
        for statement in ("UPDATE audit_checkpoint SET entries = 1", "DELETE FROM audit_checkpoint"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
                conn.execute(sa.text(statement))
        with db.session_factory() as s:
            report = log.verify(s)
        assert report.ok and report.checkpoints == 1 and report.entries == 2
    finally:
        db.dispose()


# ---- the command and the API -------------------------------------------------------------------

def test_dunning_audit_verify_prints_every_break_and_fails(core: Core, runner: FlaskCliRunner) -> None:
    write(core, 4)
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "审计日志完好" in ok.output and "记录：4" in ok.output  # in the user's language (zh_CN)
    tamper(core, update(AuditEntry).where(AuditEntry.id == 1).values(actor="mallory"),
           update(AuditEntry).where(AuditEntry.id == 3).values(after=None))
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert "2 处异常" in bad.stderr
    assert "第 1 条记录的内容与其哈希不符" in bad.stderr
    assert "第 3 条记录的内容与其哈希不符" in bad.stderr


def test_dunning_audit_verify_shows_sealed_old_forks_and_passes(core: Core, runner: FlaskCliRunner) -> None:
    _legacy_rows(core, {1: None, 2: 1, 3: 1})
    assert runner.invoke(args=["audit", "verify"]).exit_code == 1
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    shown = runner.invoke(args=["audit", "verify"])
    assert shown.exit_code == 0, shown.output
    assert "并非篡改" in shown.output and "第 3 条记录接在第 1 条之后" in shown.output
    assert "审计日志完好" in shown.output


def test_dunning_audit_checkpoint_seals_the_head(core: Core, runner: FlaskCliRunner) -> None:
    empty = runner.invoke(args=["audit", "checkpoint"])
    assert empty.exit_code == 0 and "审计日志为空" in empty.output
    write(core, 3)
    done = runner.invoke(args=["audit", "checkpoint"])
    assert done.exit_code == 0, done.output
    assert "#1：3 条记录，至 #3" in done.output
    head_hash = entries(core)[-1].hash
    assert f"头哈希 {head_hash}" in done.output  # to be kept outside the service
    assert f"（头哈希 {head_hash}）" in runner.invoke(args=["audit", "verify"]).output
    tamper(core, delete(AuditEntry).where(AuditEntry.id == 3))
    shown = runner.invoke(args=["audit", "verify"])
    assert shown.exit_code == 1 and "truncated" in shown.stderr


def test_the_api_returns_the_list_of_breaks(client: FlaskClient, users: Users, core: Core) -> None:
    assert client.get("/api/v1/audit/verify", headers=users.clerk).status_code == 403
    resp = client.get("/api/v1/audit/verify", headers=users.admin)
    assert resp.status_code == 200
    assert resp.json is not None and resp.json["ok"] is True and resp.json["breaks"] == []
    assert resp.json["entries"] >= 8  # users and their tokens
    tamper(core, update(AuditEntry).where(AuditEntry.id == 2).values(actor_id=999),
           update(AuditEntry).where(AuditEntry.id == 5).values(entity_id="0"))
    resp = client.get("/api/v1/audit/verify", headers=users.admin)
    body = resp.json
    assert body is not None and body["ok"] is False
    assert [(b["kind"], b["entry_id"]) for b in body["breaks"]] == [("altered", 2), ("altered", 5)]
    assert all(b["zh"] and b["en"] for b in body["breaks"])
