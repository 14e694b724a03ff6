# ruff: noqa: E501  (client quote formats are kept on one line each, as the clients write them)
"""Rebuilds the labelled reply corpus in ``mailbox/samples/`` (the committed .eml files are the source of truth).

Run ``python -m tests.replies.corpus_builder`` from the repository root. The messages are written by hand
below (one ``Reply`` per file: what the debtor newly wrote, and what it means); this module only knows how
each mail client wraps a reply (quote header, HTML, charset, transfer encoding) so that the bytes look like
what that client really sends. Output is deterministic: fixed dates, boundaries and Message-IDs.

The labels are written by hand too: relative dates ("下周五", "by Friday") were resolved by the author against
the message's Date in Asia/Shanghai, following the conventions in ``mailbox/samples/README.md``.
"""

from __future__ import annotations

import base64
import json
import quopri
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "mailbox" / "samples"
SHANGHAI = timezone(timedelta(hours=8))
WEEKDAY_ZH = "一二三四五六日"
WEEKDAY_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTH_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December"]

OUR_DOMAIN = "hx-jidian.cn"
OUR_COMPANY = "上海华东机电设备有限公司"
OUR_COMPANY_EN = "Shanghai Huadong Electromechanical Equipment Co., Ltd."
OUR_CLERK = "陈晓雯"
OUR_CLERK_EN = "Chen Xiaowen"
OUR_ACCOUNT = "1219 1088 7765 502"

# A 1x1 JPEG and a one-page PDF: attachments only need to be real files of their type, not readable slips.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////"
    "////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)


def pdf(title: str) -> bytes:
    text = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode("ascii")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


# --------------------------------------------------------------------------------------------------------
# Debtors and our letters
# --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Debtor:
    company: str
    domain: str
    person: str
    email: str
    sig: str
    english: str = ""


@dataclass(frozen=True)
class Letter:
    ref: str
    token: str
    debtor: Debtor
    sent: datetime
    amount: str  # as printed in the letter, with thousands separators
    due: date
    pay_by: date
    invoices: str
    english: bool = False
    currency: str = "CNY"

    @property
    def message_id(self) -> str:
        return f"<{self.ref}.{self.token}@{OUR_DOMAIN}>"

    @property
    def reply_to(self) -> str:
        return f"ar+{self.ref}@{OUR_DOMAIN}"

    @property
    def subject(self) -> str:
        if self.english:
            return f"Payment reminder [{self.ref}] {OUR_COMPANY_EN}"
        return f"【催款函】{OUR_COMPANY} 应收账款 [{self.ref}]"

    def text(self) -> str:
        d = self.debtor
        if self.english:
            return (
                f"Dear {d.english or d.company},\n\n"
                f"Our records show the following amount overdue from your company:\n"
                f"Amount due: {self.currency} {self.amount}\n"
                f"Due date: {self.due.isoformat()}\n"
                f"Invoices: {self.invoices}\n"
                f"Please arrange payment by {MONTH_EN[self.pay_by.month - 1]} {self.pay_by.day}, "
                f"{self.pay_by.year} to China Merchants Bank, Shanghai Zhangjiang Sub-branch, "
                f"A/C {OUR_ACCOUNT}.\n"
                "If you have already paid, please reply with the remittance advice.\n\n"
                f"{OUR_CLERK_EN}\nAccounts Receivable, {OUR_COMPANY_EN}\nTel +86 21 5032 8876\n"
                f"Case ref: {self.ref}"
            )
        return (
            f"{d.company} 财务部：\n\n"
            f"您好！根据我司账务记录，贵司尚有以下款项逾期未付：\n"
            f"应付金额：￥{self.amount}\n"
            f"到期日：{self.due.isoformat()}\n"
            f"涉及发票：{self.invoices}\n"
            f"请于{cn_date(self.pay_by)}前付款至我司账户（户名：{OUR_COMPANY}；开户行：招商银行上海张江支行；"
            f"账号：{OUR_ACCOUNT}）。\n"
            "如贵司已付款，请将银行回单回复本邮件；如对账款有异议，请于收到本函后7日内书面告知。\n\n"
            f"{OUR_COMPANY} 应收账款部\n{OUR_CLERK}  021-5032 8876\n案件编号：{self.ref}"
        )

    def leaks(self) -> list[str]:
        """Values of our letter that must never come out of a reply's new text."""
        if self.english:
            pay_by = f"{MONTH_EN[self.pay_by.month - 1]} {self.pay_by.day}, {self.pay_by.year}"
        else:
            pay_by = cn_date(self.pay_by)
        return [self.amount, self.due.isoformat(), pay_by, OUR_ACCOUNT]

    def quoted_values(self) -> dict[str, str]:
        return {"amount": self.amount.replace(",", ""), "due_date": self.due.isoformat(),
                "pay_by": self.pay_by.isoformat()}


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --------------------------------------------------------------------------------------------------------
# Encoding helpers
# --------------------------------------------------------------------------------------------------------

def codec(charset: str) -> str:
    # What a Chinese client really does: a gb2312 label over GBK bytes.
    return {"gb2312": "gbk", "big5": "big5", "gbk": "gbk", "gb18030": "gb18030"}.get(charset, charset)


def enc_word(text: str, charset: str, how: str = "B") -> str:
    """RFC 2047 encoded-words, split so that no word cuts a multibyte character."""
    if all(ord(c) < 128 for c in text) and how != "force":
        return text
    how = "B" if how == "force" else how
    words, chunk = [], ""
    for ch in text:
        if len((chunk + ch).encode(codec(charset))) > 36:
            words.append(chunk)
            chunk = ""
        chunk += ch
    words.append(chunk)
    out = []
    for w in words:
        raw = w.encode(codec(charset))
        if how == "B":
            out.append(f"=?{charset}?B?{base64.b64encode(raw).decode()}?=")
        else:
            q = "".join(
                chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else ("_" if b == 32 else f"={b:02X}")
                for b in raw
            )
            out.append(f"=?{charset}?Q?{q}?=")
    return "\n ".join(out)


def addr(name: str, email: str, charset: str, how: str = "B") -> str:
    if not name:
        return email
    if all(ord(c) < 128 for c in name):
        return f'"{name}" <{email}>'
    return f'"{enc_word(name, charset, how)}" <{email}>' if how == "quoted" else f"{enc_word(name, charset, how)} <{email}>"


def encode_body(text: str, charset: str, cte: str, crlf: bool = True) -> bytes:
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    raw = text.encode(codec(charset))
    if cte == "base64":
        b = base64.encodebytes(raw).decode().replace("\n", "\n")
        return b.encode()
    if cte == "quoted-printable":
        return quopri.encodestring(raw).replace(b"\r\n", b"\n").replace(b"=0D\n", b"\n") if not crlf \
            else quopri.encodestring(raw).replace(b"\r\n", b"\n")
    return raw.replace(b"\r\n", b"\n")


@dataclass
class Part:
    headers: list[str]
    body: bytes

    def render(self) -> bytes:
        return ("\n".join(self.headers) + "\n\n").encode("ascii") + self.body


def text_part(text: str, charset: str, cte: str, subtype: str = "plain") -> Part:
    return Part([f'Content-Type: text/{subtype}; charset="{charset}"', f"Content-Transfer-Encoding: {cte}"],
                encode_body(text, charset, cte))


