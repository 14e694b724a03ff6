"""What a debtor's reply says (its intent) and the facts in it: promises, payment, reference, reason.

Input: the NEW text only (``quotes.strip_reply``), already cleaned for matching, and the day the
message was sent in Asia/Shanghai (relative dates are resolved against it). Rules are cue
patterns in Chinese and English per intent; when a reply says several things, the intent is the
one that decides the case's next step, in this order:

    dispute > installment_request > promise_to_pay (dated, unconditional) > statement_confirmed
    > hardship > document_request > paid > promise_to_pay (undated) > other

so a dated promise outranks a report of a part already paid, and a promise made on a condition
("收到发票后一周内付款", "once we receive the invoice") is not a promise: the condition decides.

The confidence is not a probability from a model; it is how clear the reply was, built so a
threshold means something: one intent with two or more cues and the facts it needs (a promise
with its date) scores ≥ 0.85; an intent whose cues compete with another's, an undated promise,
or a reply with no cue at all scores below 0.7 and is left for a clerk.

Pure functions: no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from workflow.amounts import AmountUnreadable, parse_money_text, strip_currency
from workflow.mail.when import Found, find_dates

INTENTS = ("promise_to_pay", "paid", "dispute", "document_request", "installment_request", "hardship",
           "statement_confirmed", "auto_reply", "bounce", "other")

_I = re.IGNORECASE

_PAID = re.compile(
    r"已(?:经)?(?:于[^，。,；;]{0,20})?(?:通过[^，。,；;]{0,15})?(?:全额|全部|足额)?(?:付款|支付|付清|结清|还清|汇款|汇出|转账|转出|"
    r"打款|付了|汇了|转了|打了|付过|支付了|汇入|电汇|付)|"
    r"款(?:项)?已(?:经)?(?:全部|全额)?(?:付|支付|汇|转|打|结清)|付款已(?:完成|办理|成功)|已完成(?:付款|支付|转账)|"
    r"(?:水单|银行回单|付款回单|付款凭证|转账凭证|汇款凭证|电汇凭证|付款截图|转账截图)|"
    r"\b(?:have|has|had)\s+(?:already\s+)?(?:been\s+)?(?:paid|settled|transferred|remitted|wired|made\s+(?:the\s+)?payment)|"
    r"\bwas\s+(?:paid|settled|transferred|remitted|wired)|\bwere\s+(?:paid|settled|transferred)|"
    r"\b(?:paid|transferred|remitted|wired)\s+(?:it\s+|the\s+\w+\s+)?(?:on|yesterday|today|last|in\s+full)|"
    r"payment\s+(?:was|has\s+been)\s+(?:made|sent|executed|processed|released|effected)|already\s+paid|"
    r"remittance\s+(?:advice|slip|copy)|proof\s+of\s+payment|bank\s+slip|payment\s+confirmation",
    _I,
)
_PAY_VERB = re.compile(
    r"付款|支付|付清|结清|还款|还清|打款|汇款|汇出|转账|回款|付给|付\s*[^\s款]|汇给|结算|清偿|偿还|"
    r"\b(?:pay|paid|payment|settle|settled|settlement|transfer|remit|remittance|wire|clear|instal+ments?)\b",
    _I,
)
_PROMISE = re.compile(
    r"(?:将|会|拟|计划|预计|准备|争取|保证|承诺|安排|可以|能够?|尽快|尽量|确保)[^。！？!?；;\n]{0,30}"
    r"(?:付款|支付|付清|结清|还款|还清|打款|汇款|汇出|转账|付|汇|转|结)|"
    r"(?:付款|支付|付清|结清|还清|打款|汇款|转账|付|汇)[^。！？!?；;\n]{0,6}(?:前|之前|以前)|"
    r"(?:前|之前|以前)(?:付款|支付|付清|结清|还清|打款|汇款|转账|付|汇|安排)|"
    r"\b(?:will|shall|'ll|going\s+to|expect\s+to|plan\s+to|intend\s+to|promise\s+to|arrange\s+to|undertake\s+to|"
    r"aim\s+to|commit\s+to)\s+(?:\w+\s+){0,3}?(?:pay|settle|transfer|remit|wire|clear|release|make\s+(?:the\s+)?payment|"
    r"arrange\s+(?:the\s+)?payment|process\s+(?:the\s+)?payment)|payment\s+will\s+be\s+(?:made|sent|released|effected|"
    r"arranged|transferred|processed)|\bscheduled\s+(?:for\s+)?(?:payment|to\s+be\s+paid)",
    _I,
)
_CONDITION = re.compile(
    r"(?:收到|待|等到?|一旦|如果|假如|若|只要|只有|除非)[^。！？!?；;\n]{0,25}(?:后|之后|以后|再|才|即|就)|"
    r"\bupon\s+receipt|\bonce\s+(?:we|the|your|our|it|they)\b|\bafter\s+(?:we|receiving|receipt|the)\b|"
    r"\bas\s+soon\s+as\s+(?:we|the|your|our)\b|\bprovided\s+(?:that\s+)?|\bsubject\s+to\b|\bif\s+(?:you|we|the)\b",
    _I,
)
_DISPUTE_NEGATED = re.compile(r"(?:无|没有|并无|不存在|没|毫无)(?:任何)?(?:异议|争议|问题|疑问|出入|差异)|"
                              r"\bno\s+(?:dispute|objection|issue|discrepanc\w*|problem)s?\b", _I)
_DISPUTE = re.compile(
    r"质量问题|质量不合格|质量有问题|不合格|超差|瑕疵|破损|损坏|短少|短缺|少发|漏发|错发|数量不符|数量不对|规格不符|型号不符|"
    r"金额不符|金额有误|金额不对|金额错误|价格不符|单价不对|单价有误|计算错误|对不上|不一致|有争议|异议|拒绝(?:支付|付款)|拒付|"
    r"不予(?:支付|付款|认可)|暂缓(?:支付|付款)|暂停(?:支付|付款)|暂不(?:支付|付款)|退货|不认可|不同意|不应由我司|"
    r"并未(?:订购|采购)|没有(?:订购|采购)|(?:未|没有|没|尚未)收到(?:货|货物|产品)|货物未到|未到货|索赔|投诉|与合同(?:约定)?不符|"
    r"重复(?:收费|开票|计费|付款)|返修|质保金|不属实|有误|多收|多算|\bdisput\w*|\bdisagree\w*|\bdefect\w*|\bdamaged\b|"
    r"\bfaulty\b|quality\s+(?:issue|problem|defect)s?|\bnot\s+(?:as\s+)?ordered\b|\bnever\s+ordered\b|"
    r"\bwrong\s+(?:quantity|amount|price|invoice|items?|goods)|\bincorrect\b|discrepanc\w*|overcharg\w*|"
    r"\bshort[-\s]?(?:shipped|delivered|shipment)|missing\s+items|not\s+received\s+(?:the\s+)?goods|"
    r"goods\s+(?:were\s+|have\s+)?(?:not|never)\s+(?:been\s+)?(?:received|delivered)|return(?:ed)?\s+the\s+goods|"
    r"withhold\w*\s+(?:the\s+)?payment|refuse\s+to\s+pay|will\s+not\s+pay|won't\s+pay|\bcomplain\w*|\bobject\s+to\b",
    _I,
)
_DOCS = (r"(?:发票|专票|增值税(?:专用)?发票|票据|合同|对账单|送货单|发货单|签收单|验收单|结算单|明细|清单|账单|凭证|复印件|"
         r"扫描件|回执)")
_DOCUMENT_REQUEST = re.compile(
    r"(?:未|没有|没|尚未|还没|还未|一直没)(?:有)?(?:收到|见到|拿到|开具|开)(?:过)?(?:贵司|你司|你们|您)?"
    r"(?:的|开具的|寄来的)?"
    r"[^，。,；;]{0,8}" + _DOCS + r"|" + _DOCS + r"[^，。,；;]{0,8}(?:未收到|没收到|没有收到|尚未收到|丢失|遗失|作废|寄丢)|"
    r"(?:重新|再次|补)(?:开具|开|寄送|寄|发送|发|提供)|"
    r"(?:请|麻烦|烦请|劳烦|希望|需要)(?:贵司|你司|你们|您)?[^，。,；;]{0,6}(?:提供|发送|发来|发|寄|邮寄|开具|补开|重开|重发|"
    r"补发|传|出具)[^，。,；;]{0,12}" + _DOCS + r"|"
    r"(?:send|provide|resend|re-send|forward|share|issue|email)\s+(?:us\s+|me\s+)?(?:with\s+)?(?:a\s+|the\s+)?"
    r"(?:copy\s+of\s+)?(?:the\s+|your\s+|a\s+)?(?:vat\s+|corrected\s+|original\s+|signed\s+)?(?:invoice|contract|statement|"
    r"delivery\s+note|proof\s+of\s+delivery|pod|purchase\s+order|documents?|fapiao)|"
    r"(?:have\s+not|haven't|did\s+not|didn't|never|not)\s+(?:yet\s+)?(?:been\s+)?received\s+(?:the\s+|your\s+|any\s+|an?\s+)?"
    r"(?:vat\s+)?(?:invoice|contract|statement|delivery\s+note|fapiao)|invoice\s+(?:is\s+|was\s+)?missing|"
    r"missing\s+invoice|copy\s+of\s+the\s+invoice|need\s+(?:the|a|an)\s+(?:vat\s+|official\s+)?(?:invoice|fapiao)",
    _I,
)
_INSTALLMENT = re.compile(
    r"分期|分批|分[两二三四五六七八九十几多\d]\s*(?:期|次|批|笔|个月|個月)|分月|按月(?:支付|付款|还款)|每月(?:支付|付|还)|"
    r"还款计划|付款计划|还款协议|还款方案|付款方案|逐月|\binstal+ments?\b|payment\s+plan|repayment\s+(?:plan|schedule|"
    r"agreement)|\bin\s+(?:two|three|four|five|six|\d+)\s+(?:monthly\s+|equal\s+)?(?:parts|payments|tranches|"
    r"instal\w*)|monthly\s+payments|pay\s+in\s+parts|\bstaggered\b",
    _I,
)
_HARDSHIP = re.compile(
    r"资金(?:紧张|困难|周转|链|短缺|不足|压力)|周转(?:困难|不开|不灵|不过来)|现金流|经营(?:困难|不善)|"
    r"暂时(?:无力|无法支付|无法付款|没有能力|没钱|付不出|拿不出)|无力(?:支付|偿还|付款)|没有(?:钱|资金)|账上没钱|"
    r"(?:客户|甲方|业主|下游|总包|总公司|集团|上游)(?:那边|方面)?[^，。,；;]{0,8}(?:未|没有|没|还没|尚未|拖欠|迟迟)"
    r"[^，。,；;]{0,6}(?:回款|付款|结算|拨款|付钱|付我们)|等[^，。,；;]{0,10}(?:回款|拨款|款项到位|资金到位)|回款后|"
    r"停产|停工|破产|倒闭|裁员|困难|\bcash[-\s]?flow|financial\s+(?:difficult\w*|hardship|trouble|constraint\w*)|"
    r"\bliquidity\b|unable\s+to\s+pay|cannot\s+pay|can't\s+pay|can\s+not\s+pay|short\s+of\s+(?:funds|cash)|"
    r"waiting\s+for\s+(?:the\s+)?(?:payment\s+from\s+)?(?:our|a)\s+(?:own\s+)?(?:customer|client)|"
    r"(?:our|own)\s+(?:customer|client)\s+(?:has\s+)?(?:not\s+)?(?:yet\s+)?(?:paid|delayed)|\binsolven\w*|\bbankrupt\w*|"
    r"\bhardship\b|difficult\s+(?:times|situation)",
    _I,
)
_STATEMENT = re.compile(
    r"(?:对账单|对账函|询证函|余额确认|账目|往来账|应付余额|欠款金额|余额|账款|金额)[^。！？!?；;\n]{0,14}"
    r"(?<!不)(?:确认无误|核对无误|无误|相符|一致|已确认|确认|盖章|签章|签字|回签|回传)|"
    r"(?:确认|核对)(?:无误|相符|一致)|已(?:盖章|签章|签字)(?:并)?(?:回传|寄回|返回|扫描)|确认(?:贵司|你司)?[^，。,]{0,6}(?:余额|欠款)|"
    r"\bconfirm\w*\s+(?:the\s+|your\s+|that\s+the\s+)?(?:outstanding\s+)?(?:balance|statement|amount)|"
    r"statement\s+(?:is\s+|was\s+)?(?:correct|agreed|confirmed|accurate)|\bagree\s+(?:with\s+)?(?:the|your)\s+"
    r"(?:balance|statement)|balance\s+(?:is\s+)?correct|signed\s+(?:and\s+stamped\s+)?(?:copy\s+of\s+)?"
    r"(?:the\s+)?statement|statement\s+(?:signed|stamped)",
    _I,
)
_REFERENCE = re.compile(
    r"(?:交易流水号|银行流水号|流水号|交易号|交易编号|凭证号|回单号|业务编号|业务参考号|参考号|汇款编号|付款编号|"
    r"reference(?:\s+(?:number|no\.?))?|ref(?:erence)?\.?(?:\s*no\.?)?|transaction\s+(?:id|no\.?|number|ref\w*)|utr)"
    r"\s*(?:为|是|:|：|#|is)?\s*([A-Za-z0-9][A-Za-z0-9\-_/]{5,40})",
    _I,
)

_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]|\n|$)|(?<=\.)\s")
_AMOUNT = re.compile(
    r"(?P<pre>人民币|RMB|CNY|USD|US\$|美元|EUR|HKD|HK\$|¥|￥|\$|€)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)\s*"
    r"(?P<unit>亿|万|千)?\s*(?P<post>元|块|美元|美金|欧元|港币|港元|人民币|RMB|CNY|USD|EUR|HKD)?",
    _I,
)
_AMOUNT_WORDS = re.compile(r"(?:金额|货款|款项|余款|尾款|欠款|剩余|首付|第[一二三四五1-5]笔|amount|sum|balance|total|"
                           r"payment\s+of|instal\w*\s+of|of)\s*[:：]?\s*$", _I)


@dataclass(frozen=True)
class Money:
    value: Decimal
    currency: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Promise:
    day: date | None
    amount: Decimal | None

    def as_json(self) -> dict[str, str | None]:
        return {"date": self.day.isoformat() if self.day else None,
                "amount": format(self.amount, "f") if self.amount is not None else None}


@dataclass
class Understanding:
    intent: str
    confidence: float
    promises: list[Promise] = field(default_factory=list)
    paid_date: date | None = None
    paid_amount: Decimal | None = None
    currency: str | None = None
    reference: str | None = None
    dispute_reason: str | None = None
    cues: dict[str, list[str]] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal | None:
        if self.intent == "paid":
            return self.paid_amount
        dated = [p for p in self.promises if p.day is not None]
        if dated:
            return min(dated, key=lambda p: p.day or date.max).amount
        return self.promises[0].amount if self.promises else None

    @property
    def promised_date(self) -> date | None:
        days = [p.day for p in self.promises if p.day is not None]
        return min(days) if days else None


def find_amounts(text: str) -> list[Money]:
    """Money amounts in free text: only figures a reader would take as money (a currency mark, 元/万,
    thousands separators with cents, or an amount word before them); never parts of invoice numbers,
    references, phone numbers or dates."""
    out: list[Money] = []
    for m in _AMOUNT.finditer(text):
        num = m.group("num")
        start, end = m.start("num"), m.end("num")
        before = text[max(0, start - 1): start]
        after = text[end: end + 1]
        if not m.group("pre") and (before.isalnum() or before in "-_/#.") and before != "":
            continue
        if not m.group("unit") and not m.group("post") and (after.isalnum() or after in "-_/") and after != "":
            continue
        if after in "年月日号%％" and not m.group("unit") and not m.group("post"):
            continue
        context = bool(m.group("pre") or m.group("post") or m.group("unit"))
        if not context and "," in num and "." in num:
            context = True
        if not context and _AMOUNT_WORDS.search(text[max(0, m.start() - 12): m.start()]):
            context = len(num.replace(",", "").split(".")[0]) >= 3  # "of 3 days" is no amount
        if not context:
            continue
        written = (m.group("pre") or "") + num + (m.group("unit") or "") + (m.group("post") or "")
        if m.group("post") == "块":
            written = written[:-1] + "元"
        try:
            amount = parse_money_text(written)
        except AmountUnreadable:
            continue
        out.append(Money(amount.value, amount.currency, m.start(), m.end()))
    return out


def _sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos = 0
    for piece in re.split(r"(?<=[。！？!?；;\n])|(?<=\.)\s+(?=[A-Z])", text):
        if piece.strip():
            out.append((pos, piece))
        pos += len(piece)
    return out


def _cues(pattern: re.Pattern[str], text: str) -> list[str]:
    return [m.group(0) for m in pattern.finditer(text)]


def _nearest(money: Money, dates: list[Found]) -> Found | None:
    if not dates:
        return None
    return min(dates, key=lambda f: min(abs(money.start - f.end), abs(f.start - money.end)))


def _without(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def understand(text: str, anchor: date) -> Understanding:
    """The intent and facts of a reply's new text, relative dates resolved against ``anchor``."""
    body = text.strip()
    if not body:
        return Understanding("other", 0.3)
    dispute_text = _without(_DISPUTE_NEGATED, body)
    cues = {
        "dispute": _cues(_DISPUTE, dispute_text),
        "installment_request": _cues(_INSTALLMENT, body),
        "statement_confirmed": _cues(_STATEMENT, body),
        "hardship": _cues(_HARDSHIP, body),
        "document_request": _cues(_DOCUMENT_REQUEST, body),
        "paid": _cues(_PAID, body),
        "promise_to_pay": _cues(_PROMISE, body),
    }
    promises: list[Promise] = []
    conditional: list[Promise] = []
    paid_days: list[date] = []
    paid_amounts: list[Money] = []
    promise_amounts: list[Money] = []
    all_amounts: list[Money] = []
    for offset, sentence in _sentences(body):
        dates = find_dates(sentence, anchor)
        amounts = find_amounts(sentence)
        all_amounts += amounts
        pays = bool(_PAY_VERB.search(sentence))
        paid_here = bool(_PAID.search(sentence))
        promise_here = bool(_PROMISE.search(sentence))
        assigned: dict[int, Money] = {}
        for money in amounts:
            near = _nearest(money, dates)
            if near is not None and id(near) not in assigned:
                assigned[id(near)] = money
        for found in dates:
            before = sentence[: found.start]
            if found.day >= anchor and pays and (promise_here or not paid_here or found.day > anchor):
                promise = Promise(found.day, assigned[id(found)].value if id(found) in assigned else None)
                if _CONDITION.search(before) or _CONDITION.search(sentence[found.end:found.end + 12]):
                    conditional.append(promise)
                else:
                    promises.append(promise)
                    if id(found) in assigned:
                        promise_amounts.append(assigned[id(found)])
            elif found.day <= anchor and paid_here:
                paid_days.append(found.day)
                if id(found) in assigned:
                    paid_amounts.append(assigned[id(found)])
        if paid_here and not dates:
            paid_amounts += amounts
        if promise_here and not dates and amounts and not _CONDITION.search(sentence):
            promise_amounts += amounts
            if not promises:
                promises.append(Promise(None, amounts[0].value))
    # instalments "of USD 28,800 on 15 December, 15 January and 15 February": one amount for each date
    if cues["installment_request"] and promises and any(p.amount is None for p in promises):
        each = next((p.amount for p in promises if p.amount is not None), None)
        if each is not None:
            promises = [Promise(p.day, p.amount if p.amount is not None else each) for p in promises]
    dated = [p for p in promises if p.day is not None]

    intent = _decide(cues, dated, promises, conditional)
    confidence = _confidence(intent, cues, dated, promises)
    chosen: list[Money] = (paid_amounts if intent == "paid" else promise_amounts) or all_amounts
    currency = next((m.currency for m in chosen if m.currency), None)
    if currency is None:
        currency = strip_currency(body)[1] if chosen else None
    if currency is None and chosen and re.search(r"[\u4e00-\u9fff]", body):
        currency = "CNY"
    reference = next((m.group(1) for m in _REFERENCE.finditer(body) if re.search(r"\d", m.group(1))), None)
    reason = None
    if intent == "dispute":
        first = _DISPUTE.search(dispute_text)
        if first is not None:
            reason = next((s.strip() for off, s in _sentences(body) if off <= first.start() < off + len(s)), None)
            reason = reason[:300] if reason else None
    paid_amount = paid_amounts[0].value if paid_amounts else None
    if intent == "paid" and paid_amount is None and all_amounts:
        paid_amount = all_amounts[0].value
    return Understanding(
        intent=intent, confidence=confidence,
        promises=promises if intent in ("promise_to_pay", "installment_request", "hardship", "dispute",
                                        "statement_confirmed", "document_request", "paid") else [],
        paid_date=max(paid_days) if paid_days else None, paid_amount=paid_amount,
        currency=currency if (chosen or promises) else None, reference=reference, dispute_reason=reason,
        cues={k: v for k, v in cues.items() if v},
    )


