"""The invoice sheet checked column by column: the fast path for the large files clerks re-export.

Each column is parsed once per distinct cell (ledgers repeat the same dates, codes and currencies
endlessly) with the same parsers the per-row checker uses; amounts, nearly all distinct, go
through a strict pattern for the clean "12,345.60" form. A row is accepted here only when every
cell passed and none of the cross-row rules (due date, contract owner, duplicate number, settled
invoice) objects; any other row goes to ``Checker.invoice``, the one place that words problems.
Rows are visited in file order, so problems, duplicate detection and the plan come out exactly as
they would from the per-row checker alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from operator import itemgetter
from typing import Any

from workflow.accounts.models import Role
from workflow.ledger.imports.plan import Plan, Planned, row_contexts
from workflow.ledger.imports.rows import ZERO, Checker
from workflow.ledger.imports.schema import Kind, parse_date, text
from workflow.ledger.responsibility import COLLECTOR_ROLES, SALES_ROLES, People
from workflow.ledger.validation import MAX_AMOUNT, currency_problem

_BAD: Any = object()  # a cell the fast path does not vouch for: its row takes the careful path
_CENT = Decimal("0.01")
# plain digits or thousands groups, at most two decimals: what parse_money's own fast path accepts
_MONEY_RE = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")
_OPTIONAL_TEXT = (("tax_invoice_no", 64), ("delivery_note_ref", 64), ("description", 300))


# parsed text cells kept from one slice to the next, per column, up to this many: a ledger's dates
# and currencies repeat across the whole file, and are parsed once per file instead of per slice
MEMO_MAX = 20_000


def _memo(fn: Callable[[Any], Any], kept: dict[str, Any] | None = None) -> Callable[[list[Any]], list[Any]]:
    """``fn`` per distinct cell; ``kept`` (for parsers that depend on the cell alone) carries the
    text cells' results over to the next call, bounded by ``MEMO_MAX``."""
    def column(cells: list[Any]) -> list[Any]:
        if set(map(type, cells)) <= {str}:  # CSV: every cell text, distinct values found in C
            if kept is None:
                table = {raw: fn(raw) for raw in dict.fromkeys(cells)}
            else:
                if len(kept) > MEMO_MAX:
                    kept.clear()
                table = kept
                for raw in dict.fromkeys(cells).keys() - table.keys():
                    table[raw] = fn(raw)
            return list(map(table.__getitem__, cells))
        seen: dict[str, Any] = {}
        out = []
        for raw in cells:
            if type(raw) is not str:  # spreadsheet numbers and dates: True == 1 must not share a memo
                out.append(fn(raw))
                continue
            v = seen.get(raw, seen)
            if v is seen:
                v = seen[raw] = fn(raw)
            out.append(v)
        return out

    return column


def _text(max_len: int, required: bool) -> Callable[[Any], Any]:
    def parse(raw: Any) -> Any:
        value = text(raw)
        if not value:
            return _BAD if required else None
        return value if len(value) <= max_len else _BAD

    return parse