def multipart(subtype: str, boundary: str, parts: list[Part], preamble: str = "", close: bool = True,
              extra: str = "") -> Part:
    body = (preamble + "\n").encode() if preamble else b""
    for p in parts:
        body += f"--{boundary}\n".encode() + p.render().rstrip(b"\n") + b"\n\n"
    if close:
        body += f"--{boundary}--\n".encode()
    return Part([f'Content-Type: multipart/{subtype};{extra}\n\tboundary="{boundary}"'], body)


def attachment(data: bytes, ctype: str, filename: str, style: str, charset: str = "utf-8") -> Part:
    """style: rfc2231 (stdlib, Thunderbird, Gmail), rfc2047 (Foxmail/Outlook: encoded-word inside quotes)."""
    if style == "rfc2231":
        from urllib.parse import quote
        fn = f"filename*=utf-8''{quote(filename)}"
        nm = f"name*=utf-8''{quote(filename)}"
    else:
        ew = enc_word(filename, charset, "force").replace("\n ", "")
        fn, nm = f'filename="{ew}"', f'name="{ew}"'
    b64 = base64.encodebytes(data).decode()
    return Part([f"Content-Type: {ctype};\n\t{nm}", f"Content-Disposition: attachment;\n\t{fn}",
                 "Content-Transfer-Encoding: base64"], b64.encode())


def html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_lines(text: str) -> str:
    return "".join(f"<div>{html_escape(line) or '<br>'}</div>" for line in text.split("\n"))


# --------------------------------------------------------------------------------------------------------
# How each client quotes our letter
# --------------------------------------------------------------------------------------------------------

def zh_time(dt: datetime, ampm: bool = False) -> str:
    if ampm:
        half = "上午" if dt.hour < 12 else "下午"
        h = dt.hour if dt.hour <= 12 else dt.hour - 12
        return f"{half}{h}:{dt.minute:02d}"
    return f"{dt.hour}:{dt.minute:02d}"


def gt(text: str, prefix: str = "> ") -> str:
    return "\n".join((prefix + line).rstrip() if line else prefix.rstrip() for line in text.split("\n"))


def quote_plain(client: str, variant: str, letter: Letter, to_name: str, to_email: str) -> str:
    s, L = letter.sent, letter.text()
    frm_name = OUR_CLERK_EN if letter.english else OUR_CLERK
    frm = f"ar@{OUR_DOMAIN}"
    subj = letter.subject
    ymd = cn_date(s.date())
    wk = WEEKDAY_ZH[s.weekday()]
    if client == "outlook_zh":
        if variant == "original":
            return (f"-----邮件原件-----\n发件人: {frm_name} <{frm}>\n发送时间: {ymd} 星期{wk} {zh_time(s)}\n"
                    f"收件人: {to_name} <{to_email}>\n主题: {subj}\n\n{L}")
        if variant == "noline_cc":
            return (f"发件人: {frm_name} [mailto:{frm}]\n发送时间: {ymd} {zh_time(s)}\n收件人: {to_email}\n"
                    f"抄送: {OUR_CLERK} <chenxw@{OUR_DOMAIN}>\n主题: {subj}\n\n{L}")
        if variant == "noline_date":
            return (f"发件人: {frm_name} <{frm}>\n日期: {ymd}星期{wk} {zh_time(s, True)}\n收件人: {to_name} <{to_email}>\n"
                    f"主题: {subj}\n\n{L}")
        if variant == "fullwidth":
            return (f"________________________________\n发件人：{frm_name} <{frm}>\n发送时间：{ymd} {zh_time(s)}\n"
                    f"收件人：{to_name} <{to_email}>\n主题：{subj}\n\n{L}")
        return (f"________________________________\n发件人: {frm_name} <{frm}>\n发送时间: {ymd} {zh_time(s)}\n"
                f"收件人: {to_name} <{to_email}>\n主题: {subj}\n\n{L}")
    if client == "outlook_en":
        sent = f"{WEEKDAY_EN[s.weekday()]}, {MONTH_EN[s.month - 1]} {s.day}, {s.year} {s.strftime('%I:%M %p')}"
        if variant == "original":
            return f"-----Original Message-----\nFrom: {frm_name} <{frm}>\nSent: {sent}\nTo: {to_email}\nSubject: {subj}\n\n{L}"
        return (f"________________________________\nFrom: {frm_name} <{frm}>\nSent: {sent}\nTo: {to_name} <{to_email}>\n"
                f"Subject: {subj}\n\n{L}")
    if client in ("outlook_tw", "outlook_hk"):
        half = "上午" if s.hour < 12 else "下午"
        sent_key = "寄件日期" if client == "outlook_tw" else "傳送時間"
        return (f"________________________________\n寄件者: {frm_name} <{frm}>\n{sent_key}: {ymd} {half} {s.strftime('%I:%M')}\n"
                f"收件者: {to_name} <{to_email}>\n主旨: {subj}\n\n{L}")
    if client in ("foxmail", "qqmail"):
        when = f"{ymd}(星期{wk}) {zh_time(s, True)}"
        if variant == "english":
            q = (f"------------------ Original ------------------\nFrom: \"{frm_name}\"<{frm}>;\n"
                 f"Date: {s.strftime('%a, %b %d, %Y %I:%M %p')}\nTo: \"{to_name}\"<{to_email}>;\nSubject: {subj}\n\n{L}")
        else:
            q = (f"------------------ 原始邮件 ------------------\n发件人: \"{frm_name}\"<{frm}>;\n发送时间: {when}\n"
                 f"收件人: \"{to_name}\"<{to_email}>;\n主题: {subj}\n\n{L}")
        if client == "qqmail":
            # QQ Mail's text/plain part carries these entities literally.
            q = q.replace(" ------------------", "&nbsp;------------------").replace("------------------ ", "------------------&nbsp;")
            q = q.replace(": ", ":&nbsp;").replace(">;", "&gt;;")
        return q
    if client == "coremail":
        return (f"-----原始邮件-----\n发件人:\"{frm_name}\" <{frm}>\n发送时间:{s.strftime('%Y-%m-%d %H:%M:%S')} (星期{wk})\n"
                f"收件人:{to_email}\n主题:{subj}\n\n{L}")
    if client == "netease":
        return f"在 {s.strftime('%Y-%m-%d %H:%M:%S')}，\"{frm_name}\" <{frm}> 写道：\n{gt(L, '>')}"
    if client == "gmail_zh":
        return f"{frm_name} <{letter.reply_to}> 于{ymd}周{wk} {zh_time(s)}写道：\n\n{gt(L)}"
    if client == "gmail_tw":
        return f"{frm_name} <{letter.reply_to}> 於 {ymd} 週{wk} {zh_time(s, True)}寫道：\n\n{gt(L)}"
    if client == "gmail_en":
        head = f"On {s.strftime('%a, %b')} {s.day}, {s.year} at {s.strftime('%I:%M %p').lstrip('0')} {frm_name} <"
        if variant == "wrapped":
            return f"{head}\n{letter.reply_to}> wrote:\n\n{gt(L)}"
        return f"{head}{letter.reply_to}> wrote:\n\n{gt(L)}"
    if client in ("alimail", "dingtalk"):
        dash = "-" * 66
        if client == "dingtalk":
            return (f"{dash}\n发件人:{frm_name}<{frm}>\n日　期:{s.strftime('%Y年%m月%d日 %H:%M:%S')}\n"
                    f"收件人:{to_name}<{to_email}>\n主　题:{subj}\n\n{L}")
        return (f"{dash}\n发件人：{frm_name} <{frm}>\n发送时间：{ymd}(星期{wk}) {s.strftime('%H:%M')}\n"
                f"收件人：{to_name} <{to_email}>\n主　题：{subj}\n\n{L}")
    if client == "apple_zh":
        return f"> {ymd} {zh_time(s, True)}，{frm_name} <{frm}> 写道：\n> \n{gt(L)}" if variant == "quoted" \
            else f"{ymd} {zh_time(s, True)}，{frm_name} <{frm}> 写道：\n\n{gt(L)}"
    if client == "iphone":
        return f"> 在 {ymd}，{zh_time(s)}，{frm_name} <{frm}> 写道：\n> \n{gt(L)}"
    if client == "thunderbird_zh":
        return f"在 {s.year}/{s.month}/{s.day} {zh_time(s)}, {frm_name} 写道:\n{gt(L)}"
    if client == "mailmaster":
        return (f"---- 回复的原邮件 ----\n| 发件人 | {frm_name}<{frm}> |\n|---|---|\n| 日期 | {ymd} {zh_time(s)} |\n"
                f"| 收件人 | {to_name}<{to_email}> |\n| 主题 | {subj} |\n{L}")
    raise ValueError(client)


