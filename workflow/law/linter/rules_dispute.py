"""arbitration.or_clause, arbitration.no_commission, arbitration.two_commissions.

An arbitration agreement must choose arbitration (not "arbitration or court", 仲裁法解释 7) and name
one commission (仲裁法 16, 18; 仲裁法解释 5, 6). Names are read from the whole article, because
clerks often write "争议提交仲裁。仲裁机构为上海仲裁委员会。" as two sentences.
"""

from __future__ import annotations

import re

from workflow.law.linter.findings import Finding
from workflow.law.linter.segment import Document, Sentence

_I = re.IGNORECASE

ARBITRATION = re.compile(r"仲裁|\barbitrat", _I)
# an agreement to arbitrate, not a mere mention ("送达地址也适用于仲裁及诉讼程序")
_AGREEMENT = re.compile(
    r"(?:提交|提请|交由|递交|交付|申请|诉诸|通过|采用|采取|以|向|由)[^。;；]{0,30}?仲裁|仲裁(?:方式)?解决|仲裁机构为"
    r"|(?:解决方式|解决办法|解决途径)[^。]{0,6}仲裁"
    r"|\b(?:submit|submitted|refer|referred|resolv\w*|settled?|determined|decided)\b[^.;]{0,60}?\barbitration\b"
    r"|\b(?:by|to|through|via) (?:binding |final |institutional )?arbitration\b|\barbitration agreement\b",
    _I,
)
_COURT = re.compile(r"法院|起诉|诉讼|\bcourts?\b|\blitigation\b|\bsue\b|\blawsuit", _I)
_ALTERNATIVE = re.compile(r"或者|或向|或|也可|亦可|另可|选择|\bor\b|and/or|\beither\b|\balternatively\b", _I)
_OPENS_ALTERNATIVE = re.compile(r"^\s*(?:也可|亦可|或者|或|另外也可|alternatively|or\b|either party may also)", _I)
_COSTS = re.compile(
    r"(?:仲裁|诉讼|律师|保全|鉴定|公证|担保|差旅|执行)费用?"
    r"|\b(?:costs?|fees|expenses) (?:of|for|incurred in) (?:any )?(?:litigation|arbitration)"
    r"(?: or (?:litigation|arbitration))?|\b(?:arbitration|litigation|legal|court|attorneys?'?s?|lawyers?'?s?)"
    r" (?:fees|costs|expenses)\b",
    _I,
)
_ARBITRAL_COURT = re.compile(r"\b(?:International )?Court of (?:International )?Arbitration\b", _I)
_ENFORCEMENT = re.compile(r"(?:申请|强制)执行|撤销[^。]{0,6}裁决|\benforce|\bset aside\b", _I)
# the service clause names arbitration and litigation as the proceedings its address serves
# ("诉讼、仲裁法律文书的送达地址", "适用于仲裁及诉讼程序"): not a choice of forum
_SERVICE = re.compile(r"送达|法律文书|诉讼文书|仲裁文书|\bserv(?:ice|ed|ing)\b|\bdelivery of\b", _I)
_PART = re.compile(r"[，,]")
# giving up or barring proceedings ("乙方放弃提起诉讼或仲裁的权利") chooses no forum
_RENOUNCED = re.compile(r"(?:放弃|不得|无权)[^。；;]{0,24}?(?:诉讼|仲裁)|\bwaives?\b[^.;]{0,40}\barbitrat", _I)

# the words before 仲裁委员会 that are not part of its name
_CUT = re.compile(r"提交|提请|交由|递交|送交|申请|或者|以及|并由|选择|指定|约定"
                  r"|向|由|或|及|和|与|的|至|到|交|按|请|应|均|可|给|为|该|其|[，,:;；、\s]")
