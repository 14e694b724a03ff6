"""Each document kind's context, built as plain data from the ledger with SQLAlchemy queries only.

The result is JSON-ready (amounts "1234.56", dates "2026-11-26"): it is stored with every
generated document and rendered by the sandboxed engine; the variables are those of
``workflow.documents.catalogue``.
"""

from __future__ import annotations

from workflow.documents.contexts.claim_sheet import claim_sheet_context
from workflow.documents.contexts.contract import GoodsLine, TradeTerms, sales_contract_context
from workflow.documents.contexts.letters import (
                                                 LawFirm,
                                                 Lawyer,
                                                 PreviousLetter,
                                                 lawyer_letter_context,
                                                 letter_context,
                                                 open_invoices,
)
from workflow.documents.contexts.records import (
                                                 Guarantor,
                                                 PlannedInstalment,
                                                 interest_request,
                                                 interest_sheet_context,
                                                 repayment_agreement_context,
                                                 statement_context,
)

__all__ = [
    "GoodsLine", "Guarantor", "LawFirm", "Lawyer", "PlannedInstalment", "PreviousLetter", "TradeTerms",
    "claim_sheet_context", "interest_request",
    "interest_sheet_context", "lawyer_letter_context", "letter_context", "open_invoices",
    "repayment_agreement_context", "sales_contract_context", "statement_context",
]