def quote_html(client: str, plain_quote: str, letter: Letter) -> str:
    head = plain_quote.partition("\n\n")[0]
    letter_html = html_lines(letter.text())
    if client in ("foxmail", "qqmail"):
        lines = head.replace("&nbsp;", " ").replace("&gt;", ">").split("\n")
        sep, fields = lines[0], [x for x in lines[1:] if x]
        inner = "".join(
            f"<div><b>{html_escape(k)}:</b>&nbsp;{html_escape(v.strip())}</div>" for k, _, v in (f.partition(":") for f in fields)
        )
        return ('<div><br></div><div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">'
                f"{html_escape(sep).replace(' ', '&nbsp;')}</div>"
                f'<div style="font-size: 12px;background:#efefef;padding:8px;">{inner}</div><div><br></div>'
                f"{letter_html}")
    if client in ("outlook_zh", "outlook_en", "outlook_tw", "outlook_hk"):
        inner = "<br>".join(html_escape(x) for x in head.split("\n") if not x.startswith("____"))
        return ('<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">'
                f'<font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">{inner}</font>'
                f"<div>&nbsp;</div></div>{letter_html}")
    if client in ("gmail_zh", "gmail_en", "gmail_tw"):
        attr = html_escape(head.replace("\n", " "))
        return (f'<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">{attr}<br></div>'
                '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
                f'rgb(204,204,204);padding-left:1ex">{letter_html}</blockquote></div>')
    if client in ("coremail", "netease", "mailmaster"):
        attr = "<br>".join(html_escape(x) for x in head.split("\n"))
        return (f'<div style="position:relative;zoom:1"><div id="isReplyContent" style="padding-top:10px">'
                f'<div style="font-size:12px">{attr}</div><blockquote id="isReplyContent" '
                f'style="PADDING-LEFT: 1ex; MARGIN: 0px 0px 0px 0.8ex; BORDER-LEFT: #ccc 1px solid">{letter_html}'
                "</blockquote></div></div>")
    if client in ("alimail", "dingtalk"):
        attr = "<br>".join(html_escape(x) for x in head.split("\n")[1:])
        return (f'<div class="alimail-quote"><hr style="border:none;border-top:1px solid #e6e6e6">'
                f'<div style="background:#f2f2f2;padding:6px">{attr}</div>{letter_html}</div>')
    if client in ("apple_zh", "iphone", "thunderbird_zh"):
        attr = html_escape(head.lstrip("> ").split("\n")[0])
        return f'<div><br><blockquote type="cite"><div>{attr}</div>{letter_html}</blockquote></div>'
    raise ValueError(client)


# --------------------------------------------------------------------------------------------------------
# Client profiles: headers that say who wrote it
# --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Client:
    name: str
    prefix: str
    mailer: str
    msgid: str  # format with {n}
    charset: str
    cte: str
    html: bool = True


CLIENTS = {
    "outlook_zh": Client("outlook_zh", "答复: ", "Microsoft Outlook 16.0", "<{h}@{dom}>", "gb2312", "base64"),
    "outlook_en": Client("outlook_en", "RE: ", "Microsoft Outlook 16.0", "<{h}@{dom}>", "us-ascii", "quoted-printable"),
    "outlook_tw": Client("outlook_tw", "回覆: ", "Microsoft Outlook 16.0", "<{h}@{dom}>", "big5", "base64"),
    "outlook_hk": Client("outlook_hk", "回覆: ", "Microsoft Outlook 16.0", "<{h}@{dom}>", "big5", "base64"),
    "foxmail": Client("foxmail", "回复：", "Foxmail 7.2.25.228[cn]", "<{h}@{dom}>", "gb2312", "base64"),
    "qqmail": Client("qqmail", "回复：", "", "<tencent_{H}@qq.com>", "gb18030", "base64"),
    "coremail": Client("coremail", "回复:", "Coremail Webmail Server Version XT5.0.13 build 20210104(ba7f2a51)",
                       "<{h}.{n}@{dom}>", "GBK", "base64"),
    "netease": Client("netease", "Re:", "Coremail Webmail Server Version XT5.0.14 build 20230109(dcb5de15)",
                      "<{h}.{n}.{n}@163.com>", "GBK", "base64"),
    "gmail_zh": Client("gmail_zh", "回复：", "", "<CAF{H}@mail.gmail.com>", "UTF-8", "base64"),
    "gmail_en": Client("gmail_en", "Re: ", "", "<CAF{H}@mail.gmail.com>", "UTF-8", "quoted-printable"),
    "gmail_tw": Client("gmail_tw", "回覆：", "", "<CAF{H}@mail.gmail.com>", "UTF-8", "base64"),
    "alimail": Client("alimail", "回复：", "Alimail-Mailagent revision 4.0.0", "<{h}.{n}@{dom}>", "UTF-8", "base64"),
    "dingtalk": Client("dingtalk", "回复:", "DingTalk Mail 2.6", "<{h}@{dom}>", "UTF-8", "base64"),
    "apple_zh": Client("apple_zh", "回复：", "Apple Mail (2.3774.200.91.1.1)", "<{H}@{dom}>", "utf-8", "quoted-printable"),
    "iphone": Client("iphone", "回复：", "iPhone Mail (21G93)", "<{H}@{dom}>", "utf-8", "base64", html=False),
    "thunderbird_zh": Client("thunderbird_zh", "Re: ", "", "<{h}@{dom}>", "UTF-8", "8bit", html=False),
    "mailmaster": Client("mailmaster", "回复：", "NetEase Mail Master", "<{h}.{n}@{dom}>", "UTF-8", "base64"),
}
USER_AGENTS = {
    "thunderbird_zh": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.16.0",
}


def fake_hash(seed: str, n: int) -> str:
    import hashlib
    return hashlib.sha1(seed.encode()).hexdigest()[:n]


# --------------------------------------------------------------------------------------------------------
# A reply and its labels
# --------------------------------------------------------------------------------------------------------

