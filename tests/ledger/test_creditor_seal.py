"""The company seal image of a creditor entity: PNG or JPEG only, capped, stored by hash, audited."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import Users
from tests.ledger.sample_ledger import seed
from workflow.audit.models import AuditEntry
from workflow.config import Settings
from workflow.core import Core

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


def test_seal_upload_and_download(client: FlaskClient, users: Users, core: Core) -> None:
    ledger = seed(client, users.clerk)
    png = _png()
    resp = _put(client, ledger.creditor_id, png, users.clerk)
    assert resp.status_code == 200, resp.json
    got = client.get(f"/api/v1/creditors/{ledger.creditor_id}/seal", headers=users.legal)
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == png
    creditor = client.get(f"/api/v1/creditors/{ledger.creditor_id}", headers=users.clerk).json
    assert creditor["seal_sha256"] == resp.json["seal_sha256"]
    with core.db.session() as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "creditor")))
    assert {"creditor.seal", "creditor.seal.download"} <= actions


def test_seal_refusals_change_nothing(client: FlaskClient, users: Users, core: Core) -> None:
    ledger = seed(client, users.clerk)
    with core.db.session() as s:
        before = s.scalar(select(func.count(AuditEntry.id)))
    pdf = _put(client, ledger.creditor_id, b"%PDF-1.7 not an image", users.clerk, "seal.pdf")
    assert pdf.status_code == 422 and pdf.json["errors"][0]["field"] == "file"
    huge = _put(client, ledger.creditor_id, _png() + b"\0" * LIMIT, users.clerk)
    assert huge.status_code == 413
    assert _put(client, ledger.creditor_id, _png(), users.lawyer).status_code == 403
    assert client.get(f"/api/v1/creditors/{ledger.creditor_id}/seal", headers=users.clerk).status_code == 404
    with core.db.session() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == before
