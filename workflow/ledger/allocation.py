"""Which invoices the ledger books a payment against, when the payer did not say (民法典 560).

Pure: works on plain values, so the API, the importer and the demo share one rule. This is the
ledger's booking, on principal only and by due date: the allocations it makes are marked automatic,
and the claim (``workflow.claim.engine``) does not take them as the payer's word: it applies the
money again as a court would, interest first (561) and with 560's further steps (burden, pro rata).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class OpenItem:
    invoice_id: int
    due_date: date
    issue_date: date
    outstanding: Decimal


def allocate_by_due_date(amount: Decimal, items: list[OpenItem]) -> tuple[list[tuple[int, Decimal]], Decimal]:
    """Pay the invoice due first, then the next (民法典 560: the debt that fell due first; among
    equally due debts the earlier one). Returns [(invoice_id, amount)] and the unallocated rest."""
    rest = amount
    out: list[tuple[int, Decimal]] = []
    for item in sorted(items, key=lambda i: (i.due_date, i.issue_date, i.invoice_id)):
        if rest <= 0:
            break
        if item.outstanding <= 0:
            continue
        take = min(rest, item.outstanding)
        out.append((item.invoice_id, take))
        rest -= take
    return out, rest