@dataclass
class Reply:
    n: int
    client: str
    intent: str
    letter: Letter | None
    when: str  # "2026-11-25 09:41" Asia/Shanghai unless tz given
    text: str  # what the debtor newly wrote (signature included unless sig=True appends the debtor's)
    contains: list[str]
    labels: dict[str, Any] = field(default_factory=dict)
    sig: bool = True
    charset: str | None = None
    cte: str | None = None
    variant: str = ""
    match: str = "thread"  # thread | plus | subject | sender
    html: str = "alt"  # alt | plain | html_only
    quote: bool = True
    attach: list[tuple[str, str, str]] = field(default_factory=list)  # (filename, kind pdf|jpg, style)
    tz: str = "+0800"
    subject: str | None = None
    extra_headers: list[str] = field(default_factory=list)
    footer: str = ""
    sender: tuple[str, str] | None = None
    raw_subject: bool = False
    broken: bool = False
    exchange_id: bool | str = False  # True: the Exchange Online form; "microsoft": <[...@microsoft.com]>
    language: str = "zh"


def build_reply(r: Reply) -> tuple[bytes, dict[str, Any]]:
    client = CLIENTS[r.client]
    charset = r.charset or client.charset
    cte = r.cte or client.cte
    letter = r.letter
    debtor = letter.debtor if letter else None
    name, email = r.sender or ((debtor.person, debtor.email) if debtor else ("", ""))
    dom = email.split("@")[1]
    dt = datetime.strptime(f"{r.when} {r.tz}", "%Y-%m-%d %H:%M %z")
    new_text = r.text.strip("\n")
    if r.sig and debtor:
        new_text += "\n\n" + debtor.sig
    if r.footer:
        new_text += "\n\n" + r.footer
    quote = ""
    if r.quote and letter:
        quote = quote_plain(r.client, r.variant, letter, name, email)
    plain = new_text + ("\n\n" + quote if quote else "")
    if r.client == "qqmail" and quote:
        plain = plain.replace("\u00a0", "&nbsp;")

    h: list[str] = []
    if r.client == "qqmail":
        h.append("X-QQ-mid: bizesmtp" + fake_hash(str(r.n), 12) + "t" + str(int(dt.timestamp())))
    h.append(f"Date: {dt.strftime('%a, %d %b %Y %H:%M:%S')} {r.tz}")
    subj_cs = "utf-8" if charset.lower() in ("us-ascii",) else charset
    h.append(f"From: {addr(name, email, subj_cs if charset.lower() != 'us-ascii' else 'utf-8')}")
    if r.match == "thread" or r.match == "plus":
        to = letter.reply_to if letter else f"ar@{OUR_DOMAIN}"
    else:
        to = f"ar@{OUR_DOMAIN}"
    h.append(f"To: {addr(OUR_CLERK if not (letter and letter.english) else OUR_CLERK_EN, to, 'utf-8')}")
    subject = r.subject if r.subject is not None else (client.prefix + letter.subject if letter else "")
    if r.raw_subject:
        h.append("Subject: " + subject)  # raw 8-bit header, encoded below with the body charset
    else:
        h.append("Subject: " + enc_word(subject, subj_cs if subj_cs.lower() != "us-ascii" else "utf-8",
                                        "Q" if r.client in ("thunderbird_zh", "gmail_en", "outlook_en") else "B"))
    host = fake_hash(f"{r.n}{email}", 24)
    if r.exchange_id == "microsoft":
        h.append(f"Message-ID: <[{fake_hash(f'ms{r.n}', 32).upper()}@microsoft.com]>")
    elif r.exchange_id:
        h.append(f"Message-ID: <[{host.upper()}{fake_hash(str(r.n), 8).upper()}@SG2PR06MB5035.apcprd06.prod.outlook.com]>")
    else:
        h.append("Message-ID: " + client.msgid.format(h=host, H=host.upper(), n=fake_hash(email, 6), dom=dom))
    if r.match == "thread" and letter:
        h.append(f"In-Reply-To: {letter.message_id}")
        h.append(f"References: {letter.message_id}")
    if client.mailer:
        h.append(f"X-Mailer: {client.mailer}")
    if r.client in USER_AGENTS:
        h.append(f"User-Agent: {USER_AGENTS[r.client]}")
    if r.client.startswith("outlook"):
        h.append("Thread-Index: AQHb" + base64.b64encode(host.encode()).decode()[:24])
        h.append("Content-Language: " + {"outlook_zh": "zh-CN", "outlook_en": "en-US", "outlook_tw": "zh-TW",
                                         "outlook_hk": "zh-HK"}[r.client])
    h.extend(r.extra_headers)
    h.append("MIME-Version: 1.0")

    b = fake_hash(f"boundary{r.n}", 16)
    plain_part = text_part(plain, charset, cte)
    if r.html in ("alt", "html_only"):
        body_html = "".join(f"<div>{html_escape(x) or '<br>'}</div>" for x in new_text.split("\n"))
        if r.client in ("foxmail", "qqmail"):
            body_html = body_html.replace("<div>", '<div><font face="微软雅黑">', ).replace("</div>", "</font></div>")
        qh = quote_html(r.client, quote, letter) if quote and letter else ""
        html_doc = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>'
                    f'<body>{body_html}{qh}</body></html>')
        html_part = text_part(html_doc, charset, cte, "html")
        if r.html == "html_only":
            body = html_part
        else:
            body = multipart("alternative", f"----=_NextPart_{b}", [plain_part, html_part])
    else:
        body = plain_part
    if r.attach:
        parts = [body]
        for fname, kind, style in r.attach:
            data = pdf(f"e-receipt {r.n}") if kind == "pdf" else JPEG
            ctype = "application/pdf" if kind == "pdf" else "image/jpeg"
            parts.append(attachment(data, ctype, fname, style, charset if style == "rfc2047" else "utf-8"))
        body = multipart("mixed", f"----=_Part_{b}_mixed", parts, close=not r.broken)
    head = "\n".join(h)
    head_bytes = head.encode(codec(charset) if r.raw_subject else "ascii")
    message = head_bytes + b"\n" + body.render()
    if r.broken and not r.attach:
        raise ValueError("broken MIME needs a multipart")

    labels = label_for(r, new_text, quote, charset, name, dt)
    return message, labels


def label_for(r: Reply, new_text: str, quote: str, charset: str, name: str, dt: datetime) -> dict[str, Any]:
    lab = dict(r.labels)
    letter = r.letter
    for phrase in r.contains:
        if phrase not in new_text:
            raise ValueError(f"{r.n}: {phrase!r} is not in the new text")
    leaks = []
    if quote and letter:
        for v in letter.leaks():
            if v in new_text:
                raise ValueError(f"{r.n}: our letter's {v!r} appears in the new text")
            if v in letter.text():
                leaks.append(v)
    promises = lab.get("promises", [])
    if letter:
        qv = letter.quoted_values()
        for p in promises:
            if p.get("date") in (qv["due_date"], qv["pay_by"]) or p.get("amount") == qv["amount"]:
                raise ValueError(f"{r.n}: a promise equals a value of our letter")
        for key in ("amount", "paid_date"):
            if lab.get(key) and lab[key] in qv.values():
                raise ValueError(f"{r.n}: {key} equals a value of our letter")
    dated = [p for p in promises if p.get("date")]
    earliest = min(dated, key=lambda p: p["date"]) if dated else None
    out: dict[str, Any] = {
        "file": "",
        "intent": r.intent,
        "client": r.client,
        "charset": charset.lower(),
        "language": r.language,
        "case_ref": letter.ref if letter else None,
        "match": r.match if letter else None,
        "date": dt.isoformat(),
        "promises": promises,
        "promised_date": earliest["date"] if earliest else None,
        "amount": lab.get("amount", earliest["amount"] if earliest else None),
        "currency": lab.get("currency", "CNY" if (lab.get("amount") or any(p.get("amount") for p in promises)) else None),
        "paid_date": lab.get("paid_date"),
        "reference": lab.get("reference"),
        "dispute_reason": lab.get("dispute_reason"),
        "auto_reply": r.intent == "auto_reply",
        "bounce": lab.get("bounce"),
        "invalid_recipients": lab.get("invalid_recipients", []),
        "return_date": lab.get("return_date"),
        "reply_text_contains": r.contains,
        "must_not_contain": leaks,
        "quoted_letter": letter.quoted_values() if (letter and quote) else None,
        "features": sorted(set(lab.get("features", [])) | features_of(r, charset, new_text)),
        "note": lab.get("note"),
    }
    return out


