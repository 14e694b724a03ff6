"""The API keeps the contract its OpenAPI document states, checked by schemathesis against the live app.

Every operation is called with generated input (valid and invalid) as an administrator and as a
clerk, on a small seeded ledger: no answer may be a 5xx, and every answer must have a status the
document lists and a body its schema accepts. Each operation starts from a fresh copy of the same
seeded database, so what one operation deletes or deactivates cannot hide another's behaviour.
Generation is derandomized and bounded, so a run is repeatable and quick.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.conftest import FIXED_NOW
from tests.ledger.sample_ledger import invoice_body, post, seed
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.clock import FixedClock
from workflow.config import Settings
from workflow.core import Core, build_core
from workflow.filestore import MemoryFileStore
from workflow.models import Base

# the resource modules register their operations on import, as workflow.web.api.register does
from workflow.web.api import (  # noqa: F401
    accounts,
    bundles,
    calc,
    cases,
    contracts,
    credit,
    documents,
    dunning,
    evidence,
    imports,
    inbox,
    ledger,
    outbox,
    replies,
    reports,
)
from workflow.web.api.openapi import build_document

DOCUMENT = build_document()
# the coverage phase sends every boundary and type variant of every parameter: hundreds of requests an
# operation, too many for each test run; the fuzzing phase, valid and invalid input alike, stays
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
SYSTEM = Actor(user_id=None, username="test", role=Role.ADMIN)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
PASSWORD = "correct horse battery"


@dataclass
class Seeded:
    instance: Path
    headers: dict[str, dict[str, str]]


def _settings(instance: Path) -> Settings:
    return Settings(instance_path=instance, mailbox_dir=instance.parent / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret")


def _app(core: Core) -> Flask:
    from workflow.app import create_app

    app = create_app(core=core)
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A ledger with a row of every kind (ids 1), users of each role with tokens, one with a password."""
    instance = tmp_path_factory.mktemp("seeded") / "instance"
    instance.mkdir()
    core = build_core(_settings(instance), clock=FixedClock(FIXED_NOW), files=MemoryFileStore())
    Base.metadata.create_all(core.db.engine)
    accounts_service = core.services.accounts
    headers: dict[str, dict[str, str]] = {}
    for role in ("admin", "clerk"):
        run(core, SYSTEM, accounts_service.create_user, username=f"{role}1", display_name=role, role=role,
            password=PASSWORD if role == "admin" else None)
        token = run(core, SYSTEM, accounts_service.issue_token, f"{role}1", "schemathesis").token
        headers[role] = {"Authorization": f"Bearer {token}"}
    client = _app(core).test_client()
    ledger_rows = seed(client, headers["clerk"])
    invoice = post(client, "/invoices", invoice_body(ledger_rows, "INV-0001", "2026-05-01", "2026-06-30",
                                                     "10000.00"), headers["clerk"])
    post(client, "/payments", {"creditor_id": ledger_rows.creditor_id, "customer_id": ledger_rows.customer_ids[0],
                               "received_on": "2026-07-15", "amount": "4000.00", "currency": "CNY",
                               "bank_reference": "BR-0001"}, headers["clerk"])
    post(client, "/credit-notes", {"creditor_id": ledger_rows.creditor_id,
                                   "customer_id": ledger_rows.customer_ids[0], "invoice_id": invoice["id"],
                                   "number": "CN-0001", "issued_on": "2026-07-20", "amount": "500.00",
                                   "currency": "CNY"}, headers["clerk"])
    core.close()
    yield Seeded(instance, headers)


@pytest.fixture
def live(seeded: Seeded, tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh copy of the seeded database."""
    instance = tmp_path / "instance"
    shutil.copytree(seeded.instance, instance)
    core = build_core(_settings(instance), clock=FixedClock(FIXED_NOW), files=MemoryFileStore())
    yield _app(core)
    core.close()


def test_the_tested_document_is_the_served_one(live: Flask) -> None:
    served = live.test_client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json == DOCUMENT


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "clerk"])
@schema.parametrize()
@settings(max_examples=12, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case: Any, role: str, live: Flask, seeded: Seeded) -> None:
    case.call_and_validate(app=live, headers=seeded.headers[role], checks=CHECKS)
