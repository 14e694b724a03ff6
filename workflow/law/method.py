"""The method of an interest calculation in words, Chinese and English, printed with every result
so a judge can redo the arithmetic from the sheet alone."""

from __future__ import annotations

from workflow.law.interest import InterestRequest, _pct
from workflow.law.interest_checks import STATUTORY_MARKUP_MAX


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


def describe(req: InterestRequest, unverified: bool) -> dict[str, str]:
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
    if unverified:
        zh += "部分 LPR 报价尚待核实，见提示。"
        en += " Some LPR quotes used are not yet verified; see the warnings."
    return {"zh": zh, "en": en}
