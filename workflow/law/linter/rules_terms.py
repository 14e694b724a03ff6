"""standard_terms.unfair: a pre-printed clause that gives one side the last word or takes the other's
main rights away (民法典 496–498).

"本合同最终解释权归甲方所有", "乙方不得以任何理由主张利息", "甲方有权单方调整价格": when such a clause is
a standard term (drafted in advance for repeated use and not negotiated), it is void if it
unreasonably excludes the drafter's liability, increases the other side's or takes away its main
rights (497), it may be left out of the contract if its drafter did not point it out (496), and a
doubtful term is read against the drafter whatever the clause says about interpretation (498).
Whether a clause is a standard term is a fact the text does not show, so these are warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflow.law.linter.findings import Finding
from workflow.law.linter.segment import Document

_I = re.IGNORECASE
_PARTY = r"(?:甲方|乙方|买方|卖方|需方|供方|出卖人|买受人|本公司|我司|我方|公司)"
_PARTY_EN = r"(?:the )?(?:Buyer|Seller|Purchaser|Supplier|Company|Vendor|Customer|Contractor|Party [AB])"
# lawful on their own: force majeure (民法典 590), mutual limits, the guarantor's 先诉抗辩权
_EXEMPT = re.compile(r"不可抗力|双方均|任何一方|各方|先诉抗辩|\bforce majeure\b|\beither party\b|\bneither party\b"
                     r"|\bboth parties\b|\bmutual", _I)


# not unreasonable (民法典 497 strikes only unreasonable exclusions): no liability for what the other
# side caused, or for indirect and consequential loss
_REASONABLE_EXCLUSION = re.compile(
    rf"因(?:为)?{_PARTY}|由于{_PARTY}|{_PARTY}(?:的)?(?:原因|过错|过失|提供|指定)|间接损失|可得利益|预期利益"
    rf"|\bcaused by {_PARTY_EN}|{_PARTY_EN}'s (?:fault|negligence|default|breach|instructions|designs?)"
    r"|\b(?:indirect|consequential|incidental|special|punitive)\b|\blost profits\b|\bloss of profits?\b", _I)


def _any(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(alternatives), _I)


_REASON_EN = r"(?:for whatever reason|regardless of (?:the )?cause|howsoever (?:caused|arising))"
_CLAIMS_EN = r"(?:interest|late[- ]payment|damages|compensation|penalt|liquidated damages)"
_CHANGE_EN = r"(?:change|amend|modify|vary|adjust|revise)"

FINAL_INTERPRETATION = _any(
    r"最终解释权", r"最终(?:的)?解释(?:归|由)", rf"解释权(?:归|属于|由){_PARTY}",
    rf"{_PARTY}(?:享有|保留)[^。，,；;]{{0,10}}?解释权",
    r"\b(?:final|sole|exclusive|ultimate) (?:right of |right to )?interpretation\b",
    r"\bright of (?:final )?interpretation\b", r"\b(?:sole|exclusive|absolute) (?:right|discretion) to interpret\b",
    r"\breserves? the right to interpret\b",
)
EXCLUSION = _any(
    rf"{_PARTY}(?:对此|对[^。，,]{{0,24}})?(?:均|概|一律)?(?:不承担|不负)任何(?:法律|赔偿|经济|违约)?责任",
    r"概不负责", r"概不承担", rf"免除{_PARTY}?(?:的)?(?:一切|全部|任何)责任",
    rf"\b(?:under no circumstances|in no event) (?:shall|will) {_PARTY_EN} be (?:held )?liable\b",
    rf"\b{_PARTY_EN} (?:shall|will) (?:not|in no event) be (?:held )?liable (?:to [^.]{{0,30}})?for any "
    r"(?:loss|damage|claim|liability)[^.]{0,60}\bwhatsoever\b",
)
WAIVER = _any(
    rf"(?:不得|无权)(?:以任何理由|以任何方式)?(?:向{_PARTY})?(?:主张|要求|收取|请求|索要|追究)"
    r"[^。，,；;]{0,8}?(?:利息|违约金|滞纳金|资金占用费|赔偿|违约责任)",
    r"(?:不得|无权)(?:以任何理由)?(?:就[^。，,]{0,10})?(?:提起|提出|申请)(?:任何)?(?:诉讼|仲裁|起诉)",
    rf"放弃(?:向{_PARTY})?(?:主张|要求|追究|行使)?[^。，,；;]{{0,6}}?"
    r"(?:利息|违约金|诉权|起诉权|追索权|索赔|诉讼权利|一切权利|任何权利|抗辩权)",
    r"放弃[^。，,；;]{0,20}?(?:提起|提出|申请)(?:诉讼|仲裁|起诉)[^。，,；;]{0,6}?权利",
    rf"\bwaives? (?:any and all |all |any |its )?(?:rights?|claims?) (?:to|for) (?:any )?"
    rf"(?:{_CLAIMS_EN}|sue|bring|commence)",
    rf"\b{_PARTY_EN} (?:shall|will|may) not (?:be entitled to )?(?:claim|charge|demand|seek|recover) (?:any )?"
    rf"{_CLAIMS_EN}",
)
UNILATERAL_CHANGE = _any(
    rf"{_PARTY}有权[^。，,；;]{{0,10}}?(?:单方面?|随时|自行|不经[^。，,]{{0,6}}同意)[^。，,；;]{{0,8}}?"
    r"(?:变更|调整|修改|延长|推迟|解释)",
    rf"(?:价格|单价|付款期限|付款时间|付款方式|结算方式)[^。，,；;]{{0,8}}?以{_PARTY}[^。，,；;]{{0,4}}?"
    r"(?:通知|确认|决定)为准",
    rf"\breserves? the right to {_CHANGE_EN}\b[^.]{{0,60}}"
    r"\b(?:at any time|at its (?:sole|absolute) discretion|without (?:prior )?(?:notice|consent))",
    rf"\b{_PARTY_EN} may (?:unilaterally|at any time|at its (?:sole|absolute) discretion) {_CHANGE_EN}\b",
)
SHIFTED_LIABILITY = _any(
    rf"(?:无论|不论)(?:何种|任何|什么)原因[^。；;]{{0,30}}?(?:均|一律|全部|皆)由{_PARTY}(?:承担|负责|赔偿)",
    r"(?:任何|一切)原因(?:造成|导致|引起)的(?:一切|全部|任何)?(?:损失|责任|后果)[^。；;]{0,6}?(?:均|一律|全部)?由"
    rf"{_PARTY}(?:承担|负责)",
    rf"\b{_REASON_EN}\b[^.]{{0,60}}\b(?:borne by|bear)\b[^.]{{0,20}}?\b{_PARTY_EN}",
    rf"\b{_PARTY_EN} shall bear all (?:losses|liability|costs)\b[^.]{{0,40}}\b{_REASON_EN}",
)


@dataclass(frozen=True)
class _Kind:
    kind: str
    zh: str  # what the clause does, for the message
    en: str
    pattern: re.Pattern[str]
    exempt: bool = True  # the lawful contexts above silence it
    reasonable: re.Pattern[str] | None = None  # what makes this kind of clause reasonable


KINDS: tuple[_Kind, ...] = (
    _Kind("final_interpretation", "把合同的解释权留给一方", "gives one party the last word on what the contract means",
          FINAL_INTERPRETATION, exempt=False),
    _Kind("exclusion", "免除或减轻一方自己的责任", "excludes or limits one party's own liability", EXCLUSION,
          reasonable=_REASONABLE_EXCLUSION),
    _Kind("waiver", "排除或限制对方的主要权利（索要利息、违约金、赔偿或起诉）",
          "takes away the other party's main rights (to interest, a penalty, damages or to sue)", WAIVER),
    _Kind("unilateral_change", "允许一方单方变更价格、付款条件或合同",
          "lets one party change the price, the payment terms or the contract on its own", UNILATERAL_CHANGE),
    _Kind("shifted_liability", "无论原因如何都把损失加到对方身上",
          "puts every loss on the other party whatever its cause", SHIFTED_LIABILITY),
)


def check(doc: Document) -> list[Finding]:
    findings: list[Finding] = []
    for sentence in doc.sentences:
        for kind in KINDS:
            m = kind.pattern.search(sentence.norm)
            if m is None or (kind.exempt and _EXEMPT.search(sentence.norm)):
                continue
            if kind.reasonable is not None and kind.reasonable.search(sentence.norm):
                continue
            phrase = m.group(0).strip()
            zh = (f"该条款“{phrase}”{kind.zh}。如属格式条款（一方预先拟定、可重复使用且未与对方协商），依《民法典》"
                  "第497条，不合理地免除或减轻己方责任、加重对方责任、限制或排除对方主要权利的条款无效；提供方未提示说明的，"
                  "对方可主张该条款不成为合同内容（第496条）；对条款理解有争议的，应作不利于提供方的解释（第498条），"
                  "约定“最终解释权”也改变不了这一点。")
            en = (f"The clause \"{phrase}\" {kind.en}. If it is a standard term (drafted in advance for repeated use "
                  "and not negotiated), Civil Code art. 497 makes it void where it unreasonably excludes or limits "
                  "the drafter's liability, increases the other side's, or restricts or excludes the other side's "
                  "main rights; if the drafter did not draw attention to it, the other side may claim it is not "
                  "part of the contract (art. 496); and a disputed term is read against the drafter (art. 498), "
                  "whatever a \"final interpretation\" clause says.")
            findings.append(Finding("standard_terms.unfair", "warning", zh, en, sentence.text,
                                    {"kind": kind.kind, "phrase": phrase}))
            break
    return findings
