"""Building a case's evidence bundle: asked for in a request, built by a job, downloaded when ready.

``request`` writes a queued ``Bundle`` row in the caller's unit of work and enqueues the build once
it has committed. ``build`` is the job: it claims the row in a short unit of work of its own
(queued → building), reads the case's items into a ``BundleSpec``, assembles the PDF and the ZIP in
a temporary folder outside any transaction (a large bundle takes seconds; no lock is held while it
does), stores both in the file store and records the result in a second short unit of work. It is
safe to run twice: a bundle already ready or failed is left as it is, and one claimed by a worker
that died is claimed again once it is older than any build may take.

Only the people a case is assigned to (its clerk, the customer's clerk and lawyer) and
administrators may build or download its bundle (issue 16); each download is in the audit log.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy import select, update

from workflow.accounts.actor import Actor
from workflow.accounts.models import User
from workflow.cases.lifecycle import case_by_ref
from workflow.cases.models import DunningCase
from workflow.cases.service import REF_SHAPE
from workflow.documents.pdf import PdfConverter
from workflow.errors import Conflict, Forbidden, NotFound, invalid
from workflow.evidence.models import Bundle, BundleStatus
from workflow.evidence.spec import BuiltBundle, BundleSpec
from workflow.evidence.zipper import originals, write_zip
from workflow.filestore import FileStore
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

What = Literal["pdf", "zip", "manifest"]
WHATS: tuple[str, ...] = ("pdf", "zip", "manifest")
# a build runs on the documents queue (15 minutes' timeout): a row "building" for longer than this
# was claimed by a worker that died, and the job's retry may claim it again
STALE_BUILD = timedelta(minutes=30)
# a bundle still queued this long after it was asked for lost its job (Redis restarted without its data)
LOST_JOB = timedelta(minutes=5)
MAX_ERROR = 2000

SpecOf = Callable[[UnitOfWork, int, str], BundleSpec]
Assemble = Callable[[BundleSpec, FileStore, PdfConverter, Path], BuiltBundle]
UnitOfWorkFactory = Callable[..., AbstractContextManager[UnitOfWork]]


@dataclass(frozen=True)
class Download:
    stream: IO[bytes]
    mimetype: str
    filename: str
    size: int


def pdf_filename(ref: str) -> str:
    return f"{ref}-证据.pdf"


def zip_filename(ref: str) -> str:
    return f"{ref}-证据.zip"


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest as stored, downloaded and zipped: keys sorted, so the bytes depend only on its
    content (a JSON column may hand the keys back in another order)."""
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def inputs_digest(spec: BundleSpec) -> str:
    """SHA-256 of everything a bundle is made from: the spec (originals by their SHA-256)."""
    def plain(v: Any) -> Any:
        return v.isoformat() if isinstance(v, date) else str(v)

    return hashlib.sha256(json.dumps(asdict(spec), ensure_ascii=False, sort_keys=True,
                                     default=plain).encode("utf-8")).hexdigest()


def assemble_pdf(spec: BundleSpec, files: FileStore, pdf: PdfConverter, workdir: Path) -> BuiltBundle:
    """The paginated PDF and its manifest (``workflow.evidence.assemble``)."""
    from workflow.evidence.assemble import assemble

    return assemble(spec, files, pdf, workdir)


def may_handle(uow: UnitOfWork, case: DunningCase) -> bool:
    """Administrators, and the people the case is assigned to: the case's own clerk, the customer's
    clerk and the customer's lawyer."""
    actor = uow.actor
    if actor.is_admin():
        return True
    if actor.user_id is None:
        return False
    if case.assigned_user_id == actor.user_id:
        return True
    customer = uow.session.get(Customer, case.customer_id)
    return customer is not None and actor.user_id in (customer.assigned_clerk_id, customer.assigned_lawyer_id)


def _require(uow: UnitOfWork, case: DunningCase) -> None:
    if not may_handle(uow, case):
        raise Forbidden("只有本案的承办人员和管理员可以生成或下载证据材料",
                        "Only the people assigned to this case and administrators may build or download its bundle")


def describe(bundle: Bundle, ref: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": bundle.id, "case_id": bundle.case_id, "case_ref": ref, "status": bundle.status,
        "requested_by": bundle.requested_by, "requested_at": bundle.requested_at.isoformat(),
        "finished_at": bundle.finished_at.isoformat() if bundle.finished_at else None,
        "page_count": bundle.page_count,
        "pdf_sha256": bundle.pdf_sha256, "zip_sha256": bundle.zip_sha256,
        "inputs_sha256": bundle.inputs_sha256, "error": bundle.error,
    }
    return out


