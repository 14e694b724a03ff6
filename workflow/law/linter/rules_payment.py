"""payment.vague_trigger, payment.pay_when_paid and payment.missing_term.

A due date that depends on something the buyer controls or that may never happen (resale, the
buyer's own customer paying, "when funds are available", acceptance nobody has to carry out, "after
October") leaves the seller without a date to dun from and with a limitation period that is hard to
start. A contract with no payment term at all falls back on 民法典 510/511/628.

Payment that waits for a third party to pay the buyer (背靠背, pay-when-paid) is its own rule: since
法释〔2024〕11号 it is void when a large enterprise buys from a small or medium one, so its severity
depends on the parties' kinds, which the caller may know (the ledger's customer kind).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from workflow.law.linter.findings import Finding
from workflow.law.linter.segment import Document, Sentence

_I = re.IGNORECASE
_CN_NUM = "一二三四五六七八九十两"
_MONTHS_EN = "january|february|march|april|may|june|july|august|september|october|november|december"

PAYMENT = re.compile(
    r"付款|支付|付清|结清|结算|货款|价款|款项|汇款|打款|回款|尾款|余款"
    r"|\bpa(?:y|ys|id|ying|yment|yments|yable)\b|\bsettle(?:d|ment)?\b|\bremit",
    _I,
)


@dataclass(frozen=True)
class Trigger:
    kind: str
    pattern: re.Pattern[str]
    zh: str  # message templates; {p} is the matched phrase
    en: str


_RESALE_ZH = "付款以“{p}”为条件：买方能否、何时转售不受收款方控制，付款期限无法确定。"
_RESALE_EN = "Payment depends on \"{p}\": whether and when the buyer resells is outside the payee's control, " \
             "so there is no certain due date."
_FUNDS_ZH = "付款以“{p}”为条件：取决于付款方自身的资金状况，实际上没有付款期限。"
_FUNDS_EN = "Payment depends on \"{p}\": it turns on the payer's own cash position, so in effect there is no term."
_MONTH_ZH = "付款时间写作“{p}”：只有起点没有终点（也未写明年份），付款期限不明确。"
_MONTH_EN = "The payment time is written as \"{p}\": a start with no end (and no year), so the term is unclear."
_ACCEPT_ZH = ("付款以“{p}”为条件，但合同未约定验收（审计）期限，也未约定逾期视为合格："
              "对方不验收或审计不完成，付款就永不到期。")
_ACCEPT_EN = "Payment follows \"{p}\", but the contract sets no period for acceptance (or audit) and no deemed " \
             "acceptance: if the other side never inspects or the audit never ends, payment never falls due."

TRIGGERS: tuple[Trigger, ...] = (
    Trigger("resale", re.compile(
        r"售完|卖完|售罄|销售完毕|销售完成|全部售出|售出后|卖出后|实现销售|销售出去|(?<!售)销售(?:之)?后(?!服务)"
        r"|(?:根据|按照?|依据?)(?:实际|终端)?销售(?:情况|数量|进度|量)"), _RESALE_ZH, _RESALE_EN),
    Trigger("resale", re.compile(
        r"\b(?:after|upon|following|once|when|as)\b[^.;]{0,40}?\b(?:resale|resold|re-sold|resells?"
        r"|(?:goods|products) (?:are|have been|were|is|has been) sold|sells? (?:the|such) (?:goods|products)"
        r"|sold (?:the goods|to (?:its|their) (?:customers|end[- ]users)))\b"
        r"|\bsale or return\b|\bsell-through\b", _I), _RESALE_ZH, _RESALE_EN),
    Trigger("funds", re.compile(
        r"资金到位|资金到账|资金宽裕|资金充裕|有资金|有钱(?:时|后|再)|资金(?:情况|状况)允许|财务状况允许"
        r"|视(?:公司|甲方|乙方|买方|需方)?(?:的)?资金(?:情况|状况|安排)?|根据(?:公司|甲方|乙方|买方|需方)?(?:的)?资金(?:情况|状况|安排)"
        r"|资金周转(?:后|过来)"), _FUNDS_ZH, _FUNDS_EN),
    Trigger("funds", re.compile(
        r"\bwhen (?:the )?funds (?:are|become) available\b|\bsubject to (?:the (?:buyer|purchaser)'s )?"
        r"(?:funds|cash ?flow|availability of funds|budget(?:ary)? (?:approval|availability))\b"
        r"|\bas (?:its |their )?(?:funds|cash ?flow) (?:permits?|allows?)\b"
        r"|\bwhen (?:the (?:buyer|purchaser)|it) has (?:sufficient )?(?:funds|cash)\b", _I), _FUNDS_ZH, _FUNDS_EN),
    Trigger("month", re.compile(
        rf"(?<![年\d{_CN_NUM}])(?:\d{{1,2}}|[{_CN_NUM}]{{1,3}})月份?(?:底)?(?:以后|之后|后)"
        r"|(?:春节|过年|年后|节后|过完年)(?:以后|之后|后)?(?:再)?(?:付|支付|结|结算|结清)"), _MONTH_ZH, _MONTH_EN),
    Trigger("month", re.compile(
        rf"\b(?:after|from|later than|beyond)\s+(?:the end of\s+)?(?:{_MONTHS_EN})\b"
        r"(?!\s*,?\s*\d)(?!\s+(?:to|through|until|till|and)\b)"
        r"|\b(?:after|following) (?:the )?(?:chinese|lunar) new year\b", _I), _MONTH_ZH, _MONTH_EN),
)

# who pays the buyer: its own customer, the project owner, the main contractor, the public purse
_THIRD = (r"(?:其|下游|终端|最终|上游)?(?:客户|用户|业主方?|发包[方人]|建设单位|建设方|第三方|总包[方人]?|总承包[方人]"
          r"|上游(?:客户|单位|企业)?|招标人|采购人|财政(?:部门)?|项目方|甲方的上游|最终用户|终端客户)")
_PAID = r"(?:付款|支付|拨付|拨款|结算|付清|回款|到账|款项|货款|工程款|进度款|结算款|资金|费用|款)"
_AFTER = r"(?:后|之后|以后|到账后|到位后)"
PAY_WHEN_PAID: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(?:收到|取得|获得|收回|收齐|待)(?:甲方|需方|买方|承包人|总包方|我方|本公司)?(?:的)?{_THIRD}"
               rf"[^，,。;；]{{0,12}}?{_PAID}[^，,。;；]{{0,4}}?{_AFTER}"),
    re.compile(rf"(?<![向对给])(?:待|在|经)?{_THIRD}(?:向(?:甲方|需方|买方|承包人|总包方|我方|我司|本公司))?"
               rf"(?:实际)?(?:支付|拨付|拨款|结算|付款|付清|付至|回款|资金到位)[^，,。;；]{{0,10}}?{_AFTER}"),
    re.compile(rf"(?:按|依|根据)照?{_THIRD}(?:的)?(?:实际)?(?:支付|拨付|付款|回款)(?:的)?(?:比例|进度|金额|情况)"),
    re.compile(rf"以{_THIRD}[^，,。;；]{{0,12}}?(?:支付|拨付|付款|回款|结算)[^，,。;；]{{0,8}}?为(?:付款)?(?:前提|条件)"),
    re.compile(r"(?:销售|货款|工程款|业主|项目)?回款(?:后|之后|以后)|回款到账|资金回笼(?:后|之后)|背靠背"),
    re.compile(
        r"\b(?:upon|after|following|once|when|within \d+ days (?:of|after))\b[^.;]{0,30}?"
        r"\b(?:receipt|receiving|receives?|received|has been paid|is paid)\b[^.;]{0,30}?"
        r"\b(?:from|by) (?:its|the|their|his) (?:own )?"
        r"(?:customer|client|end[- ]customer|employer|owner|end[- ]user|principal|main contractor)s?\b"
        r"|\b(?:once|when|after|upon)\b[^.;]{0,40}?\b(?:owner|employer|client|customer|principal|main contractor)s?"
        r"\b[^.;]{0,20}?\b(?:pays?|paid|releases?|released)\b"
        r"|\b(?:conditional|contingent|subject) (?:up)?on (?:the )?(?:receipt of )?payment (?:by|from) the "
        r"(?:owner|employer|client|customer|principal)\b"
        r"|\bto the extent (?:that )?\w+(?: \w+)? (?:has|have) (?:received|been paid)\b[^.;]{0,30}?\bfrom\b"
        r"|\bin proportion to (?:the )?(?:payments?|amounts?) received from\b"
        r"|\bpay[- ](?:when|if)[- ]paid\b|\bback[- ]to[- ]back\b", re.IGNORECASE),
)
# a contract may call the buyer itself 客户 / "the Customer": then that word is a party, not a third party
_THIRD_WORDS = r"客户|用户|业主|发包人|发包方|建设单位|customer|client|owner|employer|principal"
_DEFINED_PARTY = re.compile(
    rf"(?:以下简称|以下称|下称|简称)\s*[“\"「]?({_THIRD_WORDS})"
    rf"|^\s*({_THIRD_WORDS})\s*(?:\(|（|:|：)"
    rf"|\((?:the |hereinafter(?: referred to as)? )?[“\"]({_THIRD_WORDS})[”\"]\)"
    rf"|^\s*(?:the )?({_THIRD_WORDS})\s*:",
    re.IGNORECASE | re.MULTILINE,
)


def defined_parties(doc: Document) -> set[str]:
    """The third-party words this contract uses as the name of a party ("以下简称“客户”", "Customer:")."""
    return {next(g for g in m.groups() if g).lower() for m in _DEFINED_PARTY.finditer(doc.norm)}


def _third_party(sentence: Sentence, parties: set[str]) -> re.Match[str] | None:
    for pattern in PAY_WHEN_PAID:
        for m in pattern.finditer(sentence.norm):
            words = {w.lower() for w in re.findall(_THIRD_WORDS, m.group(0), re.IGNORECASE)}
            if not words or not words <= parties:
                return m
    return None


# "large" / "sme", or the ledger's customer kinds (a state-owned or foreign firm may be of any size)
PARTY_KINDS = ("large", "sme", "private_large", "private_small", "individual_business", "state_owned", "foreign")
_SIZES = {"large": "large", "private_large": "large", "sme": "sme", "private_small": "sme",
          "individual_business": "individual"}


def enterprise_size(kind: str | None) -> str | None:
    """The size of a party of ``kind`` (one of PARTY_KINDS): "large", "sme", "individual" (个体工商户) or
    None when unknown."""
    return _SIZES.get(kind or "")


def _pay_when_paid(sentence: Sentence, phrase: str, kinds: Mapping[str, str]) -> Finding:
    buyer, seller = enterprise_size(kinds.get("buyer_kind")), enterprise_size(kinds.get("seller_kind"))
    head_zh = f"付款以“{phrase}”为前提（背靠背条款）：到期日取决于第三方何时付款，收款方无法确定。"
    head_en = f"Payment waits for \"{phrase}\" (pay-when-paid): the due date turns on a third party paying, " \
              "so the payee has no certain date."
    details = {"trigger": phrase, "buyer_size": buyer or "unknown", "seller_size": seller or "unknown"}
    if buyer == "large" and seller == "sme":
        return Finding(
            "payment.pay_when_paid", "error",
            head_zh + "买方为大型企业、卖方为中小企业：依法释〔2024〕11号，以第三方支付款项为付款前提的约定无效，"
            "法院结合行业规范和交易习惯确定合理的付款期限；欠款利息有约定的按约定，无约定的按一年期LPR计算。",
            head_en + " The buyer is a large enterprise and the seller a small or medium one: under Fa Shi "
            "[2024] No. 11 such a condition is void; the court fixes a reasonable payment term from industry "
            "practice and the parties' dealings, with interest as agreed or else at the one-year LPR.",
            sentence.text, {**details, "void": "true"})
    if buyer in ("sme", "individual") or seller == "large":
        zh = ("双方不属于“大型企业向中小企业采购”，法释〔2024〕11号不适用，该约定通常有效；"
              "买方怠于向第三方主张付款的，可视为条件已成就（民法典第159条）。")
        en = (" The parties are not a large enterprise buying from a small or medium one, so Fa Shi [2024] "
              "No. 11 does not apply and the clause is usually upheld; a buyer that fails to pursue the third "
              "party may be treated as having prevented the condition (Civil Code art. 159).")
        void = "false"
    else:
        zh = ("如买方为大型企业、卖方为中小企业，依法释〔2024〕11号该约定无效；其他情形下法院通常认可其效力，"
              "但买方怠于向第三方主张付款的，可视为条件已成就（民法典第159条）。")
        en = (" If the buyer is a large enterprise and the seller a small or medium one, Fa Shi [2024] No. 11 "
              "makes it void; otherwise courts usually uphold it, though a buyer that fails to pursue the third "
              "party may be treated as having prevented the condition (Civil Code art. 159).")
        void = "unknown"
    return Finding("payment.pay_when_paid", "warning", head_zh + zh, head_en + en, sentence.text,
                   {**details, "void": void})


_ACCEPTANCE = re.compile(
    r"(?:最终|终)?(?:验收|检验|调试)(?:合格|通过|完成|完毕|无误)?(?:[并且及和][^，,。;；]{0,12}?)?(?:之日)?(?:后|起|以后|之后)"
    r"|(?:经|待)?(?:审计|决算|财政评审)(?:结算|决算|审核)?(?:完成|结束|定案|确认|完毕)?(?:之日)?(?:后|之后|以后)"
    r"|\b(?:after|upon|following|on|within \d+ (?:\w+ )?days (?:of|after|from))\s+(?:the )?"
    r"(?:final |successful |satisfactory )?(?:acceptance|inspection|commissioning)\b",
    _I,
)
_ACCEPTANCE_DEADLINE = re.compile(
    rf"验收[^。\n]{{0,24}}?(?:\d+|[{_CN_NUM}]+)\s*个?(?:工作|自然|日历)?(?:日|天)内"
    rf"|(?:\d+|[{_CN_NUM}]+)\s*个?(?:工作|自然|日历)?(?:日|天)内[^。\n]{{0,12}}?(?:完成|组织|进行|办理)?(?:验收|检验)"
    r"|视为(?:验收)?(?:合格|通过|已验收|验收合格|接受)|视同(?:验收)?合格"
    rf"|(?:审计|决算)[^。\n]{{0,24}}?(?:\d+|[{_CN_NUM}]+)\s*个?(?:工作)?(?:日|天|月)内"
    r"|\bdeemed (?:to have been |to be )?(?:accepted|acceptance)\b|\bdeemed acceptance\b"
    r"|\b(?:acceptance|inspection) (?:shall|will|must) (?:be )?(?:completed|carried out|performed|made|done)"
    r" within \d+"
    r"|\b(?:inspect|accept|object)\w*\b[^.\n]{0,40}?\bwithin \d+ (?:\w+ )?days\b"
    r"|\bwithin \d+ (?:\w+ )?days (?:of|after|from) (?:delivery|receipt|arrival)\b[^.\n]{0,40}?"
    r"\b(?:inspect|accept|object)",
    _I,
)

_TIME = re.compile(
    rf"(?:\d+|[{_CN_NUM}百]+)\s*个?(?:工作|自然|日历|银行)?(?:日|天|月|年|周)|前|之前|以前|当日|当天|同时|之日起"
    r"|后\s*(?:即|立即|当即)?(?:付款|支付|付清|结清)|预付|款到发货|先款后货|货到付款|现款|现结|月结|季结|分期|首付|一次性|签订后|签约后|收到发票"
    r"|\bafter\b|\bon receipt\b"
    r"|\bwithin\b|\bbefore\b|\bprior to\b|\bno later than\b|\bby \d|\bon or before\b|\bin advance\b|\bupon\b"
    r"|\bdays?\b|\bmonths?\b|\bnet ?\d+|\bcash on delivery\b|\bc\.?o\.?d\b|\binstal?lments?\b|\bimmediately\b"
    r"|\bon delivery\b|\bat the time of\b|\bat sight\b|\bletter of credit\b|\bl/c\b|\bagainst (?:shipping )?documents\b"
    r"|\bprepay|信用证|即期|见票",
    _I,
)


def _finding(sentence: Sentence, zh: str, en: str, phrase: str, kind: str) -> Finding:
    return Finding("payment.vague_trigger", "warning", zh.format(p=phrase), en.format(p=phrase),
                   sentence.text, {"trigger": kind})


def _vague(doc: Document, sentence: Sentence) -> Finding | None:
    for trigger in TRIGGERS:
        m = trigger.pattern.search(sentence.norm)
        if m:
            return _finding(sentence, trigger.zh, trigger.en, m.group(0).strip(), trigger.kind)
    m = _ACCEPTANCE.search(sentence.norm)
    if m and not _ACCEPTANCE_DEADLINE.search(doc.norm):
        return _finding(sentence, _ACCEPT_ZH, _ACCEPT_EN, m.group(0).strip(), "acceptance")
    return None


def check(doc: Document, kinds: Mapping[str, str] | None = None) -> list[Finding]:
    """``kinds`` may give "buyer_kind" and "seller_kind" (see ``enterprise_size``)."""
    findings: list[Finding] = []
    has_term = False
    parties = defined_parties(doc)
    for sentence in doc.sentences:
        if not PAYMENT.search(sentence.norm):
            continue
        third = _third_party(sentence, parties)
        if third is not None:
            findings.append(_pay_when_paid(sentence, third.group(0).strip(), kinds or {}))
            has_term = True
            continue
        found = _vague(doc, sentence)
        if found is not None:
            findings.append(found)
            has_term = True
        elif _TIME.search(sentence.norm):
            has_term = True
    if not has_term:
        findings.append(Finding(
            "payment.missing_term", "error",
            "合同没有约定付款期限：未找到写明何时付款（具体日期或以交货、开票等事件起算的期限）的条款。",
            "The contract sets no payment term: no clause says when payment is due (a date, or a period "
            "running from delivery, invoice or another certain event).",
            "",
        ))
    return findings
