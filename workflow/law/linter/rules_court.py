"""jurisdiction.names_court, jurisdiction.unconnected_place and jurisdiction.uncertain_party (民事诉讼法 35).

A court clause should say "X地有管辖权的人民法院": naming a court or a level can clash with the rules
on court levels, and the place must be connected with the dispute (a party's domicile, the place of
signing or performance, the subject matter). Whether a named place is connected can only be judged
against the places the contract (or the caller's context) gives; without them the rule stays silent.
A court "where the non-breaching party is" cannot be fixed when the contract is signed, and only a
trial decides who breached: the choice is uncertain and the statutory rules apply (民诉解释 30).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from workflow.law.linter.findings import Finding
from workflow.law.linter.segment import Document, Sentence

_I = re.IGNORECASE

_CHOICE = re.compile(r"管辖|起诉|诉讼|提交|提请|\bjurisdiction\b|\bsue\b|\blitigation\b|\bproceedings\b|\bbrought\b"
                     r"|\bsubmitted\b|\bexclusive\b|\bcompetent\b", _I)
_COURT_ZH = re.compile(r"人民法院|(?:金融|知识产权|海事|互联网|铁路运输)法院|中院")
_ARBITRAL_COURT = re.compile(r"\b(?:International )?Court of (?:International )?Arbitration\b", _I)
_COURT_EN = re.compile(r"\bcourts?\b", _I)
_NOT_CHOICE = re.compile(r"最高人民法院关于|(?:申请|强制)执行|\benforce", _I)
_LEVEL_ZH = re.compile(r"(?:基层|中级|高级)人民法院|中院")
_SPECIAL_ZH = re.compile(r"[\u4e00-\u9fff]{2,8}(?:金融|知识产权|海事|互联网|铁路运输)法院")
_LEVEL_EN = re.compile(r"\b(?:Intermediate|Higher|High|Basic|Primary)\s+People'?s\s+Court", _I)
_NAMED_EN = re.compile(r"((?:[A-Z][A-Za-z.]*\s+){1,5})People'?s\s+Court|People'?s\s+Court\s+of\s+([A-Z][a-z]+)"
                       r"|\b([A-Z][a-z]+\s+(?:Financial|Maritime|Internet|Intellectual Property)\s+Court)")
_GENERIC_EN_WORDS = {"the", "a", "any", "competent", "local", "relevant", "appropriate", "chinese", "prc"}

_PARTY_REF = re.compile(
    r"甲方|乙方|买方|卖方|供方|需方|供货方|出卖人|买受人|原告|被告|守约方|违约方|起诉方|申请人|债权人|债务人|签订地|履行地"
    r"|标的物|所在地|住所地|注册地|营业地|交货地|收货地|双方|一方|当事人|总部|项目地"
    r"|\bseller\b|\bbuyer\b|\bsupplier\b|\bpurchaser\b|\bplaintiff\b|\bdefendant\b|\bclaimant\b|\bparty [ab]\b"
    r"|\bdomicile\b|\bdomiciled\b|\bregistered\b|\bplace of (?:signing|performance|delivery|execution)\b"
    r"|\bwhere (?:this|the) (?:contract|agreement) (?:is|was) (?:signed|performed|executed)\b|\bsuing party\b",
    _I,
)
_PARTY_REF_EN = re.compile(
    r"\b(?:seller|buyer|supplier|purchaser|plaintiff|defendant|claimant|party [ab]|domicile|domiciled)\b"
    r"|\bplace of (?:signing|performance|delivery|execution)\b|\bsuing party\b"
    r"|\bwhere (?:this|the) (?:contract|agreement) (?:is|was) (?:signed|performed|executed)\b",
    _I,
)
# who breached is known only after a trial, so a court chosen by it is not fixed when suing
_PARTY_WORD_EN = r"(?:non-?(?:breaching|defaulting)|innocent|aggrieved|observant|breaching|defaulting) party"
_UNCERTAIN_PARTY = re.compile(
    r"(?:非违约|守约|违约|未违约)(?:一)?方(?:的)?(?:所在地|住所地|注册地|所在城市|营业地"
    r"|(?=(?:有管辖权的)?(?:人民)?法院))"
    rf"|\b{_PARTY_WORD_EN}(?:'s (?:domicile|location|seat|place|registered address)"
    r"| is (?:located|domiciled|registered|situated))"
    rf"|\b(?:domicile|location|seat|place|locality) of the {_PARTY_WORD_EN}\b",
    _I,
)
PLACE_KEYS = ("seller_place", "buyer_place", "signing_place", "performance_place")
_LEVEL_SUFFIX = re.compile(r"(?:第[一二三四五六七八九十\d]+)?(?:基层|中级|高级)$")
_CUT = re.compile(r"提交|提请|交由|由|向|在|于|归|至|到|或|及|和|与|的|均|应|可|[，,:;；、\s]")
_ADMIN = re.compile(r"[\u4e00-\u9fff]+?(?:自治区|自治州|新区|特别行政区|省|市|区|县|旗|州|盟)")
_EN_PLACE_STOP = {"people's", "peoples", "court", "courts", "china", "prc", "republic", "contract", "agreement",
                  "seller", "buyer", "party", "parties", "the", "any", "all", "intermediate", "higher", "basic",
                  "district", "city", "county", "area", "new", "arbitration", "law", "laws", "civil",
                  "procedure", "people", "competent", "of", "financial", "maritime", "internet"}
_EN_PLACE = re.compile(r"\b(?:in|of|at)\s+(?:the\s+)?((?:[A-Z][a-z]+)(?:\s+[A-Z][a-z]+){0,2})")

_PLACE_LINE = re.compile(
    r"(?:住\s*所(?:地)?|地\s*址|注册地址|通讯地址|联系地址|办公地址|营业地址|经营地址|签订地点|签订地|签约地点|签约地"
    r"|合同签订地|履行地点|履行地|交货地点|交货地|收货地址|送货地址|registered address|business address|address"
    r"|domicile|place of signing|signed at|signing place|place of delivery|delivery place|delivery address"
    r"|place of performance)\s*[:|]\s*(.+)",
    _I,
)
_SIGNED_AT = re.compile(r"(?:于|在)([\u4e00-\u9fff]{2,20}?)(?:签订|签署)"
                        r"|\b(?:signed|entered into|made|executed)(?: on [^,.;]{4,24}?)?"
                        r" (?:in|at) ([A-Z][A-Za-z ,]{2,40})")


def known_places(doc: Document, context: Mapping[str, str] | None) -> list[str]:
    """Every place the contract connects to: the caller's context plus address and signing lines."""
    places = [v for k, v in (context or {}).items() if v and k in PLACE_KEYS]
    for line in doc.norm.split("\n"):
        m = _PLACE_LINE.search(line)
        if m:
            places.append(m.group(1))
        for s in _SIGNED_AT.finditer(line):
            places.append(s.group(1) or s.group(2))
    return [p.strip().lower() for p in places if p.strip()]