def features_of(r: Reply, charset: str, new_text: str) -> set[str]:
    f = set()
    if charset.lower() == "gb2312":
        try:
            (new_text + (r.letter.text() if r.letter else "")).encode("gbk").decode("gb2312")
        except UnicodeDecodeError:
            f.add("gbk_only_chars")
    if charset.lower() == "gb18030":
        try:
            new_text.encode("gbk")
        except UnicodeEncodeError:
            f.add("gb18030_only_chars")
    if r.html == "html_only":
        f.add("html_only")
    elif r.html == "alt":
        f.add("multipart_alternative")
    if r.attach:
        f.add("attachment")
        f.update(f"filename_{style}" for _, _, style in r.attach)
    if r.raw_subject:
        f.add("raw_8bit_header")
    if r.broken:
        f.add("broken_mime")
    if r.exchange_id:
        f.add("exchange_message_id")
    cte = r.cte or CLIENTS[r.client].cte
    f.add("cte_" + cte)
    if r.variant:
        f.add("quote_" + r.variant)
    if not r.quote:
        f.add("no_quote")
    return f


# --------------------------------------------------------------------------------------------------------
# Delivery reports about our own letters, as our MTA and the Chinese providers write them
# --------------------------------------------------------------------------------------------------------

def our_letter_bytes(letter: Letter, to: str, headers_only: bool = False) -> str:
    """Our letter as it left (what a bounce returns), with its Message-ID."""
    s = letter.sent
    head = (
        f"Return-Path: <bounces@{OUR_DOMAIN}>\n"
        f"Received: from app01.{OUR_DOMAIN} (app01.{OUR_DOMAIN} [10.20.1.15])\n"
        f"\tby mail.{OUR_DOMAIN} (Postfix) with ESMTPS id 4Cq8X{fake_hash(letter.token, 6).upper()}\n"
        f"\tfor <{to}>; {s.strftime('%a, %d %b %Y %H:%M:%S')} +0800 (CST)\n"
        f"Date: {s.strftime('%a, %d %b %Y %H:%M:%S')} +0800\n"
        f"From: {enc_word(OUR_COMPANY + ' 应收账款部', 'utf-8')} <ar@{OUR_DOMAIN}>\n"
        f"Reply-To: {letter.reply_to}\n"
        f"To: {to}\n"
        f"Subject: {enc_word(letter.subject, 'utf-8')}\n"
        f"Message-ID: {letter.message_id}\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n"
    )
    if headers_only:
        return head
    return head + "\n" + encode_body(letter.text(), "utf-8", "base64").decode()


def postfix_dsn(n: int, letter: Letter, when: str, failures: list[tuple[str, str, str, str]],
                delayed: bool = False) -> bytes:
    """failures: (recipient, status, remote MTA, diagnostic)."""
    dt = datetime.strptime(when + " +0800", "%Y-%m-%d %H:%M %z")
    stamp = dt.strftime("%a, %d %b %Y %H:%M:%S +0800 (CST)")
    qid = fake_hash(f"q{n}", 10).upper()
    b = f"{qid}.{int(dt.timestamp())}/mail.{OUR_DOMAIN}"
    if delayed:
        subject = "Delayed Mail (still being retried)"
        intro = (f"This is the mail system at host mail.{OUR_DOMAIN}.\n\n"
                 "####################################################################\n"
                 "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
                 "####################################################################\n\n"
                 "Your message could not be delivered for more than 3 hour(s).\n"
                 "It will be retried until it is 5 day(s) old.\n\n"
                 "For further assistance, please send mail to postmaster.\n\n"
                 "                   The mail system\n")
    else:
        subject = "Undelivered Mail Returned to Sender"
        intro = (f"This is the mail system at host mail.{OUR_DOMAIN}.\n\n"
                 "I'm sorry to have to inform you that your message could not\n"
                 "be delivered to one or more recipients. It's attached below.\n\n"
                 "For further assistance, please send mail to postmaster.\n\n"
                 "If you do so, please include this problem report. You can\n"
                 "delete your own text from the attached returned message.\n\n"
                 "                   The mail system\n")
    for rcpt, _status, mta, diag in failures:
        verb = "delayed" if delayed else "said"
        intro += f"\n<{rcpt}>: host {mta} {verb}: {diag}\n    (in reply to RCPT TO command)\n"
    report = (f"Reporting-MTA: dns; mail.{OUR_DOMAIN}\nX-Postfix-Queue-ID: {qid}\n"
              f"X-Postfix-Sender: rfc822; bounces@{OUR_DOMAIN}\nArrival-Date: {letter.sent.strftime('%a, %d %b %Y %H:%M:%S')} +0800 (CST)\n")
    for rcpt, status, mta, diag in failures:
        report += (f"\nFinal-Recipient: rfc822; {rcpt}\nOriginal-Recipient: rfc822;{rcpt}\n"
                   f"Action: {'delayed' if delayed else 'failed'}\nStatus: {status}\n"
                   f"Remote-MTA: dns; {mta.split('[')[0]}\nDiagnostic-Code: smtp; {diag}\n")
    returned = our_letter_bytes(letter, failures[0][0], headers_only=delayed)
    kind = "text/rfc822-headers" if delayed else "message/rfc822"
    return (
        "Return-Path: <>\n"
        f"Received: by mail.{OUR_DOMAIN} (Postfix)\n\tid {qid}; {stamp}\n"
        f"Date: {stamp}\n"
        f"From: MAILER-DAEMON@mail.{OUR_DOMAIN} (Mail Delivery System)\n"
        f"Subject: {subject}\n"
        f"To: bounces@{OUR_DOMAIN}\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="{b}"\n'
        "Content-Transfer-Encoding: 8bit\n"
        f"Message-Id: <{dt.strftime('%Y%m%d%H%M%S')}.{qid}@mail.{OUR_DOMAIN}>\n\n"
        "This is a MIME-encapsulated message.\n\n"
        f"--{b}\nContent-Description: Notification\n"
        "Content-Type: text/plain; charset=us-ascii\n\n"
        f"{intro}\n"
        f"--{b}\nContent-Description: Delivery report\n"
        "Content-Type: message/delivery-status\n\n"
        f"{report}\n"
        f"--{b}\nContent-Description: {'Undelivered Message' if not delayed else 'Undelivered Message Headers'}\n"
        f"Content-Type: {kind}\nContent-Transfer-Encoding: 8bit\n\n"
        f"{returned}\n"
        f"--{b}--\n"
    ).encode()


