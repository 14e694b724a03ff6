"""Names the pages show for values stored as codes (roles...). Written with ``lazy_gettext`` so the
catalogue check sees every one of them; areas keep their own labels next to their pages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from flask_babel import lazy_gettext

ROLES = {
    "clerk": lazy_gettext("Finance clerk"),
    "legal": lazy_gettext("Legal"),
    "lawyer": lazy_gettext("Lawyer"),
    "admin": lazy_gettext("Administrator"),
    "sales": lazy_gettext("Salesperson"),
}

class DocumentTitles(Mapping[str, str]):
    """Document kinds by the title their template catalogue gives them (the name printed on the
    document itself: 催款函（最后通知）, 往来对账单...), in the page's language, so every page names a
    letter as the letter names itself."""

    def __init__(self, codes: tuple[str, ...]) -> None:
        self.codes = codes

    def __getitem__(self, code: str) -> str:
        if code not in self.codes:
            raise KeyError(code)
        return document_kind(code)

    def __iter__(self) -> Iterator[str]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)


def document_kind(code: str) -> str:
    from workflow.web.api.base import core
    from workflow.web.ui.i18n import pick

    spec = core().services.templates.catalogue.get(code)
    return pick(spec.title_zh, spec.title_en) if spec is not None else code


# what a policy level or the daily run may send, in the order a ladder climbs
LETTER_KINDS = DocumentTitles(("payment_reminder", "dunning_letter_1", "dunning_letter_2", "dunning_letter_3",
                               "lawyer_letter", "statement"))
DOCUMENT_KINDS = DocumentTitles((*LETTER_KINDS.codes, "interest_sheet", "repayment_agreement"))


def role(code: object) -> str:
    key = str(getattr(code, "value", code))
    return str(ROLES.get(key, key))

# a dunning case's states (workflow/cases/states.py CaseState), as the case list and case page show them
CASE_STATES = {
    "pre_due": lazy_gettext("Pre-due reminder"),
    "overdue": lazy_gettext("Overdue, not yet reminded"),
    "reminding": lazy_gettext("Reminding"),
    "reconciliation_requested": lazy_gettext("Statement awaiting confirmation"),
    "reconciliation_confirmed": lazy_gettext("Statement confirmed"),
    "promise_pending": lazy_gettext("Promise to pay pending"),
    "repayment_plan": lazy_gettext("Repayment plan"),
    "disputed": lazy_gettext("Disputed"),
    "paused": lazy_gettext("Paused"),
    "final_notice": lazy_gettext("Final notice sent"),
    "lawyer_letter_pending": lazy_gettext("Lawyer's letter awaiting approval"),
    "lawyer_letter_sent": lazy_gettext("Lawyer's letter sent"),
    "legal_action": lazy_gettext("Legal action"),
    "closed_paid": lazy_gettext("Closed: paid"),
    "closed_written_off": lazy_gettext("Closed: written off"),
    "closed_settled": lazy_gettext("Closed: settled"),
}


def case_state(code: object) -> str:
    key = str(getattr(code, "value", code))
    return str(CASE_STATES.get(key, key))