def _date(required: bool) -> Callable[[Any], Any]:
    def parse(raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return _BAD if required else None
        value, problem = parse_date(raw)
        return _BAD if problem else value

    return parse


def _currency(raw: Any) -> Any:
    code = text(raw)
    if len(code) > 10:
        return _BAD
    code = (code or "CNY").upper()
    if code in ("RMB", "人民币"):
        return "CNY"
    return _BAD if currency_problem(code) else code


def _amounts(cells: list[Any]) -> list[Any]:
    match = _MONEY_RE.fullmatch
    out = []
    for raw in cells:
        if type(raw) is str and match(raw):
            value = Decimal(raw.replace(",", ""))
            out.append(value.quantize(_CENT) if 0 < value <= MAX_AMOUNT else _BAD)
        else:
            out.append(_BAD)
    return out


def _people_columns(people: People, names: set[str],
                    col: Callable[[str, Callable[[list[Any]], list[Any]]], list[Any]]) -> list[tuple[str, list[Any]]]:
    """The salesperson and collector ids per row (None: blank; ``_BAD``: a name the careful path
    reports), chosen as ``Checker.people`` chooses: the employee number when given, else the name."""
    def person(roles: frozenset[Role]) -> Callable[[Any], Any]:
        def parse(raw: Any) -> Any:
            value = text(raw)
            if not value:
                return None
            found = people.find("", value, roles)
            return _BAD if found.problem is not None else found.user_id
        return parse

    out: list[tuple[str, list[Any]]] = []
    by_name = col("salesperson", _memo(person(SALES_ROLES))) if "salesperson" in names else None
    by_no = col("salesperson_no", _memo(person(SALES_ROLES))) if "salesperson_no" in names else None
    if by_name is not None and by_no is not None:
        chosen = [_BAD if n is not None and k is not None and n != k else (k if k is not None else n)
                  for n, k in zip(by_name, by_no, strict=True)]
        out.append(("salesperson_id", chosen))
    elif by_name is not None or by_no is not None:
        out.append(("salesperson_id", by_no if by_no is not None else by_name or []))
    if "collector" in names:
        out.append(("collector_id", col("collector", _memo(person(COLLECTOR_ROLES)))))
    return out


def check_invoices(checker: Checker, plan: Plan, sheet: Any, colmap: dict[int, str],
                   memo: dict[str, dict[str, Any]] | None = None) -> None:
    """``memo``: kept by the caller from one slice of a sheet to the next (see ``_memo``)."""
    memo = {} if memo is None else memo
    names = set(colmap.values())
    pos = {name: p for p, name in colmap.items()}
    width = max(colmap) + 1
    order = sorted(pos.items(), key=itemgetter(1))
    pick = itemgetter(*[p for _, p in order])
    blank = (None,) * len(order)
    rows = sheet.rows
    picked = [pick(cells) if len(cells) >= width else blank for _, cells in rows]
    if len(order) == 1:
        picked = [(v,) for v in picked]
    raw = dict(zip([n for n, _ in order], zip(*picked, strict=True) if picked else [[] for _ in order], strict=True))

    def col(name: str, parse: Callable[[list[Any]], list[Any]]) -> list[Any]:
        return parse(list(raw[name])) if name in raw else [None] * len(rows)

    stored = checker.s
    if "creditor_code" in names:

        def creditor_of(r: Any) -> Any:
            code = text(r)
            if len(code) > 32:
                return _BAD
            cid = stored.creditors.get(code) if code else stored.default_creditor
            return _BAD if cid is None else cid

        creditors = _memo(creditor_of)(list(raw["creditor_code"]))
    else:
        creditors = [_BAD if stored.default_creditor is None else stored.default_creditor] * len(rows)

    def customer_of(r: Any) -> Any:
        code = _text(32, True)(r)
        known = code is not _BAD and (code in stored.customers or code in checker.file_customers)
        return code if known else _BAD

    numbers = col("invoice_number", _memo(_text(64, True)))
    customers = col("customer_code", _memo(customer_of))
    issues = col("issue_date", _memo(_date(True), memo.setdefault("issue_date", {})))
    dues = col("due_date", _memo(_date(True), memo.setdefault("due_date", {})))
    amounts = col("amount", _amounts)
    currencies = (col("currency", _memo(_currency, memo.setdefault("currency", {}))) if "currency" in names
                  else ["CNY"] * len(rows))
    contracts = col("contract_number", _memo(_text(64, False)))
    delivery = col("delivery_date", _memo(_date(False), memo.setdefault("delivery_date", {})))
    extras = [(n, col(n, _memo(_text(m, False)))) for n, m in _OPTIONAL_TEXT if n in names]
    optional = [n for n in ("contract_number", "delivery_date") if n in names]
    people = _people_columns(stored.people, names, col)

    careful = row_contexts(plan, sheet, colmap)
    seen, file_invoices, file_contracts = checker.seen, checker.file_invoices, checker.file_contracts
    items = plan.items[Kind.INVOICES]
    columns = [creditors, numbers, customers, issues, dues, amounts, currencies, contracts, delivery]
    doubtful: set[int] = set()
    for column in columns + [c for _, c in extras] + [c for _, c in people]:
        if _BAD in column:  # a scan in C; the rare bad cells are then found one by one
            doubtful.update(i for i, v in enumerate(column) if v is _BAD)
    for i, (row, cells), creditor, number, code, issue, due, amount, currency, contract_no, delivered in zip(
        range(len(rows)), rows, *columns, strict=True
    ):
        key = (creditor, number)
        dup = (Kind.INVOICES, creditor, number)
        clean = i not in doubtful and due >= issue and dup not in seen
        if clean and contract_no:
            owner = file_contracts.get((creditor, contract_no))
            if owner is None and (stored_c := stored.contracts.get((creditor, contract_no))) is not None:
                owner = stored_c["customer_code"]
            clean = owner == code
        old = stored.invoices.get(key) if clean else None
        if old is not None:
            settled = old["paid_amount"] + old["credited_amount"]
            moved = old["customer_code"] != code or old["currency"] != currency
            clean = not (settled > ZERO and moved) and amount >= settled
            if clean and old["customer_code"] != code:
                # the careful path refuses it, or records the move when the run allows it
                clean = False
        if not clean:
            checker.invoice(careful(row, cells))
            continue
        seen[dup] = row
        file_invoices[key] = (code, currency)
        values = {
            "creditor_id": creditor,
            "number": number,
            "customer_code": code,
            "issue_date": issue,
            "due_date": due,
            "amount": amount,
            "currency": currency,
        }
        for name in optional:
            values[name] = contract_no if name == "contract_number" else delivered
        for extra, column in extras:
            values[extra] = column[i]
        for db_column, column in people:
            values[db_column] = column[i]
        changed = old is None or any([old.get(k) != v for k, v in values.items()])
        items.append(Planned(Kind.INVOICES, key, sheet.name, row, values, None if old is None else old["id"], changed))
