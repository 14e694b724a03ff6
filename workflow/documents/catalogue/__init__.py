"""The document kinds, the variables each kind's context provides, and sample data for each.

Templates (shipped or uploaded) may use only the variables listed for their kind; the registry
checks that and test-renders every upload with ``sample_context()``. Contexts are plain JSON data
(amounts and dates as strings), built from the ledger by ``workflow.documents.contexts``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflow.documents.catalogue import samples
from workflow.documents.catalogue.variables import (
    AGREEMENT,
    CONTRACT,
    CONTRACTS,
    CREDITOR,
    CUSTOMER,
    DISPUTE,
    GUARANTOR,
    INVOICES,
    LAW_FIRM,
    LETTER,
    NOTICES,
    PENALTY,
    SHEET,
    STATEMENT,
    TOTALS,
    merge,
)

__all__ = ["CATALOGUE", "KindSpec"]


@dataclass(frozen=True)
class KindSpec:
    kind: str
    title_zh: str
    title_en: str
    variables: Mapping[str, str]
    _sample: Callable[[], dict[str, Any]] = field(repr=False)

    def sample_context(self) -> dict[str, Any]:
        """A fresh copy each call: callers may change it freely."""
        return self._sample()


_LETTER_VARS = merge(CREDITOR, CUSTOMER, CONTRACTS, INVOICES, TOTALS, LETTER, PENALTY, DISPUTE)


def _specs() -> dict[str, KindSpec]:
    specs = [
        KindSpec("sales_contract", "买卖合同", "Sales contract",
                 merge(CREDITOR, CUSTOMER, CONTRACT, PENALTY, DISPUTE), samples.contract_context),
        KindSpec("payment_reminder", "付款提醒函", "Payment reminder", _LETTER_VARS,
                 lambda: samples.letter_context("RD提〔2026〕第0231号", overdue=False)),
        KindSpec("dunning_letter_1", "催款函（逾期付款提醒）", "Payment demand: first reminder", _LETTER_VARS,
                 lambda: samples.letter_context("RD催〔2026〕第0187号")),
        KindSpec("dunning_letter_2", "催款函（再次催告）", "Payment demand: second reminder", _LETTER_VARS,
                 lambda: samples.letter_context("RD催〔2026〕第0215号", previous=True)),
        KindSpec("dunning_letter_3", "催款函（最后通知）", "Payment demand: final notice", _LETTER_VARS,
                 lambda: samples.letter_context("RD催〔2026〕第0242号", previous=True)),
        KindSpec("statement", "往来对账单", "Statement of account",
                 merge(CREDITOR, CUSTOMER, CONTRACTS, STATEMENT),
                 samples.statement_context),
        KindSpec("lawyer_letter", "律师函", "Lawyer's letter", merge(_LETTER_VARS, LAW_FIRM),
                 samples.lawyer_letter_context),
        KindSpec("repayment_agreement", "还款协议", "Repayment agreement",
                 merge(CREDITOR, CUSTOMER, CONTRACTS, INVOICES, AGREEMENT, PENALTY, DISPUTE, NOTICES, GUARANTOR),
                 samples.repayment_context),
        KindSpec("interest_sheet", "逾期付款利息计算表", "Late-payment interest calculation",
                 merge(CREDITOR, CUSTOMER, SHEET), samples.interest_context),
    ]
    return {s.kind: s for s in specs}


CATALOGUE: dict[str, KindSpec] = _specs()
