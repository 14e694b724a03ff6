"""Contract excerpts as clerks really write them, in Chinese and English, each with the findings a
lawyer expects (``fires``: rule → severity) and the rules that must stay silent (``silent``).

The linter runs with the one-year LPR at 3.00% and the default lines (warning above 4×, note
above 1.5×). Rules not named in either set are not asserted for that excerpt.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Excerpt:
    id: str
    text: str
    fires: dict[str, str] = field(default_factory=dict)
    silent: frozenset[str] = frozenset()
    context: dict[str, str] = field(default_factory=dict)


def _s(*rules: str) -> frozenset[str]:
    return frozenset(rules)


VAGUE, MISSING_TERM = "payment.vague_trigger", "payment.missing_term"
EXCESSIVE, NO_PENALTY = "penalty.excessive", "penalty.missing"
OR_CLAUSE, NO_COMMISSION, TWO = "arbitration.or_clause", "arbitration.no_commission", "arbitration.two_commissions"
NAMES_COURT, UNCONNECTED = "jurisdiction.names_court", "jurisdiction.unconnected_place"
NOTICE = "notice.missing"

ZH_PARTIES = (
    "出卖人（甲方）：上海宝钢包装股份有限公司\n住所：上海市宝山区同济路1000号\n"
    "买受人（乙方）：深圳市华星光电技术有限公司\n住所：深圳市光明新区塘明大道9-2号\n"
)
EN_PARTIES = (
    "Seller: Shenzhen China Star Optoelectronics Technology Co., Ltd.\n"
    "Registered address: 9-2 Tangming Avenue, Guangming District, Shenzhen\n"
    "Buyer: Suzhou Keda Technology Co., Ltd.\n"
    "Registered address: 131 Jinshan Road, Suzhou New District, Suzhou\n"
)

CLEAN_ZH = """产品买卖合同
合同编号：BG-2026-0315
""" + ZH_PARTIES + """签订地点：上海市宝山区
第一条 标的、数量及价款
乙方向甲方采购马口铁包装罐20000只，含税单价人民币12.50元，合同总价款人民币250,000.00元。
第二条 交货
甲方应于2026年12月15日前将货物送至乙方指定仓库，乙方收货后应在送货单上签字确认。
第三条 验收
乙方应在货物送达之日起7日内完成验收，逾期未提出书面质量异议的，视为验收合格。
第四条 付款
乙方应于货物交付之日起30日内，将全部货款汇入甲方指定账户。
第五条 违约责任
乙方逾期付款的，应按逾期未付金额、以一年期贷款市场报价利率（LPR）的1.5倍向甲方支付违约金，自应付款之日次日起算至实际付清之日止。
第六条 争议解决
因本合同引起的争议，双方应协商解决；协商不成的，任何一方均可向甲方住所地有管辖权的人民法院提起诉讼。
第七条 通知与送达
双方确认以下地址及电子邮箱为本合同项下通知及诉讼文书的送达地址：甲方：上海市宝山区同济路1000号，finance@baosteelpack.com.cn；乙方：深圳市光明新区塘明大道9-2号，ap@csot.com.cn。一方变更送达地址的，应提前五日书面通知对方。
"""

CLEAN_EN = """SALES CONTRACT
Contract No.: CSOT-2026-0412
""" + EN_PARTIES + """Place of signing: Shenzhen
Article 1 Goods and Price
The Seller shall supply 500 units of 55-inch LCD panels at RMB 1,280.00 per unit, total RMB 640,000.00.
Article 2 Delivery and Inspection
The Seller shall deliver the goods to the Buyer's warehouse in Suzhou by 20 December 2026. The Buyer shall inspect the goods within 5 working days of receipt; goods not objected to in writing within that period are deemed accepted.
Article 3 Payment
The Buyer shall pay the full price within 45 days of the date of delivery shown on the signed delivery note.
Article 4 Late Payment
If the Buyer fails to pay any amount when due, it shall pay the Seller interest on the overdue amount at 1.5 times the one-year Loan Prime Rate from the day after the due date until payment in full.
Article 5 Disputes
Any dispute arising from this Contract shall be submitted to the Shenzhen Court of International Arbitration for arbitration in accordance with its rules in force at the time of application.
Article 6 Notices
All notices under this Contract shall be sent to the following e-mail addresses, which also serve as addresses for service of legal documents: Seller: finance@csot.example.cn; Buyer: ap@keda.example.cn.
"""

ALL = _s(VAGUE, MISSING_TERM, EXCESSIVE, NO_PENALTY, OR_CLAUSE, NO_COMMISSION, TWO, NAMES_COURT, UNCONNECTED,
         NOTICE)

EXCERPTS: tuple[Excerpt, ...] = (
    # ---- whole contracts with nothing to report ---------------------------------------------
    Excerpt("clean-zh", CLEAN_ZH, silent=ALL),
    Excerpt("clean-en", CLEAN_EN, silent=ALL),
    # ---- payment.vague_trigger -----------------------------------------------------------------
    Excerpt("resale-zh", "第三条 付款方式\n乙方在货物售完后30日内付清货款。", {VAGUE: "warning"}, _s(MISSING_TERM)),
    Excerpt("resale-sales-zh", "货款结算方式：乙方销售后付款，每月对账一次。", {VAGUE: "warning"}, _s(MISSING_TERM)),
    Excerpt("back-to-back-zh", "需方收到业主支付的工程款后七日内，向供方支付相应货款。", {VAGUE: "warning"}),
    Excerpt("funds-zh", "首付款已于签约时支付，甲方资金到位后再支付剩余50%货款。", {VAGUE: "warning"}),
    Excerpt("month-zh", "余款于10月以后付清。", {VAGUE: "warning"}),
    Excerpt("month-cn-numeral-zh", "尾款人民币86,000元，需方十月份以后结清。", {VAGUE: "warning"}),
    Excerpt("acceptance-no-deadline-zh", "设备经甲方验收合格后，甲方支付合同总价的90%，余款10%作为质保金，质保期满后无息返还。",
            {VAGUE: "warning"}),
    Excerpt("resale-en", "The Buyer shall pay for each shipment after it has resold the goods to its own customers.",
            {VAGUE: "warning"}),
    Excerpt("back-to-back-en", "Payment shall be made within 10 days after the Buyer receives payment from its end "
            "customer.", {VAGUE: "warning"}),
    Excerpt("month-en", "The balance will be paid after October.", {VAGUE: "warning"}),
    Excerpt("acceptance-en", "The Purchaser shall pay 100% of the Contract Price upon final acceptance of the Equipment.",
            {VAGUE: "warning"}),
    Excerpt("funds-en", "Payment is subject to the availability of funds and will be released when funds are available.",
            {VAGUE: "warning"}),
    Excerpt("acceptance-with-deadline-zh",
            "设备到货后10日内甲方组织验收，逾期未验收的视为验收合格；验收合格后30日内甲方支付合同总价的90%。",
            silent=_s(VAGUE, MISSING_TERM)),
    Excerpt("dated-zh", "买方应于2026年10月31日前付清全部货款。", silent=_s(VAGUE, MISSING_TERM)),
    Excerpt("prepayment-zh", "本合同签订之日起3日内，买方预付合同总额30%的货款；余款在交货之日起60日内付清。",
            silent=_s(VAGUE, MISSING_TERM)),
    Excerpt("after-sales-service-zh", "卖方提供一年免费售后服务。买方应在收到增值税专用发票之日起30日内付款。",
            silent=_s(VAGUE, MISSING_TERM)),
    Excerpt("invoice-date-en", "The Buyer shall pay each invoice within 30 days after the date of the invoice.",
            silent=_s(VAGUE, MISSING_TERM)),
    Excerpt("dated-en", "The Buyer shall pay the balance on or before 31 October 2026.", silent=_s(VAGUE, MISSING_TERM)),
    Excerpt("acceptance-deemed-en", "The Buyer shall inspect the goods within 7 days of delivery, failing which they are "
            "deemed accepted. The Buyer shall pay within 30 days after acceptance.", silent=_s(VAGUE, MISSING_TERM)),
    # ---- payment.missing_term ------------------------------------------------------------------
    Excerpt("no-term-zh", "第一条 甲方向乙方购买HRB400螺纹钢100吨，单价每吨人民币4,300元。\n第二条 交货地点：乙方仓库，运费由乙方承担。",
            {MISSING_TERM: "error"}, _s(VAGUE)),
    Excerpt("no-term-en", "The Seller sells and the Buyer buys 200 tonnes of cold-rolled steel coil at USD 650 per "
            "tonne.\nDelivery: FOB Shanghai, December 2026 shipment.", {MISSING_TERM: "error"}, _s(VAGUE)),
    # ---- penalty.excessive -----------------------------------------------------------------------
    Excerpt("daily-5-per-10k-zh", "乙方逾期付款的，每日按逾期金额的万分之五支付违约金。", {EXCESSIVE: "warning"},
            _s(NO_PENALTY)),
    Excerpt("daily-1-per-mille-zh", "逾期付款的，每逾期一日，买方应按未付款项的千分之一向卖方支付滞纳金，滞纳金总额不超过合同总额的30%。",
            {EXCESSIVE: "warning"}, _s(NO_PENALTY)),
    Excerpt("monthly-2pct-zh", "如需方未按期付款，应按月息2%向供方支付资金占用费。", {EXCESSIVE: "warning"},
            _s(NO_PENALTY)),
    Excerpt("annual-24-zh", "买方逾期支付货款的，应按年利率百分之二十四向卖方支付逾期利息。", {EXCESSIVE: "warning"},
            _s(NO_PENALTY)),
    Excerpt("annualised-cn-numeral-zh", "逾期付款的，买方按照年化二十四%的标准支付资金占用损失。", {EXCESSIVE: "warning"}),
    Excerpt("half-per-mille-zh", "乙方逾期付款的，按日千分之零点五计收违约金。", {EXCESSIVE: "warning"}),
    Excerpt("lpr-four-times-zh", "买方逾期付款的，按一年期贷款市场报价利率（LPR）的四倍支付逾期付款违约金。",
            {EXCESSIVE: "info"}, _s(NO_PENALTY)),
    Excerpt("daily-3-per-10k-zh", "买方逾期付款的，每日按逾期金额的万分之三支付违约金。", {EXCESSIVE: "info"}),
    Excerpt("daily-en", "Late payments shall bear interest at 0.1% per day until paid in full.", {EXCESSIVE: "warning"},
            _s(NO_PENALTY)),
    Excerpt("annual-en", "Any overdue amount shall bear interest at an annual rate of 24%.", {EXCESSIVE: "warning"},
            _s(NO_PENALTY)),
    Excerpt("monthly-en", "If the Buyer pays late, it shall pay default interest at 1.5% per month on the overdue sum.",
            {EXCESSIVE: "warning"}, _s(NO_PENALTY)),
    Excerpt("lpr-1-5-zh", "买方逾期付款的，应按全国银行间同业拆借中心公布的一年期贷款市场报价利率的1.5倍支付逾期付款违约金。",
            silent=_s(EXCESSIVE, NO_PENALTY)),
    Excerpt("lpr-plus-50-zh", "逾期付款违约金按LPR上浮50%计算，自逾期之日起算。", silent=_s(EXCESSIVE, NO_PENALTY)),
    Excerpt("lump-sum-zh", "买方逾期付款超过30日的，卖方有权解除合同，并要求买方按合同总价款的10%支付违约金。",
            silent=_s(EXCESSIVE, NO_PENALTY)),
    Excerpt("late-delivery-only-zh", "卖方逾期交货的，每日按迟延交付货物价款的千分之五支付违约金。",
            {NO_PENALTY: "warning"}, _s(EXCESSIVE)),
    # ---- penalty.missing -------------------------------------------------------------------------
    Excerpt("no-penalty-zh", "第四条 付款\n买方应于收货后30日内付款。\n第五条 其他\n本合同一式两份，双方各执一份。",
            {NO_PENALTY: "warning"}),
    Excerpt("no-penalty-en", "The Buyer shall pay within 30 days of delivery. This Contract is made in two originals.",
            {NO_PENALTY: "warning"}),
    Excerpt("general-breach-only-zh", "买方应于收货后30日内付款。任何一方违反本合同约定的，应向守约方支付合同总额20%的违约金。",
            {NO_PENALTY: "info"}),
    # ---- arbitration -----------------------------------------------------------------------------
    Excerpt("or-clause-zh", "因履行本合同发生的争议，双方可提交上海仲裁委员会仲裁，也可向有管辖权的人民法院起诉。",
            {OR_CLAUSE: "error"}, _s(NO_COMMISSION, TWO)),
    Excerpt("or-clause-short-zh", "争议解决方式：仲裁或诉讼。", {OR_CLAUSE: "error"}),
    Excerpt("or-clause-en", "Any dispute arising out of this Contract shall be settled by arbitration in Shanghai or by "
            "litigation in the competent court.", {OR_CLAUSE: "error"}),
    Excerpt("costs-not-or-zh", "因本合同引起的争议，提交北京仲裁委员会仲裁。因违约方违约而产生的诉讼费、仲裁费、律师费由违约方承担。",
            silent=_s(OR_CLAUSE, NO_COMMISSION, TWO, NAMES_COURT)),
    Excerpt("no-commission-zh", "双方发生争议的，应提交仲裁委员会仲裁。", {NO_COMMISSION: "error"}, _s(OR_CLAUSE, TWO)),
    Excerpt("no-commission-en", "All disputes shall be finally resolved by arbitration.", {NO_COMMISSION: "error"},
            _s(OR_CLAUSE, TWO)),
    Excerpt("place-only-zh", "因本合同产生的争议，提交合同签订地仲裁委员会仲裁。", {NO_COMMISSION: "warning"}),
    Excerpt("two-commissions-zh", "争议提交中国国际经济贸易仲裁委员会或上海国际仲裁中心仲裁。", {TWO: "warning"},
            _s(NO_COMMISSION, OR_CLAUSE)),
    Excerpt("two-commissions-en", "Disputes shall be submitted to CIETAC or the Beijing Arbitration Commission for "
            "arbitration.", {TWO: "warning"}, _s(NO_COMMISSION)),
    Excerpt("shiac-alias-zh", "凡因本合同引起的或与本合同有关的任何争议，均应提交上海国际经济贸易仲裁委员会（上海国际仲裁中心），"
            "按照申请仲裁时该会现行有效的仲裁规则进行仲裁。仲裁裁决是终局的，对双方均有约束力。",
            silent=_s(OR_CLAUSE, NO_COMMISSION, TWO, NAMES_COURT)),
    Excerpt("cietac-en", "Any dispute shall be submitted to the China International Economic and Trade Arbitration "
            "Commission (CIETAC) for arbitration in Beijing. The award is final and binding upon both parties.",
            silent=_s(OR_CLAUSE, NO_COMMISSION, TWO, NAMES_COURT)),
    Excerpt("cietac-branch-zh", "争议提交中国国际经济贸易仲裁委员会华南分会仲裁，仲裁地点在深圳。",
            silent=_s(OR_CLAUSE, NO_COMMISSION, TWO)),
    # ---- jurisdiction.names_court ----------------------------------------------------------------
    Excerpt("named-court-zh", "如协商不成，任何一方可向上海市浦东新区人民法院提起诉讼。", {NAMES_COURT: "warning"},
            _s(UNCONNECTED, OR_CLAUSE)),
    Excerpt("level-zh", "本合同争议由甲方所在地中级人民法院管辖。", {NAMES_COURT: "warning"}),
    Excerpt("level-en", "The parties submit to the exclusive jurisdiction of the Shanghai No. 1 Intermediate People's "
            "Court.", {NAMES_COURT: "warning"}),
    Excerpt("named-court-en", "Any dispute shall be brought before the People's Court of Pudong New Area, Shanghai.",
            {NAMES_COURT: "warning"}),
    Excerpt("financial-court-zh", "因本合同产生的纠纷，提交上海金融法院管辖。", {NAMES_COURT: "warning"}),
    Excerpt("plaintiff-domicile-zh", "因本合同发生争议的，向原告住所地有管辖权的人民法院起诉。",
            silent=_s(NAMES_COURT, UNCONNECTED, OR_CLAUSE)),
    Excerpt("seller-domicile-en", "Any dispute shall be brought before the competent people's court at the place where "
            "the Seller is domiciled.", silent=_s(NAMES_COURT, UNCONNECTED)),
    # ---- jurisdiction.unconnected_place ----------------------------------------------------------
    Excerpt("unconnected-named-zh", ZH_PARTIES + "第八条 争议解决\n协商不成的，由北京市朝阳区人民法院管辖。",
            {UNCONNECTED: "error", NAMES_COURT: "warning"}),
    Excerpt("unconnected-place-zh", ZH_PARTIES + "第八条 争议解决\n协商不成的，提交杭州市有管辖权的人民法院诉讼解决。",
            {UNCONNECTED: "error"}, _s(NAMES_COURT)),
    Excerpt("connected-place-zh", ZH_PARTIES + "第八条 争议解决\n协商不成的，提交上海市宝山区有管辖权的人民法院诉讼解决。",
            silent=_s(UNCONNECTED, NAMES_COURT)),
    Excerpt("unconnected-by-context-zh", "因本合同发生的争议，由苏州市有管辖权的人民法院管辖。", {UNCONNECTED: "error"},
            context={"seller_place": "上海市宝山区同济路1000号", "buyer_place": "深圳市光明新区"}),
    Excerpt("connected-by-context-zh", "因本合同发生的争议，由苏州市有管辖权的人民法院管辖。", silent=_s(UNCONNECTED),
            context={"seller_place": "上海市宝山区", "performance_place": "苏州工业园区星湖街328号"}),
    Excerpt("unconnected-en", EN_PARTIES + "Article 9 Jurisdiction\nAny dispute shall be submitted to the courts of "
            "Beijing.", {UNCONNECTED: "error"}),
    Excerpt("connected-en", EN_PARTIES + "Article 9 Jurisdiction\nAny dispute shall be submitted to the competent "
            "court in Shenzhen.", silent=_s(UNCONNECTED, NAMES_COURT)),
    Excerpt("no-places-known-zh", "争议由北京市朝阳区人民法院管辖。", {NAMES_COURT: "warning"}, _s(UNCONNECTED)),
    # ---- notice.missing --------------------------------------------------------------------------
    Excerpt("notice-missing-zh", "买方应于2026年10月31日前付清全部货款。", {NOTICE: "warning"}),
    Excerpt("notice-email-zh", "双方确认，本合同首部所列地址及电子邮箱为各方的送达地址，任何通知、函件及诉讼文书送达至上述地址即视为有效送达。",
            silent=_s(NOTICE)),
    Excerpt("notice-postal-only-zh", "甲方送达地址：上海市宝山区同济路1000号；乙方送达地址：深圳市光明新区塘明大道9-2号。",
            {NOTICE: "info"}),
    Excerpt("notice-email-en", "Notices shall be sent by e-mail to the addresses set out above: Seller: "
            "ar@baosteelpack.example.cn; Buyer: ap@csot.example.cn.", silent=_s(NOTICE)),
    Excerpt("notice-postal-only-en", "All notices shall be delivered by courier to the registered address of the "
            "receiving party.", {NOTICE: "info"}),
    Excerpt("notice-missing-en", "The Buyer shall pay within 30 days of delivery.", {NOTICE: "warning"}),
)


@dataclass(frozen=True)
class Letter:
    id: str
    text: str
    worst: str | None  # the most severe finding expected, None for a clean letter
    categories: frozenset[str] = frozenset()


LETTERS: tuple[Letter, ...] = (
    Letter("consequences-zh", "贵司若再拖延，后果自负。", "error", _s("threat")),
    Letter("blacklist-zh", "我们将把贵司列入行业黑名单，并在网上公布贵司名称。", "error", _s("exposure")),
    Letter("insult-zh", "你们这种老赖，迟早要付出代价。", "error", _s("insult")),
    Letter("visit-family-zh", "如仍不付款，我们将派人上门催收，并联系你的家人。", "error", _s("visit", "third_party")),
    Letter("customers-zh", "我司将通知贵司的客户和供应商，告知贵司拖欠货款的情况。", "error", _s("third_party")),
    Letter("ruin-en", "Pay now or we will ruin your business and tell all your customers you are a deadbeat.", "error",
           _s("threat", "third_party", "insult")),
    Letter("publish-en", "We will publish your name in the newspapers as a company that does not pay its debts.",
           "error", _s("exposure")),
    Letter("visit-warning-zh", "我司财务人员将于下周上门与贵司核对账目。", "warning", _s("visit")),
    Letter("neutral-zh", "请贵司于2026年12月10日前将上述欠款人民币128,600.00元支付至我司账户。逾期未付的，"
           "我司将依法通过诉讼途径解决，并主张逾期付款违约金及律师费等维权费用。", None),
    Letter("neutral-enforcement-zh", "如经法院判决后仍不履行，我司将依法申请强制执行。", None),
    Letter("neutral-en", "If payment is not received by 10 December 2026, we will commence legal proceedings without "
           "further notice and claim late-payment interest and costs.", None),
)