_PLACE_ONLY = re.compile(r"(?:所在地|住所地|签订地|履行地|当地|本地|注册地|项目地)$")
_VAGUE_NAME = re.compile(r"有关|相关|任何|认可|选定|协商|有管辖权|合法|依法|一家|一个|某")
_ZH_BODY = re.compile(r"((?:(?!仲裁)[\u4e00-\u9fff]){0,24})"
                      r"(仲裁委员会|国际仲裁中心|仲裁中心|仲裁院|仲裁委)(?:[\u4e00-\u9fff]{2,4}分会)?")
_PAREN_ALIAS = re.compile(r"\(([^()]*?(?:仲裁中心|仲裁委员会|仲裁院|[A-Z]{2,6}))\)")
_ZH_ALIASES = {"贸仲": "中国国际经济贸易", "贸仲委": "中国国际经济贸易", "上仲": "上海", "北仲": "北京",
               "深国仲": "深圳国际"}

_EN_ACRONYMS = {"cietac": "china international economic and trade", "shiac": "shanghai international",
                "scia": "shenzhen court of international arbitration", "bac": "beijing",
                "hkiac": "hong kong international", "siac": "singapore international",
                "icc": "international chamber of commerce", "lcia": "london court of international arbitration",
                "shac": "shanghai"}
_EN_ACRONYM = re.compile(r"\b(CIETAC|SHIAC|SCIA|BAC|HKIAC|SIAC|ICC|LCIA|SHAC)\b")
_EN_BODY = re.compile(
    r"((?:[A-Z][A-Za-z]*\s+|and\s+|of\s+){1,8}?)(?:International\s+)?(?:Arbitration\s+(?:Commission|Cent(?:er|re)|"
    r"Institute|Association)|Court of (?:International )?Arbitration)"
    r"|(International Chamber of Commerce)")
_EN_LEADING = re.compile(r"^(?:(?:the|to|by|of|and|under|before|at|in|with|administered|submitted|referred)\s+)+", _I)
_EN_PLACE_ONLY = re.compile(r"\barbitration\s+(?:in|at)\s+[A-Z][a-z]+", 0)


def _zh_names(text: str) -> tuple[set[str], bool]:
    """Commission names in ``text`` and whether one is designated only by a place ("甲方所在地仲裁委员会")."""
    names: set[str] = set()
    place_only = False
    text = _PAREN_ALIAS.sub("", text)
    for m in _ZH_BODY.finditer(text):
        prefix = m.group(1)
        if _PLACE_ONLY.search(prefix):
            place_only = True
            continue
        parts = _CUT.split(prefix)
        name = parts[-1] if parts else ""
        if len(name) < 2 or _VAGUE_NAME.search(name):
            continue
        names.add(_ZH_ALIASES.get(name, name))
    for alias, canonical in _ZH_ALIASES.items():
        if re.search(rf"(?<![\u4e00-\u9fff]){alias}(?!委员会)", text) and not any(canonical in n for n in names):
            names.add(canonical)
    return names, place_only


def _en_names(text: str) -> set[str]:
    names: set[str] = set()
    text_wo_parens = re.sub(r"\((?:[A-Z]{2,6})\)", "", text)
    for m in _EN_BODY.finditer(text_wo_parens):
        if m.group(2):
            names.add(_EN_ACRONYMS["icc"])
            continue
        lead = _EN_LEADING.sub("", m.group(1)).strip().lower()
        if not lead or lead in ("an", "a", "any", "the relevant", "a competent", "competent", "local"):
            continue
        names.add(lead)
    for m in _EN_ACRONYM.finditer(text):
        canonical = _EN_ACRONYMS[m.group(1).lower()]
        if not any(canonical.startswith(n) or n.startswith(canonical) for n in names):
            names.add(canonical)
    return names


def _strip_costs(norm: str) -> str:
    """Without cost phrases ("诉讼费、仲裁费由败诉方承担") and arbitral bodies called courts."""
    return _ARBITRAL_COURT.sub(" arbitration ", _COSTS.sub(" ", norm))


def _without_service(norm: str) -> str:
    """The sentence without its comma-separated parts about serving documents."""
    if not _SERVICE.search(norm):
        return norm
    return "，".join(p for p in _PART.split(norm) if not _SERVICE.search(p))


