"""The method of an interest calculation in words, Chinese and English, printed with every result
so a judge can redo the arithmetic from the sheet alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from workflow.law.interest import InterestRequest, _pct
from workflow.law.interest_checks import STATUTORY_MARKUP_MAX
from workflow.law.rates import RateQuote


def _rate_words(req: InterestRequest) -> tuple[str, str]:
    b, dc = req.basis, req.day_count
    if b.kind == "daily_rate":
        assert b.rate is not None
        return (f"按约定日利率 {_pct(b.rate)} 计算（折合年利率 {_pct(b.rate * dc)}，一年按 {dc} 日计）",
                f"at the agreed daily rate of {_pct(b.rate)} (annualised {_pct(b.rate * dc)}, {dc}-day year)")
    if b.kind == "annual_rate":
        assert b.rate is not None
        return (f"按约定年利率 {_pct(b.rate)} 计算，日利率 = 年利率 ÷ {dc}",
                f"at the agreed annual rate of {_pct(b.rate)}; daily rate = annual rate ÷ {dc}")
    m = STATUTORY_MARKUP_MAX if b.markup is None else b.markup
    up_zh, up_en = f"上浮 {_pct(m)}", f"plus {_pct(m)}"
    if b.mode == "fixed":
        lpr_zh = f"逾期第一日适用的一年期贷款市场报价利率（LPR）{up_zh}，整个期间固定不变"
        lpr_en = (f"the 1-year Loan Prime Rate (LPR) in force on the first day of delay, {up_en}, "
                  "fixed for the whole period")
    else:
        lpr_zh = f"各期间适用的一年期贷款市场报价利率（LPR）{up_zh}，随每次 LPR 报价调整分段计算"
        lpr_en = f"the 1-year Loan Prime Rate (LPR) in force in each period, {up_en}, re-rated at every LPR change"
    if b.kind == "lpr":
        return f"按约定以{lpr_zh}计算", f"at {lpr_en}, as agreed"
    if b.mode == "fixed":
        zh = (f"合同未约定逾期付款违约金，依《最高人民法院关于审理买卖合同纠纷案件适用法律问题的解释》第十八条第四款，"
              f"违约行为发生在 2019 年 8 月 20 日之后的，按{lpr_zh}；之前的，按逾期第一日适用的中国人民银行"
              f"同期同类贷款基准利率{up_zh}，固定不变")
        en = (f"no agreed rate: under art. 18(4) of the SPC interpretation on sales contracts, for a breach from "
              f"2019-08-20 on, {lpr_en}; for an earlier breach, the PBOC 1-year benchmark lending rate in force "
              f"on the first day of delay, {up_en}, fixed")
    else:
        zh = (f"合同未约定逾期付款违约金，依《最高人民法院关于审理买卖合同纠纷案件适用法律问题的解释》第十八条第四款，"
              f"2019 年 8 月 19 日前按中国人民银行同期同类贷款基准利率{up_zh}，2019 年 8 月 20 日起按{lpr_zh}")
        en = (f"no agreed rate: under art. 18(4) of the SPC interpretation on sales contracts, up to 2019-08-19 the "
              f"PBOC 1-year benchmark lending rate {up_en}; from 2019-08-20 {lpr_en}")
    return zh, en


def _kind_words(kind: str) -> tuple[str, str]:
    return ("LPR", "LPR") if kind == "lpr" else ("人民银行贷款基准利率", "PBOC benchmark")


def unverified_words(unverified: Mapping[tuple[str, date], str]) -> dict[str, str]:
    """Which quotes used are not yet checked against the announcement, named one by one."""
    zh = "、".join(f"{_kind_words(k)[0]} {d.isoformat()}" for k, d in unverified)
    en = ", ".join(f"{_kind_words(k)[1]} {d.isoformat()}" for k, d in unverified)
    return {"zh": f"所用利率中以下报价尚未与官方公告核对（来源见利率表）：{zh}；提交法院前请核对全国银行间同业拆借中心"
                  "或中国人民银行公告",
            "en": f"these rates used are not yet checked against the official notice (see the rate table for "
                  f"their source): {en}; check them against the NIFC or PBOC announcement before filing"}


def assumption_words(start: date, quote: RateQuote, as_of: date) -> dict[str, str]:
    """The carry-forward the user asked for, in words: what is assumed, from when, and why."""
    return {"zh": f"假定：利率表中没有 {start:%Y-%m} 起的 LPR 报价（应于 {start.isoformat()} 公布），应请求假定"
                  f"自 {start.isoformat()} 起至 {as_of.isoformat()} 仍适用 {quote.effective.isoformat()} 的报价"
                  f"（一年期 {quote.rate_1y}%）；报价公布后应重新计算",
            "en": f"assumption: the rate table has no LPR quote from {start:%Y-%m} on (due {start.isoformat()}); "
                  f"as requested, the quote of {quote.effective.isoformat()} (1-year {quote.rate_1y}%) is assumed "
                  f"to hold from {start.isoformat()} to {as_of.isoformat()}; recompute once the quote is published"}


def describe(req: InterestRequest, unverified: Mapping[tuple[str, date], str],
             assumed: Mapping[date, RateQuote]) -> dict[str, str]:
    rate_zh, rate_en = _rate_words(req)
    alloc_zh = ("还款先抵充利息、再抵充本金（《民法典》第五百六十一条）" if req.allocation == "interest_first"
                else "按约定还款先抵充本金、再抵充利息")
    alloc_en = ("a payment pays interest first, then principal (Civil Code art. 561)"
                if req.allocation == "interest_first" else "as agreed, a payment pays principal first, then interest")
    zh = (f"以各发票未付本金为基数，自到期日次日起至 {req.as_of.isoformat()} 止（首日不计、末日计入），{rate_zh}；"
          "单利，不计复利；还款当日仍按还款前本金计息，次日起按还款后本金计息；利率或本金变化处分段，"
          f"每段利息 = 本金 × 年利率 × 天数 ÷ {req.day_count}，四舍五入至分；{alloc_zh}；"
          "未指明发票的还款及超出所指发票欠款的部分，先抵充先到期的发票（《民法典》第五百六十条）。")
    en = (f"On each invoice's unpaid principal, from the day after its due date to {req.as_of.isoformat()} "
          f"(first day excluded, last day included), {rate_en}; simple interest, never compounded; the payment "
          "date bears interest on the balance before the payment, the next day on the balance after it; a new "
          f"segment wherever the rate or principal changes; interest per segment = principal × annual rate × "
          f"days ÷ {req.day_count}, rounded half-up to the fen; {alloc_en}; a payment naming no invoice, and "
          "any surplus over the invoice it names, goes to the invoice due first (Civil Code art. 560).")
    # the sheet prints this paragraph: what is unverified or assumed must be in it, not only in the
    # warnings beside it
    for start, q in assumed.items():
        words = assumption_words(start, q, req.as_of)
        zh += words["zh"] + "。"
        en += " " + words["en"][0].upper() + words["en"][1:] + "."
    if unverified:
        words = unverified_words(unverified)
        zh += words["zh"] + "。"
        en += " " + words["en"][0].upper() + words["en"][1:] + "."
    return {"zh": zh, "en": en}