def _zh_place(prefix: str) -> str:
    prefix = prefix.replace("有管辖权的", "").replace("有管辖权", "").rstrip("的")
    parts = _CUT.split(prefix)
    return parts[-1] if parts else ""


def _place_key(place: str) -> str:
    """The most specific part of a place: 上海市浦东新区 → 浦东, 杭州 → 杭州, Chaoyang → chaoyang."""
    pieces = _ADMIN.findall(place)
    if not pieces:
        return place.strip().lower()
    last = re.sub(r"(?:自治区|自治州|新区|特别行政区|省|市|区|县|旗|州|盟)$", "", pieces[-1])
    return last if len(last) >= 2 else pieces[-1]


def _named_courts(norm: str) -> tuple[list[str], list[str]]:
    """(courts or court levels named, places of the agreed court) in one sentence."""
    named: list[str] = []
    places: list[str] = []
    for m in _COURT_ZH.finditer(norm):
        raw = norm[max(0, m.start() - 16):m.start()]
        place = _zh_place(raw)
        level = m.group(0) == "中院" or place.endswith(("基层", "中级", "高级"))
        # "杭州市有管辖权的人民法院" is the recommended form: a place, not a named court
        direct = not raw.rstrip("的").endswith("有管辖权")
        party = bool(_PARTY_REF.search(place))  # 甲方所在地人民法院: connected by definition
        if level or _SPECIAL_ZH.search(place + m.group(0)) or (direct and not party and _ADMIN.search(place)):
            named.append(place + m.group(0))
        bare = _LEVEL_SUFFIX.sub("", place)
        if bare and not party:
            places.append(bare)
    for m in _LEVEL_EN.finditer(norm):
        named.append(m.group(0))
    for m in _NAMED_EN.finditer(norm):
        words = (m.group(1) or "").split()
        if m.group(1) and all(w.lower() in _GENERIC_EN_WORDS for w in words):
            continue
        named.append(m.group(0).strip())
    if not _PARTY_REF_EN.search(norm):
        for m in _EN_PLACE.finditer(norm):
            words = [w for w in m.group(1).split() if w.lower() not in _EN_PLACE_STOP]
            if words:
                places.append(" ".join(words))
        for m in _NAMED_EN.finditer(norm):
            words = [w for w in (m.group(1) or m.group(2) or m.group(3) or "").split()
                     if w.lower() not in _EN_PLACE_STOP and w.lower() not in _GENERIC_EN_WORDS]
            if words:
                places.append(words[0])
    unique = list(dict.fromkeys(named))
    # "Intermediate People's Court" inside "Ningbo Intermediate People's Court" is one court
    named = [n for n in unique if not any(n != other and n in other for other in unique)]
    return named, list(dict.fromkeys(places))


