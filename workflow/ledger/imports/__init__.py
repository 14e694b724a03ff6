"""Importing the ledger from the spreadsheets clerks export (用友/金蝶-style CSV or XLSX).

All or nothing: if any row of any sheet is bad the import is refused with one problem per bad
cell (sheet, row, column, reason in Chinese and English; the first 1,000, and the totals) and
nothing is written — rows are written as they are checked (invoices a slice at a time, so memory
stays flat), inside a savepoint that a bad row anywhere rolls back. Idempotent: rows are matched
on natural keys (customer code; creditor + contract number; creditor + invoice number; creditor +
bank reference). A row identical to what is stored is
skipped; a changed row updates the stored record, except where that would falsify history (a
bank transaction's amount, date, customer or currency; the customer of a paid invoice; an invoice
amount below what is already settled), which is refused for that row. Clerks re-export whole
ledgers, so re-importing yesterday's file must be harmless.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from workflow.accounts.models import Role
from workflow.errors import Conflict, FieldProblem, TooLarge, ValidationFailed, invalid
from workflow.ledger.imports.bulk import FileKeys, roomy_page_cache
from workflow.ledger.imports.columns import check_invoices
from workflow.ledger.imports.plan import Plan, RowProblem, rows_of
from workflow.ledger.imports.read import Sheet, has_control, open_sheets
from workflow.ledger.imports.rows import CHECKS, REQUIRED, Checker, RowRules
from workflow.ledger.imports.schema import KIND_ORDER, KIND_ZH, Kind, detect_kind, map_headers, text
from workflow.ledger.imports.state import Stored
from workflow.ledger.imports.write import Writer
from workflow.ledger.validation import filename_problem, text_problem
from workflow.unit_of_work import UnitOfWork

MAX_REPORTED_IN_MESSAGE = 200  # FieldProblems in the generic "errors" list; "rows" has up to MAX_REPORTED
SLICE_ROWS = 10_000  # invoice rows checked and written at a time: memory stays flat in the file's size
IMPORT_ROLES = (Role.CLERK, Role.LEGAL, Role.ADMIN)
# free text that may span lines; every other imported cell is printed on one line
MULTILINE_COLUMNS = frozenset({"notes"})


@dataclass
class KindCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportResult:
    filename: str
    sha256: str
    dry_run: bool
    counts: dict[str, KindCount] = field(default_factory=dict)
    allocations: int = 0
    sheets: list[dict[str, str]] = field(default_factory=list)
    # invoices moved to another customer (only when the run allowed it): old and new customer codes
    moved_invoices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "changed": self.changed,
            "sheets": self.sheets,
            "counts": {k: v.as_dict() for k, v in self.counts.items()},
            "allocations": self.allocations,
            "moved_invoices": self.moved_invoices,
        }


class ImportRejected(ValidationFailed):
    """The file has bad rows: ``rows`` lists the first ``MAX_REPORTED`` problems, ``problem_count``
    and ``bad_rows`` count all of them; nothing was written."""

    def __init__(self, plan: Plan) -> None:
        rows = plan.problems
        problems = [
            FieldProblem(f"{p.sheet}[{p.row}].{p.column}", p.code, p.zh, p.en) for p in rows[:MAX_REPORTED_IN_MESSAGE]
        ]
        super().__init__(
            problems,
            extra={
                "rows": [p.as_dict() for p in rows],
                "bad_rows": plan.bad_rows,
                "problem_count": plan.problem_count,
                "truncated": plan.problem_count > len(rows),
            },
        )
        more_zh = (
            f"（仅列出前 {len(rows)} 个问题，共 {plan.problem_count} 个）" if plan.problem_count > len(rows) else ""
        )
        more_en = f" (the first {len(rows)} of {plan.problem_count} problems are listed)" if more_zh else ""
        self.zh = f"导入文件有 {plan.bad_rows} 行错误，未写入任何数据{more_zh}"
        self.en = f"The file has {plan.bad_rows} bad row(s); nothing was imported{more_en}"
        self.rows = rows
        self.problem_count = plan.problem_count
        self.bad_rows = plan.bad_rows


def parse_kind(raw: str | None) -> Kind | None:
    if not raw:
        return None
    for kind in Kind:
        if raw.strip().lower() in (kind.value, KIND_ZH[kind]):
            return kind
    raise ValidationFailed(
        [
            FieldProblem(
                "kind",
                "invalid_kind",
                "类型应为 customers、contacts、contracts、invoices 或 payments"
                "（或 客户、联系人、合同、应收发票、收款）",
                "kind must be customers, contacts, contracts, invoices or payments "
                "(or 客户, 联系人, 合同, 应收发票, 收款)",
            )
        ]
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A large file is hundreds of thousands of live rows, tuples and dicts; the cyclic collector
    would walk them again and again while they are built (a third of the import's CPU time on a
    100,000-row file). Reference counting still frees all the import drops; the collector runs
    again when it ends, and is left alone if something else had already turned it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Importer:
    """The import use case. Runs in the caller's unit of work: all or nothing in that transaction
    (a dry run in a savepoint rolled back at the end), never opening or committing a session."""

    def __init__(self, max_bytes: int, payment_future_days: int = 0) -> None:
        self.max_bytes = max_bytes
        # slack for a bank's time zone: a payment dated later than today plus this is refused
        self.payment_future_days = payment_future_days

    def run(
        self, uow: UnitOfWork, filename: str, data: bytes, kind: Kind | None = None, dry_run: bool = False,
        allow_customer_change: bool = False,
    ) -> ImportResult:
        uow.require(IMPORT_ROLES, "无权导入台账", "You may not import the ledger")
        if len(data) > self.max_bytes:
            raise TooLarge("file", self.max_bytes)
        problem = filename_problem(filename)
        if problem is not None:
            raise invalid("file", "invalid_filename", *problem)
        with _cyclic_gc_paused():
            rules = RowRules(uow.today() + timedelta(days=self.payment_future_days), allow_customer_change)
            return self._run(uow, filename, data, kind, dry_run, rules)

    def _run(self, uow: UnitOfWork, filename: str, data: bytes, kind: Kind | None, dry_run: bool,
             rules: RowRules) -> ImportResult:
        with open_sheets(filename, data) as sheets:
            if not sheets:
                raise ValidationFailed([FieldProblem("file", "empty_file", "文件中没有数据", "the file holds no data")])
            plan = Plan()
            by_kind = self._classify(sheets, kind, plan)
            result = ImportResult(
                filename,
                hashlib.sha256(data).hexdigest(),
                dry_run,
                sheets=[{"sheet": sh.name, "kind": k.value} for k, lst in by_kind.items() for sh, _ in lst],
            )
            session = uow.session
            # rows are written as they are checked (a large file is never all in memory), in a savepoint:
            # a bad row anywhere undoes the import, and only the import, whatever else the unit of work
            # holds; a dry run undoes it in any case (the allocation counts need the rows written)
            savepoint = session.begin_nested()
            try:
                with roomy_page_cache(session):
                    self._check_and_write(session, by_kind, plan, result, uow.now(), rules)
                result.moved_invoices = rules.moved
                if plan.problem_count:
                    raise ImportRejected(plan)
                if not dry_run:
                    savepoint.commit()
            except IntegrityError as exc:
                # a concurrent writer stored one of our natural keys between our check and our insert
                raise Conflict(
                    "其他操作同时修改了相同的记录，未写入任何数据，请重新导入",
                    "another change touched the same records at the same time; nothing was imported, try again",
                ) from exc
            finally:
                if savepoint.is_active:
                    savepoint.rollback()
        if result.changed and not dry_run:
            uow.audit(
                "ledger.import",
                "import",
                result.sha256[:16],
                None,
                {
                    "filename": filename,
                    "counts": {k: v.as_dict() for k, v in result.counts.items()},
                    "allocations": result.allocations,
                    "moved_invoices": result.moved_invoices,
                },
            )
        return result

    def _classify(
        self, sheets: list[Sheet], kind: Kind | None, plan: Plan
    ) -> dict[Kind, list[tuple[Sheet, dict[int, str]]]]:
        out: dict[Kind, list[tuple[Sheet, dict[int, str]]]] = {}
        for sh in sheets:
            k = kind or detect_kind(sh.headers, sh.name)
            if k is None:
                plan.add(
                    RowProblem(
                        sh.name,
                        sh.header_row,
                        "",
                        "unknown_sheet",
                        f"无法识别工作表「{sh.name}」的内容（应为客户、联系人、合同、应收发票或收款）",
                        f"cannot tell what sheet '{sh.name}' holds (customers, contacts, "
                        "contracts, invoices or payments)",
                    )
                )
                continue
            colmap = map_headers(k, sh.headers)
            have = set(colmap.values())
            missing = [c for c in REQUIRED[k] if c.name not in have]
            for c in missing:
                plan.add(
                    RowProblem(
                        sh.name,
                        sh.header_row,
                        c.zh,
                        "missing_column",
                        f"缺少必填列「{c.zh}」（{KIND_ZH[k]}）",
                        f"required column '{c.name}' is missing ({k.value})",
                    )
                )
            if not missing:
                out.setdefault(k, []).append((sh, colmap))
        plan.close_slice()
        return out

    def _check_and_write(
        self,
        session: Any,
        by_kind: dict[Kind, list[tuple[Sheet, dict[int, str]]]],
        plan: Plan,
        result: ImportResult,
        now: datetime,
        rules: RowRules,
    ) -> None:
        """Kind by kind in dependency order: check, then write while no problem has been found (the
        caller undoes everything if one is found later). Invoices, the large kind, a slice at a time."""
        stored = Stored()
        stored.load_base(session)
        checker = Checker(plan, stored, rules)
        writer = Writer(session, stored, now)
        file_invoices = FileKeys(session)
        try:
            for k in KIND_ORDER:
                entries = by_kind.get(k, [])
                if not entries:
                    continue
                if k is Kind.INVOICES:
                    payments_follow = bool(by_kind.get(Kind.PAYMENTS))
                    count = self._invoices(
                        session, stored, checker, plan, writer, entries, file_invoices, payments_follow
                    )
                    result.counts[k.value] = count
                    continue
                for sheet, colmap in entries:
                    if sheet.rows and sheet.suspect:  # read first: reading may find a line break in a cell
                        _check_controls(sheet, colmap, plan)
                if k is Kind.CONTACTS:
                    stored.load_contacts(session, _column_values(entries, "customer_code"))
                elif k is Kind.CONTRACTS:
                    stored.load_contracts(session, self._keys(stored, entries, "contract_number"))
                elif k is Kind.PAYMENTS:
                    named = self._keys(stored, entries, "invoice_number")
                    checker.file_invoices = {
                        key: (code, cur)
                        for key, (_, code, cur) in file_invoices.lookup(named).items()
                        if code is not None and cur is not None
                    }
                    stored.load_invoices(session, named)
                    stored.load_payments(session, self._keys(stored, entries, "bank_reference"))
                check = CHECKS[k]
                for sheet, colmap in entries:
                    for row in rows_of(plan, sheet, colmap):
                        check(checker, row)
                    plan.close_slice()
                items, plan.items[k] = plan.items[k], []
                if plan.problem_count:
                    continue
                if k is Kind.PAYMENTS:
                    writer.invoice_ids.update({key: v["id"] for key, v in stored.invoices.items()})
                    c, u, n, result.allocations = writer.write_payments(items)
                else:
                    c, u, n = writer.write(k, items)
                result.counts[k.value] = KindCount(c, u, n)
        finally:
            file_invoices.close()

    def _invoices(
        self,
        session: Any,
        stored: Stored,
        checker: Checker,
        plan: Plan,
        writer: Writer,
        entries: list[tuple[Sheet, dict[int, str]]],
        file_invoices: FileKeys,
        payments_follow: bool,
    ) -> KindCount:
        """Invoices ``SLICE_ROWS`` at a time: what is stored and what earlier slices held (for
        duplicates, and for payments naming an invoice of this file) is looked up per slice, so
        memory does not grow with the file."""
        count = KindCount()
        first_import = not stored.any_invoices(session)  # then nothing stored is worth looking up
        # the slices are read one at a time, one ahead: the last one needs nothing kept for later
        ahead = ((part, colmap) for sheet, colmap in entries for part in sheet.slices(SLICE_ROWS))
        current = next(ahead, None)
        memo: dict[str, dict[str, Any]] = {}  # parsed dates and currencies, kept across slices
        while current is not None:
            part, colmap = current
            current = next(ahead, None)
            stored.invoices = {}
            stored.load_contracts(session, self._keys(stored, [(part, colmap)], "contract_number"))
            # the slice's invoice keys: only worth collecting when something could match them
            keys = (
                self._keys(stored, [(part, colmap)], "invoice_number")
                if file_invoices.size or not first_import
                else set()
            )
            if not first_import:
                stored.load_invoices(session, keys)
            earlier = file_invoices.lookup(keys)
            checker.seen = {(Kind.INVOICES, c, n): row for (c, n), (row, _, _) in earlier.items()}
            checker.file_invoices = {}
            if part.suspect:
                _check_controls(part, colmap, plan)
            check_invoices(checker, plan, part, colmap, memo)
            plan.close_slice()
            if current is not None or payments_follow:  # else nothing will ask
                known = checker.file_invoices if payments_follow else {}
                file_invoices.add(
                    [
                        (c, n, row, *known.get((c, n), (None, None)))
                        for (_, c, n), row in checker.seen.items()
                        if (c, n) not in earlier
                    ]
                )
            items, plan.items[Kind.INVOICES] = plan.items[Kind.INVOICES], []
            if plan.problem_count:
                continue  # checked on, to report, but no longer written
            writer.contract_ids.update({key: v["id"] for key, v in stored.contracts.items()})
            c, u, n = writer.write(Kind.INVOICES, items, ids_needed=False)
            count.created += c
            count.updated += u
            count.unchanged += n
        checker.file_invoices = {}
        return count

    @staticmethod
    def _keys(stored: Stored, entries: list[tuple[Sheet, dict[int, str]]], column: str) -> set[tuple[int, str]]:
        keys: set[tuple[int, str]] = set()
        for sheet, colmap in entries:
            pos = {name: p for p, name in colmap.items()}
            if column not in pos:
                continue
            cpos, npos = pos.get("creditor_code"), pos[column]
            codes: dict[object, int | None] = {}
            for _, cells in sheet.rows:
                raw = cells[npos] if npos < len(cells) else None
                number = raw.strip() if type(raw) is str and raw.isascii() else text(raw)
                craw = cells[cpos] if cpos is not None and cpos < len(cells) else None
                if craw not in codes:
                    code = text(craw)
                    codes[craw] = stored.creditors.get(code) if code else stored.default_creditor
                cid = codes[craw]
                if number and cid is not None:
                    keys.add((cid, number))
        return keys


def _check_controls(sheet: Sheet, colmap: dict[int, str], plan: Plan) -> None:
    """Control characters and line breaks in the columns imported (others are ignored anyway):
    one problem per cell, under the header the file used, before any other check of the row."""
    labels = {p: str(sheet.headers[p]).strip() for p in colmap}
    for number, cells in sheet.rows:
        for p, name in colmap.items():
            value = cells[p] if p < len(cells) else None
            if type(value) is not str or not has_control(value):
                continue
            problem = text_problem(value, multiline=name in MULTILINE_COLUMNS)
            if problem is not None:
                plan.add(RowProblem(sheet.name, number, labels[p], "control_character", *problem))


def _column_values(entries: list[tuple[Sheet, dict[int, str]]], column: str) -> set[str]:
    values: set[str] = set()
    for sheet, colmap in entries:
        for p, name in colmap.items():
            if name == column:
                values.update(text(cells[p]) for _, cells in sheet.rows if p < len(cells))
    return values
