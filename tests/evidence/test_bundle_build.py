"""Building a case's bundle end to end: asked for, built by the job, stored; the ZIP holds the PDF, the
manifest and every original with the bytes the file store holds; the same inputs give the same
bytes; a failure is recorded, not lost; only the people assigned to the case may ask; the CLI writes
the files."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import SYSTEM_ACTOR, Users
from tests.evidence.bundlecase import EvidenceCase, evidence_case
from tests.uow import run
from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.audit.models import AuditEntry
from workflow.clock import FixedClock
from workflow.core import Core
from workflow.errors import Conflict, Forbidden
from workflow.evidence.models import Bundle
from workflow.evidence.service import manifest_bytes, pdf_filename, zip_filename
from workflow.jobs.tasks import TASKS
from workflow.unit_of_work import UnitOfWork


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def clerk(users: Users) -> Actor:
    return Actor(user_id=users.clerk_id, username="clerk1", role=Role.CLERK)


def lawyer(users: Users) -> Actor:
    return Actor(user_id=users.lawyer_id, username="lawyer1", role=Role.LAWYER)


@pytest.fixture
def case(core: Core, users: Users, shipped_templates: None) -> EvidenceCase:
    return evidence_case(core, clerk_id=users.clerk_id)


def request(core: Core, actor: Actor, ref: str) -> int:
    """Ask for the bundle; the inline job queue builds it right after the commit."""
    return run(core, actor, lambda uow: core.services.bundles.request(uow, ref).id)


def bundle(core: Core, bundle_id: int) -> Bundle:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        row = uow.session.get(Bundle, bundle_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def fetch(core: Core, actor: Actor, bundle_id: int, what: str) -> bytes:
    def go(uow: UnitOfWork) -> bytes:
        d = core.services.bundles.download(uow, bundle_id, what)
        with d.stream as src:
            return src.read()

    return run(core, actor, go)


def audit(core: Core, action: str) -> list[AuditEntry]:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        rows = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        uow.session.expunge_all()
        return rows


def bundles_written(core: Core) -> int:
    with core.unit_of_work(SYSTEM_ACTOR, read_only=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Bundle)) or 0)


def test_the_built_bundle_holds_every_original_as_stored(core: Core, users: Users, case: EvidenceCase) -> None:
    bundle_id = request(core, clerk(users), case.ref)
    row = bundle(core, bundle_id)
    assert row.status == "ready", row.error
    assert row.requested_by == "clerk1" and row.finished_at is not None

    pdf = fetch(core, clerk(users), bundle_id, "pdf")
    assert sha(pdf) == row.pdf_sha256 == sha(core.files.get(row.pdf_sha256))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == row.page_count
    manifest = json.loads(fetch(core, clerk(users), bundle_id, "manifest"))
    assert manifest == row.manifest
    assert manifest["bundle"] == {"filename": pdf_filename(case.ref), "sha256": row.pdf_sha256,
                                  "pages": row.page_count}

    archive = fetch(core, clerk(users), bundle_id, "zip")
    assert sha(archive) == row.zip_sha256
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names[:2] == [pdf_filename(case.ref), "manifest.json"]
        assert zf.read(pdf_filename(case.ref)) == pdf
        assert zf.read("manifest.json") == manifest_bytes(manifest)
        originals = {e["path"]: e for e in manifest["originals"]}
        assert sorted(names[2:]) == names[2:] == sorted(originals)
        for path, entry in originals.items():
            data = zf.read(path)
            # the bytes in the ZIP are the stored object the manifest names, whole
            assert sha(data) == entry["sha256"] == sha(core.files.get(entry["sha256"]))
            assert len(data) == entry["size"]
    # every file of every item is in the ZIP, under its item
    in_zip = {(e["item"], e["sha256"]) for e in manifest["originals"]}
    listed = {(item["number"], f["sha256"]) for item in manifest["items"] for f in item["files"]}
    assert listed and listed <= in_zip
    shas = {e["sha256"] for e in manifest["originals"]}
    # the signed contract scan and the exact bytes of the demand sent are among them
    assert case.scan_sha256 in shas
    assert case.eml_sha256 in shas
    assert any(p.endswith(".jpg") and "合同" in p for p in originals)
    assert any(p.endswith(".eml") for p in originals)


def test_the_same_inputs_give_the_same_bytes(core: Core, users: Users, case: EvidenceCase) -> None:
    first = bundle(core, request(core, clerk(users), case.ref))
    second = bundle(core, request(core, clerk(users), case.ref))
    assert first.id != second.id and first.status == second.status == "ready"
    assert second.pdf_sha256 == first.pdf_sha256
    assert second.zip_sha256 == first.zip_sha256
    assert second.inputs_sha256 == first.inputs_sha256
    assert manifest_bytes(second.manifest or {}) == manifest_bytes(first.manifest or {})


def test_a_build_runs_once(core: Core, users: Users, case: EvidenceCase) -> None:
    bundle_id = request(core, clerk(users), case.ref)
    built = len(audit(core, "bundle.ready"))
    assert core.services.bundles.build(bundle_id) == "ready"  # a retried job finds the work done
    assert len(audit(core, "bundle.ready")) == built == 1
    assert core.services.bundles.build(999_999) == "missing"


def test_a_failed_build_says_why(core: Core, users: Users, case: EvidenceCase, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(core.services.bundles, "assemble", broken)
    row = bundle(core, request(core, clerk(users), case.ref))
    assert row.status == "failed"
    assert row.error == "OSError: disk full"
    assert row.pdf_sha256 is None and row.zip_sha256 is None
    assert [e.after["error"] for e in audit(core, "bundle.failed")] == ["OSError: disk full"]
    with pytest.raises(Conflict):
        fetch(core, clerk(users), row.id, "pdf")


def test_a_second_request_while_queued_is_the_same_bundle(core: Core, users: Users, case: EvidenceCase,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr(core.services.bundles, "enqueue_build", queued.append)
    first = request(core, clerk(users), case.ref)
    assert request(core, clerk(users), case.ref) == first
    assert queued == [first, first]  # enqueued again (its job may have been lost); the job id dedups
    assert bundle(core, first).status == "queued"
    with pytest.raises(Conflict):
        fetch(core, clerk(users), first, "zip")


def test_only_the_people_assigned_and_admins(core: Core, users: Users, case: EvidenceCase) -> None:
    # the lawyer is not assigned to this customer: refused, and nothing is written
    with pytest.raises(Forbidden):
        request(core, lawyer(users), case.ref)
    assert bundles_written(core) == 0
    assert not audit(core, "bundle.requested")
    legal = Actor(user_id=None, username="legal.team", role=Role.LEGAL)
    with pytest.raises(Forbidden):
        request(core, legal, case.ref)

    bundle_id = request(core, clerk(users), case.ref)
    with pytest.raises(Forbidden):
        fetch(core, lawyer(users), bundle_id, "pdf")
    assert not audit(core, "bundle.downloaded")

    # once the customer's lawyer, they may
    def assign(uow: UnitOfWork) -> None:
        from workflow.ledger.models import Customer

        customer = uow.session.get(Customer, case.customer_id)
        assert customer is not None
        customer.assigned_lawyer_id = users.lawyer_id

    run(core, SYSTEM_ACTOR, assign)
    assert fetch(core, lawyer(users), bundle_id, "pdf")[:5] == b"%PDF-"
    assert [e.actor for e in audit(core, "bundle.downloaded")] == ["lawyer1"]


def test_cli_builds_and_writes_the_files(core: Core, users: Users, case: EvidenceCase, runner: Any,
                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(args=["bundle", "build", case.ref, "--out", str(out)])
    assert result.exit_code == 0, result.output
    pdf, archive, manifest = out / pdf_filename(case.ref), out / zip_filename(case.ref), out / "manifest.json"
    row = bundle(core, 1)
    assert sha(pdf.read_bytes()) == row.pdf_sha256
    assert sha(archive.read_bytes()) == row.zip_sha256
    assert json.loads(manifest.read_bytes()) == row.manifest
    assert str(pdf) in result.output
    assert [e.after["what"] for e in audit(core, "bundle.downloaded")] == ["pdf", "zip", "manifest"]

    listed = runner.invoke(args=["bundle", "list", case.ref])
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith("1\tready\t")
    missing = runner.invoke(args=["bundle", "list", "AR-2026-9999"])
    assert missing.exit_code == 2


def test_build_on_sqlite_and_postgresql(any_db: Core) -> None:
    """The claim (one conditional UPDATE) and the finish (a locked row) on both databases."""
    core = any_db
    run(core, SYSTEM_ACTOR, core.services.templates.sync_shipped)
    case = evidence_case(core)
    first = bundle(core, request(core, SYSTEM_ACTOR, case.ref))
    assert first.status == "ready", first.error
    assert core.services.bundles.build(first.id) == "ready"
    second = bundle(core, request(core, SYSTEM_ACTOR, case.ref))
    assert (second.pdf_sha256, second.zip_sha256) == (first.pdf_sha256, first.zip_sha256)
    assert manifest_bytes(second.manifest or {}) == manifest_bytes(first.manifest or {})
    assert sha(fetch(core, SYSTEM_ACTOR, second.id, "zip")) == second.zip_sha256


def test_a_bundle_whose_job_was_lost_is_built_by_the_sweep(core: Core, users: Users, case: EvidenceCase,
                                                           clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    lost: list[int] = []
    monkeypatch.setattr(core.services.bundles, "enqueue_build", lost.append)  # Redis lost the job
    bundle_id = request(core, clerk(users), case.ref)
    monkeypatch.undo()
    assert lost == [bundle_id] and bundle(core, bundle_id).status == "queued"
    assert TASKS["sweep"](core)["bundles"] == 0  # just asked for: its job may still come
    clock.advance(timedelta(minutes=6))
    assert TASKS["sweep"](core)["bundles"] == 1
    assert bundle(core, bundle_id).status == "ready"
    assert TASKS["sweep"](core)["bundles"] == 0


def test_zip_names_are_safe_unique_and_the_bytes_repeat(tmp_path: Path) -> None:
    from datetime import date

    from workflow.evidence.spec import BundleSpec, ItemSpec, SourceFile
    from workflow.evidence.zipper import originals, write_zip
    from workflow.filestore import MemoryFileStore

    files = MemoryFileStore()
    a, b, c = files.put(b"first scan"), files.put(b"second scan"), files.put(b"From: x\r\n\r\nbody\r\n")
    items = (
        ItemSpec(2, "replies", "回复", "回复/附件", "债务人", "证明", (
            SourceFile(a, "../../etc/passwd", "image/jpeg"), SourceFile(b, "scan.JPG", "image/jpeg"),
            SourceFile(c, "scan.jpg", "message/rfc822"), SourceFile(a, "again.jpg", "image/jpeg"))),
        ItemSpec(1, "contract", "合同", "合同", "原告", "证明",
                 (SourceFile(b, "x" * 300 + ".pdf", "application/pdf"),)),
    )
    spec = BundleSpec("AR-2026-0001", "t", {}, "1.00", "CNY", "s", date(2026, 11, 26), items)
    paths = [o.path for o in originals(spec)]
    # one path segment whatever the name says: no way out of the item's folder
    assert paths[1:] == ["originals/02-回复_附件/_.._etc_passwd", "originals/02-回复_附件/scan.JPG",
                         "originals/02-回复_附件/scan-3.jpg"]  # the same object twice in one item is one file
    assert paths[0].startswith("originals/01-合同/xxx") and paths[0].endswith(".pdf")
    assert len(paths[0].rsplit("/", 1)[1]) == 120
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(b"%PDF-1.7 bundle")
    made = []
    for n in range(2):
        target = tmp_path / f"{n}.zip"
        write_zip(target, pdf_name="AR-2026-0001-证据.pdf", pdf_path=pdf, manifest=b"{}", entries=originals(spec),
                  files=files, when=date(2026, 11, 26))
        made.append(target.read_bytes())
    assert made[0] == made[1]
    with zipfile.ZipFile(io.BytesIO(made[0])) as zf:
        assert zf.namelist() == ["AR-2026-0001-证据.pdf", "manifest.json", *sorted(paths)]
        assert {i.date_time for i in zf.infolist()} == {(2026, 11, 26, 0, 0, 0)}
        assert zf.read("originals/02-回复_附件/scan-3.jpg") == b"From: x\r\n\r\nbody\r\n"