class Bundles:
    def __init__(self, *, files: FileStore, pdf: PdfConverter, unit_of_work: UnitOfWorkFactory,
                 spec_of: SpecOf, assemble: Assemble, enqueue_build: Callable[[int], None],
                 actor: Actor, workdir: Path | None = None) -> None:
        self.files = files
        self.pdf = pdf
        self.unit_of_work = unit_of_work
        self.spec_of = spec_of
        self.assemble = assemble
        self.enqueue_build = enqueue_build
        self.actor = actor  # who the build's own units of work act as (the job)
        self.workdir = workdir  # where temporary build folders go (None: the system's)

    # ---- asking ---------------------------------------------------------------------------------
    def case(self, uow: UnitOfWork, ref: str) -> DunningCase:
        """The case, if the actor may have its bundles; 403 for anyone else (issue 16 says so)."""
        if not REF_SHAPE.fullmatch(ref.strip()):  # no lookup for what cannot be a reference
            raise NotFound("案件", "case", ref[:40])
        case = case_by_ref(uow, ref)
        _require(uow, case)
        return case

    def request(self, uow: UnitOfWork, ref: str, *, enqueue: bool = True) -> Bundle:
        """A queued bundle of the case, built by a job after commit (``enqueue=False``: the caller
        builds it itself, as the CLI does). A bundle of the case still queued or building is the
        answer to a second request (a double click builds once)."""
        case = self.case(uow, ref)
        waiting = uow.session.scalar(select(Bundle).where(
            Bundle.case_id == case.id,
            Bundle.status.in_((BundleStatus.QUEUED.value, BundleStatus.BUILDING.value))).order_by(Bundle.id.desc()))
        if waiting is not None:
            if waiting.status == BundleStatus.QUEUED.value and enqueue:  # its job may have been lost
                waiting_id = waiting.id
                uow.after_commit(lambda: self.enqueue_build(waiting_id))
            return waiting
        bundle = Bundle(case_id=case.id, status=BundleStatus.QUEUED.value, requested_by=uow.actor.username,
                        requested_at=uow.now())
        uow.session.add(bundle)
        uow.session.flush()
        uow.audit("bundle.requested", "evidence_bundle", bundle.id, None, {"case": case.ref})
        bundle_id = bundle.id
        if enqueue:
            uow.after_commit(lambda: self.enqueue_build(bundle_id))
        return bundle

    def get(self, uow: UnitOfWork, bundle_id: int) -> tuple[Bundle, DunningCase]:
        bundle = uow.session.get(Bundle, bundle_id)
        if bundle is None:
            raise NotFound("证据材料", "bundle", bundle_id)
        case = uow.session.get(DunningCase, bundle.case_id)
        assert case is not None  # a foreign key
        _require(uow, case)
        return bundle, case

    def of_case(self, uow: UnitOfWork, ref: str) -> list[Bundle]:
        case = self.case(uow, ref)
        return list(uow.session.scalars(select(Bundle).where(Bundle.case_id == case.id).order_by(Bundle.id.desc())))

    # ---- building -------------------------------------------------------------------------------
    def build(self, bundle_id: int) -> str:
        """Build one queued bundle; its status afterwards. Safe to run twice."""
        claimed = self._claim(bundle_id)
        if claimed is None:
            with self.unit_of_work(self.actor, read_only=True) as uow:
                row = uow.session.get(Bundle, bundle_id)
                return "missing" if row is None else row.status
        case_id, requested_by = claimed
        try:
            # a writing unit of work: the case's items are brought up to date with its records first
            with self.unit_of_work(self.actor) as uow:
                spec = self.spec_of(uow, case_id, self._submitter(uow, requested_by))
            with tempfile.TemporaryDirectory(prefix="bundle-", dir=self.workdir) as tmp:
                result = self._make(spec, Path(tmp))
        except Exception as exc:
            log.exception("bundle %s failed", bundle_id)
            self._finish(bundle_id, BundleStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
            return BundleStatus.FAILED.value
        self._finish(bundle_id, BundleStatus.READY, **result)
        return BundleStatus.READY.value

    def enqueue_lost(self, limit: int = 100) -> int:
        """Enqueue again the bundles whose job was lost: queued for long, or building by a worker that
        died (the minute sweep's step). The job id makes a duplicate of a live job a no-op."""
        with self.unit_of_work(self.actor, read_only=True) as uow:
            now = uow.now()
            ids = list(uow.session.scalars(select(Bundle.id).where(
                ((Bundle.status == BundleStatus.QUEUED.value) & (Bundle.requested_at < now - LOST_JOB))
                | ((Bundle.status == BundleStatus.BUILDING.value) & (Bundle.requested_at < now - STALE_BUILD)))
                .order_by(Bundle.id).limit(limit)))
        for bundle_id in ids:
            self.enqueue_build(bundle_id)
        return len(ids)

    def _claim(self, bundle_id: int) -> tuple[int, str] | None:
        """queued → building (or a stale building one again), atomically; None if not ours to build."""
        with self.unit_of_work(self.actor) as uow:
            now = uow.now()
            done = uow.session.execute(
                update(Bundle).where(Bundle.id == bundle_id).where(
                    (Bundle.status == BundleStatus.QUEUED.value)
                    | ((Bundle.status == BundleStatus.BUILDING.value) & (Bundle.requested_at < now - STALE_BUILD)))
                .values(status=BundleStatus.BUILDING.value).execution_options(synchronize_session=False))
            if getattr(done, "rowcount", 0) != 1:
                return None
            row = uow.session.get(Bundle, bundle_id)
            assert row is not None
            uow.session.refresh(row)
            return row.case_id, row.requested_by

    def _submitter(self, uow: UnitOfWork, username: str) -> str:
        user = uow.session.scalar(select(User).where(User.username == username))
        return user.display_name if user is not None and user.display_name else username

    def _make(self, spec: BundleSpec, tmp: Path) -> dict[str, Any]:
        built = self.assemble(spec, self.files, self.pdf, tmp / "assemble")
        pdf_sha = self.files.put_file(built.pdf_path)
        entries = originals(spec)
        manifest = dict(built.manifest)
        manifest["bundle"] = {"filename": pdf_filename(spec.case_ref), "sha256": pdf_sha,
                              "pages": built.page_count}
        manifest["originals"] = [{"path": e.path, "sha256": e.sha256, "item": e.item,
                                  "size": self.files.size(e.sha256)} for e in sorted(entries, key=lambda e: e.path)]
        data = manifest_bytes(manifest)
        zip_path = tmp / "bundle.zip"
        write_zip(zip_path, pdf_name=pdf_filename(spec.case_ref), pdf_path=built.pdf_path, manifest=data,
                  entries=entries, files=self.files, when=spec.submitted_on)
        zip_sha = self.files.put_file(zip_path)
        return {"pdf_sha256": pdf_sha, "zip_sha256": zip_sha, "page_count": built.page_count,
                "manifest": json.loads(data), "inputs_sha256": inputs_digest(spec)}

    def _finish(self, bundle_id: int, status: BundleStatus, **columns: Any) -> None:
        with self.unit_of_work(self.actor) as uow:
            row = uow.session.scalar(select(Bundle).where(Bundle.id == bundle_id).with_for_update())
            if row is None:
                return
            before = {"status": row.status}
            row.status = status.value
            row.finished_at = uow.now()
            for k, v in columns.items():
                setattr(row, k, v)
            after: dict[str, Any] = {"status": row.status}
            if status is BundleStatus.READY:
                after.update(pdf_sha256=row.pdf_sha256, zip_sha256=row.zip_sha256, page_count=row.page_count)
            else:
                after["error"] = row.error
            uow.audit(f"bundle.{status.value}", "evidence_bundle", bundle_id, before, after)

    # ---- downloading ----------------------------------------------------------------------------
    def download(self, uow: UnitOfWork, bundle_id: int, what: str) -> Download:
        """A stream of the bundle's PDF, ZIP or manifest; the download is audited."""
        if what not in WHATS:
            raise invalid("what", "unknown", "只能下载 pdf、zip 或 manifest", "one of pdf, zip, manifest")
        bundle, case = self.get(uow, bundle_id)
        if bundle.status != BundleStatus.READY.value or bundle.pdf_sha256 is None or bundle.zip_sha256 is None:
            raise Conflict(f"证据材料尚未生成（状态：{bundle.status}）",
                           f"the bundle is not ready (status: {bundle.status})")
        if what == "manifest":
            data = manifest_bytes(bundle.manifest or {})
            sha = hashlib.sha256(data).hexdigest()
            stream: IO[bytes] = io.BytesIO(data)
            download = Download(stream, "application/json", f"{case.ref}-manifest.json", len(data))
        else:
            sha = bundle.pdf_sha256 if what == "pdf" else bundle.zip_sha256
            name = pdf_filename(case.ref) if what == "pdf" else zip_filename(case.ref)
            mimetype = "application/pdf" if what == "pdf" else "application/zip"
            download = Download(self.files.open(sha), mimetype, name, self.files.size(sha))
        uow.audit("bundle.downloaded", "evidence_bundle", bundle.id, None,
                  {"what": what, "sha256": sha, "case": case.ref})
        return download
