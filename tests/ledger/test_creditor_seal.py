"""The company seal image of a creditor entity: PNG or JPEG only, capped, stored by hash, audited, and
replaced only by an administrator."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import Users
from tests.ledger.sample_ledger import CLERK, reading, seed
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.config import Settings
from workflow.core import Core
from workflow.errors import Forbidden

LIMIT = 64 * 1024  # small, so the oversized case stays in memory and cheap


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", max_upload_bytes=LIMIT)


def _png(width: int = 64, height: int = 64) -> bytes:
    """A real PNG: a red seal-coloured square (the stamp colour of 公章)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xd0\x10\x10" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _put(client: FlaskClient, cid: int, data: bytes, headers: dict[str, str], name: str = "seal.png") -> object:
    return client.put(f"/api/v1/creditors/{cid}/seal", data={"file": (io.BytesIO(data), name)},
                      headers=headers, content_type="multipart/form-data")


def _seal_entries(core: Core) -> list[tuple[str, str, object, object]]:
    with reading(core) as s:
        return [(e.action, e.actor, e.before, e.after) for e in s.scalars(
            select(AuditEntry).where(AuditEntry.action.like("creditor.seal%")).order_by(AuditEntry.id))]


def test_an_administrator_changes_the_seal_and_the_audit_shows_old_and_new(client: FlaskClient, users: Users,
                                                                           core: Core) -> None:
    ledger = seed(client, users.clerk)
    first, second = _png(), _png(32, 32)
    resp = _put(client, ledger.creditor_id, first, users.admin)
    assert resp.status_code == 200, resp.json
    assert resp.json["seal_sha256"] == hashlib.sha256(first).hexdigest()
    assert _put(client, ledger.creditor_id, second, users.admin).status_code == 200
    got = client.get(f"/api/v1/creditors/{ledger.creditor_id}/seal", headers=users.legal)
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == second
    creditor = client.get(f"/api/v1/creditors/{ledger.creditor_id}", headers=users.clerk).json
    assert creditor["seal_sha256"] == hashlib.sha256(second).hexdigest()
    old, new = hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest()
    assert _seal_entries(core) == [
        ("creditor.seal", "admin1", {"seal_sha256": None}, {"seal_sha256": old}),
        ("creditor.seal", "admin1", {"seal_sha256": old}, {"seal_sha256": new}),
        ("creditor.seal.download", "legal1", None, {"seal_sha256": new}),
    ]


def test_seal_refusals_change_nothing(client: FlaskClient, users: Users, core: Core) -> None:
    ledger = seed(client, users.clerk)
    with reading(core) as s:
        before = s.scalar(select(func.count(AuditEntry.id)))
    pdf = _put(client, ledger.creditor_id, b"%PDF-1.7 not an image", users.admin, "seal.pdf")
    assert pdf.status_code == 422 and pdf.json["errors"][0]["field"] == "file"
    huge = _put(client, ledger.creditor_id, _png() + b"\0" * LIMIT, users.admin)
    assert huge.status_code == 413
    badly_named = _put(client, ledger.creditor_id, _png(), users.admin, "seal\x1b.png")
    assert badly_named.status_code == 422 and badly_named.json["errors"][0]["field"] == "filename"
    # the seal is stamped on letters: a clerk or a lawyer may not replace it
    assert _put(client, ledger.creditor_id, _png(), users.clerk).status_code == 403
    assert _put(client, ledger.creditor_id, _png(), users.legal).status_code == 403
    assert _put(client, ledger.creditor_id, _png(), users.lawyer).status_code == 403
    assert client.get(f"/api/v1/creditors/{ledger.creditor_id}/seal", headers=users.clerk).status_code == 404
    with reading(core) as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == before


def test_the_use_case_itself_refuses_a_clerk_whatever_the_entry_point(client: FlaskClient, users: Users,
                                                                      core: Core) -> None:
    ledger = seed(client, users.clerk)
    files = core.services.attachments
    with pytest.raises(Forbidden):
        run(core, CLERK, files.set_seal, ledger.creditor_id, "seal.png", _png())
    assert _seal_entries(core) == []
    # the CLI acts as a named administrator and may
    cli = Actor(user_id=None, username="cli:ops", role=Role.ADMIN)
    assert run(core, cli, files.set_seal, ledger.creditor_id, "seal.png", _png()).seal_sha256 is not None
    assert [(a, who) for a, who, _, _ in _seal_entries(core)] == [("creditor.seal", "cli:ops")]
