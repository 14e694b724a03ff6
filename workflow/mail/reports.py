"""Machine answers to our letters: delivery reports (bounces) and auto-replies, in that order.

1. An RFC 3464 ``multipart/report; report-type=delivery-status``: per recipient ``Original-Recipient``
   (the address we wrote to) else ``Final-Recipient``, ``Action``, ``Status`` (5.x.x permanent, 4.x.x
   temporary) and ``Diagnostic-Code``. A report whose recipients were all delivered is no bounce.
2. Heuristic bounces (MTAs that send no DSN, or a broken one): a null sender or ``MAILER-DAEMON`` /
   ``postmaster`` sender, or a 退信 / Undelivered / failure-notice subject; the failed address from
   ``X-Failed-Recipients``, DSN-style lines in the text, qmail/Postfix ``<address>:`` lines, or the
   returned letter's ``To``.
3. Auto-replies (RFC 3834): ``Auto-Submitted`` other than ``no``, ``X-Autoreply``, ``X-Autorespond``,
   ``Precedence: auto_reply|bulk|junk``, or a 自动回复 / 自动答复 / Automatic reply / Out of Office
   subject. ``X-Auto-Response-Suppress`` asks others NOT to auto-reply; it is no sign of one.

A rejection for how WE send (QQ's "frequency limited", DMARC/SPF/DKIM failures, spam or blocklist
policies: RFC 3463 class x.7.x, the sender codes 5.1.7/5.1.8) says nothing about the debtor's
address: it is flagged ``our_problem`` so the contact is not marked invalid. Mailbox-full (x.2.2) is
temporary. Only failures about the address itself (user unknown, no such domain: 5.1.x, 5.2.1, 5.4.4
or those words) put it in ``invalid_recipients``; an expired message, a size limit or a protocol
error does not.

``flufl.bounce`` (6.0) was measured against these rules on 606 real delivery reports (the sisimai
set-of-emails collection): it named a failed recipient in 501 of them, these rules in 576; it found 13
that these rules miss (5 of them Amazon SNS JSON notifications, which never reach a mailbox), and it
adds wrong addresses in others (Zoho's message-ids and the sender, forwarding targets). It also calls
mailbox-full failures permanent (which would mark a good address invalid) and cannot say whether a
rejection is ours. Not added: it would not improve what we find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import Message

from workflow.mail.mime import Decoded, leaf_parts, part_text
from workflow.mail.when import find_dates

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45])\d\d\b")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-=']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")

# rejections of our sending, not of the debtor's address
_OUR_PROBLEM = re.compile(
    r"frequency\s+limited|too\s+frequent|rate\s+limit|too\s+many\s+(?:messages|connections|recipients)|"
    r"dmarc|\bspf\b|dkim|unauthenticated|authentication\s+(?:required|fail)|spam|junk|blacklist|blocklist|"
    r"black\s+list|block\s+list|\brbl\b|spamhaus|reputation|content\s+denied|content\s+rejected|"
    r"message\s+(?:rejected|refused)\s+(?:as|due\s+to)\s+(?:spam|policy)|policy\s+(?:violation|reasons)|"
    r"blocked|banned|发信频率|频率限制|垃圾邮件|被拒收.*(?:策略|内容)",
    re.IGNORECASE,
)
# the address itself is wrong or gone: even a 5.7.x "recipient rejected" with these words is the address
_BAD_ADDRESS = re.compile(
    r"user\s+unknown|unknown\s+user|no\s+such\s+(?:user|mailbox|recipient|address)|does\s+not\s+exist|"
    r"doesn't\s+exist|not\s+exist|mailbox\s+(?:unavailable|not\s+found|disabled|inactive)|invalid\s+(?:recipient|"
    r"mailbox|address)|recipient\s+(?:address\s+)?rejected|address\s+rejected|account\s+(?:disabled|has\s+been\s+"
    r"disabled|is\s+disabled|inactive)|unrouteable|host\s+not\s+found|domain\s+not\s+found|no\s+mx|"
    r"用户不存在|帐户不存在|账户不存在|账号不存在|帐号不存在|地址不存在|邮箱不存在|收件人不存在|无此用户",
    re.IGNORECASE,
)
_FULL = re.compile(r"mailbox\s+(?:is\s+)?full|over\s+quota|quota\s+exceeded|exceeded\s+storage|邮箱已满|空间不足",
                   re.IGNORECASE)
_DELAY = re.compile(r"\bdelay(?:ed)?\b|will\s+(?:be\s+)?retr|still\s+trying|temporar|延迟|延时|暂时", re.IGNORECASE)

_BOUNCE_SUBJECT = re.compile(
    r"退信|系统退信|投递失败|无法投递|未能送达|未送达|发送失败|邮件退回|退回|undeliver|undelivered|non[-\s]?deliver|"
    r"delivery\s+(?:status\s+notification|failure|failed|has\s+failed|problem|report|notification)|"
    r"mail\s+delivery\s+(?:failed|failure|subsystem|system)|returned\s+mail|returned\s+to\s+sender|"
    r"failure\s+notice|could\s+not\s+be\s+delivered|message\s+not\s+delivered|mail\s+system\s+error|"
    r"rejected|delivery\s+incomplete|warning:\s+could\s+not\s+send|delivery\s+status|failure\s+delivery|"
    r"error\s+sending|delivery\s+error|mail\s+error",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"^(?:mailer[-_]daemon|post[-_]?master|mail[-_]?daemon|mdaemon|mailerdaemon|bounce[s]?|"
                     r"mail\.?delivery\.?(?:system|subsystem))(?:@|$)", re.IGNORECASE)
_DAEMON_NAME = re.compile(r"mailer[-\s]?daemon|mail\s+delivery\s+(?:system|subsystem)|postmaster|系统退信|"
                          r"邮件系统|mail\s+administrator", re.IGNORECASE)

_AUTO_SUBJECT = re.compile(
    r"自动回复|自動回覆|自動回复|自动答复|自動答覆|自动应答|休假|外出|不在办公室|"
    r"automatic\s+reply|auto(?:matic)?[-\s]?(?:reply|response|responder)|autoreply|out\s+of\s+(?:the\s+)?office|"
    r"\bOOO\b|on\s+vacation|on\s+leave|away\s+from\s+(?:the\s+)?office|abwesenheit|absence",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    status: str | None  # RFC 3463 code, e.g. "5.1.1"
    action: str | None  # failed, delayed, delivered, relayed, expanded
    diagnostic: str | None
    permanent: bool
    our_problem: bool
    bad_address: bool = False  # the address itself is wrong or gone (user unknown, no such domain)

    def as_json(self) -> dict[str, object]:
        return {"address": self.address, "status": self.status, "action": self.action,
                "diagnostic": self.diagnostic, "permanent": self.permanent, "our_problem": self.our_problem,
                "bad_address": self.bad_address}


@dataclass(frozen=True)
class Bounce:
    recipients: list[FailedRecipient]
    source: str  # "dsn" or "heuristic"
    permanent: bool = field(default=True)
    delivered_only: bool = False  # a report that every recipient got the letter: no bounce at all

    @property
    def status(self) -> str:
        """The first failed recipient's RFC 3463 status; a delay is 4.x.x whatever its Action says."""
        first = self.recipients[0] if self.recipients else None
        code = first.status if first is not None and first.status and _STATUS.fullmatch(first.status) else None
        permanent = first.permanent if first is not None else self.permanent
        if code is None:
            return "5.0.0" if permanent else "4.0.0"
        if not permanent and code.startswith("5.") and not code.startswith("5.2.2"):
            return "4" + code[1:]
        return code

    @property
    def our_problem(self) -> bool:
        """Every failure was a refusal of how we send (rate limits, DMARC, spam policy)."""
        return bool(self.recipients) and all(r.our_problem for r in self.recipients)

    @property
    def invalid_recipients(self) -> list[str]:
        """The addresses that are bad in themselves: permanent failures saying so, not our sending's fault
        (an expired message, a size limit or a protocol error says nothing about the address)."""
        return [r.address for r in self.recipients if r.permanent and not r.our_problem and r.bad_address]

    def as_json(self) -> dict[str, object]:
        statuses = {r.address: (r.status if r.status and _STATUS.fullmatch(r.status) else
                                ("5.0.0" if r.permanent else "4.0.0")) for r in self.recipients}
        return {"status": self.status, "recipients": [r.address for r in self.recipients], "statuses": statuses,
                "permanent": self.permanent, "invalid_recipients": self.invalid_recipients,
                "our_problem": self.our_problem, "source": self.source,
                "details": [r.as_json() for r in self.recipients]}


