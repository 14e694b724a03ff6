"""Only what the debtor newly wrote survives: every client's way of quoting our letter is cut, so our own
amount (128,450.00) and dates (2026-10-31, 2026年11月27日) never reach the extraction."""

from __future__ import annotations

import pytest

from workflow.mail.mime import clean_text
from workflow.mail.quotes import strip_reply

NEW = "陈小姐：\n\n我司将于2026年12月4日支付5万元。"
OURS = ("应付金额：￥128,450.00", "到期日：2026-10-31", "请于2026年11月27日前付款")
LETTER = "\n".join(OURS)

STYLES = {
    "qq_foxmail": f"------------------ 原始邮件 ------------------\n发件人: \"应收账款部\"<ar@hx-jidian.cn>;\n"
                  f"发送时间: 2026年11月26日(星期四) 上午10:02\n收件人: \"李志强\"<l@k.cn>;\n主题: 催款函\n\n{LETTER}",
    "qq_original_en": f"------------------ Original ------------------\nFrom: \"AR\"<ar@hx-jidian.cn>\n"
                      f"Date: Thu, Nov 26, 2026 10:02 AM\nTo: <l@k.cn>\nSubject: 催款函\n\n{LETTER}",
    "coremail": f"-----原始邮件-----\n发件人:\"应收账款部\" <ar@hx-jidian.cn>\n发送时间:2026-11-26 10:11:40 (星期四)\n"
                f"收件人:\"赵敏\" <z@h.com>\n主题:催款函\n\n{LETTER}",
    "outlook_zh_rule": f"________________________________\n发件人: 应收账款部 <ar@hx-jidian.cn>\n"
                       f"发送时间: 2026年11月26日 10:05\n收件人: 王建国\n主题: 催款函\n\n{LETTER}",
    "outlook_zh_original": "-----邮件原件-----\n发件人: 应收账款部 [mailto:ar@hx-jidian.cn]\n"
                           f"发送时间: 2026年11月26日 10:05\n主题: 催款函\n\n{LETTER}",
    "outlook_no_separator_date": f"发件人: 应收账款部 <ar@hx-jidian.cn>\n日期: 2026年11月26日 10:05\n"
                                 f"收件人: 王建国\n主题: 催款函\n\n{LETTER}",
    "outlook_no_separator_cc": f"发件人：应收账款部 <ar@hx-jidian.cn>\n抄送：财务部\n主题：催款函\n\n{LETTER}",
    "outlook_en": "-----Original Message-----\nFrom: AR <ar@hx-jidian.cn>\n"
                  f"Sent: Thursday, November 26, 2026 10:05 AM\nTo: Wang\nSubject: Payment reminder\n\n{LETTER}",
    "outlook_bold": "*From:* AR <ar@hx-jidian.cn>\n"
                    f"*Sent:* Thursday, November 26, 2026 10:05\n*Subject:* x\n\n{LETTER}",
    "netease": "在 2026-11-26 10:30:12，\"陈晓婷\" <ar@hx-jidian.cn> 写道：\n> " + LETTER.replace("\n", "\n> "),
    "gmail_zh": f"陈晓婷 <ar@hx-jidian.cn> 于2026年11月26日周四 10:12写道：\n\n> {OURS[0]}\n> {OURS[1]}\n> {OURS[2]}",
    "gmail_zh_wrapped": f"陈晓婷 <ar@hx-jidian.cn> 于2026年11月26日周四 10:12\n写道：\n> {LETTER}",
    "gmail_en_wrapped": f"On Thu, 26 Nov 2026 at 10:40, Huadong AR <\nar@hx-jidian.cn> wrote:\n> {LETTER}",
    "apple_zh": f"2026年11月26日 上午10:12，陈晓婷 <ar@hx-jidian.cn> 写道：\n\n{LETTER}",
    "thunderbird_zh": f"在 2026/11/26 10:12, 陈晓婷 写道:\n> {LETTER}",
    "zh_tw_outlook": f"寄件者: 應收帳款部 <ar@hx-jidian.cn>\n寄件日期: 2026年11月26日 上午 10:05\n收件者: 陳怡君\n"
                     f"主旨: 催款函\n\n{LETTER}",
    "zh_tw_gmail": f"陳曉婷 <ar@hx-jidian.cn> 於 2026年11月26日 週四 上午10:12寫道：\n> {LETTER}",
    "mailmaster": f"---- 回复的原邮件 ----\n| 发件人 | 陈晓婷<ar@hx-jidian.cn> |\n"
                  f"| 日期 | 2026年11月26日 10:12 |\n{LETTER}",
    "alimail": "------------------------------------------------------------------\n"
               "发件人：应收账款部 <ar@hx-jidian.cn>\n"
               f"发送时间：2026年11月26日(星期四) 10:12\n收件人：钱敏\n主　题：催款函\n\n{LETTER}",
    "dingtalk": f"——————————————————\n发件人：应收账款部\n时　间：2026年11月26日 10:12\n\n{LETTER}",
    "iphone": f"发自我的iPhone\n\n> 在 2026年11月26日，10:12，陈晓婷 <ar@hx-jidian.cn> 写道：\n> \n> {LETTER}",
    "quoted_lines_only": "> " + LETTER.replace("\n", "\n> "),
    "qq_html_entities": "------------------&nbsp;原始邮件&nbsp;------------------\n"
                        "发件人:&nbsp;\"AR\"&lt;ar@x.cn&gt;;\n"
                        f"发送时间:&nbsp;2026年11月26日\n\n{LETTER}",
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_the_quoted_letter_is_cut_and_the_new_text_kept(style: str) -> None:
    body = clean_text(f"{NEW}\n\n{STYLES[style]}")
    result = strip_reply(body)
    assert result.text.startswith("陈小姐：") and "我司将于2026年12月4日支付5万元。" in result.text
    assert result.quote_found
    for value in ("128,450.00", "2026-10-31", "2026年11月27日"):
        assert value not in result.text, (style, result.text)


def test_a_reply_without_quote_is_kept_whole() -> None:
    result = strip_reply("您好，已付款。\n流水号 CMB2026112800001")
    assert result.text == "您好，已付款。\n流水号 CMB2026112800001"
    assert not result.quote_found


def test_the_signature_after_a_closing_is_dropped_but_a_sentence_after_thanks_is_not() -> None:
    signed = strip_reply("已于今天付款。\n谢谢！\n张三\n深圳市堃鹏电子科技有限公司 财务部\n0755-2671 8833")
    assert signed.text == "已于今天付款。\n谢谢！"
    assert "0755-2671 8833" in signed.signature
    more = strip_reply("已收到，谢谢！\n余款我们下周五付清。\n张三")
    assert "余款我们下周五付清。" in more.text
    dashes = strip_reply("好的，月底前付。\n-- \n张三 13800000000")
    assert dashes.text == "好的，月底前付。"


def test_a_from_line_without_a_header_block_is_not_a_quote() -> None:
    text = "From: our side we will pay on Friday.\nThanks"
    assert "we will pay on Friday" in strip_reply(text).text


def test_a_huge_thread_is_capped_and_returns_quickly() -> None:
    # regex quote parsers have hung on long threads: ours reads a bounded number of lines, once
    body = NEW + "\n" + ("> " + "很长的引用 " * 50 + "\n") * 50_000
    result = strip_reply(body)
    assert result.text.startswith("陈小姐：")