def exmail_bounce(n: int, letter: Letter, when: str, rcpt: str, reason: str, diag: str) -> bytes:
    """Tencent Exmail's Chinese bounce: HTML and text, no delivery-status part, original subject only."""
    dt = datetime.strptime(when + " +0800", "%Y-%m-%d %H:%M %z")
    text = (f"很抱歉您的邮件没有发送成功。\n\n收件人：{rcpt}\n原邮件主题：{letter.subject}\n"
            f"发送时间：{letter.sent.strftime('%Y-%m-%d %H:%M:%S')}\n退信原因：{reason}\n\n"
            f"建议解决方案：请核实收件人地址是否正确，或联系收件人确认其邮箱状态。\n\n"
            f"错误信息：{diag}\n\n此为系统邮件，请勿回复。\n腾讯企业邮箱")
    html = ('<html><head><meta charset="utf-8"></head><body><div style="font-size:14px">'
            "<p><b>很抱歉您的邮件没有发送成功。</b></p><table>"
            f"<tr><td>收件人：</td><td>{html_escape(rcpt)}</td></tr>"
            f"<tr><td>原邮件主题：</td><td>{html_escape(letter.subject)}</td></tr>"
            f"<tr><td>退信原因：</td><td>{html_escape(reason)}</td></tr></table>"
            f'<p style="color:#999">错误信息：{html_escape(diag)}</p><p>此为系统邮件，请勿回复。</p></div></body></html>')
    b = f"----=_NextPart_{fake_hash(f'x{n}', 8).upper()}_{fake_hash(f'y{n}', 8).upper()}"
    return (
        "Return-Path: <>\n"
        f"Date: {dt.strftime('%a, %d %b %Y %H:%M:%S')} +0800\n"
        f"From: {enc_word('系统退信', 'utf-8')} <PostMaster@exmail.qq.com>\n"
        f"To: ar@{OUR_DOMAIN}\n"
        f"Subject: {enc_word('退信：' + letter.subject, 'utf-8')}\n"
        f"Message-ID: <bounce_{fake_hash(str(n), 20)}@exmail.qq.com>\n"
        "X-QQ-MIME: TCMime 1.0 by Tencent\nX-Mailer: QQMail 2.x\nMIME-Version: 1.0\n"
        f'Content-Type: multipart/alternative;\n\tboundary="{b}"\n\n'
        "This is a multi-part message in MIME format.\n\n"
        f'--{b}\nContent-Type: text/plain;\n\tcharset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
        f"{encode_body(text, 'utf-8', 'base64').decode()}\n"
        f'--{b}\nContent-Type: text/html;\n\tcharset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
        f"{encode_body(html, 'utf-8', 'base64').decode()}\n"
        f"--{b}--\n"
    ).encode("ascii")


def coremail_bounce(n: int, letter: Letter, when: str, rcpt: str, reason: str, status: str, diag: str,
                    host: str) -> bytes:
    """NetEase Qiye (Coremail) 系统退信: a GBK text part in a delivery-status report."""
    dt = datetime.strptime(when + " +0800", "%Y-%m-%d %H:%M %z")
    text = (f"您好，您发送的邮件未能成功投递给以下收件人：\n\n    {rcpt}\n\n原因：{reason}\n"
            f"对方服务器返回：{diag}\n\n原邮件主题：{letter.subject}\n\n"
            "This message was created automatically by mail delivery software.\n--\n网易企业邮箱 系统退信")
    b = f"----=_Part_{fake_hash(f'c{n}', 12)}"
    report = (f"Reporting-MTA: dns; {host}\nArrival-Date: {letter.sent.strftime('%a, %d %b %Y %H:%M:%S')} +0800\n\n"
              f"Final-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: {status}\nDiagnostic-Code: smtp; {diag}\n")
    return (
        "Return-Path: <>\n"
        f"Date: {dt.strftime('%a, %d %b %Y %H:%M:%S')} +0800 (CST)\n"
        f"From: postmaster@{host}\n"
        f"To: ar@{OUR_DOMAIN}\n"
        f"Subject: {enc_word('系统退信/Systems bounce', 'GBK')}\n"
        f"Message-ID: <{fake_hash(f'm{n}', 16)}.{fake_hash(f'n{n}', 6)}@{host}>\n"
        "X-Coremail-Antispam: 1Uf129KBjvJXoW7Kr1fGr1DJF4kCw1kXr17KFg_yoW8\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="{b}"\n\n'
        f'--{b}\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64\n\n'
        f"{encode_body(text, 'GBK', 'base64').decode()}\n"
        f"--{b}\nContent-Type: message/delivery-status\n\n{report}\n"
        f"--{b}\nContent-Type: text/rfc822-headers\n\n{our_letter_bytes(letter, rcpt, headers_only=True)}\n"
        f"--{b}--\n"
    ).encode("ascii")


def exchange_ndr(n: int, letter: Letter, when: str, rcpt: str, status: str, diag: str, domain: str) -> bytes:
    """Exchange Online's Chinese non-delivery report."""
    dt = datetime.strptime(when + " +0800", "%Y-%m-%d %H:%M %z")
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
            '<div style="font-family:\'Microsoft YaHei\'">'
            f'<p><b><font color="#000066" size="3">你的邮件无法送达 {html_escape(rcpt)}</font></b></p>'
            "<p>找不到收件人的电子邮件地址。请检查收件人的电子邮件地址是否拼写正确，然后重新发送邮件。</p>"
            f"<p>诊断信息：<br>{html_escape(diag)}</p></div></body></html>")
    b = f"_{fake_hash(f'e{n}', 8)}-{fake_hash(f'f{n}', 4)}-{fake_hash(f'g{n}', 4)}_"
    report = (f"Reporting-MTA: dns;SG2PR06MB{fake_hash(str(n), 4).upper()}.apcprd06.prod.outlook.com\n"
              f"Received-From-MTA: dns;mail.{OUR_DOMAIN}\nArrival-Date: {letter.sent.strftime('%a, %d %b %Y %H:%M:%S')} +0000\n\n"
              f"Original-Recipient: rfc822;{rcpt}\nFinal-Recipient: rfc822;{rcpt}\nAction: failed\n"
              f"Status: {status}\nDiagnostic-Code: smtp;{diag}\n")
    return (
        f"From: Microsoft Outlook\n <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@{domain}>\n"
        f"To: <ar@{OUR_DOMAIN}>\n"
        f"Date: {dt.strftime('%a, %d %b %Y %H:%M:%S')} +0800\n"
        f"Subject: {enc_word('无法投递: ' + letter.subject, 'utf-8')}\n"
        f"Message-ID: <{fake_hash(f'x{n}', 8)}-{fake_hash(f'y{n}', 4)}@SG2PR06MB5035.apcprd06.prod.outlook.com>\n"
        "Auto-Submitted: auto-replied\n"
        "X-MS-Exchange-Message-Is-Ndr: \n"
        "Content-Language: zh-CN\n"
        f"In-Reply-To: {letter.message_id}\n"
        f"References: {letter.message_id}\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="{b}"\n\n'
        f'--{b}\nContent-Type: multipart/alternative; differences=Content-Type;\n\tboundary="{b}alt"\n\n'
        f'--{b}alt\nContent-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
        f"{encode_body('你的邮件无法送达 ' + rcpt + chr(10) + chr(10) + '找不到收件人的电子邮件地址。' + chr(10) + diag, 'utf-8', 'base64').decode()}\n"
        f'--{b}alt\nContent-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
        f"{encode_body(html, 'utf-8', 'base64').decode()}\n"
        f"--{b}alt--\n\n"
        f"--{b}\nContent-Type: message/delivery-status\n\n{report}\n"
        f"--{b}\nContent-Type: text/rfc822-headers\n\n{our_letter_bytes(letter, rcpt, headers_only=True)}\n"
        f"--{b}--\n"
    ).encode("ascii")


