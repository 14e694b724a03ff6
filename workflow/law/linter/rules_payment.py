"""payment.vague_trigger and payment.missing_term.

A due date that depends on something the buyer controls or that may never happen (resale, the
buyer's own customer paying, "when funds are available", acceptance nobody has to carry out, "after
October") leaves the seller without a date to dun from and with a limitation period that is hard to
start. A contract with no payment term at all falls back on 民法典 510/511/628.
"""

from __future__ import annotations

import re
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
_THIRD_ZH = "付款以“{p}”为条件：取决于第三方何时付款，收款方无法确定到期日。"
_THIRD_EN = "Payment depends on \"{p}\": it waits for a third party to pay, so the payee has no certain due date."
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
    Trigger("third_party", re.compile(
        r"(?:收到|取得|获得|收回)(?:其|下游|终端|最终)?(?:客户|用户|业主|发包[方人]|建设单位|建设方|第三方|总包[方人]?|上游)"
        r"[^，,。;；]{0,10}?(?:付款|支付|款项|货款|回款|工程款)[^，,。;；]{0,3}?(?:后|之后|以后)"
        r"|(?:销售|货款|工程款|业主)?回款(?:后|之后|以后)|资金回笼(?:后|之后)|背靠背"), _THIRD_ZH, _THIRD_EN),
    Trigger("third_party", re.compile(
        r"\b(?:upon|after|following|once|when)\b[^.;]{0,30}?\b(?:receipt|receiving|receives?|received|has been paid)"
        r"\b[^.;]{0,30}?\b(?:from|by) (?:its|the|their|his) (?:own )?"
        r"(?:customer|client|end[- ]customer|employer|owner|end[- ]user|principal)s?\b"
        r"|\b(?:once|when|after|upon)\b[^.;]{0,40}?\b(?:owner|employer|client|customer|principal|main contractor)s?"
        r"\b[^.;]{0,20}?\b(?:pays?|paid|releases?|released)\b"
        r"|\bpay[- ](?:when|if)[- ]paid\b|\bback[- ]to[- ]back\b", _I), _THIRD_ZH, _THIRD_EN),
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


def check(doc: Document) -> list[Finding]:
    findings: list[Finding] = []
    has_term = False
    for sentence in doc.sentences:
        if not PAYMENT.search(sentence.norm):
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
