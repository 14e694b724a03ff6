"""The template registry: versioned templates per kind and language, shipped and uploaded.

Shipped templates (``templates_docx/{kind}.{lang}.docx``) are registered by ``dunning db upgrade``
and ``dunning up`` (``sync_shipped``), idempotently by SHA-256, so reading the registry never
writes. Uploads pass every check in ``checks`` inside the limited worker before a version is
stored; older versions stay, because documents already made refer to them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.accounts.models import Role
from workflow.documents.checks import inspect_template
from workflow.documents.models import TemplateSource, TemplateVersion
from workflow.documents.render import CompiledTemplate, TemplateCache
from workflow.documents.worker import RenderWorker
from workflow.errors import DomainError, NotFound, TooLarge, invalid
from workflow.filestore import FileStore, sha256_hex
from workflow.unit_of_work import UnitOfWork

LANGUAGES = ("zh", "en")
TEMPLATE_EDITORS = frozenset({Role.LEGAL, Role.ADMIN})
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


class TemplateRegistry:
    def __init__(self, files: FileStore, worker: RenderWorker, cache: TemplateCache, *,
                 shipped_dir: Path, max_template_bytes: int, catalogue: Catalogue | None = None) -> None:
        self.files = files
        self.worker = worker
        self.cache = cache
        self.shipped_dir = shipped_dir
        self.max_template_bytes = max_template_bytes
        self._catalogue = catalogue
        self._checked: set[tuple[str, str]] = set()  # (sha256, kind) pairs that passed the checks

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = default_catalogue()
        return self._catalogue

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

    def sync_shipped(self, uow: UnitOfWork) -> SyncReport:
        """Register the shipped templates whose bytes are not a version yet (at install/upgrade)."""
        uow.require_admin()
        registered: list[str] = []
        rejected: dict[str, str] = {}
        for kind, spec in self.catalogue.items():
            for language in LANGUAGES:
                path = self.shipped_dir / f"{kind}.{language}.docx"
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
                if self._store(uow, kind, language, data, TemplateSource.SHIPPED) is not None:
                    registered.append(path.name)
        return SyncReport(registered, rejected)

    def _check_trusted(self, spec: KindSpec, data: bytes) -> CompiledTemplate:
        key = (sha256_hex(data), spec.kind)
        if key in self._checked:
            return self.cache.get(data)
        compiled, _ = inspect_template(self.cache, data, spec.variables, spec.sample_context())
        self._checked.add(key)
        return compiled

    # -- uploads -------------------------------------------------------------------------------

    def upload(self, uow: UnitOfWork, kind: str, language: str, data: bytes) -> TemplateVersion:
        uow.require(TEMPLATE_EDITORS, "仅法务和管理员可上传模板",
                    "Only legal staff and administrators may upload templates")
        spec = self.spec(kind)
        self.check_language(language)
        if len(data) > self.max_template_bytes:
            raise TooLarge("file", self.max_template_bytes)
        if not data:
            raise invalid("file", "empty", "上传的文件为空", "the uploaded file is empty")
        self.worker.check(data, spec.variables, spec.sample_context())
        self._checked.add((sha256_hex(data), kind))
        version = self._store(uow, kind, language, data, TemplateSource.UPLOAD, reactivate=True)
        if version is None:
            return uow.session.scalars(select(TemplateVersion).where(
                TemplateVersion.kind == kind, TemplateVersion.language == language,
                TemplateVersion.sha256 == sha256_hex(data))).one()
        return version

    def _store(self, uow: UnitOfWork, kind: str, language: str, data: bytes, source: TemplateSource,
               reactivate: bool = False) -> TemplateVersion | None:
        """A new version, active; None when these exact bytes are already a version of this kind."""
        sha = self.files.put(data)  # content-addressed: a blob left by a rollback is harmless
        try:
            with uow.session.begin_nested():
                return self._store_once(uow, kind, language, data, sha, source, reactivate)
        except IntegrityError:
            # a concurrent transaction numbered the same version first (PostgreSQL; SQLite writers
            # queue for the lock): back to the savepoint, and the second look sees its row
            return self._store_once(uow, kind, language, data, sha, source, reactivate)

    def _store_once(self, uow: UnitOfWork, kind: str, language: str, data: bytes, sha: str,
                    source: TemplateSource, reactivate: bool) -> TemplateVersion | None:
        s = uow.session
        same = s.scalars(select(TemplateVersion).where(
            TemplateVersion.kind == kind, TemplateVersion.language == language,
            TemplateVersion.sha256 == sha)).first()
        current = self._active(s, kind, language)
        if same is not None:
            if reactivate and current is not None and current.id != same.id:
                self._switch(uow, current, same)
            return None
        # a new shipped version must not displace a template the users uploaded themselves
        make_active = source is TemplateSource.UPLOAD or current is None \
            or current.source == TemplateSource.SHIPPED
        number = (s.scalar(select(func.max(TemplateVersion.version)).where(
            TemplateVersion.kind == kind, TemplateVersion.language == language)) or 0) + 1
        version = TemplateVersion(kind=kind, language=language, version=number, sha256=sha,
                                  size=len(data), source=source.value, active=False,
                                  uploaded_by=uow.actor.username, created_at=uow.now())
        s.add(version)
        s.flush()
        if make_active:
            if current is not None:
                current.active = False
                s.flush()
            version.active = True
        s.flush()
        uow.audit("template.add", "template_version", version.id, None, describe(version))
        return version

    @staticmethod
    def _switch(uow: UnitOfWork, old: TemplateVersion, new: TemplateVersion) -> None:
        old.active = False
        uow.session.flush()
        new.active = True
        uow.session.flush()
        uow.audit("template.activate", "template_version", new.id,
                  {"active_version": old.version}, {"active_version": new.version})

    # -- lookups (read only) -------------------------------------------------------------------

    @staticmethod
    def _active(s: Session, kind: str, language: str) -> TemplateVersion | None:
        return s.scalars(select(TemplateVersion).where(
            TemplateVersion.kind == kind, TemplateVersion.language == language,
            TemplateVersion.active.is_(True))).first()

    def active(self, s: Session, kind: str, language: str) -> TemplateVersion:
        self.spec(kind)
        self.check_language(language)
        version = self._active(s, kind, language)
        if version is None:
            raise NotFound("模板", "template", f"{kind}.{language}")
        return version

    @staticmethod
    def versions(s: Session) -> list[TemplateVersion]:
        return list(s.scalars(select(TemplateVersion).order_by(
            TemplateVersion.kind, TemplateVersion.language, TemplateVersion.version)))

    def template_bytes(self, version: TemplateVersion) -> bytes:
        return self.files.get(version.sha256)

    def render(self, version: TemplateVersion, context: Mapping[str, Any]) -> bytes:
        """Shipped templates render in-process; uploaded ones only in the limited worker."""
        if version.source == TemplateSource.SHIPPED:
            return self.cache.get(version.sha256, self.files.get).render(context)
        return self.worker.render(self.template_bytes(version), context)


def describe(v: TemplateVersion) -> dict[str, Any]:
    return {"id": v.id, "kind": v.kind, "language": v.language, "version": v.version, "sha256": v.sha256,
            "size": v.size, "source": v.source, "active": v.active, "uploaded_by": v.uploaded_by,
            "created_at": v.created_at.isoformat()}