def aliyun_bounce(n: int, letter: Letter, when: str, rcpt: str, reason: str, status: str, diag: str) -> bytes:
    """Alibaba Mail (阿里企业邮箱) 退信通知: Chinese HTML and text, a delivery-status part, the returned headers."""
    dt = datetime.strptime(when + " +0800", "%Y-%m-%d %H:%M %z")
    sent_at = letter.sent.strftime("%Y-%m-%d %H:%M")
    text = (f"您好，\n\n您于{sent_at}发送的邮件未能投递到以下收件人：\n{rcpt}\n\n退信原因：{reason}\n"
            f"技术信息：{status} {diag}\n\n建议：请检查收件人地址是否拼写正确后重新发送。\n\n阿里邮箱")
    html = ('<html><body><div style="font-family:PingFang SC,Microsoft YaHei;font-size:14px">'
            f"<p>您好，</p><p>您于{sent_at}发送的邮件未能投递到以下收件人：</p>"
            f'<p style="color:#e54545">{html_escape(rcpt)}</p><p>退信原因：{html_escape(reason)}</p>'
            f'<p style="color:#999">技术信息：{html_escape(status + " " + diag)}</p></div></body></html>')
    b = f"----=ALIBOUNCE_{fake_hash(f'a{n}', 16)}"
    report = (f"Reporting-MTA: dns; out{n % 7}.mxhichina.com\n"
              f"Arrival-Date: {letter.sent.strftime('%a, %d %b %Y %H:%M:%S')} +0800\n\n"
              f"Final-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: {status}\n"
              f"Diagnostic-Code: X-Aliyun; {diag}\n")
    return (
        "Return-Path: <>\n"
        f"Date: {dt.strftime('%a, %d %b %Y %H:%M:%S')} +0800\n"
        f"From: {enc_word('阿里邮箱', 'utf-8')} <mailer-daemon@mxhichina.com>\n"
        f"To: ar@{OUR_DOMAIN}\n"
        f"Subject: {enc_word('退信通知：' + letter.subject, 'utf-8')}\n"
        f"Message-ID: <bounce.{fake_hash(f'al{n}', 20)}@mxhichina.com>\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="{b}"\n\n'
        f'--{b}\nContent-Type: multipart/alternative; boundary="{b}_alt"\n\n'
        f'--{b}_alt\nContent-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
        f"{encode_body(text, 'utf-8', 'base64').decode()}\n"
        f'--{b}_alt\nContent-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
        f"{encode_body(html, 'utf-8', 'base64').decode()}\n"
        f"--{b}_alt--\n\n"
        f"--{b}\nContent-Type: message/delivery-status\n\n{report}\n"
        f"--{b}\nContent-Type: text/rfc822-headers\n\n{our_letter_bytes(letter, rcpt, headers_only=True)}\n"
        f"--{b}--\n"
    ).encode("ascii")


def bounce_label(n: int, client: str, letter: Letter, when: str, match: str, recipients: list[tuple[str, str]],
                 invalid: list[str], note: str, language: str = "en", charset: str = "us-ascii") -> dict[str, Any]:
    return {
        "file": "", "intent": "bounce", "client": client, "charset": charset, "language": language,
        "case_ref": letter.ref, "match": match, "date": datetime.strptime(when + " +0800", "%Y-%m-%d %H:%M %z").isoformat(),
        "promises": [], "promised_date": None, "amount": None, "currency": None, "paid_date": None, "reference": None,
        "dispute_reason": None, "auto_reply": False,
        "bounce": {"status": recipients[0][1], "recipients": [r for r, _ in recipients], "statuses": dict(recipients)},
        "invalid_recipients": invalid, "return_date": None, "reply_text_contains": [],
        "must_not_contain": [], "quoted_letter": None, "features": ["written_bounce"],
        "note": note,
    }


def write_all(sisimai_dir: Path | None = None) -> None:
    from tests.replies import corpus_messages as msgs

    out_dir = SAMPLES / "replies"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    labels = []
    seen = set()
    errors = []
    for r in msgs.REPLIES:
        if r.n in seen:
            raise ValueError(f"duplicate number {r.n}")
        seen.add(r.n)
        try:
            data, lab = build_reply(r)
        except ValueError as e:
            errors.append(f"{r.n}: {e}")
            continue
        name = f"{r.n:03d}-{r.client}-{r.intent}.eml"
        (out_dir / name).write_bytes(data)
        lab["file"] = f"replies/{name}"
        labels.append(lab)
    if errors:
        raise SystemExit("\n".join(errors))
    for item in msgs.WRITTEN_BOUNCES:
        name = f"{item['n']:03d}-{item['client']}-{item['intent']}.eml"
        (out_dir / name).write_bytes(item["bytes"])
        lab = dict(item["labels"])
        lab["file"] = f"replies/{name}"
        labels.append(lab)
    labels.extend(copy_sisimai(sisimai_dir))
    labels.sort(key=lambda x: x["file"])
    (SAMPLES / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(labels)} labelled files", file=sys.stderr)


# --------------------------------------------------------------------------------------------------------
# Real delivery reports, auto-replies and complaint reports from sisimai's set-of-emails (BSD 2-clause)
# --------------------------------------------------------------------------------------------------------

