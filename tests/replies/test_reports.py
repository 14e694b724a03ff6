"""Delivery reports and auto-replies: who failed and why, whether the address is bad or our sending was
refused, and which headers make a message an auto-reply (and which do not)."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.mail.classify import classify
from workflow.mail.mime import parse
from workflow.mail.reports import detect_auto_reply, detect_bounce

DAY = date(2026, 11, 30)


def _dsn(recipients: list[tuple[str, str, str, str]], *, original: str | None = None) -> bytes:
    blocks = []
    for address, action, status, diagnostic in recipients:
        orig = f"Original-Recipient: rfc822;{original}\r\n" if original else ""
        blocks.append(f"{orig}Final-Recipient: rfc822; {address}\r\nAction: {action}\r\nStatus: {status}\r\n"
                      f"Diagnostic-Code: smtp; {diagnostic}\r\n")
    return (
        "From: MAILER-DAEMON@mx.hx-jidian.cn (Mail Delivery System)\r\nTo: ar+AR-2026-0042@hx-jidian.cn\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nDate: Mon, 30 Nov 2026 10:00:00 +0800\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=RR\r\n\r\n"
        "--RR\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--RR\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.hx-jidian.cn\r\n\r\n"
        + "\r\n".join(blocks) +
        "\r\n--RR\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <AR-2026-0042.k3f9x2@hx-jidian.cn>\r\n"
        "To: finance@debtor.cn\r\nSubject: =?utf-8?B?5YKs5qy+5Ye9?=\r\n\r\n--RR--\r\n"
    ).encode()


def test_a_dsn_names_each_failed_recipient_with_status_and_reason() -> None:
    raw = _dsn([("finance@debtor.cn", "failed", "5.1.1", "550 5.1.1 <finance@debtor.cn>: user unknown"),
                ("boss@debtor.cn", "delayed", "4.4.1", "451 4.4.1 timeout")])
    bounce = detect_bounce(parse(raw))
    assert bounce is not None and bounce.source == "dsn"
    assert [r.address for r in bounce.recipients] == ["finance@debtor.cn"]  # the delay is no failure yet
    assert bounce.status == "5.1.1" and bounce.invalid_recipients == ["finance@debtor.cn"]
    result = classify(raw, fallback_day=DAY)
    assert result.intent == "bounce" and result.confidence >= 0.95
    assert result.as_json()["bounce"] == bounce.as_json()
    assert result.case_ref == "AR-2026-0042"


def test_the_address_we_wrote_to_is_reported_not_where_it_was_forwarded() -> None:
    raw = _dsn([("real-box@mx.other.cn", "failed", "5.1.1", "550 no such user")], original="finance@debtor.cn")
    bounce = detect_bounce(parse(raw))
    assert bounce is not None and bounce.invalid_recipients == ["finance@debtor.cn"]


@pytest.mark.parametrize("diagnostic", [
    "550 Ip frequency limited [V2VkIEFwci] Blocked IP 192.0.2.22",  # QQ Mail
    "550 Connection frequency limited",
    "550 5.7.26 Unauthenticated email from hx-jidian.cn is not accepted due to domain's DMARC policy",
    "550 DMARC check failed.",
    "554 5.7.1 Message rejected as spam by Content Filtering",
    "550 5.1.0 192.0.2.222 is not allowed to send from <hx-jidian.cn> per its SPF Record",
])
def test_rejections_of_our_sending_are_not_a_bad_debtor_address(diagnostic: str) -> None:
    bounce = detect_bounce(parse(_dsn([("finance@debtor.cn", "failed", "5.0.0", diagnostic)])))
    assert bounce is not None
    assert bounce.our_problem and bounce.invalid_recipients == []
    assert bounce.as_json()["our_problem"] is True


@pytest.mark.parametrize(("status", "diagnostic"), [
    ("5.2.2", "552 5.2.2 mailbox full"),
    ("4.2.2", "452 4.2.2 over quota"),
    ("5.4.312", "550 5.4.312 Message expired, DNS query failed"),
    ("5.2.3", "552 5.2.3 Message size exceeds fixed maximum message size"),
])
def test_failures_that_say_nothing_about_the_address_do_not_invalidate_it(status: str, diagnostic: str) -> None:
    bounce = detect_bounce(parse(_dsn([("finance@debtor.cn", "failed", status, diagnostic)])))
    assert bounce is not None and bounce.invalid_recipients == []


def test_a_mailbox_full_failure_is_temporary() -> None:
    bounce = detect_bounce(parse(_dsn([("finance@debtor.cn", "failed", "5.2.2", "552 mailbox full")])))
    assert bounce is not None and not bounce.recipients[0].permanent


def test_a_success_report_is_no_bounce() -> None:
    raw = _dsn([("finance@debtor.cn", "delivered", "2.0.0", "250 ok")])
    assert classify(raw, fallback_day=DAY).intent == "other"


def test_a_bounce_without_a_dsn_is_found_by_its_sender_and_subject() -> None:
    raw = ("Return-Path: <>\r\nFrom: 系统退信 <postmaster@qq.com>\r\nSubject: =?utf-8?B?57O757uf6YCA5L+h?=\r\n"
           "Date: Mon, 30 Nov 2026 10:00:00 +0800\r\nX-Failed-Recipients: zhangsan@debtor.cn\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "很抱歉您的邮件没有投递成功。zhangsan@debtor.cn: 550 Mailbox not found or access denied\r\n").encode()
    result = classify(raw, fallback_day=DAY)
    assert result.intent == "bounce" and result.bounce is not None
    assert result.bounce.source == "heuristic"
    assert result.bounce.invalid_recipients == ["zhangsan@debtor.cn"]


def _reply(headers: str, body: str = "您好，我休假至2026年12月7日，12月8日返回。") -> bytes:
    return (f"From: li@debtor.cn\r\nTo: ar@hx-jidian.cn\r\nDate: Mon, 30 Nov 2026 10:00:00 +0800\r\n{headers}"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


@pytest.mark.parametrize("headers", [
    "Subject: Re: x\r\nAuto-Submitted: auto-replied\r\n",
    "Subject: Re: x\r\nAuto-Submitted: auto-generated\r\n",
    "Subject: Re: x\r\nX-Autoreply: yes\r\n",
    "Subject: Re: x\r\nX-Autorespond: on\r\n",
    "Subject: Re: x\r\nPrecedence: auto_reply\r\n",
    "Subject: Re: x\r\nPrecedence: bulk\r\n",
    "Subject: =?utf-8?B?6Ieq5Yqo5Zue5aSNOiDlgqzmrL7lh70=?=\r\n",  # 自动回复: 催款函
    "Subject: Automatic reply: Payment reminder\r\n",
    "Subject: Out of Office: Payment reminder\r\n",
    "Subject: =?utf-8?B?6Ieq5Yqo562U5aSN?=\r\n",  # 自动答复
])
def test_auto_replies_by_header_or_subject_with_the_return_date(headers: str) -> None:
    result = classify(_reply(headers), fallback_day=DAY)
    assert result.intent == "auto_reply" and result.auto_reply
    assert result.return_date == date(2026, 12, 8)


def test_auto_submitted_no_and_exchange_suppression_headers_are_no_auto_reply() -> None:
    headers = "Subject: RE: 催款函\r\nAuto-Submitted: no\r\nX-Auto-Response-Suppress: All\r\n"
    result = classify(_reply(headers, "已于今天付款5万元。"), fallback_day=DAY)
    assert result.intent == "paid" and not result.auto_reply
    assert detect_auto_reply(parse(_reply(headers)), DAY) is None
