"""penalty.excessive, penalty.stacked and penalty.missing.

An agreed late rate is annualised (daily × 365, monthly × 12, as docs/law.md counts days) and set
against the current one-year LPR: above ``warn_multiple`` × LPR a court is likely to cut it on
request (民法典 585; 合同编通则解释 65), above ``note_multiple`` it is worth a note. Rates that carry
no time unit (a lump sum of 20% of the price, a cap of 10%) cannot be annualised and are left alone.

A contract may charge a penalty and interest (or a 滞纳金) on the same overdue amount. A court weighs
what the debtor pays in total, so the annual rates of the different charges are added and the sum is
graded against the same lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from workflow.law.linter.findings import Finding, Severity
from workflow.law.linter.numbers import NUMBER, find_rates, parse_multiple, percent
from workflow.law.linter.segment import Document, Sentence

_I = re.IGNORECASE

PENALTY_CONTEXT = re.compile(
    r"违约金|滞纳金|逾期|迟延|延迟|拖欠|欠付|罚息|利息|资金占用"
    r"|\bpenalt|\blate\b|\boverdue\b|liquidated damages|\binterest\b|\bdelay",
    _I,
)
_SUB_CLAUSE = re.compile(r"[;；]")
_DELIVERY = re.compile(r"交货|交付|发货|供货|到货|提货|完工|工期|\bdeliver|\bshipment\b|\bship\b", _I)
LATE_PAYMENT = re.compile(
    r"(?:逾期|迟延|延迟|延期|拖延)(?:付款|支付|付清|结算|偿还|未付|未支付|未结清)|付款逾期|逾期未(?:付|支付|结清)"
    r"|未(?:能)?(?:按|依)?(?:期|时|约定|合同约定)?(?:的)?(?:期限)?(?:足额)?(?:付款|支付|付清)|拖欠|欠付|欠款"
    r"|\blate payments?\b|\bpays? late\b|\bpaid late\b|\bfails? to pay\b|\bfailure to pay\b"
    r"|\boverdue (?:amount|sum|payment|invoice|balance)s?\b|\bdelay(?:s|ed)? in (?:making )?payment\b"
    r"|\bnot paid (?:when|by the) due\b|\bunpaid (?:amount|sum|balance)s?\b|\bamounts? overdue\b"
    r"|\bpayment is (?:overdue|late|delayed)\b",
    _I,
)
_CONSEQUENCE = re.compile(r"违约金|滞纳金|利息|罚息|资金占用|赔偿|损失|万分之|千分之|%|‰|LPR|利率"
                          r"|\binterest\b|\bpenalt|liquidated damages|\blate fee|\bcharge|\bcompensat", _I)
_GENERAL_BREACH = re.compile(
    r"(?:任何一方|一方|违约方)[^。]{0,30}?(?:违约金|赔偿)|\b(?:any|either) party\b[^.]{0,60}?\bbreach"
    r"[^.]{0,80}?\b(?:liquidated damages|penalty|compensat|indemnif)", _I)

_CAP_BEFORE = re.compile(r"(?:不超过|不得超过|不高于|不得高于|最高不|最高为|最多|上限|封顶|累计不|以内|"
                         r"\bnot (?:to )?exceed|\bmaximum\b|\bmax\.?|\bup to\b|\bcapped at\b|\blimited to\b"
                         r"|\bin (?:the )?aggregate\b)[^%‰‱]{0,10}$", _I)
_CAP_AFTER = re.compile(r"^[^，,。;；]{0,6}(?:为限|为上限|封顶)|^\s*(?:cap\b|in total\b|in aggregate\b)", _I)

_UNIT_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("day", re.compile(r"每\s*(?:逾期|迟延|延迟|延期|超过)?\s*(?:一|1)?\s*(?:个)?\s*(?:日|天)|按\s*(?:日|天)|逐日"
                       r"|/\s*(?:日|天)|日(?:利率|息|费率)|\bper day\b|\ba day\b|\beach day\b"
                       r"|\bevery day\b|\bdaily\b|\bper diem\b|/\s*day\b|\bper calendar day\b", _I)),
    ("month", re.compile(r"每\s*(?:逾期)?\s*(?:一|1)?\s*个?\s*月|按\s*月|/\s*月|月(?:利率|息|费率)|\bper month\b"
                         r"|\ba month\b|\beach month\b|\bmonthly\b|/\s*month\b", _I)),
    ("week", re.compile(r"每\s*(?:逾期)?\s*(?:一|1)?\s*(?:周|星期)|按\s*周|/\s*周|\bper week\b|\ba week\b|\beach week\b"
                        r"|\bweekly\b|/\s*week\b", _I)),
    ("year", re.compile(r"每\s*年|按\s*年|/\s*年|年(?:利率|息|化|费率)|\bper annum\b|\bp\.\s?a\.|\ba year\b"
                        r"|\bper year\b|\bannual(?:ly|ised|ized)?\b|\byearly\b|/\s*year\b", _I)),
)
_BARE_UNIT_BEFORE = {"日": "day", "天": "day", "月": "month", "年": "year"}
_PERIODS_PER_YEAR = {"day": Decimal(365), "week": Decimal(365) / 7, "month": Decimal(12), "year": Decimal(1)}

_REF = (r"(?:(?:一|1)\s*年期?\s*)?(?:LPR|贷款市场报价利率(?:\s*\(LPR\))?"
        r"|(?:(?:中国)?人民银行|银行)?(?:同期)?(?:同类)?(?:银行)?贷款(?:基准)?利率"
        r"|(?:one|1)[- ]year (?:loan prime rate|lpr)(?:\s*\(lpr\))?"
        r"|loan prime rate(?:\s*\(lpr\))?)")
_MULT_WORDS = r"(?:double|twice|triple|quadruple|(?:two|three|four|five) times|one and a half times)"
_LPR_MULTIPLE = re.compile(
    rf"{_REF}\)?\s*(?:的)?\s*(?P<a>{NUMBER})\s*倍"
    rf"|(?P<b>{NUMBER})\s*倍(?:于)?(?:的)?\s*{_REF}"
    rf"|(?P<c>\d+(?:\.\d+)?)\s*(?:x|×|times)\s*(?:the\s+)?(?:{_REF})"
    rf"|(?P<d>{_MULT_WORDS})\s+(?:the\s+)?(?:{_REF})"
    rf"|(?P<pct>\d+(?:\.\d+)?)\s*%\s*of\s+(?:the\s+)?{_REF}",
    _I,
)
_LPR_PLUS = re.compile(
    rf"{_REF}\)?\s*(?:的)?(?:基础上)?\s*(?:上浮|加收|加计|加|\+|plus|increased by)\s*(?P<p>{NUMBER})\s*%", _I)


@dataclass(frozen=True)
class AgreedRate:
    annual: Decimal
    written: str  # the words in the contract
    unit: str  # day / month / year / lpr_multiple
    multiple_of_lpr: Decimal | None = None  # when written as a multiple
    start: int = 0  # where it is written in the text it was read from


def _unit_near(norm: str, start: int, end: int) -> str | None:
    before = norm[max(0, start - 24):start]
    after = norm[end:end + 40]
    if before and before[-1] in _BARE_UNIT_BEFORE:
        return _BARE_UNIT_BEFORE[before[-1]]
    best: tuple[int, str] | None = None
    for unit, pattern in _UNIT_MARKERS:
        for m in pattern.finditer(before):
            distance = len(before) - m.end()
            if best is None or distance < best[0]:
                best = (distance, unit)
        m2 = pattern.search(after)
        if m2 is not None and (best is None or m2.start() < best[0]):
            best = (m2.start(), unit)
    return best[1] if best is not None else None


def agreed_rates(norm: str, lpr_1y: Decimal) -> list[AgreedRate]:
    """Every annualisable late rate written in one sentence."""
    rates: list[AgreedRate] = []
    consumed: list[tuple[int, int]] = []
    for m in _LPR_MULTIPLE.finditer(norm):
        raw = m.group("a") or m.group("b") or m.group("c") or m.group("d")
        multiple = parse_multiple(raw) if raw else None
        if m.group("pct"):
            multiple = Decimal(m.group("pct")) / 100
        if multiple is not None and multiple > 0:
            rates.append(AgreedRate(multiple * lpr_1y, m.group(0), "lpr_multiple", multiple, m.start()))
            consumed.append(m.span())
    for m in _LPR_PLUS.finditer(norm):
        try:
            multiple = 1 + _required_number(m.group("p")) / 100
        except ValueError:
            continue
        rates.append(AgreedRate(multiple * lpr_1y, m.group(0), "lpr_multiple", multiple, m.start()))
        consumed.append(m.span())
    for token in find_rates(norm):
        if any(a <= token.start < b for a, b in consumed):
            continue
        before, after = norm[max(0, token.start - 24):token.start], norm[token.end:token.end + 12]
        if _CAP_BEFORE.search(before) or _CAP_AFTER.search(after):
            continue
        unit = _unit_near(norm, token.start, token.end)
        if unit is None:
            continue
        rates.append(AgreedRate(token.value * _PERIODS_PER_YEAR[unit], token.text, unit, start=token.start))
    return rates


def _required_number(text: str) -> Decimal:
    """A number that must be there ("LPR上浮50%": 50)."""
    value = parse_multiple(text)
    if value is None:
        raise ValueError(text)
    return value


_UNIT_ZH = {"day": "按日", "week": "按周", "month": "按月", "year": "按年", "lpr_multiple": "LPR倍数"}
_UNIT_EN = {"day": "per day", "week": "per week", "month": "per month", "year": "per year",
            "lpr_multiple": "as an LPR multiple"}


def _excessive(sentence: Sentence, rate: AgreedRate, lpr_1y: Decimal, warn: Decimal,
               note: Decimal) -> Finding | None:
    multiple = rate.multiple_of_lpr if rate.multiple_of_lpr is not None else rate.annual / lpr_1y
    if multiple <= note:
        return None
    severity: Severity = "warning" if multiple > warn else "info"
    m = multiple.quantize(Decimal("0.01"))
    yearly, lpr = percent(rate.annual), percent(lpr_1y)
    threshold = warn if severity == "warning" else note
    zh = (f"约定的逾期付款违约金“{rate.written}”（{_UNIT_ZH[rate.unit]}）折合年利率约 {yearly}，"
          f"为当前一年期LPR（{lpr}）的 {m} 倍，高于 {threshold} 倍的提示线。")
    en = (f"The agreed late rate \"{rate.written}\" ({_UNIT_EN[rate.unit]}) is about {yearly} a year, "
          f"{m} times the current one-year LPR ({lpr}), above the {threshold}× line.")
    if severity == "warning":
        zh += "对方请求调减时，法院或仲裁机构很可能按实际损失调低。"
        en += " If the debtor asks, a court or tribunal is likely to reduce it towards the actual loss."
    else:
        zh += "通常可获支持，但对方请求调减时，需证明实际损失。"
        en += " Usually upheld, but if the debtor asks for a reduction the actual loss must be shown."
    return Finding("penalty.excessive", severity, zh, en, sentence.text,
                   {"annual_rate": str(rate.annual.quantize(Decimal("0.0001"))),
                    "lpr_1y": str(lpr_1y), "lpr_multiple": str(m)})


_CHARGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("penalty", re.compile(r"违约金|罚金|\bliquidated damages\b|\bpenalt(?:y|ies)\b", _I)),
    ("interest", re.compile(r"利息|资金占用|罚息|\binterest\b", _I)),
    ("late_fee", re.compile(r"滞纳金|\blate (?:payment )?(?:fees?|charges?)\b", _I)),
)
_CHARGE_ZH = {"penalty": "违约金", "interest": "利息（资金占用费）", "late_fee": "滞纳金"}
_CHARGE_EN = {"penalty": "penalty", "interest": "interest", "late_fee": "late fee"}
_PIECE = re.compile(r"[，,]")
# "以高者为准", "whichever is higher": one charge or the other, not both
_EITHER = re.compile(r"择一|择其一|二选一|选择(?:主张|适用|计算)|以(?:较)?(?:高|低)者为准|择高|不得(?:同时|重复)"
                     r"|\bwhichever is (?:higher|greater|lower|less)\b|\bbut not both\b|\bin lieu of\b|\binstead of\b"
                     r"|包含[^。]{0,6}(?:利息|违约金)|(?:利息|违约金)[^。]{0,6}包含|\binclusive of\b", _I)


@dataclass(frozen=True)
class _Charge:
    kind: str
    rate: AgreedRate
    sentence: Sentence


def _charge_kind(part: str, start: int) -> str | None:
    """The charge a rate belongs to: the one named in its comma piece, else in the next or previous piece.
    A piece naming two charges ("违约金及利息按日万分之五") is one combined rate, so None."""
    pieces: list[tuple[int, int]] = []
    at = 0
    for m in _PIECE.finditer(part):
        pieces.append((at, m.start()))
        at = m.end()
    pieces.append((at, len(part)))
    index = next((i for i, (a, b) in enumerate(pieces) if a <= start < b), len(pieces) - 1)
    for i in (index, index + 1, index - 1):
        if not 0 <= i < len(pieces):
            continue
        text = part[pieces[i][0]:pieces[i][1]]
        kinds = [kind for kind, pattern in _CHARGES if pattern.search(text)]
        if len(kinds) == 1:
            return kinds[0]
        if kinds:
            return None
    return None


def _stacked(charges: list[_Charge], lpr_1y: Decimal, warn: Decimal, note: Decimal) -> Finding | None:
    """The highest rate of each kind of charge, added up and graded like a single rate."""
    worst: dict[str, _Charge] = {}
    for c in charges:
        if c.kind not in worst or c.rate.annual > worst[c.kind].rate.annual:
            worst[c.kind] = c
    if len(worst) < 2:
        return None
    parts = [worst[k] for k, _ in _CHARGES if k in worst]
    if any(_EITHER.search(c.sentence.norm) for c in parts):
        return None
    total = sum((c.rate.annual for c in parts), Decimal(0))
    multiple = total / lpr_1y
    if multiple <= note:
        return None
    severity: Severity = "warning" if multiple > warn else "info"
    threshold = warn if severity == "warning" else note
    m = multiple.quantize(Decimal("0.01"))
    listed_zh = " + ".join(f"{_CHARGE_ZH[c.kind]}“{c.rate.written}”（年化约 {percent(c.rate.annual)}）" for c in parts)
    listed_en = " + ".join(f"{_CHARGE_EN[c.kind]} \"{c.rate.written}\" (about {percent(c.rate.annual)} a year)"
                           for c in parts)
    zh = (f"合同对同一笔逾期款同时约定了{listed_zh}，合计年利率约 {percent(total)}，为当前一年期LPR"
          f"（{percent(lpr_1y)}）的 {m} 倍，高于 {threshold} 倍的提示线。法院审查违约金是否过高时，看的是各项合计。")
    en = (f"The contract charges the same overdue amount {listed_en}: together about {percent(total)} a year, "
          f"{m} times the current one-year LPR ({percent(lpr_1y)}), above the {threshold}× line. A court judges "
          "whether the charges are excessive by their total.")
    if severity == "warning":
        zh += "对方请求调减时，超出部分很可能不获支持。"
        en += " If the debtor asks, the excess is likely to be cut."
    sentences = list(dict.fromkeys(c.sentence.text for c in parts))
    return Finding("penalty.stacked", severity, zh, en, " … ".join(sentences),
                   {"annual_rate": str(total.quantize(Decimal("0.0001"))), "lpr_1y": str(lpr_1y),
                    "lpr_multiple": str(m),
                    "components": "|".join(f"{c.kind}:{c.rate.annual.quantize(Decimal('0.0001'))}" for c in parts)})


def check(doc: Document, *, lpr_1y: Decimal, warn_multiple: Decimal, note_multiple: Decimal) -> list[Finding]:
    findings: list[Finding] = []
    charges: list[_Charge] = []
    late_clause = False
    for sentence in doc.sentences:
        if LATE_PAYMENT.search(sentence.norm) and _CONSEQUENCE.search(sentence.norm + doc.article_of(sentence)):
            late_clause = True
        late_article = bool(LATE_PAYMENT.search(doc.article_of(sentence)))
        rates: list[AgreedRate] = []
        # "卖方逾期交货的，每日千分之三；买方逾期付款的，按LPR计息": each half has its own rate
        for part in _SUB_CLAUSE.split(sentence.norm):
            late = bool(LATE_PAYMENT.search(part))
            if PENALTY_CONTEXT.search(part) and (late or not _DELIVERY.search(part)):
                found_rates = agreed_rates(part, lpr_1y)
                rates += found_rates
                if late or late_article:
                    for rate in found_rates:
                        kind = _charge_kind(part, rate.start)
                        if kind is not None:
                            charges.append(_Charge(kind, rate, sentence))
        if not rates:
            continue
        # a late rate outside a delivery clause ("每逾期一日按万分之五", "overdue sums bear 0.05% a day")
        late_clause = True
        worst = max(rates, key=lambda r: r.annual)
        found = _excessive(sentence, worst, lpr_1y, warn_multiple, note_multiple)
        if found is not None:
            findings.append(found)
    stacked = _stacked(charges, lpr_1y, warn_multiple, note_multiple)
    if stacked is not None:
        findings.append(stacked)
    if not late_clause:
        general = next((s for s in doc.sentences if _GENERAL_BREACH.search(s.norm)), None)
        if general is not None:
            findings.append(Finding(
                "penalty.missing", "info",
                "合同只有概括的违约责任条款，没有专门约定逾期付款违约金的计算标准（利率、起算日）；"
                "主张逾期付款损失时将按《买卖合同解释》第18条第4款以LPR加计30%—50%计算。",
                "The contract has only a general breach clause and no late-payment rate or start day; a "
                "late-payment claim would fall back on LPR plus 30%–50% (SPC Sales Interpretation art. 18(4)).",
                general.text,
            ))
        else:
            findings.append(Finding(
                "penalty.missing", "warning",
                "合同没有逾期付款违约金条款：只能按《买卖合同解释》第18条第4款以一年期LPR加计30%—50%主张损失。",
                "The contract has no late-payment clause: the seller could claim only the one-year LPR plus "
                "30%–50% (SPC Sales Interpretation art. 18(4)).",
                "",
            ))
    return findings