def _is_court_choice(sentence: Sentence) -> bool:
    norm = _ARBITRAL_COURT.sub(" ", sentence.norm)
    has_court = bool(_COURT_ZH.search(norm) or _COURT_EN.search(norm))
    return has_court and bool(_CHOICE.search(norm)) and not _NOT_CHOICE.search(norm)


def check(doc: Document, context: Mapping[str, str] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    places_known = known_places(doc, context)
    for sentence in doc.sentences:
        if not _is_court_choice(sentence):
            continue
        uncertain = _UNCERTAIN_PARTY.search(sentence.norm)
        if uncertain is not None:
            findings.append(Finding(
                "jurisdiction.uncertain_party", "warning",
                f"管辖条款以“{uncertain.group(0)}”确定法院：签约时无法确定哪一方守约、哪一方违约，起诉时也要经审理才能判断，"
                "法院通常认定该约定不能确定管辖法院，改按法定管辖（被告住所地或合同履行地）处理；"
                "对方还可借此提出管辖权异议拖延诉讼。",
                f"The clause fixes the court by \"{uncertain.group(0)}\": who is in breach is unknown at signing and "
                "can only be decided at trial, so courts usually find that the agreement does not determine a "
                "court and apply the statutory rules (the defendant's domicile or the place of performance); "
                "the debtor can also use it to object to jurisdiction and delay the case.",
                sentence.text, {"party": uncertain.group(0)},
            ))
        named, places = _named_courts(_ARBITRAL_COURT.sub(" ", sentence.norm))
        if named:
            listed = "、".join(named)
            findings.append(Finding(
                "jurisdiction.names_court", "warning",
                f"管辖条款指定了具体法院或法院级别（{listed}），而不是“某地有管辖权的人民法院”：约定不得变更级别管辖，"
                "法院设置或标的额变化时，该约定可能无法执行。",
                f"The clause names a specific court or court level ({', '.join(named)}) instead of \"the "
                "competent people's court at\" a place; an agreement cannot change the level of court, so the "
                "clause may fail when court levels or the amount in dispute change.",
                sentence.text, {"courts": listed},
            ))
        if not places or not places_known:
            continue
        for place in places:
            key = _place_key(place).lower()
            if any(key in known for known in places_known):
                continue
            findings.append(Finding(
                "jurisdiction.unconnected_place", "error",
                f"约定的管辖地“{place}”与合同中的任何一方住所地、签订地或履行地都没有联系；依《民事诉讼法》第35条，"
                "与争议没有实际联系的地点的约定管辖无效。",
                f"The agreed court place \"{place}\" matches none of the parties' domiciles, the place of "
                "signing or the place of performance named in the contract; under art. 35 of the Civil "
                "Procedure Law a choice of a place without actual connection to the dispute is void.",
                sentence.text, {"place": place},
            ))
            break
    return findings

