"""The plan an import is checked into: one record per good row, one problem per bad cell.

``RowCtx`` reads one row's cells by canonical column and files problems under the header the
clerk's file actually used, so the report names the column they can see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from workflow.ledger.imports.schema import Kind, parse_flag, text
from workflow.ledger.validation import currency_problem


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int
    column: str
    code: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "zh": self.zh,
            "en": self.en,
        }


@dataclass(slots=True)  # one per good row: 100,000 of them for a large ledger
class Planned:
    kind: Kind
    key: tuple[Any, ...]
    sheet: str
    row: int
    values: dict[str, Any]  # DB column → value; references still by natural key (customer_code...)
    existing_id: int | None = None
    changed: bool = True


MAX_REPORTED = 1000  # problems kept for the report; the rest are only counted


@dataclass
class Plan:
    """What the check found. Only the first ``MAX_REPORTED`` problems are kept: a file of a million
    bad rows must not become a report of a million entries (and the memory to hold them)."""

    items: dict[Kind, list[Planned]] = field(default_factory=lambda: {k: [] for k in Kind})
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0  # every problem, kept or not
    _bad_before: int = 0  # distinct bad rows of the slices closed so far
    _bad_here: set[tuple[str, int]] = field(default_factory=set)  # ... and of the slice being checked

    @property
    def bad_rows(self) -> int:
        """Distinct (sheet, row) with a problem."""
        return self._bad_before + len(self._bad_here)

    def add(self, problem: RowProblem) -> None:
        self.problem_count += 1
        self._bad_here.add((problem.sheet, problem.row))
        if len(self.problems) < MAX_REPORTED:
            self.problems.append(problem)

    def close_slice(self) -> None:
        """The rows checked so far will not be seen again: count their bad rows and forget them."""
        self._bad_before += len(self._bad_here)
        self._bad_here = set()


class RowCtx:
    """One row's cells by canonical column, and the problem sink that names the file's header."""

    __slots__ = ("cells", "labels", "memo", "ok", "plan", "row", "sheet")

    def __init__(
        self, plan: Plan, sheet: str, row: int, cells: dict[str, object], labels: dict[str, str], memo: dict[Any, Any]
    ) -> None:
        self.plan, self.sheet, self.row, self.cells, self.labels = plan, sheet, row, cells, labels
        self.memo = memo  # parsed cell texts: ledgers repeat the same dates and codes endlessly
        self.ok = True

    def has(self, name: str) -> bool:
        return name in self.cells

    def bad(self, column: str, code: str, msg: tuple[str, str]) -> None:
        self.ok = False
        self.plan.add(RowProblem(self.sheet, self.row, self.labels.get(column, column), code, *msg))

    def text(self, name: str, required: bool = False, max_len: int = 200) -> str | None:
        raw = self.cells.get(name)
        if raw is None:
            value = ""
        elif type(raw) is str and raw.isascii():
            value = raw.strip()
        else:
            key = (text, raw) if isinstance(raw, str) else None
            cached = self.memo.get(key) if key else None
            value = cached if cached is not None else text(raw)
            if key and cached is None:
                self.memo[key] = value
        if not value:
            if required:
                self.bad(name, "required", ("必填项为空", "required value is empty"))
            return None
        if len(value) > max_len:
            self.bad(name, "too_long", (f"超过 {max_len} 个字符", f"longer than {max_len} characters"))
            return None
        return value

    def parsed(
        self,
        name: str,
        parser: Callable[[object], tuple[Any, tuple[str, str] | None]],
        code: str,
        required: bool = False,
    ) -> Any:
        raw = self.cells.get(name)
        hit = self.memo.get((parser, raw)) if type(raw) is str else None
        if hit is None:
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if required:
                    self.bad(name, "required", ("必填项为空", "required value is empty"))
                return None
            hit = parser(raw)
            if type(raw) is str:
                self.memo[(parser, raw)] = hit
        value, problem = hit
        if problem:
            self.bad(name, code, problem)
        return value

    def currency(self, name: str = "currency") -> str:
        code = (self.text(name, max_len=10) or "CNY").upper()
        if code in ("RMB", "人民币"):
            return "CNY"
        problem = currency_problem(code)
        if problem:
            self.bad(name, "unknown_currency", problem)
        return code

    def flag(self, name: str) -> bool | None:
        return self.parsed(name, parse_flag, "invalid_flag") if self.has(name) else None


def row_contexts(plan: Plan, sheet: Any, colmap: dict[int, str]) -> Callable[[int, list[object]], RowCtx]:
    """A maker of ``RowCtx`` for this sheet's rows, sharing one label map and one parse memo."""
    labels = {name: str(sheet.headers[pos]).strip() for pos, name in colmap.items()}
    items = list(colmap.items())
    names = [name for _, name in items]
    pick = itemgetter(*[pos for pos, _ in items]) if len(items) > 1 else None
    width = max(colmap) + 1
    memo: dict[Any, Any] = {}

    def make(number: int, cells: list[object]) -> RowCtx:
        if pick is not None and len(cells) >= width:
            values = dict(zip(names, pick(cells), strict=True))
        else:
            n = len(cells)
            values = {name: (cells[pos] if pos < n else None) for pos, name in items}
        return RowCtx(plan, sheet.name, number, values, labels, memo)

    return make


def rows_of(plan: Plan, sheet: Any, colmap: dict[int, str]) -> Iterator[RowCtx]:
    make = row_contexts(plan, sheet, colmap)
    for number, cells in sheet.rows:
        yield make(number, cells)


_SPLIT: dict[str, tuple[str, str]] = {}


def present_only(r: RowCtx, values: dict[str, Any], optional: dict[str, Any]) -> dict[str, Any]:
    """Only columns the file has are written: a missing column never blanks a stored value.
    An optional key "file_column:db_column" writes db_column when the file has file_column."""
    out = dict(values)
    cells = r.cells
    for key, v in optional.items():
        split = _SPLIT.get(key)
        if split is None:
            src, _, dst = key.partition(":")
            split = _SPLIT[key] = (src, dst or src)
        if split[0] in cells:
            out[split[1]] = v
    return out


def diff_stored(stored: dict[str, Any] | None, values: dict[str, Any]) -> bool:
    return stored is None or any(stored.get(k) != v for k, v in values.items())
