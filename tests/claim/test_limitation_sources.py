"""Interruptions beyond part payments: a suit restarts the period when the proceedings end (民法典 195)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.law.helpers import calendar
from workflow.law.limitation import Interruption, LimitationRequest, compute_limitation
from workflow.law.refusals import LawRefusal


def test_a_suit_restarts_the_period_when_the_proceedings_end() -> None:
    # due 2022-06-30 → ends 2025-06-30 (a Monday); suit filed 2024-05-10 interrupts it; the
    # proceedings ended 2025-03-14: three years from 2025-03-15 → 2028-03-14 (a Tuesday; 2028 not loaded)
    suit = Interruption(date(2024, 5, 10), "suit", "（2024）沪0115民初1号", ends_on=date(2025, 3, 14))
    result = compute_limitation(LimitationRequest(date(2022, 6, 30), [suit]), calendar())
    assert (result.expires_on, result.starts_on, result.provisional) == (date(2028, 3, 14), date(2025, 3, 15), True)
    assert result.as_json()["last_interruption"]["ends_on"] == "2025-03-14"
    # the end not known: counted from the filing, the earlier date: 2027-05-10 (a Monday), and said so
    pending = compute_limitation(LimitationRequest(date(2022, 6, 30), [Interruption(date(2024, 5, 10), "suit")]),
                                 calendar())
    assert pending.expires_on == date(2027, 5, 10)
    assert any("程序终结日未输入" in s["zh"] for s in pending.steps)
    # a part payment during the proceedings does not pull the restart back before their end
    during = Interruption(date(2024, 9, 2), "part_payment", "ICBC1")
    both = compute_limitation(LimitationRequest(date(2022, 6, 30), [suit, during]), calendar())
    assert both.expires_on == date(2028, 3, 14)


def test_an_end_before_the_filing_or_on_something_else_than_a_suit_is_refused() -> None:
    for ev in (Interruption(date(2024, 5, 10), "suit", ends_on=date(2024, 5, 9)),
               Interruption(date(2024, 5, 10), "part_payment", ends_on=date(2024, 6, 1))):
        with pytest.raises(LawRefusal) as err:
            compute_limitation(LimitationRequest(date(2022, 6, 30), [ev]), calendar())
        assert err.value.field == "interruptions.0.ends_on"