def _decide(cues: dict[str, list[str]], dated: list[Promise], promises: list[Promise],
            conditional: list[Promise]) -> str:
    if cues["dispute"]:
        return "dispute"
    if cues["installment_request"]:
        return "installment_request"
    if dated:
        return "promise_to_pay"
    if cues["statement_confirmed"]:
        return "statement_confirmed"
    if cues["hardship"]:
        return "hardship"
    if cues["document_request"]:
        return "document_request"
    if cues["paid"]:
        return "paid"
    if promises or (cues["promise_to_pay"] and not conditional):
        return "promise_to_pay"
    return "other"


# intents that would change what happens next if they, and not the winner, were meant
_RIVALS = {"dispute", "installment_request", "hardship", "document_request", "statement_confirmed", "paid"}


def _confidence(intent: str, cues: dict[str, list[str]], dated: list[Promise], promises: list[Promise]) -> float:
    if intent == "other":
        return 0.5 if not any(cues.values()) else 0.35
    strength = len(cues.get(intent, []))
    score = 0.65 + 0.12 * min(strength, 2)
    if intent == "promise_to_pay":
        score = 0.9 if dated else 0.55
        if dated and any(p.amount is not None for p in dated):
            score += 0.05
    rivals = [k for k in _RIVALS if k != intent and cues.get(k)]
    # a partial payment beside a dated promise is expected, not a rival
    if intent == "promise_to_pay":
        rivals = [k for k in rivals if k != "paid"]
    score -= 0.12 * len(rivals)
    return round(max(0.05, min(0.97, score)), 2)
