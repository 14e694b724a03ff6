"""notice.missing: no agreed address (ideally an email address) for notices and service.

An agreed address makes a dunning email provably delivered (民法典 137) and lets a court serve
documents there (送达若干意见 8). A notice clause without any email address is noted, because our
letters go out by email first.
"""

from __future__ import annotations

import re

from workflow.law.linter.findings import Finding
from workflow.law.linter.segment import Document

_I = re.IGNORECASE

NOTICE_CLAUSE = re.compile(
    r"送达地址|通知地址|通讯地址|联系地址[^。\n]{0,30}送达|送达[^。\n]{0,30}(?:地址|邮箱|电子邮件)"
    r"|(?:指定|确认|约定)[^。\n]{0,20}(?:地址|邮箱|电子邮件)[^。\n]{0,30}(?:送达|通知|联系)"
    r"|(?:通知|函件|文书|文件)[^。\n]{0,30}(?:送达|发送至|寄送至|寄至|发至)[^。\n]{0,30}(?:地址|邮箱|电子邮件)"
    r"|(?:地址|邮箱|电子邮件)[^。\n]{0,30}(?:视为|即为)(?:有效)?送达"
    r"|\bnotices?\b[^.\n]{0,120}\b(?:address|e-?mail)\b|\b(?:address|e-?mail)\b[^.\n]{0,80}\bnotices?\b"
    r"|\bservice of (?:process|documents|legal documents|court documents)\b"
    r"|\baddress(?:es)? for (?:service|notices?)\b",
    _I,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|电子邮箱|电子邮件|邮箱|\be-?mail\b", _I)


def check(doc: Document) -> list[Finding]:
    clause = next((s for s in doc.sentences if NOTICE_CLAUSE.search(s.norm)), None)
    if clause is None:
        return [Finding(
            "notice.missing", "warning",
            "合同没有约定通知及文书送达地址：催款函、对账单是否送达将难以证明，诉讼中法院也不能直接按约定地址送达。",
            "The contract has no agreed address for notices and service: delivery of dunning letters and "
            "statements will be hard to prove, and a court cannot simply serve at an agreed address.",
            "",
        )]
    if not _EMAIL.search(doc.article_of(clause)):
        return [Finding(
            "notice.missing", "info",
            "送达条款只有邮寄地址，没有约定电子邮箱：建议同时约定双方的电子邮箱作为通知和送达地址，便于证明电子催款的送达。",
            "The notice clause gives postal addresses only: add each party's email address for notices and "
            "service, so that email reminders are provably delivered.",
            clause.text,
        )]
    return []
