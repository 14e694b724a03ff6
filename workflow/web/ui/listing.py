"""Every list of the desk filters, sorts, pages and exports to XLSX the same way.

A page declares its columns (what each shows, and the SQL it sorts by), builds its filtered query,
and hands both to ``paginate``: the database counts and returns one page, ordered by the chosen
column with the primary key as tie-break, so a list of 10,000 cases never loads more than a page.
``?export=xlsx`` returns the same filtered, sorted rows (up to ``EXPORT_LIMIT``) as a spreadsheet
with the headings in the page's language; text that would start a formula is defused by
``workflow.ledger.exports``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response, request
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from workflow.ledger.exports import cell_value

PER_PAGE_CHOICES = (20, 50, 100, 200)
DEFAULT_PER_PAGE = 50
EXPORT_LIMIT = 100_000
MONEY_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # an English message id; shown translated
    sort: Any | None = None  # the SQL expression the column sorts by; None: not sortable
    kind: str = "text"  # text, money, number, date, moment, percent
    # how the export reads the cell from a row of ``Page.items`` (default: ``row[key]``)
    value: Callable[[Any], Any] | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("money", "number", "percent")

    def cell(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        return row.get(self.key) if isinstance(row, dict) else getattr(row, self.key, None)


@dataclass(frozen=True)
class ListState:
    sort: str
    desc: bool
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Page:
    items: list[Any]
    total: int
    state: ListState
    columns: Sequence[Column] = field(default_factory=tuple)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.state.per_page))

    @property
    def first(self) -> int:
        return self.state.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.state.offset + self.state.per_page)


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return min(max(value, lo), hi)


def list_state(columns: Sequence[Column], default_sort: str, *, default_desc: bool = True) -> ListState:
    """Sort, direction and page from the query string. A list link that went stale (a column
    renamed, a page beyond the end) shows the nearest sensible list, never an error page."""
    sortable = {c.key for c in columns if c.sort is not None}
    sort = request.args.get("sort", default_sort)
    if sort not in sortable:
        sort = default_sort
    direction = request.args.get("dir", "")
    desc = default_desc if direction not in ("asc", "desc") else direction == "desc"
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, PER_PAGE_CHOICES[-1])
    return ListState(sort=sort, desc=desc, page=_int_arg("page", 1, 1, 1_000_000), per_page=per_page)


def _ordered(stmt: Select[Any], columns: Sequence[Column], state: ListState, tiebreak: Any) -> Select[Any]:
    col = next((c for c in columns if c.key == state.sort), None)
    order: list[Any] = []
    if col is not None and col.sort is not None:
        order.append(col.sort.desc() if state.desc else col.sort.asc())
    order.append(tiebreak.desc() if state.desc else tiebreak.asc())
    return stmt.order_by(*order)


def paginate(session: Session, stmt: Select[Any], columns: Sequence[Column], state: ListState, *,
             tiebreak: Any, convert: Callable[[Any], Any] = lambda r: r) -> Page:
    """One page of ``stmt``'s rows, counted and ordered in the database. ``convert`` turns a result
    row into what the template and the export read."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if state.offset >= total and total:
        state = ListState(state.sort, state.desc, -(-total // state.per_page), state.per_page)
    rows = session.execute(_ordered(stmt, columns, state, tiebreak).limit(state.per_page).offset(state.offset))
    return Page(items=[convert(r) for r in rows], total=total, state=state, columns=columns)


def wants_export() -> bool:
    return request.args.get("export") == "xlsx"


def export_rows(session: Session, stmt: Select[Any], columns: Sequence[Column], state: ListState, *,
                tiebreak: Any, convert: Callable[[Any], Any] = lambda r: r) -> list[Any]:
    rows = session.execute(_ordered(stmt, columns, state, tiebreak).limit(EXPORT_LIMIT))
    return [convert(r) for r in rows]


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value  # openpyxl writes a Decimal as a number, exactly as printed
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return cell_value(value)


def xlsx_response(filename: str, columns: Sequence[Column], rows: Iterable[Any], *, sheet: str) -> Response:
    """The rows as a spreadsheet, headings in the page's language, money formatted as money."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.append([_(c.label) for c in columns])
    for row in rows:
        cells: list[Any] = []
        for c in columns:
            value = _xlsx_cell(c.cell(row))
            if c.kind == "money" and isinstance(value, Decimal):
                # write-only sheets style a cell only as it is written
                # openpyxl writes a Decimal as the number it is; its stubs only name float
                cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
                cell.number_format = MONEY_FORMAT
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    resp = Response(buf.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


def url_with(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (None removes one); a changed
    filter or sort goes back to page 1."""
    args = request.args.to_dict(flat=False)
    if any(k not in ("page",) for k in changes):
        args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    query = "&".join(f"{quote(k)}={quote(v)}" for k, vs in args.items() for v in vs)
    return request.path + (f"?{query}" if query else "")


def filter_date(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
