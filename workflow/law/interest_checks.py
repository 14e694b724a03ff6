"""Checks on an interest request that need several fields at once, or the law: a pydantic schema
checks types and formats; these check sense (as_of after the due dates, a plausible rate, the
statutory markup range, payments that name known invoices)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from workflow.law.refusals import LawRefusal

if TYPE_CHECKING:
    from workflow.law.interest import InterestRequest

STATUTORY_MARKUP_MIN = Decimal("0.3")
STATUTORY_MARKUP_MAX = Decimal("0.5")


def check_request(req: InterestRequest) -> None:
    """Refuse, naming the field, what a schema cannot see: rules across fields and plausibility."""
    b = req.basis
    if not req.invoices:
        raise LawRefusal("invoices", "empty", "至少需要一张发票", "at least one invoice is required")
    if b.kind in ("daily_rate", "annual_rate"):
        if b.rate is None:
            raise LawRefusal("basis.rate", "missing", "必填项缺失", "required for this basis")
        if b.rate <= 0:
            raise LawRefusal("basis.rate", "not_positive", "利率应大于 0", "the rate must be greater than 0")
        limit = Decimal("0.01") if b.kind == "daily_rate" else Decimal(1)
        if b.rate >= limit:
            raise LawRefusal("basis.rate", "implausible",
                             "利率应以小数填写：日万分之五写 0.0005，年 18% 写 0.18",
                             "write the rate as a fraction: 0.05%/day is 0.0005, 18%/year is 0.18")
    else:
        markup = b.markup if b.markup is not None else STATUTORY_MARKUP_MAX
        if markup <= -1:
            raise LawRefusal("basis.markup", "not_above_minus_one", "利率为 LPR ×（1 + markup），markup 应大于 -1",
                             "the rate is LPR × (1 + markup): markup must be above -1")
        if b.kind == "statutory" and not STATUTORY_MARKUP_MIN <= markup <= STATUTORY_MARKUP_MAX:
            raise LawRefusal("basis.markup", "out_of_range",
                             "无约定时按 LPR（或基准利率）加计 30%–50%（买卖合同解释第十八条），"
                             "应在 0.3 与 0.5 之间",
                             "without an agreed rate the markup is 30%–50% (SPC sales interpretation "
                             "art. 18): between 0.3 and 0.5")
    ids: dict[str, int] = {}
    for i, inv in enumerate(req.invoices):
        if inv.id in ids:
            raise LawRefusal(f"invoices.{i}.id", "duplicate", f"发票编号重复：{inv.id}",
                             f"duplicate invoice id: {inv.id}")
        ids[inv.id] = i
        if inv.amount <= 0:
            raise LawRefusal(f"invoices.{i}.amount", "not_positive", "金额应大于 0", "must be greater than 0")
        if req.as_of < inv.due_date:
            raise LawRefusal("as_of", "before_due_date",
                             f"计算截止日早于发票 {inv.id} 的到期日 {inv.due_date.isoformat()}",
                             f"as_of is before the due date {inv.due_date.isoformat()} of invoice {inv.id}")
    for i, p in enumerate(req.payments):
        if p.amount <= 0:
            raise LawRefusal(f"payments.{i}.amount", "not_positive", "金额应大于 0", "must be greater than 0")
        if p.date > req.as_of:
            raise LawRefusal(f"payments.{i}.date", "after_as_of", "还款日晚于计算截止日",
                             "the payment is dated after as_of")
        if p.invoice is not None and p.invoice not in ids:
            raise LawRefusal(f"payments.{i}.invoice", "unknown_invoice", f"没有这张发票：{p.invoice}",
                             f"no such invoice: {p.invoice}")
