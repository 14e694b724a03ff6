"""Imports: upload a clerk's spreadsheet export (XLSX or CSV), check it or import it, and read the
row report; and the history of the imports that changed the ledger.

The upload runs the importer exactly as ``POST /api/v1/imports`` does (``core().services.importer``:
the same kinds, dry run and "allow an invoice to move to another customer", the same size cap). It
is all or nothing: a file with a bad row is refused with one problem per bad cell (sheet, row,
column, the reason in the page's language), and nothing is written; a file that is no spreadsheet,
too large or unreadable is a 4xx naming the problem. The history is the audit log's ``ledger.import``
entries (an import that changed nothing, and a dry run, leave none).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from workflow.audit.models import AuditEntry
from workflow.errors import DomainError, FieldProblem, TooLarge, ValidationFailed
from workflow.ledger.imports import ImportRejected, ImportResult, parse_kind
from workflow.ledger.imports.plan import RowProblem
from workflow.ledger.imports.schema import KIND_ORDER
from workflow.web.api.base import core, uow
from workflow.web.ui import i18n, listing
from workflow.web.ui.listing import Column
from workflow.web.ui.page import STAFF, Refused, nav_item, page, render

bp = Blueprint("ui_imports", __name__)
nav_item("Imports", "ui_imports.imports", roles=STAFF, order=60)

KINDS = {
    "customers": lazy_gettext("Customers"),
    "contacts": lazy_gettext("Contacts"),
    "contracts": lazy_gettext("Contracts"),
    "invoices": lazy_gettext("Invoices"),
    "payments": lazy_gettext("Payments"),
}
HISTORY_COLUMNS = (
    Column("at", "Imported at", AuditEntry.id, kind="moment"),
    Column("actor", "By", AuditEntry.actor),
    Column("filename", "File"),
    Column("summary", "What changed"),
)


def kind_label(code: str) -> str:
    return str(KINDS.get(code, code))


def _summary(after: Any) -> str:
    """"Invoices: 120 new, 3 changed" from an import's audit entry."""
    counts = after.get("counts") if isinstance(after, dict) else None
    parts = []
    for kind in KIND_ORDER:
        c = counts.get(kind.value) if isinstance(counts, dict) else None
        if isinstance(c, dict) and (c.get("created") or c.get("updated")):
            parts.append(_("%(kind)s: %(created)s new, %(updated)s changed", kind=kind_label(kind.value),
                           created=c.get("created", 0), updated=c.get("updated", 0)))
    if isinstance(after, dict) and after.get("allocations"):
        parts.append(_("%(n)s allocations", n=after["allocations"]))
    return "; ".join(parts)


def _history_row(entry: AuditEntry) -> dict[str, Any]:
    after = entry.after if isinstance(entry.after, dict) else {}
    return {"id": entry.id, "at": entry.at, "actor": entry.actor, "filename": str(after.get("filename", "")),
            "summary": _summary(after), "sha": entry.entity_id}


def _page(*, status: int = 200, result: ImportResult | None = None, rejected: ImportRejected | None = None,
          problems: list[dict[str, str]] | None = None, typed: dict[str, Any] | None = None) -> tuple[str, int]:
    stmt = select(AuditEntry).where(AuditEntry.action == "ledger.import")
    state = listing.list_state(HISTORY_COLUMNS, "at")
    history = listing.paginate(uow().session, stmt, HISTORY_COLUMNS, state, tiebreak=AuditEntry.id,
                               convert=lambda row: _history_row(row[0]))
    return render("ui/imports/index.html", history=history, result=result, report=_report(rejected) if rejected
                  else None, problems=problems or [], typed=typed or {}, kinds=KINDS, kind_label=kind_label,
                  max_mb=f"{core().settings.max_upload_bytes / 1024 / 1024:.1f}"), status


def _report(exc: ImportRejected) -> dict[str, Any]:
    """The bad rows, one line each with every bad cell's reason, in the page's language."""
    loc = i18n.page_locale()
    rows: dict[tuple[str, int], list[dict[str, str]]] = {}
    for p in exc.rows:
        rows.setdefault((p.sheet, p.row), []).append(_cell(p, loc))
    return {"message": exc.message(loc), "bad_rows": exc.bad_rows, "problem_count": exc.problem_count,
            "listed": len(exc.rows), "rows": [{"sheet": s, "row": r, "cells": cells} for (s, r), cells in rows.items()]}


def _cell(p: RowProblem, loc: str) -> dict[str, str]:
    return {"column": p.column, "code": p.code, "message": p.en if loc.startswith("en") else p.zh}


@page(bp, "/imports", roles=STAFF, writes=listing.wants_export)
def imports() -> ResponseReturnValue:
    if listing.wants_export():
        stmt = select(AuditEntry).where(AuditEntry.action == "ledger.import")
        state = listing.list_state(HISTORY_COLUMNS, "at")
        rows = listing.export_rows(uow().session, stmt, HISTORY_COLUMNS, state, tiebreak=AuditEntry.id,
                                   convert=lambda row: _history_row(row[0]))
        uow().audit("export", "import", "history", None, {"rows": len(rows)})
        return listing.xlsx_response(_("imports") + f"-{uow().today().isoformat()}.xlsx", HISTORY_COLUMNS, rows,
                                     sheet=_("Imports"))
    return _page()


@page(bp, "/imports", methods=("POST",), roles=STAFF, endpoint="upload")
def upload() -> ResponseReturnValue:
    """Check (dry run) or import the file, all or nothing, as ``POST /api/v1/imports``."""
    c = core()
    kind = request.form.get("kind", "")[:20]
    dry_run = request.form.get("dry_run") == "1"
    allow_move = request.form.get("allow_customer_change") == "1"
    typed = {"kind": kind, "dry_run": dry_run, "allow_customer_change": allow_move}
    try:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationFailed([FieldProblem("file", "missing", "请选择要上传的文件（XLSX 或 CSV）",
                                                 "choose a file to upload (XLSX or CSV)")])
        limit = c.settings.max_upload_bytes
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise TooLarge("file", limit)
        result = c.services.importer.run(uow(), upload.filename, data, parse_kind(kind or None),
                                         dry_run=dry_run, allow_customer_change=allow_move)
    except ImportRejected as exc:
        raise Refused(_page(status=exc.status, rejected=exc, typed=typed)) from None
    except DomainError as exc:
        loc = i18n.page_locale()
        problems = [p.as_dict(loc) for p in exc.problems] or [{"field": "", "code": exc.code,
                                                                "message": exc.message(loc)}]
        raise Refused(_page(status=exc.status, problems=problems, typed=typed)) from None
    if result.dry_run:
        flash(_("The file was checked: every row is fine. Nothing was written."), "ok")
    elif result.changed:
        flash(_("The file was imported."), "ok")
    else:
        flash(_("The file was imported: everything in it was already in the ledger."), "ok")
    # the report is shown at once: importing the same file again changes nothing
    return _page(result=result, typed=typed)