# (file, intent, [(recipient, status)], invalid recipients, note). The status is the DSN's Status field, read
# per message; for the reports without a delivery-status part it is the code the text gives. The recipient is
# the address we wrote to: the Original-Recipient when the report gives one, else the Final-Recipient.
SISIMAI: list[tuple[str, str, list[tuple[str, str]], list[str], str]] = [
    ("rhost-tencent-01", "bounce", [("nekochan@qq.example.cn", "5.0.0")], [], "QQ 550 Ip frequency limited: our sending problem"),
    ("rhost-tencent-02", "bounce", [("neko@qq.example.com", "5.0.0")], [], "QQ 550 Connection frequency limited: our sending problem"),
    ("rhost-tencent-03", "bounce", [("neko@qq.example.cn", "5.0.0")], [], "QQ 550 DMARC check failed: our sending problem"),
    ("rfc3464-01", "bounce", [("userunknown@bouncehammer.jp", "5.1.1")], ["userunknown@bouncehammer.jp"], "user unknown"),
    ("rfc3464-03", "bounce", [("kijitora@example.com", "5.0.0")], [], "554 rejected for policy reasons"),
    ("rfc3464-07", "bounce", [("kijitora@example.net", "4.4.0")], [], "delay (Action: delayed): temporary"),
    ("rfc3464-08", "bounce", [("kijitora@example.net", "5.7.1")], [], "content rejected as bulk mail: not the address"),
    ("rfc3464-09", "bounce", [("kijitora-nyaaaaaan@example.co.jp", "4.3.0")], [],
     "delay, quota exceeded, multipart/mixed; the Original-Recipient (the address we wrote to) differs from the "
     "Final-Recipient (kijitora-cat@mx4.gr3.example.jp, where it was forwarded)"),
    ("rfc3464-10", "bounce", [("kijitora@example.jp", "5.1.6")], ["kijitora@example.jp"], "recipient no longer on server"),
    ("rfc3464-26", "bounce", [("kijitora@example.or.jp", "5.1.1")], ["kijitora@example.or.jp"], "user unknown"),
    ("rfc3464-28", "other", [], [], "Action: deliverable, Status 2.1.5: a success report, not a bounce"),
    ("rfc3464-29", "bounce", [("kijitora@example.com", "5.5.0")], [], "503 improper sequence of commands"),
    ("rfc3464-36", "bounce", [("kijitora@nyaan.example.com", "4.0.0")], [], "gave up after 5 days on a timeout: status stays 4.0.0"),
    ("rfc3464-55", "bounce", [("sotoneko@nora.nyaan.jp", "4.4.1")], [], "delay: temporary"),
    ("rfc3464-60", "bounce", [("kijitora@example.jp", "5.1.8")], [], "501 sender address rejected: our side"),
    ("rfc3464-63", "bounce", [("libsisimai-2@googlegroups.com", "5.1.1")], ["libsisimai-2@googlegroups.com"], "account does not exist"),
    ("lhost-postfix-01", "bounce", [("kijitora@example.org", "5.1.1")], ["kijitora@example.org"],
     "no such user at the final mailbox r@p351355.pool.example.ne.jp; labelled with the Original-Recipient, "
     "the address we wrote to, which can never be delivered"),
    ("lhost-postfix-02", "bounce", [("filtered@example.co.jp", "5.2.1"), ("userunknown@example.co.jp", "5.1.1")],
     ["filtered@example.co.jp", "userunknown@example.co.jp"], "two recipients, both user unknown"),
    ("lhost-postfix-04", "bounce", [("kijitora@example.co.jp", "5.1.1")], ["kijitora@example.co.jp"], "address rejected"),
    ("lhost-postfix-06", "bounce", [("kijitora@neko.example.jp", "5.4.4")], ["kijitora@neko.example.jp"], "domain not found"),
    ("lhost-postfix-08", "bounce", [("kijitora@example.com", "4.4.1")], [], "connection timed out: temporary"),
    ("lhost-postfix-13", "bounce", [("kijitora@example.jp", "5.2.1"), ("noraneko@example.jp", "5.2.2")],
     ["kijitora@example.jp"], "one user unknown, one mailbox full (the address is fine)"),
    ("lhost-postfix-14", "bounce", [("kijitora@2jo.example.jp", "5.1.1")], ["kijitora@2jo.example.jp"], "unknown user"),
    ("lhost-postfix-28", "bounce", [("kijitora@gmail.example.com", "5.7.1")], [], "rejected for multiple From addresses: our side"),
    ("lhost-postfix-31", "bounce", [("kijitora@gmail.com", "5.1.1")], ["kijitora@gmail.com"], "Gmail: account does not exist"),
    ("lhost-postfix-33", "bounce", [("userunknown@libsisimai.org", "5.1.1")], ["userunknown@libsisimai.org"], "user unknown"),
    ("lhost-sendmail-01", "bounce", [("userunknown@bouncehammer.jp", "5.1.1")], ["userunknown@bouncehammer.jp"], "user unknown"),
    ("lhost-sendmail-05", "bounce", [("kijitora@example.org", "5.2.3")], [], "message too large"),
    ("lhost-sendmail-08", "bounce", [("neko@example.org", "4.4.7")], [], "Action failed but status 4.4.7: temporary"),
    ("lhost-sendmail-17", "bounce", [("kijitora@example.net", "5.1.6")], ["kijitora@example.net"], "551 not our user"),
    ("lhost-sendmail-29", "bounce", [("this-local-part-does-not-exist-on-the-system@y-mobile.ne.jp", "4.5.0")], [],
     "warning after 4 hours: delay"),
    ("lhost-exim-01", "bounce", [("kijitora@example.ed.jp", "5.7.0")], [], "no delivery-status part; 550 5.7.0 about our sending host"),
    ("lhost-gmail-01", "bounce", [("userunknown@example.jp", "5.1.1")], ["userunknown@example.jp"], "no delivery-status part; 550 5.1.1 user unknown"),
    ("lhost-gmail-06", "bounce", [("kijitora@example.jp", "4.2.2")], [], "no delivery-status part; delayed, mailbox full"),
    ("lhost-qmail-01", "bounce", [("kijitora@example.ne.jp", "5.5.0")], ["kijitora@example.ne.jp"], "qmail text: 550 Unknown user (#5.5.0)"),
    ("lhost-office365-03", "bounce", [("kijitora@example.com", "5.1.0")], [], "5.1.0 our IP may not send for our domain: our side"),
    ("lhost-office365-04", "bounce", [("otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp", "5.1.351")],
     ["otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp"], "unknown recipient; ISO-2022-JP subject"),
    ("lhost-office365-06", "bounce", [("neko@libsisimai.org", "5.4.312")], [], "message expired, DNS query failed"),
    ("lhost-exchange2007-01", "bounce", [("mikeneko@example.co.jp", "5.1.1")], ["mikeneko@example.co.jp"], "RecipNotFound"),
    ("lhost-exchange2007-02", "bounce", [("kijitora@example.edu", "5.2.2")], [], "mailbox full: the address is fine"),
    ("lhost-exchange2007-05", "bounce", [("gwang1@student.mlcsyd.nsw.edu.au", "4.4.7")], [], "queue expired, status 4.4.7"),
    ("lhost-amazonses-05", "bounce", [("bounce@simulator.amazonses.com", "5.1.1")], ["bounce@simulator.amazonses.com"], "user unknown"),
    ("rfc3834-01", "auto_reply", [], [], "Auto-Submitted: auto-replied, 'Away until May 5'"),
    ("rfc3834-02", "auto_reply", [], [], "only the 'Automatic reply:' subject (X-Auto-Response-Suppress is no sign)"),
    ("rfc3834-03", "auto_reply", [], [], "only the 'Auto reply:' subject"),
    ("rfc3834-04", "auto_reply", [], [], "only the 'Automatic reply:' subject"),
    ("rfc3834-05", "auto_reply", [], [], "Auto-Submitted: auto-replied with a meaningless subject"),
    ("rfc3834-06", "auto_reply", [], [], "Auto-Submitted and Precedence: bulk"),
    ("arf-01", "other", [], [], "abuse feedback report (ARF): neither a bounce nor a reply"),
    ("arf-02", "other", [], [], "Yahoo! feedback loop report"),
    ("arf-11", "other", [], [], "complaint report"),
]


def main_charset(data: bytes) -> str:
    import email
    from email import policy

    msg = email.message_from_bytes(data, policy=policy.compat32)
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            return (part.get_content_charset() or "us-ascii").lower()
    return "us-ascii"


def copy_sisimai(source: Path | None) -> list[dict[str, Any]]:
    """Copy (when a set-of-emails checkout is given) and label the chosen real messages."""
    out_dir = SAMPLES / "bounces"
    out_dir.mkdir(exist_ok=True)
    if source is not None:
        shutil.copyfile(source / "LICENSE", out_dir / "LICENSE")
    labels = []
    for name, intent, recipients, invalid, note in SISIMAI:
        target = out_dir / f"{name}.eml"
        if source is not None:
            shutil.copyfile(source / f"{name}.eml", target)
        data = target.read_bytes()
        labels.append({
            "file": f"bounces/{name}.eml", "intent": intent, "client": "sisimai", "charset": main_charset(data),
            "language": "en", "case_ref": None, "match": None, "date": None, "promises": [], "promised_date": None,
            "amount": None, "currency": None, "paid_date": None, "reference": None, "dispute_reason": None,
            "auto_reply": intent == "auto_reply",
            "bounce": {"status": recipients[0][1], "recipients": [r for r, _ in recipients],
                       "statuses": dict(recipients)} if intent == "bounce" else None,
            "invalid_recipients": invalid if intent == "bounce" else [],
            "return_date": None, "reply_text_contains": [], "must_not_contain": [], "quoted_letter": None,
            "features": ["sisimai"], "note": note,
        })
    return labels


if __name__ == "__main__":
    write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
