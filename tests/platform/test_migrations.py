"""Alembic: one head, and upgrading an empty database gives exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

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
