"""Decoding received mail the way Chinese clients write it: GB-family labels over GBK bytes, RFC 2047
headers and attachment names, raw 8-bit headers, Exchange Message-IDs, HTML-only bodies, broken MIME,
size caps and names safe to store."""

from __future__ import annotations

import base64

import pytest

from workflow.mail.mime import (
    MessageTooLarge,
    clean_text,
    codec_for,
    decode_words,
    for_matching,
    html_to_text,
    parse,
    safe_name,
)

GBK_ONLY = "朱镕 深圳市堃鹏电子 王喆 昇"  # characters outside GB2312: decoded as U+FFFD by the stdlib


def _b64(text: str, codec: str) -> str:
    return base64.b64encode(text.encode(codec)).decode()


def _message(headers: str, body: bytes, ctype: str = 'text/plain; charset="gb2312"', cte: str = "base64") -> bytes:
    head = f"{headers}\r\nMIME-Version: 1.0\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    return head.encode() + body


@pytest.mark.parametrize("label", ["gb2312", "GBK", "cp936", "ms936", "windows-936", "x-gbk", "euc-cn", "x-euc-cn",
                                   "gb_2312-80", "csgb2312", "GB18030"])
def test_every_gb_family_label_is_read_as_gb18030(label: str) -> None:
    subject = f"=?{label}?B?{_b64('回复：' + GBK_ONLY, 'gb18030')}?="
    raw = _message(f"From: a@b.cn\r\nSubject: {subject}", _b64(GBK_ONLY, "gb18030").encode(),
                   ctype=f'text/plain; charset="{label}"')
    d = parse(raw)
    assert d.subject == "回复：" + GBK_ONLY
    assert d.text == GBK_ONLY
    assert "\ufffd" not in d.subject + d.text


def test_big5_labels_are_read_as_big5_hkscs() -> None:
    assert codec_for("big5") == "big5hkscs" and codec_for("Big5-HKSCS") == "big5hkscs"
    text = "貴司發票已收到，恒生銀行"
    raw = _message("From: a@b.hk\r\nSubject: x", _b64(text, "big5hkscs").encode(), ctype='text/plain; charset="big5"')
    assert parse(raw).text == text


def test_a_mislabelled_body_is_still_read() -> None:
    # labelled utf-8, written in GBK: the label is wrong, the text is not lost
    raw = _message("From: a@b.cn\r\nSubject: x", _b64("已付款五万元", "gbk").encode(),
                   ctype="text/plain; charset=utf-8")
    assert parse(raw).text == "已付款五万元"


def test_raw_8bit_headers_are_recovered_as_utf8_else_gb18030() -> None:
    utf8 = b"From: =?utf-8?B?5byg5LiJ?= <a@qq.com>\r\nSubject: " + "回复：催款函".encode() + b"\r\n"
    gbk = b"From: a@qq.com\r\nSubject: " + ("回复：" + GBK_ONLY).encode("gbk") + b"\r\n"
    for head, subject in ((utf8, "回复：催款函"), (gbk, "回复：" + GBK_ONLY)):
        d = parse(head + b"Content-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n")
        assert d.subject == subject


def test_encoded_words_are_decoded_chunk_by_chunk_whatever_their_label() -> None:
    mixed = f"Re: =?gb2312?B?{_b64('堃鹏', 'gb18030')}?= =?utf-8?Q?=E5=82=AC=E6=AC=BE?= AR-2026-0042"
    assert decode_words(mixed) == "Re: 堃鹏催款 AR-2026-0042"
    # a label Python does not know: the bytes are still read (UTF-8, else GB18030)
    assert decode_words("=?x-unknown-cs?B?5byg5LiJ?=") == "张三"
    assert decode_words(f"=?x-unknown-cs?B?{_b64('张三', 'gbk')}?=") == "张三"


def test_exchange_message_ids_and_thread_headers_are_read_without_raising() -> None:
    raw = (b"From: x@y.com\r\nSubject: RE\r\nMessage-ID: <[TYZPR06MB5274A1B2@TYZPR06MB5274.outlook.com]>\r\n"
           b"In-Reply-To: <AR-2026-0042.k3f9x2@hx-jidian.cn>\r\n"
           b"References: <a@b> <AR-2026-0042.k3f9x2@hx-jidian.cn>\r\n"
           b"Content-Type: text/plain\r\n\r\nok\r\n")
    d = parse(raw)
    assert d.message_id == "<[TYZPR06MB5274A1B2@TYZPR06MB5274.outlook.com]>"
    assert d.in_reply_to == ["<AR-2026-0042.k3f9x2@hx-jidian.cn>"]
    assert d.references == ["<a@b>", "<AR-2026-0042.k3f9x2@hx-jidian.cn>"]


