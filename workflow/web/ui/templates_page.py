"""Templates: the shipped and uploaded versions of each kind of document in each language, the
variables a template may use, and uploading a new version with its check results.

The registry decides (``documents.registry.TemplateRegistry.upload``, as ``POST
/api/v1/templates/{kind}/{language}``): only legal staff and administrators may upload; the file is
checked in the limited worker before anything is stored (``documents.checks``: a Word package within
the zip limits and without XML entities, Jinja syntax, no internal attributes, every variable in the
kind's catalogue, a test render with the kind's sample data). A refused upload shows which check
failed, every problem it reported and what it names (the unknown variables and the allowed ones,
the line of a syntax error) with status 422; nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from workflow.documents.models import TemplateVersion
from workflow.documents.registry import LANGUAGES, TEMPLATE_EDITORS, KindSpec
from workflow.errors import DomainError, NotFound, invalid
from workflow.web.api.base import core, uow
from workflow.web.ui import i18n
from workflow.web.ui.page import actor, nav_item, page, render

bp = Blueprint("ui_templates", __name__)
nav_item("Templates", "ui_templates.templates", order=80)

LANGUAGE_LABELS = {"zh": "中文", "en": "English"}
SOURCES = {"shipped": lazy_gettext("Shipped"), "upload": lazy_gettext("Uploaded")}

# the checks in the order they run (documents/checks.py); each problem code belongs to one
CHECKS = (
    ("package", lazy_gettext("A Word document within the size and compression limits, with safe XML")),
    ("syntax", lazy_gettext("Template syntax (Jinja) is correct")),
    ("safety", lazy_gettext("No forbidden internal attributes")),
    ("variables", lazy_gettext("Every variable is in the catalogue for this kind")),
    ("render", lazy_gettext("A test render with the kind's sample data succeeds")),
)
CODE_CHECK = {
    "jinja_syntax": "syntax",
    "unsafe_template": "safety",
    "unknown_variable": "variables",
    "render_failed": "render", "render_timeout": "render", "render_crashed": "render",
    "too_much_memory": "render", "missing_variable": "render", "bad_value": "render", "broken_output": "render",
}
# problems found before any check ran: the form itself (no file, an unknown kind or language)
FORM_FIELDS = ("kind", "language")


@dataclass(frozen=True)
class CheckResult:
    key: str
    label: str
    status: str  # passed, failed, not_run


def check_results(exc: DomainError | None) -> list[CheckResult]:
    """Every check with its outcome: those before the failed one passed, those after did not run."""
    failed = None
    if exc is not None:
        codes = [p.code for p in exc.problems] or [exc.code]
        failed = CODE_CHECK.get(codes[0], "package")
    out: list[CheckResult] = []
    seen_failure = False
    for key, label in CHECKS:
        if seen_failure:
            status = "not_run"
        elif key == failed:
            status, seen_failure = "failed", True
        else:
            status = "passed"
        out.append(CheckResult(key, str(label), status))
    return out


def kind_title(spec: KindSpec) -> str:
    return i18n.pick(spec.title_zh, spec.title_en)


def describe_variable(text: str) -> str:
    """The catalogue writes "中文说明 / English description"; the page's language's half."""
    zh, sep, en = text.partition(" / ")
    return i18n.pick(zh, en) if sep else text


def _versions() -> dict[tuple[str, str], list[TemplateVersion]]:
    out: dict[tuple[str, str], list[TemplateVersion]] = {}
    for v in core().services.templates.versions(uow().session):
        out.setdefault((v.kind, v.language), []).append(v)
    return out


def _catalogue() -> dict[str, KindSpec]:
    return dict(core().services.templates.catalogue)


def _can_upload() -> bool:
    return actor().role in TEMPLATE_EDITORS


@page(bp, "/templates")
def templates() -> ResponseReturnValue:
    return _index()


def _index(status: int = 200, **upload: Any) -> ResponseReturnValue:
    versions = _versions()
    rows = []
    for kind, spec in _catalogue().items():
        for language in LANGUAGES:
            listed = versions.get((kind, language), [])
            active = next((v for v in listed if v.active), None)
            rows.append({"kind": kind, "title": kind_title(spec), "language": language, "active": active,
                         "count": len(listed)})
    html = render("ui/doctemplates/index.html", rows=rows, catalogue=_catalogue(), kind_title=kind_title,
                  languages=LANGUAGE_LABELS, sources=SOURCES, can_upload=_can_upload(),
                  max_bytes=core().settings.max_template_bytes, **_upload_defaults(upload))
    return html, status


def _upload_defaults(upload: dict[str, Any]) -> dict[str, Any]:
    return {"form": upload.get("form", {}), "checks": upload.get("checks"), "problems": upload.get("problems", []),
            "extra": upload.get("extra", {}), "errors": upload.get("errors", {}),
            "filename": upload.get("filename", "")}


@page(bp, "/templates/<kind>")
def kind(kind: str) -> ResponseReturnValue:
    return _kind_page(kind)


def _kind_page(kind: str, status: int = 200, **upload: Any) -> ResponseReturnValue:
    spec = _catalogue().get(kind)
    if spec is None:
        raise NotFound("文书类型", "document kind", kind)
    versions = _versions()
    by_language = {language: list(reversed(versions.get((kind, language), []))) for language in LANGUAGES}
    variables = [(name, describe_variable(text)) for name, text in spec.variables.items()]
    upload.setdefault("form", {"kind": kind, "language": "zh"})
    html = render("ui/doctemplates/kind.html", spec=spec, title=kind_title(spec), by_language=by_language,
                  variables=variables, languages=LANGUAGE_LABELS, sources=SOURCES, can_upload=_can_upload(),
                  catalogue=_catalogue(), kind_title=kind_title, max_bytes=core().settings.max_template_bytes,
                  **_upload_defaults(upload))
    return html, status


@page(bp, "/templates/upload", methods=("POST",), roles=TEMPLATE_EDITORS)
def upload() -> ResponseReturnValue:
    form = {"kind": request.form.get("kind", "")[:40], "language": request.form.get("language", "")[:8]}
    back = request.form.get("back", "")
    storage = request.files.get("file")
    filename = (storage.filename or "") if storage is not None else ""
    registry = core().services.templates
    try:
        if storage is None or not filename:
            raise invalid("file", "missing", "请选择要上传的 DOCX 模板文件", "choose the DOCX template file to upload")
        try:
            data = storage.stream.read(core().settings.max_template_bytes + 1)
        finally:
            storage.close()  # a large upload is spooled to a temporary file: let it go now
        version = registry.upload(uow(), form["kind"], form["language"], data)
    except DomainError as exc:
        if exc.status not in (413, 422):
            raise
        # refused before anything was stored: the page again, with what failed and why
        loc = i18n.page_locale()
        problems = [p.as_dict(loc) for p in exc.problems] or [{"field": "", "code": exc.code,
                                                                "message": exc.message(loc)}]
        form_problem = all(p["field"] in (*FORM_FIELDS, "file") and p["code"] in ("missing", "unknown_kind",
                                                                                    "unknown_language")
                           for p in problems)
        upload_state = {"form": form, "problems": problems, "extra": exc.extra, "filename": filename,
                        "checks": None if form_problem else check_results(exc),
                        "errors": {p["field"]: p["message"] for p in problems if form_problem}}
        if back == "kind" and form["kind"] in registry.catalogue:
            return _kind_page(form["kind"], exc.status, **upload_state)
        return _index(exc.status, **upload_state)
    flash(_("Version %(v)s of %(title)s (%(lang)s) is now in use. Every check passed: %(checks)s.",
            v=version.version, title=kind_title(registry.spec(version.kind)),
            lang=LANGUAGE_LABELS.get(version.language, version.language),
            checks="; ".join(str(label) for _key, label in CHECKS)), "ok")
    return redirect(url_for("ui_templates.kind", kind=version.kind), code=303)