def _or_clause(doc: Document, index: int, sentence: Sentence) -> Finding | None:
    text = _strip_costs(_without_service(sentence.norm))
    nxt = doc.sentences[index + 1] if index + 1 < len(doc.sentences) else None
    if nxt is not None and nxt.article == sentence.article and _OPENS_ALTERNATIVE.search(nxt.norm):
        text = text + " " + _strip_costs(_without_service(nxt.norm))
    if not (ARBITRATION.search(text) and _COURT.search(text)):
        return None
    if _ENFORCEMENT.search(text) and not re.search(r"起诉|\bsue\b|\blitigation\b", text, _I):
        return None
    arb = ARBITRATION.search(text)
    court = _COURT.search(text)
    assert arb is not None and court is not None
    lo, hi = sorted((arb.start(), court.start()))
    between = text[max(0, lo - 12):hi + 12]
    if not _ALTERNATIVE.search(between):
        return None
    return Finding(
        "arbitration.or_clause", "error",
        "争议解决条款同时约定了仲裁和向法院起诉（“或裁或诉”），依《仲裁法解释》第7条，该仲裁约定无效，"
        "一方起诉时仲裁条款挡不住，一方申请仲裁时对方可以提出异议。",
        "The clause allows both arbitration and court proceedings; under art. 7 of the SPC Interpretation of "
        "the Arbitration Law the arbitration agreement is void, so either side can go to court or object to "
        "an arbitration.",
        sentence.text,
    )


def check(doc: Document) -> list[Finding]:
    findings: list[Finding] = []
    seen_articles: set[int] = set()
    for index, sentence in enumerate(doc.sentences):
        norm = _without_service(sentence.norm)
        if not _AGREEMENT.search(norm) or _RENOUNCED.search(norm):
            continue
        if not ARBITRATION.search(_strip_costs(norm)):
            continue
        or_clause = _or_clause(doc, index, sentence)
        if or_clause is not None:
            findings.append(or_clause)
        if sentence.article in seen_articles:
            continue
        seen_articles.add(sentence.article)
        article = doc.article_of(sentence)
        zh_names, place_only = _zh_names(article)
        names = zh_names | _en_names(article)
        if len(names) >= 2:
            listed = "、".join(sorted(names))
            findings.append(Finding(
                "arbitration.two_commissions", "error",
                f"仲裁条款约定了两个以上仲裁机构（{listed}）：须在争议发生后协商选定其一，协商不成则仲裁协议无效"
                "（《仲裁法解释》第5条）。欠款方不会配合选定，催收时这一条款往往等于没有。",
                f"The arbitration clause names more than one institution ({', '.join(sorted(names))}); the "
                "parties must agree on one after the dispute arises, and if they cannot, the agreement is void "
                "(SPC Interpretation art. 5). A debtor rarely agrees, so in collection the clause is usually lost.",
                sentence.text, {"institutions": listed},
            ))
        elif not names:
            en_place_only = bool(_EN_PLACE_ONLY.search(article))
            if place_only or en_place_only:
                findings.append(Finding(
                    "arbitration.no_commission", "warning",
                    "仲裁条款只写了仲裁地点，没有写明仲裁委员会名称：只有该地仅有一家仲裁机构时才视为已选定"
                    "（《仲裁法解释》第6条），有两家以上的则需补充协议，否则无效。",
                    "The arbitration clause names only a place, not a commission: it counts as a choice only "
                    "if that place has exactly one commission (SPC Interpretation art. 6); otherwise a "
                    "supplementary agreement is needed or the clause is void.",
                    sentence.text,
                ))
            else:
                findings.append(Finding(
                    "arbitration.no_commission", "error",
                    "仲裁条款没有写明仲裁委员会：依《仲裁法》第18条，双方达不成补充协议的，仲裁协议无效。",
                    "The arbitration clause names no commission; under art. 18 of the Arbitration Law it is void "
                    "unless the parties agree on one later.",
                    sentence.text,
                ))
    return findings