def _with_attachment(disposition: str) -> bytes:
    return (
        b"From: a@b.cn\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n"
        b"--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xe5\xb7\xb2\xe4\xbb\x98\r\n"
        b"--BB\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        + disposition.encode() + b"\r\n\r\n" + base64.b64encode(b"%PDF-1.4 receipt") + b"\r\n--BB--\r\n"
    )


@pytest.mark.parametrize("disposition", [
    # RFC 2231, as the standard says
    "Content-Disposition: attachment; filename*=utf-8''%E4%BB%98%E6%AC%BE%E5%9B%9E%E5%8D%95.pdf",
    # Foxmail and Outlook: an RFC 2047 encoded-word inside the quotes
    f'Content-Disposition: attachment; filename="=?gb2312?B?{_b64("付款回单.pdf", "gb18030")}?="',
    # only a name on the Content-Type, as old clients do
    "Content-Disposition: attachment\r\nX-Dummy: 1\r\n"
    f'Content-Description: x; name="=?utf-8?B?{_b64("付款回单.pdf", "utf-8")}?="',
])
def test_attachment_names_in_every_encoding(disposition: str) -> None:
    d = parse(_with_attachment(disposition))
    assert d.text.strip() == "已付"
    (attachment,) = d.attachments
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(b"%PDF-1.4 receipt") and attachment.data == b"%PDF-1.4 receipt"
    assert len(attachment.sha256) == 64
    assert attachment.name in ("付款回单.pdf", "attachment-1.pdf")
    if "filename" in disposition:
        assert attachment.name == "付款回单.pdf"


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\回单.pdf", "回单.pdf"),
    ("invoice\u202efdp.exe", "invoice_fdp.exe"),
    ("..hidden", "hidden"),
    ("a<b>:c|d?.pdf", "a_b__c_d_.pdf"),
    ("", "attachment-3.pdf"),
    ("x" * 300 + ".pdf", "x" * 110 + ".pdf"),
])
def test_attachment_names_are_safe_to_store(raw: str, safe: str) -> None:
    assert safe_name(raw, 3, "application/pdf") == safe


def test_html_only_mail_becomes_text_with_the_quote_marked() -> None:
    html = ("<html><head><style>p{color:red}</style></head><body><p>陈小姐：</p><p>已于今天付款&nbsp;5万元。</p>"
            "<div id=\"divRplyFwdMsg\"><b>发件人:</b> 应收账款部<br><b>主题:</b> 催款函</div>"
            "<blockquote>请于2026年11月27日前付款 ￥128,450.00</blockquote></body></html>")
    text = html_to_text(html)
    assert "color:red" not in text
    lines = text.splitlines()
    assert lines[0] == "陈小姐："
    assert "已于今天付款 5万元。" in lines
    assert lines.index("________________________________") < lines.index("发件人: 应收账款部")
    assert "> 请于2026年11月27日前付款 ￥128,450.00" in lines
    d = parse(_message("From: a@b.cn\r\nSubject: x", _b64(html, "utf-8").encode(), ctype="text/html; charset=utf-8"))
    assert d.from_html and d.text.startswith("陈小姐：")


def test_text_is_cleaned_for_matching() -> None:
    qq = "已付款&nbsp;5万\u3000元\u200b，&gt; 见附件\r\n发件人：张三"
    assert clean_text(qq) == "已付款 5万 元，> 见附件\n发件人：张三"
    assert for_matching(clean_text(qq)).endswith("发件人:张三")


def test_broken_mime_is_tolerated() -> None:
    # no closing boundary, an undecodable base64 part, a header line without a colon
    raw = (b"From: a@b.cn\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=ZZ\r\nbroken header line\r\n\r\n"
           b"--ZZ\r\nContent-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64.b64encode("已付款".encode("gbk")) + b"\r\n--ZZ\r\nContent-Type: application/pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n")
    d = parse(raw)
    assert "已付款" in d.text
    assert len(d.attachments) == 1


def test_a_message_over_the_cap_is_refused_before_parsing() -> None:
    with pytest.raises(MessageTooLarge):
        parse(b"Subject: x\r\n\r\n" + b"a" * 100, limit=50)
