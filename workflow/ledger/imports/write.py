"""Writing a checked import: set-based inserts and updates, then payment allocation by 民法典 560.

Runs inside the importer's transaction. Natural keys in the plan are turned into ids with one
bulk lookup per kind; rows are written with executemany, never one ORM object at a time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam, false, func, select, update
from sqlalchemy.orm import Session

from workflow.ledger.allocation import OpenItem, allocate_by_due_date
from workflow.ledger.imports.bulk import insert_columns, insert_rows
from workflow.ledger.imports.plan import Planned
from workflow.ledger.imports.schema import Kind
from workflow.ledger.imports.state import Stored, chunks
from workflow.ledger.models import Allocation, Contact, Contract, Customer, Invoice, Payment

ZERO = Decimal("0.00")
_T = {
    Kind.CUSTOMERS: Customer.__table__,
    Kind.CONTACTS: Contact.__table__,
    Kind.CONTRACTS: Contract.__table__,
    Kind.INVOICES: Invoice.__table__,
    Kind.PAYMENTS: Payment.__table__,
}
# what a new row gets for a column its file did not have
_DEFAULTS: dict[Kind, dict[str, Any]] = {
    Kind.CUSTOMERS: {
        "registered_address": None,
        "legal_name_en": None,
        "credit_limit": None,
        "credit_limit_currency": "CNY",
        "credit_hold": False,
        "do_not_dun": False,
        "notes": None,
    },
    Kind.CONTACTS: {"phone": None, "language": "zh_CN", "is_notice_address": False},
    Kind.CONTRACTS: {
        "currency": "CNY",
        "title": None,
        "signed_on": None,
        "signed_place": None,
        "total": None,
        "payment_terms": None,
        "penalty": None,
        "dispute": None,
        "notice_addresses": [],
    },
    Kind.INVOICES: {
        "contract_id": None,
        "tax_invoice_no": None,
        "delivery_note_ref": None,
        "delivery_date": None,
        "description": None,
        "written_off": False,
        "paid_amount": ZERO,
        "credited_amount": ZERO,
    },
    Kind.PAYMENTS: {"payer_name": None},
}


def _table(kind: Kind) -> Table:
    t = _T[kind]
    assert isinstance(t, Table)
    return t


class Writer:
    def __init__(self, s: Session, stored: Stored, now: datetime) -> None:
        self.s, self.stored, self.now = s, stored, now
        self.contract_ids: dict[tuple[int, str], int] = {k: v["id"] for k, v in stored.contracts.items()}
        self.invoice_ids: dict[tuple[int, str], int] = {k: v["id"] for k, v in stored.invoices.items()}

    def _resolve(self, kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
        return self._resolve_in_place(kind, dict(values))

    def _resolve_in_place(self, kind: Kind, row: dict[str, Any]) -> dict[str, Any]:
        if "customer_code" in row:
            row["customer_id"] = self.stored.customer_ids[row.pop("customer_code")]
        if kind is Kind.INVOICES and "contract_number" in row:
            number = row.pop("contract_number")
            row["contract_id"] = self.contract_ids[(row["creditor_id"], number)] if number else None
        row.pop("invoice_number", None)
        return row

    def _insert(self, kind: Kind, items: list[Planned]) -> None:
        table = _table(kind)
        if kind is Kind.INVOICES and items and len({tuple(p.values) for p in items}) == 1:
            self._insert_invoice_columns(table, items)
            return
        base = dict(_DEFAULTS[kind])
        if "created_at" in table.c:
            base["created_at"] = self.now
        resolve = self._resolve_in_place
        rows = []
        for p in items:
            row = base.copy()
            row.update(p.values)
            rows.append(resolve(kind, row))
        if kind is Kind.INVOICES:
            # in the aging index's order: its B-tree then grows at a few places, not at random
            rows.sort(key=itemgetter("customer_id", "currency", "due_date"))
        insert_rows(self.s, table, rows)

    def _insert_invoice_columns(self, table: Table, items: list[Planned]) -> None:
        """New invoices of one shape (one sheet's columns), built column by column: the bulk of a
        large import, where a dict per row would cost more than the rows' own checks."""
        rows = [p.values for p in items]
        columns: dict[str, list[Any]] = {name: [r[name] for r in rows] for name in rows[0]}
        columns["customer_id"] = list(map(self.stored.customer_ids.__getitem__, columns.pop("customer_code")))
        if "contract_number" in columns:
            ids = self.contract_ids
            columns["contract_id"] = [
                ids[(c, number)] if number else None
                for c, number in zip(columns["creditor_id"], columns.pop("contract_number"), strict=True)
            ]
        columns.pop("invoice_number", None)
        for name, default in (*_DEFAULTS[Kind.INVOICES].items(), ("created_at", self.now)):
            columns.setdefault(name, [default] * len(rows))
        # in the aging index's order: its B-tree then grows at a few places, not at random
        insert_columns(self.s, table, columns, order_by=("customer_id", "currency", "due_date"))

    def _update(self, kind: Kind, items: list[Planned]) -> None:
        table = _table(kind)
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for p in items:
            row = self._resolve(kind, p.values)
            by_shape[tuple(sorted(row))].append({"b_id": p.existing_id, **row})
        for shape, rows in by_shape.items():
            stmt = update(table).where(table.c.id == bindparam("b_id")).values({c: bindparam(c) for c in shape})
            self.s.connection().execute(stmt, rows)

    def write(self, kind: Kind, items: list[Planned], *, ids_needed: bool = True) -> tuple[int, int, int]:
        """Insert the new rows, update the changed ones; learn the new ids when a later kind in
        this import refers to these rows."""
        new = [p for p in items if p.existing_id is None]
        changed = [p for p in items if p.existing_id is not None and p.changed]
        before = self._max_id(kind)
        self._insert(kind, new)
        if changed:
            self._update(kind, changed)
        if ids_needed:
            self._learn_ids(kind, new, before)
        return len(new), len(changed), len(items) - len(new) - len(changed)

    def _max_id(self, kind: Kind) -> int:
        t = _table(kind)
        return int(self.s.execute(select(func.max(t.c.id))).scalar() or 0)

    def _learn_ids(self, kind: Kind, new: list[Planned], before: int) -> None:
        """Ids of the rows just inserted: everything above the previous maximum id that carries
        one of our keys (one range scan, not a lookup per key)."""
        if not new:
            return
        t = _table(kind)
        if kind is Kind.CUSTOMERS:
            ours = {p.key[0] for p in new}
            for code, cid in self.s.execute(select(t.c.code, t.c.id).where(t.c.id > before)):
                if code in ours:
                    self.stored.customer_ids[code] = cid
        elif kind in (Kind.CONTRACTS, Kind.INVOICES):
            target = self.contract_ids if kind is Kind.CONTRACTS else self.invoice_ids
            keys = {p.key for p in new}
            for c, n, i in self.s.execute(select(t.c.creditor_id, t.c.number, t.c.id).where(t.c.id > before)):
                if (c, n) in keys:
                    target[(c, n)] = i

    # ------------------------------------------------------------------ payments
    def write_payments(self, items: list[Planned]) -> tuple[int, int, int, int]:
        """Insert new payments, allocate each (named invoice first, the rest by 民法典 560) and
        keep Invoice.paid_amount and Payment.unallocated_amount right in the same transaction."""
        new = sorted(
            (p for p in items if p.existing_id is None),
            key=lambda p: (p.values["received_on"], p.values["bank_reference"]),
        )
        changed = [p for p in items if p.existing_id is not None and p.changed]
        if changed:
            self._update(Kind.PAYMENTS, changed)
        if not new:
            return 0, len(changed), len(items) - len(changed), 0
        open_items = self._open_items({self.stored.customer_ids[p.values["customer_code"]] for p in new})
        plans: list[tuple[Planned, list[tuple[int, Decimal, bool]]]] = []
        paid: dict[int, Decimal] = {}
        for p in new:
            group = open_items.get(
                (p.values["creditor_id"], self.stored.customer_ids[p.values["customer_code"]], p.values["currency"]), {}
            )
            plans.append((p, self._allocate(p, group, paid)))
        rows = []
        for p, allocs in plans:
            row = {**_DEFAULTS[Kind.PAYMENTS], **self._resolve(Kind.PAYMENTS, p.values), "created_at": self.now}
            row["unallocated_amount"] = p.values["amount"] - sum((a for _, a, _ in allocs), ZERO)
            rows.append(row)
        before = self._max_id(Kind.PAYMENTS)
        insert_rows(self.s, _table(Kind.PAYMENTS), rows)
        keys = {p.key for p in new}
        ids = {
            (c, r): i
            for c, r, i in self.s.execute(
                select(Payment.creditor_id, Payment.bank_reference, Payment.id).where(Payment.id > before)
            )
            if (c, r) in keys
        }
        alloc_rows = [
            {
                "payment_id": ids[p.key],
                "invoice_id": inv,
                "amount": amt,
                "received_on": p.values["received_on"],
                "automatic": auto,
            }
            for p, allocs in plans
            for inv, amt, auto in allocs
        ]
        if alloc_rows:
            insert_rows(self.s, _table_of(Allocation), alloc_rows)
            inv_t = _table(Kind.INVOICES)
            self.s.connection().execute(
                update(inv_t).where(inv_t.c.id == bindparam("b_id")).values(paid_amount=bindparam("paid")),
                [{"b_id": i, "paid": v} for i, v in paid.items()],
            )
        return len(new), len(changed), len(items) - len(new) - len(changed), len(alloc_rows)

    def _open_items(self, customer_ids: set[int]) -> dict[tuple[int, int, str], dict[int, list[Any]]]:
        """Unsettled invoices of these customers: [due, issue, outstanding, paid_amount] by id."""
        out: dict[tuple[int, int, str], dict[int, list[Any]]] = defaultdict(dict)
        for part in chunks(sorted(customer_ids)):
            stmt = select(
                Invoice.id,
                Invoice.creditor_id,
                Invoice.customer_id,
                Invoice.currency,
                Invoice.due_date,
                Invoice.issue_date,
                Invoice.amount,
                Invoice.paid_amount,
                Invoice.credited_amount,
            ).where(Invoice.customer_id.in_(part), Invoice.written_off == false())
            for iid, cred, cust, cur, due, issue, amount, paid, credited in self.s.execute(stmt):
                outstanding = amount - paid - credited
                if outstanding > ZERO:
                    out[(cred, cust, cur)][iid] = [due, issue, outstanding, paid]
        return out

    def _allocate(
        self, p: Planned, group: dict[int, list[Any]], paid: dict[int, Decimal]
    ) -> list[tuple[int, Decimal, bool]]:
        rest: Decimal = p.values["amount"]
        received: date = p.values["received_on"]
        allocs: list[tuple[int, Decimal, bool]] = []
        named = p.values.get("invoice_number")
        if named:
            iid = self.invoice_ids.get((p.values["creditor_id"], named))
            if iid is not None and iid in group:
                take = min(rest, group[iid][2])
                allocs.append((iid, take, False))
                rest -= take
        if rest > ZERO:
            items = [
                OpenItem(iid, v[0], v[1], v[2])
                for iid, v in group.items()
                if v[2] > ZERO and v[1] <= received and iid not in {a[0] for a in allocs}
            ]
            auto, rest = allocate_by_due_date(rest, items)
            allocs.extend((iid, amt, True) for iid, amt in auto)
        for iid, amt, _ in allocs:
            group[iid][2] -= amt
            group[iid][3] += amt
            paid[iid] = group[iid][3]
            if group[iid][2] <= ZERO:
                del group[iid]
        return allocs


def _table_of(model: type[Any]) -> Table:
    t = model.__table__
    assert isinstance(t, Table)
    return t