@dataclass(frozen=True)
class AutoReply:
    reason: str  # the header or subject that said so
    return_date: date | None


# RFC 3463 codes about the recipient's address itself (5.1.7/5.1.8 are about the sender: ours)
_ADDRESS_CODES = frozenset({"5.1.0", "5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.6", "5.1.10", "5.2.1", "5.4.4"})


def _bad_address(status: str | None, diagnostic: str | None) -> bool:
    code = _STATUS.search(status or "") or _STATUS.search(diagnostic or "")
    if code is not None and code.group(0) in ("5.1.7", "5.1.8"):
        return False
    if _BAD_ADDRESS.search(diagnostic or ""):
        return True
    # "550 5.1.0 ... not allowed to send per its SPF record": an address code, but our sending refused
    return code is not None and code.group(0) in _ADDRESS_CODES and not _OUR_PROBLEM.search(diagnostic or "")


def _judge(status: str | None, action: str | None, diagnostic: str | None) -> tuple[bool, bool]:
    """(permanent, our_problem) of one failed recipient."""
    text = diagnostic or ""
    code = _STATUS.search(status or "") or _STATUS.search(text)
    not_failed = bool(action) and str(action).lower().startswith(("delayed", "delivered", "relayed", "expanded"))
    mailbox_full = bool(_FULL.search(text)) or (code is not None and code.group(2) == "2" and code.group(3) == "2")
    if not_failed or mailbox_full:
        permanent = False
    elif code is not None:
        permanent = code.group(1) == "5"
    else:
        smtp = _SMTP_CODE.search(text)
        permanent = smtp.group(1) == "5" if smtp else not _DELAY.search(text)
    bad_address = _bad_address(code.group(0) if code else None, text)
    sender_refused = code is not None and code.group(0) in ("5.1.7", "5.1.8")
    policy_class = code is not None and code.group(2) == "7"
    ours = sender_refused or (not bad_address and (bool(_OUR_PROBLEM.search(text)) or policy_class))
    return permanent, ours


