"""letter.threat: threatening, insulting or harassing wording in an outgoing letter.

A collection letter may state neutral, lawful consequences ("我司将依法通过诉讼途径解决", "we will
commence legal proceedings"); it may not threaten, insult, shame the debtor in public, reach third
parties (family, the debtor's customers), send people to sit in the debtor's office (驻场) or
threaten a criminal complaint over what is a civil debt. Each pattern carries the reason a clerk is
shown.

One criminal consequence is lawful to state: once a judgment or ruling is in force, refusing to
comply with it is a crime (刑法 313, 拒不执行判决、裁定罪) and the court may fine or detain (民事诉讼法
114). A sentence that names that refusal, in a letter that cites an effective judgment, is a warning
for the approving lawyer to check the judgment; without a judgment it is a threat like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflow.law.linter.findings import Finding, Severity
from workflow.law.linter.segment import Document

_I = re.IGNORECASE


@dataclass(frozen=True)
class Wording:
    category: str
    severity: Severity
    pattern: re.Pattern[str]


_CATEGORY_TEXT: dict[str, tuple[str, str]] = {
    "threat": ("威胁性", "threatening"),
    "insult": ("侮辱性", "insulting"),
    "exposure": ("以公开曝光施压", "public-shaming"),
    "third_party": ("联系第三方（家属、客户、同行等）",
                    "third-party-contact (family, customers, peers)"),
    "visit": ("上门施压", "turning-up-in-person"),
    "onsite": ("派人驻场催收", "on-site-collection"),
    "criminal": ("以刑事追究威胁民事欠款", "criminal-complaint"),
}

WORDINGS: tuple[Wording, ...] = (
    Wording("threat", "error", re.compile(
        r"让你(?:们)?好看|有你(?:们)?好看|后果自负|走着瞧|别怪(?:我们?|我司)?不客气|对你(?:们)?不客气|吃不了兜着走"
        r"|你(?:们)?等着|给我小心|小心(?:你|你们)的|不择手段|采取一切(?:必要)?手段|收拾你|弄死|整死|搞垮|整垮|搞臭"
        r"|让你(?:们)?(?:公司)?(?:倒闭|破产|关门|混不下去|在行业内消失)|人身安全|找人(?:来)?(?:收拾|处理)"
        r"|黑社会|道上")),
    Wording("threat", "warning", re.compile(r"威胁|恐吓|最后的机会|别逼我|否则[^。]{0,10}一切后果")),
    Wording("threat", "error", re.compile(
        r"\bwe will (?:ruin|destroy|crush|finish) you\b|\bruin (?:you|your (?:business|company|reputation|life))\b"
        r"|\byou will regret\b|\bor else\b|\bwe know where you (?:live|work)\b|\bmake your life\b"
        r"|\bface the consequences\b|\byou have been warned\b|\bby any means necessary\b|\bwatch your back\b"
        r"|\bconsequences will be severe\b", _I)),
    Wording("insult", "error", re.compile(
        r"骗子|老赖|无赖|流氓|人渣|混蛋|王八|不要脸|垃圾公司|黑心|败类|赖皮|诈骗犯|白眼狼|奸商")),
    Wording("insult", "warning", re.compile(r"赖账|赖帐|耍赖")),
    Wording("insult", "error", re.compile(
        r"\bdeadbeats?\b|\bscam(?:mer)?s?\b|\bfraudsters?\b|\bcrooks?\b|\bliars?\b|\bthie(?:f|ves)\b|\bcheats?\b"
        r"|\bcon ?(?:man|men|artists?)\b|\bparasites?\b", _I)),
    Wording("exposure", "error", re.compile(
        r"曝光|挂到网上|发到(?:网上|朋友圈|微博|抖音|行业群)|网上公布|登报(?:公示|公告|声明)?|媒体(?:报道|披露)"
        r"|公布(?:你|贵司|你们|其)?(?:的)?(?:名称|名字|姓名|照片|欠款|丑事)"
        r"|在(?:网站|网络|网上|媒体|报纸|朋友圈|微博|行业群|行业协会)(?:上)?(?:公布|公开|曝光|发布|通报)"
        r"|(?:行业)?黑名单|公之于众|(?:告知|通报|通知|举报|反映)(?:给|至|到)?[^。，,]{0,6}?(?:行业协会|商会|媒体|记者)")),
    Wording("exposure", "error", re.compile(
        r"\b(?:publish|post|print|circulate)\w* your (?:name|company name|details|photo|debt)\b|\bname and shame\b"
        r"|\bexpose you\b|\bpublicly shame\b|\bshame you\b|\bblacklist(?:ed)? you\b|\bon social media\b"
        r"|\bin the (?:press|newspapers?|media)\b", _I)),
    Wording("third_party", "error", re.compile(
        r"(?:联系|通知|告知|告诉|找|打电话给|致电)(?:你的|您的|贵司的?|其|你们的?)?"
        r"(?:家人|家属|父母|子女|孩子|配偶|老婆|妻子|丈夫|亲属|亲戚|亲友|朋友|邻居)"
        # the debtor's business partners only with a possessive: "联系客户经理" is our own staff
        r"|(?:联系|通知|告知|告诉|找|打电话给|致电)[^。，,]{0,8}?(?:你的|您的|贵司的?|贵公司的?|其|你们的?)"
        r"[\u4e00-\u9fff]{0,4}?(?:客户|供应商|合作伙伴|同行|股东|下游|上游)")),
    Wording("third_party", "error", re.compile(
        r"\b(?:contact|call|tell|inform|notify|write to|visit)\w* (?:all )?(?:your|his|her|their) "
        r"(?:family|relatives|wife|husband|spouse|children|parents|neighbou?rs|friends|customers|clients|suppliers"
        r"|employer|business partners)\b", _I)),
    Wording("visit", "error", re.compile(
        r"上门(?:催收|讨债|追债|要账|讨要|堵)|堵门|到你(?:家|们公司|单位)|蹲守|天天(?:打电话|上门)")),
    Wording("visit", "warning", re.compile(r"上门")),
    Wording("third_party", "error", re.compile(
        r"(?:让|请|叫)(?:你|您)(?:的)?(?:家人|家属|父母|子女|配偶|亲属|亲戚|爱人)"
        r"|(?:你|您)(?:的)?(?:家人|家属|父母|子女|孩子|配偶|亲属|亲戚|爱人)[^。]{0,10}(?:会|将|也将|也会)(?:收到|知道|接到)"
        r"|向(?:你|您|其)(?:的)?(?:家人|家属|父母|子女|配偶|亲属|亲戚|爱人)(?:催收|催讨|讨要|追讨|说明|通报)"
        r"|(?:联系|通知|告知|找)(?:家里人|爱人|儿女|父亲|母亲)")),
    Wording("third_party", "error", re.compile(
        r"\byour (?:family|relatives|spouse|wife|husband|children|parents)(?: members)? will (?:be (?:informed|told"
        r"|contacted|notified)|hear|know|receive)\b"
        r"|\b(?:contact|notify|inform)\w* (?:the )?(?:debtor's )?family members\b", _I)),
    Wording("onsite", "error", re.compile(
        r"驻场(?:催收|催款|追讨|追款|追债|追收|讨债|讨款|讨要|收款|催缴)|上门驻场|驻守|驻扎"
        r"|驻场(?:直至|直到|至)[^。]{0,12}?(?:付清|还清|结清|付款|还款|解决)"
        r"|(?:派|委派|安排|组织|增派)(?:专人|人员|工作人员|催收人员|催收团队|团队|律师|员工|同事)?"
        r"(?:到|至|前往|进驻)?(?:贵司|你司|你们公司|贵公司|你方|贵方|贵单位|你单位)?(?:现场)?驻场"
        r"(?!服务|运维|实施|提供|支持|开发|工程师)"
        r"|进驻(?:贵司|你司|贵公司|你们公司|贵单位|你单位)")),
    Wording("onsite", "error", re.compile(
        r"\bstation\w* (?:our |a )?(?:staff|collectors?|people|team|representatives?|employees?) (?:at|in) your\b"
        r"|\bon-?site (?:debt )?collection\b"
        r"|\b(?:stay|remain|sit|camp)\w* (?:at|in|outside) your (?:office|premises|home|house|factory|site)s? until\b"
        r"|\bsend\w* (?:a team|our collectors|our staff|people|someone) to (?:stay|sit|remain|camp)\b", _I)),
    Wording("visit", "error", re.compile(
        r"\b(?:turn|show) up at your\b|\bvisit (?:you at )?your (?:home|house)\b|\bcome to your (?:home|house)\b"
        r"|\bcall you every day\b", _I)),
    Wording("criminal", "error", re.compile(
        r"报案|报警|(?:向|到)公安(?:机关|局|部门)?(?:报案|举报|控告|反映)|移送公安|刑事(?:报案|控告|立案|追诉|责任)"
        r"|追究[^。，,]{0,12}?刑事|诈骗|拒不执行|拒执|逃避债务罪|非法占有|坐牢|判刑|拘留|逮捕|抓人|经侦|立案侦查")),
    Wording("criminal", "error", re.compile(
        r"\b(?:report|reported|reporting) (?:you |this |the matter |your company )?to the police\b|\bcall the police\b"
        r"|\bpolice (?:report|complaint|investigation)\b|\bcriminal(?:ly)? (?:charges?|complaint|liability|prosecut\w*"
        r"|proceedings|case|investigation|offen[cs]e)\b"
        r"|\b(?:you|your \w+|he|she|they|directors?) (?:will|could|may|shall|would) be (?:prosecuted|arrested|jailed"
        r"|imprisoned|detained)\b|\barrest you\b|\b(?:go|sent|put you) (?:to|in) (?:jail|prison)\b"
        r"|\b(?:jail|prison) (?:time|sentence|term)\b|\b(?:for|of|with|committed|committing|amounts to|constitutes)"
        r" (?:contract )?fraud\b|\bfraud charges?\b|\bcontract fraud\b", _I)),
)

# "谨防诈骗: our account never changes" warns the reader about fraudsters and accuses nobody
_FRAUD_WARNING = re.compile(r"谨防|防范|警惕|冒充|谨防诈骗|\bbeware\b|\bimpersonat|\bphishing\b|\bbe alert\b"
                            r"|\bnever (?:change|ask)", re.IGNORECASE)

# a judgment or ruling in force: the letter may then state that refusing to comply with it is a crime
_JUDGMENT = re.compile(
    r"(?:已(?:经)?)?生效(?:的)?(?:民事)?(?:判决|裁定|调解书|仲裁裁决)|(?:判决|裁定|调解书|裁决)(?:书)?已(?:经)?(?:发生法律效力|生效)"
    r"|[(（]\d{4}[)）][^。，,]{1,12}?(?:民初|民终|民再|执|仲)[^。，,]{0,4}?\d+号"
    r"|\b(?:final|effective|binding|enforceable) (?:judgment|ruling|award)\b|\bjudgment (?:of|dated|no\.)",
    re.IGNORECASE)
# accusations that no judgment makes lawful
_BEYOND_REFUSAL = re.compile(
    r"诈骗|非法占有|逃避债务|坐牢|判刑|逮捕|抓人|经侦|立案侦查|\bfraud|\bjail|\bprison|\barrest", re.IGNORECASE)
_REFUSAL = re.compile(r"拒不执行|拒执|不履行[^。]{0,10}(?:判决|裁定|调解书)|\brefus\w* to (?:comply with|perform|"
                      r"satisfy|execute) (?:the |a |this )?(?:judgment|ruling|court order|award)\b|\barticle 313\b"
                      r"|\bart\. 313\b", re.IGNORECASE)


def check_letter(doc: Document) -> list[Finding]:
    findings: list[Finding] = []
    judgment = bool(_JUDGMENT.search(doc.norm))
    for sentence in doc.sentences:
        hits: dict[str, tuple[Severity, list[str]]] = {}
        for wording in WORDINGS:
            for m in wording.pattern.finditer(sentence.norm):
                severity, words = hits.get(wording.category, (wording.severity, []))
                if wording.severity == "error":
                    severity = "error"
                if m.group(0) not in words and not any(m.group(0) in w for w in words):
                    words.append(m.group(0))
                hits[wording.category] = (severity, words)
        if "criminal" in hits and _FRAUD_WARNING.search(sentence.norm):
            del hits["criminal"]
        criminal = hits.get("criminal")
        if (criminal is not None and judgment and _REFUSAL.search(sentence.norm)
                and not any(_BEYOND_REFUSAL.search(w) for w in criminal[1])):
            del hits["criminal"]
            words = criminal[1]
            quoted = "、".join(f"“{w}”" for w in words)
            findings.append(Finding(
                "letter.threat", "warning",
                f"函件以拒不执行判决、裁定罪相告（{quoted}）：只有判决、裁定已经发生法律效力，"
                "对方有能力履行而拒不履行时，才可如实提及（《刑法》第313条）。请核对所引判决，并保持中性表述。",
                f"The letter mentions the crime of refusing to comply with a judgment ({', '.join(words)}): this may "
                "be stated only when a judgment or ruling is in force and the debtor, able to comply, refuses "
                "(Criminal Law art. 313). Check the judgment cited and keep the wording neutral.",
                sentence.text, {"category": "criminal", "words": "|".join(words)},
            ))
        for category, (severity, words) in hits.items():
            zh_cat, en_cat = _CATEGORY_TEXT[category]
            quoted_zh = "、".join(f"“{w}”" for w in words)
            quoted_en = ", ".join(f'"{w}"' for w in words)
            findings.append(Finding(
                "letter.threat", severity,
                f"函件含有{zh_cat}的措辞：{quoted_zh}。催收函件只能陈述事实、依据和依法可采取的措施，不得威胁、侮辱或骚扰。",
                f"The letter contains {en_cat} wording: {quoted_en}. A collection letter may state facts, the legal "
                "basis and lawful next steps only; no threats, insults or harassment.",
                sentence.text, {"category": category, "words": "|".join(words)},
            ))
    return findings
