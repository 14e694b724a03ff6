"""Shared fixtures: Settings passed in directly, a fresh database per test, users of each role.

Database tests that take ``any_db`` run twice: on SQLite and on a real PostgreSQL server
(``DUNNING_TEST_POSTGRES_URL``, set by .ci/run, which installs and starts the server).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core, build_core
from workflow.documents.render import TemplateCache
from workflow.filestore import MemoryFileStore
from workflow.models import Base

FIXED_NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Thursday


def postgres_url() -> str | None:
    url = os.environ.get("DUNNING_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("DUNNING_TEST_POSTGRES_URL is not set: .ci/run must start PostgreSQL")
        return None
    return url


def _reset_postgres(core: Core) -> None:
    Base.metadata.create_all(core.db.engine)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with core.db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def pg_base_url(worker_id: str) -> Iterator[str | None]:
    """One database per xdist worker, created once per run."""
    url = postgres_url()
    if url is None:
        yield None
        return
    import sqlalchemy as sa

    # several checkouts may share one server: DUNNING_TEST_DB_TAG keeps their databases apart
    name = f"dunning_test_{os.environ.get('DUNNING_TEST_DB_TAG', '')}{worker_id}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    return str(getattr(request.config, "workerinput", {}).get("workerid", "main"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        instance_path=tmp_path / "instance",
        mailbox_dir=tmp_path / "mailbox",
        mail_transport="memory",
        pdf_converter="none",
        secret_key="test-secret",
    )


# compiled templates are content-addressed, so every test's Core may share them
TEMPLATE_CACHE = TemplateCache()


def _make_core(settings: Settings, clock: FixedClock) -> Core:
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    core = build_core(settings, clock=clock, files=MemoryFileStore(), template_cache=TEMPLATE_CACHE)
    return core


@pytest.fixture
def core(settings: Settings, clock: FixedClock) -> Iterator[Core]:
    """A Core on a fresh SQLite database."""
    c = _make_core(settings, clock)
    Base.metadata.create_all(c.db.engine)
    yield c
    c.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, settings: Settings, clock: FixedClock,
           pg_base_url: str | None) -> Iterator[Core]:
    """A Core on SQLite, then on PostgreSQL."""
    if request.param == "postgres":
        if pg_base_url is None:
            pytest.skip("PostgreSQL not configured (set DUNNING_TEST_POSTGRES_URL)")
        c = _make_core(settings.with_(database_url=pg_base_url), clock)
        _reset_postgres(c)
    else:
        c = _make_core(settings, clock)
        Base.metadata.create_all(c.db.engine)
    yield c
    c.close()


@pytest.fixture
def app(core: Core) -> Flask:
    from workflow.app import create_app

    flask_app = create_app(core=core)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    from workflow.cli import cli

    class Runner(FlaskCliRunner):
        def invoke(self, cli_obj: Any = None, args: Any = None, **kwargs: Any) -> Any:
            return super().invoke(cli_obj or cli, args, **kwargs)

    return Runner(app)


@dataclass
class Users:
    admin: dict[str, str]
    clerk: dict[str, str]
    legal: dict[str, str]
    lawyer: dict[str, str]
    lawyer_id: int
    clerk_id: int


SYSTEM_ACTOR = Actor(user_id=None, username="test", role=Role.ADMIN)


@pytest.fixture
def users(core: Core) -> Users:
    """One user per role, each with an API token; the values are request headers."""
    headers: dict[str, dict[str, str]] = {}
    ids: dict[str, int] = {}
    for role in ("admin", "clerk", "legal", "lawyer"):
        u = run(core, SYSTEM_ACTOR, core.services.accounts.create_user, username=f"{role}1",
                display_name=f"{role} user", role=role, password="correct horse battery")
        ids[role] = u.id
        token = run(core, SYSTEM_ACTOR, core.services.accounts.issue_token, f"{role}1", "tests").token
        headers[role] = {"Authorization": f"Bearer {token}"}
    return Users(headers["admin"], headers["clerk"], headers["legal"], headers["lawyer"],
                 ids["lawyer"], ids["clerk"])


@pytest.fixture
def shipped_templates(core: Core) -> None:
    """The shipped templates, registered as ``dunning db upgrade`` does on a real installation."""
    report = run(core, SYSTEM_ACTOR, core.services.templates.sync_shipped)
    assert not report.rejected, report.rejected