def _address(field_value: str | None) -> str | None:
    if not field_value:
        return None
    _, _, value = field_value.partition(";")
    m = _ADDRESS.search(value or field_value)
    return m.group(0).lower().strip("<>") if m else None


def _status_blocks(part: Message) -> list[dict[str, str]]:
    """The field blocks of a message/delivery-status part, lower-case names, values unfolded."""
    blocks: list[dict[str, str]] = []
    payload = part.get_payload()
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, Message):
                try:
                    blocks.append({k.lower(): re.sub(r"\s+", " ", str(v)).strip() for k, v in block.items()})
                except Exception:
                    continue
        if blocks:
            return blocks
    text = part_text(part) if not isinstance(payload, list) else ""
    return _blocks_from_text(text)


def _blocks_from_text(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        block: dict[str, str] = {}
        last: str | None = None
        for line in chunk.split("\n"):
            if line[:1] in (" ", "\t") and last:
                block[last] += " " + line.strip()
                continue
            name, sep, value = line.partition(":")
            if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", name.strip()):
                last = name.strip().lower()
                block[last] = value.strip()
        if block:
            blocks.append(block)
    return blocks


def _recipients_from_blocks(blocks: list[dict[str, str]]) -> list[FailedRecipient]:
    out: list[FailedRecipient] = []
    for block in blocks:
        # the address we wrote to, when the report keeps it (a forward may have changed the final one)
        address = _address(block.get("original-recipient")) or _address(block.get("final-recipient"))
        if address is None:
            continue
        status = block.get("status")
        action = block.get("action")
        diagnostic = block.get("diagnostic-code")
        if diagnostic:
            diagnostic = diagnostic.partition(";")[2].strip() or diagnostic
        permanent, ours = _judge(status, action, diagnostic)
        code = _STATUS.search(status or "")
        out.append(FailedRecipient(address, code.group(0) if code else (status or None), action.lower() if action
                                   else None, diagnostic, permanent, ours, _bad_address(status, diagnostic)))
    return out


_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status", "text/delivery-status")


def _status_part(msg: Message) -> Message | None:
    """The delivery-status part of a report, not looking inside a returned letter."""
    stack = [msg]
    seen = 0
    while stack and seen < 200:
        part = stack.pop(0)
        seen += 1
        try:
            ctype = part.get_content_type()
        except Exception:
            continue
        if ctype in _STATUS_TYPES:
            return part
        if part.is_multipart() and not ctype.startswith("message/"):
            stack += [p for p in part.get_payload() if isinstance(p, Message)]
    return None


def _dsn(d: Decoded) -> Bounce | None:
    msg = d.message
    try:
        ctype = msg.get_content_type()
        report_type = str(msg.get_param("report-type") or "").lower()
    except Exception:
        return None
    is_report = ctype == "multipart/report" and report_type in ("delivery-status", "delivery-status-notification")
    # some MTAs wrap the delivery-status part in multipart/mixed: it is still a report
    status_part = _status_part(msg) if is_report or ctype.startswith("multipart/") else None
    if not is_report and status_part is None:
        return None
    human = "\n".join(part_text(p) for p in leaf_parts(msg))
    recipients: list[FailedRecipient] = []
    if status_part is not None:
        recipients = _recipients_from_blocks(_status_blocks(status_part))
    if not recipients:
        recipients = _heuristic_recipients(d, human)
    # a recipient whose diagnostic is empty: the human-readable part often says why (QQ's limits)
    recipients = [_with_human_reason(r, human) for r in recipients]
    failed = [r for r in recipients if (r.action or "failed").startswith("failed")] or recipients
    arrived = ("delivered", "deliverable", "relayed", "expanded")
    delivered = bool(recipients) and all(
        (r.action or "").startswith(arrived) or (r.status or "").startswith("2.") for r in recipients)
    return Bounce(failed, "dsn", permanent=any(r.permanent for r in failed) if failed else True,
                  delivered_only=delivered)


def _with_human_reason(r: FailedRecipient, human: str) -> FailedRecipient:
    if r.our_problem or _BAD_ADDRESS.search(r.diagnostic or ""):
        return r
    if r.diagnostic and _STATUS.search(r.diagnostic):
        return r
    if _OUR_PROBLEM.search(human) and not _BAD_ADDRESS.search(human):
        return FailedRecipient(r.address, r.status, r.action, r.diagnostic, r.permanent, True, r.bad_address)
    return r


def looks_like_bounce(d: Decoded) -> bool:
    return_path = d.header("return-path")
    null_sender = return_path is not None and return_path.strip() in ("<>", "")
    daemon = bool(_DAEMON.match(d.from_address)) or bool(_DAEMON_NAME.search(d.from_name))
    subject = bool(_BOUNCE_SUBJECT.search(d.subject))
    if d.header("x-failed-recipients"):
        return True
    if daemon and (subject or null_sender):
        return True
    if subject and (null_sender or daemon or _has_returned_letter(d)):
        return True
    return daemon and _has_returned_letter(d)


def _has_returned_letter(d: Decoded) -> bool:
    return any(a.content_type in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
               for a in d.attachments)


def _returned_to(d: Decoded) -> list[str]:
    for part in d.message.walk():
        try:
            ctype = part.get_content_type()
        except Exception:
            continue
        if ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            blocks = _blocks_from_text(part_text(part))
            if blocks and blocks[0].get("to"):
                return [a.lower() for a in _ADDRESS.findall(blocks[0]["to"])]
        if ctype == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(first, Message):
                to = str(first.get("To") or "")
                found = [a.lower() for a in _ADDRESS.findall(to)]
                if found:
                    return found
    return []


_RECIPIENT_LINE = re.compile(r"^\s*<?(" + _ADDRESS.pattern + r")>?\s*[:：]", re.MULTILINE)
_FAILED_NEAR = re.compile(
    r"(?:fail|unknown|not\s+exist|undeliver|reject|could\s+not|error|deliver|recipient|address|mailbox|user|"
    r"无法|失败|不存在|退回|收件人|地址)",
    re.IGNORECASE,
)


def _heuristic_recipients(d: Decoded, text: str) -> list[FailedRecipient]:
    addresses: list[str] = []
    header = d.header("x-failed-recipients")
    if header:
        addresses = [a.lower() for a in _ADDRESS.findall(header)]
    blocks = _blocks_from_text(text)
    from_blocks = _recipients_from_blocks(blocks)
    if not addresses and from_blocks:
        return from_blocks
    if not addresses:
        addresses = [a.lower() for a in _RECIPIENT_LINE.findall(text)]
    if not addresses:
        addresses = _returned_to(d)
    if not addresses:
        own = {d.from_address, *d.to}
        for line in text.split("\n"):
            if _FAILED_NEAR.search(line):
                addresses += [a.lower() for a in _ADDRESS.findall(line) if a.lower() not in own
                              and not _DAEMON.match(a)]
    if not addresses:
        # the returned letter's headers pasted into the text ("Message headers follow.")
        own = {d.from_address, *d.to}
        addresses = [a.lower() for m in re.finditer(r"^To:\s*(.+)$", text, re.MULTILINE | re.IGNORECASE)
                     for a in _ADDRESS.findall(m.group(1)) if a.lower() not in own]
    addresses = list(dict.fromkeys(a.strip(".<>") for a in addresses))
    out: list[FailedRecipient] = []
    for address in addresses[:20]:
        diagnostic = _line_about(text, address)
        code = _STATUS.search(diagnostic or "") or _STATUS.search(text)
        reason = diagnostic if diagnostic and len(diagnostic) > len(address) + 8 else text[:4000]
        permanent, ours = _judge(code.group(0) if code else None, None, reason)
        out.append(FailedRecipient(address, code.group(0) if code else None, "failed", diagnostic, permanent, ours,
                                   _bad_address(code.group(0) if code else None, reason)))
    return out


def _line_about(text: str, address: str) -> str | None:
    idx = text.lower().find(address)
    if idx < 0:
        return None
    chunk = text[idx: idx + 600]
    chunk = re.split(r"\n\s*\n", chunk)[0]
    return re.sub(r"\s+", " ", chunk).strip() or None


def detect_bounce(d: Decoded) -> Bounce | None:
    """A delivery report about one of our letters, or None."""
    report = _dsn(d)
    if report is not None:
        return report
    if not looks_like_bounce(d):
        return None
    text = d.text
    recipients = _heuristic_recipients(d, text)
    permanent = any(r.permanent for r in recipients) if recipients else not _DELAY.search(d.subject + text[:2000])
    return Bounce(recipients, "heuristic", permanent=permanent)


def is_feedback_report(d: Decoded) -> bool:
    """An abuse/complaint report (RFC 5965): neither a bounce nor a debtor's reply."""
    try:
        return str(d.message.get_param("report-type") or "").lower() == "feedback-report"
    except Exception:
        return False


def detect_auto_reply(d: Decoded, anchor: date | None) -> AutoReply | None:
    reason: str | None = None
    auto_submitted = (d.header("auto-submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        reason = "Auto-Submitted"
    elif any(d.header(h) is not None for h in ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply")):
        reason = "X-Autoreply"
    elif (d.header("precedence") or "").strip().lower() in ("auto_reply", "bulk", "junk"):
        reason = "Precedence"
    elif _AUTO_SUBJECT.search(d.subject):
        reason = "subject"
    if reason is None:
        return None
    return AutoReply(reason, return_date(d.text, anchor) if anchor else None)


# a date said to be the day back ("12月8日返回", "back on 7 December") is the return date itself
_BACK_BEFORE = re.compile(r"(?:back|return|returning|in\s+the\s+office|resume\w*|until|till)\s+(?:on|from)?\s*("
                          r"?:\w+,?\s+)?$",
                          re.IGNORECASE)
_BACK_AFTER = re.compile(r"^\s*(?:起|开始)?\s*(?:返回|回来|返岗|上班|回到|回公司|回国|恢复|正常办公|到岗)")
_AWAY = re.compile(r"休假|出差|请假|外出|不在|产假|年假|病假|培训|away|out\s+of\s+(?:the\s+)?office|leave|vacation|"
                   r"holiday|travel", re.IGNORECASE)


def return_date(text: str, anchor: date) -> date | None:
    """The day an absent person is back, when the notice gives one: a date said to be the day back, else
    the day after the last day of the absence ("11月23日至11月29日出差" → back on the 30th)."""
    head = text[:4000]
    found = [f for f in find_dates(head, anchor) if f.ahead(anchor) >= anchor]
    if not found:
        return None
    for f in found:
        if _BACK_BEFORE.search(head[max(0, f.start - 40):f.start]) or _BACK_AFTER.match(head[f.end:f.end + 8]):
            return f.ahead(anchor)
    if not _AWAY.search(head):
        return None
    return max(f.ahead(anchor) for f in found) + timedelta(days=1)
