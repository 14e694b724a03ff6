"""The template registry: versioned templates per kind and language, shipped and uploaded.

Shipped templates (``templates_docx/{kind}.{lang}.docx``) are registered on first use of the
registry in a process, idempotently by SHA-256. Uploads pass every check in ``checks`` inside the
limited worker before a version is stored; older versions stay, because documents already made
refer to them.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.accounts.actor import SYSTEM, Actor
from workflow.core import Core
from workflow.db import Database
from workflow.documents.checks import inspect_template
from workflow.documents.models import TemplateSource, TemplateVersion
from workflow.documents.render import CACHE, CompiledTemplate
from workflow.documents.worker import RenderWorker, shared_worker
from workflow.errors import DomainError, NotFound, TooLarge, invalid
from workflow.filestore import sha256_hex

LANGUAGES = ("zh", "en")
log = logging.getLogger(__name__)


class KindSpec(Protocol):
    """What the catalogue tells us about one kind of document."""

    @property
    def kind(self) -> str: ...
    @property
    def title_zh(self) -> str: ...
    @property
    def title_en(self) -> str: ...
    @property
    def variables(self) -> Mapping[str, str]: ...
    def sample_context(self) -> dict[str, Any]: ...


Catalogue = Mapping[str, KindSpec]


def default_catalogue() -> Catalogue:
    from workflow.documents.catalogue import CATALOGUE

    return CATALOGUE


@dataclass(frozen=True)
class SyncReport:
    registered: list[str]
    rejected: dict[str, str]  # file name → why (a shipped template that fails its own checks)


_synced: weakref.WeakKeyDictionary[Database, SyncReport] = weakref.WeakKeyDictionary()
_sync_lock = threading.Lock()
_checked: set[tuple[str, str]] = set()  # (sha256, kind) pairs that passed, this process


class TemplateRegistry:
    def __init__(self, core: Core, catalogue: Catalogue | None = None,
                 worker: RenderWorker | None = None) -> None:
        self.core = core
        self._catalogue = catalogue
        self._worker = worker

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = default_catalogue()
        return self._catalogue

    @property
    def worker(self) -> RenderWorker:
        if self._worker is None:
            self._worker = shared_worker()
        return self._worker

    def spec(self, kind: str) -> KindSpec:
        spec = self.catalogue.get(kind)
        if spec is None:
            raise invalid("kind", "unknown_kind", f"未知的文书类型：{kind}（可选：{'、'.join(self.catalogue)}）",
                          f"unknown document kind: {kind} (one of: {', '.join(self.catalogue)})")
        return spec

    @staticmethod
    def check_language(language: str) -> None:
        if language not in LANGUAGES:
            raise invalid("language", "unknown_language", "语言应为 zh 或 en", "language must be zh or en")

    # -- shipped templates -------------------------------------------------------------------

    def ensure_shipped(self) -> SyncReport:
        """Register the shipped templates once per database per process."""
        with _sync_lock:
            report = _synced.get(self.core.db)
            if report is None:
                report = self.sync_shipped()
                _synced[self.core.db] = report
            return report

    def sync_shipped(self) -> SyncReport:
        registered: list[str] = []
        rejected: dict[str, str] = {}
        folder = self.core.settings.templates_dir
        for kind, spec in self.catalogue.items():
            for language in LANGUAGES:
                path = folder / f"{kind}.{language}.docx"
                if not path.is_file():
                    continue
                data = path.read_bytes()
                try:
                    self._check_trusted(spec, data)
                except DomainError as exc:
                    # one broken file must not take every other template down with it
                    rejected[path.name] = exc.one_line("en")
                    log.error("shipped template %s refused: %s", path.name, exc.one_line("en"))
                    continue
                if self._store(SYSTEM, kind, language, data, TemplateSource.SHIPPED) is not None:
                    registered.append(path.name)
        return SyncReport(registered, rejected)

    def _check_trusted(self, spec: KindSpec, data: bytes) -> CompiledTemplate:
        key = (sha256_hex(data), spec.kind)
        if key in _checked:
            return CACHE.get(data)
        compiled, _ = inspect_template(CACHE, data, spec.variables, spec.sample_context())
        _checked.add(key)
        return compiled

    # -- uploads -------------------------------------------------------------------------------

    def upload(self, actor: Actor, kind: str, language: str, data: bytes) -> TemplateVersion:
        spec = self.spec(kind)
        self.check_language(language)
        limit = self.core.settings.max_template_bytes
        if len(data) > limit:
            raise TooLarge("file", limit)
        if not data:
            raise invalid("file", "empty", "上传的文件为空", "the uploaded file is empty")
        self.ensure_shipped()
        self.worker.check(data, spec.variables, spec.sample_context())
        _checked.add((sha256_hex(data), kind))
        version = self._store(actor, kind, language, data, TemplateSource.UPLOAD, reactivate=True)
        if version is None:
            with self.core.db.session() as s:
                existing = s.scalars(select(TemplateVersion).where(
                    TemplateVersion.kind == kind, TemplateVersion.language == language,
                    TemplateVersion.sha256 == sha256_hex(data))).one()
            return existing
        return version

    def _store(self, actor: Actor, kind: str, language: str, data: bytes, source: TemplateSource,
               reactivate: bool = False) -> TemplateVersion | None:
        """A new version, active; None when these exact bytes are already a version of this kind."""
        sha = self.core.files.put(data)
        try:
            return self._store_once(actor, kind, language, data, sha, source, reactivate)
        except IntegrityError:
            # another process numbered the same version first; the second look sees its row
            return self._store_once(actor, kind, language, data, sha, source, reactivate)

    def _store_once(self, actor: Actor, kind: str, language: str, data: bytes, sha: str,
                    source: TemplateSource, reactivate: bool) -> TemplateVersion | None:
        with self.core.db.session() as s:
            same = s.scalars(select(TemplateVersion).where(
                TemplateVersion.kind == kind, TemplateVersion.language == language,
                TemplateVersion.sha256 == sha)).first()
            current = self._active(s, kind, language)
            if same is not None:
                if reactivate and current is not None and current.id != same.id:
                    self._switch(s, actor, current, same)
                return None
            # a new shipped version must not displace a template the users uploaded themselves
            make_active = source is TemplateSource.UPLOAD or current is None \
                or current.source == TemplateSource.SHIPPED
            number = (s.scalar(select(func.max(TemplateVersion.version)).where(
                TemplateVersion.kind == kind, TemplateVersion.language == language)) or 0) + 1
            version = TemplateVersion(kind=kind, language=language, version=number, sha256=sha,
                                      size=len(data), source=source.value, active=False,
                                      uploaded_by=actor.username, created_at=self.core.clock.now())
            s.add(version)
            s.flush()
            if make_active:
                if current is not None:
                    current.active = False
                    s.flush()
                version.active = True
            s.flush()
            self.core.audit.record(s, actor, "template.add", "template_version", str(version.id), None,
                                   describe(version))
            return version

    def _switch(self, s: Session, actor: Actor, old: TemplateVersion, new: TemplateVersion) -> None:
        old.active = False
        s.flush()
        new.active = True
        s.flush()
        self.core.audit.record(s, actor, "template.activate", "template_version", str(new.id),
                               {"active_version": old.version}, {"active_version": new.version})

    # -- lookups -------------------------------------------------------------------------------

    @staticmethod
    def _active(s: Session, kind: str, language: str) -> TemplateVersion | None:
        return s.scalars(select(TemplateVersion).where(
            TemplateVersion.kind == kind, TemplateVersion.language == language,
            TemplateVersion.active.is_(True))).first()

    def active(self, s: Session, kind: str, language: str) -> TemplateVersion:
        self.spec(kind)
        self.check_language(language)
        self.ensure_shipped()
        version = self._active(s, kind, language)
        if version is None:
            raise NotFound("模板", "template", f"{kind}.{language}")
        return version

    def versions(self, s: Session) -> list[TemplateVersion]:
        self.ensure_shipped()
        return list(s.scalars(select(TemplateVersion).order_by(
            TemplateVersion.kind, TemplateVersion.language, TemplateVersion.version)))

    def template_bytes(self, version: TemplateVersion) -> bytes:
        return self.core.files.get(version.sha256)

    def render(self, version: TemplateVersion, context: Mapping[str, Any]) -> bytes:
        """Shipped templates render in-process; uploaded ones only in the limited worker."""
        if version.source == TemplateSource.SHIPPED:
            return CACHE.get(version.sha256, self.core.files.get).render(context)
        return self.worker.render(self.template_bytes(version), context)


def describe(v: TemplateVersion) -> dict[str, Any]:
    return {"id": v.id, "kind": v.kind, "language": v.language, "version": v.version, "sha256": v.sha256,
            "size": v.size, "source": v.source, "active": v.active, "uploaded_by": v.uploaded_by,
            "created_at": v.created_at.isoformat()}
