"""Alembic: one head, and upgrading an empty database gives exactly the models' schema."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import postgres_url
from workflow.migrate import heads, upgrade
from workflow.models import Base


def test_exactly_one_head() -> None:
    assert len(heads()) == 1


def _diff(url: str) -> list[object]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()


def test_migrations_build_the_models_schema_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    assert _diff(url) == []


@pytest.mark.postgres
def test_migrations_build_the_models_schema_on_postgresql(worker_id: str) -> None:
    base = postgres_url()
    if base is None:
        pytest.skip("PostgreSQL not configured")
    name = f"dunning_migrate_{worker_id}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    assert _diff(url) == []
    _audit_is_append_only(url)


def _audit_is_append_only(url: str) -> None:
    from workflow.accounts.actor import Actor
    from workflow.accounts.models import Role
    from workflow.audit.key import AuditKey
    from workflow.audit.service import AuditLog
    from workflow.clock import SystemClock
    from workflow.db import Database

    db = Database(url)
    try:
        with db.session_factory.begin() as s:
            AuditLog(SystemClock(ZoneInfo("Asia/Shanghai")), AuditKey("k" * 32, Path("unused"))).record(
                s, Actor(None, "test", Role.ADMIN), "test.write", "test", "1")
        for statement in ("UPDATE audit_entry SET actor = 'mallory'", "DELETE FROM audit_entry"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
                conn.execute(sa.text(statement))
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT actor FROM audit_entry")) == "test"
    finally:
        db.dispose()


def test_the_migrated_audit_log_refuses_updates_and_deletes_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    upgrade(url)
    _audit_is_append_only(url)
