"""CLI: ``dunning reply`` — understand a debtor's reply (``classify FILE.eml``) and measure how well
that works on a labelled corpus (``evaluate DIR``).

Neither command touches the database: a message is read, decoded and classified in memory, and the
JSON printed by ``classify --json`` is the same as ``POST /api/v1/replies/classify`` answers.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from workflow.cli import help_text, say
from workflow.errors import TooLarge, invalid
from workflow.mail.classify import Classification, classify
from workflow.mail.mime import MAX_MESSAGE_BYTES, SHANGHAI, MessageTooLarge

INTENT_ZH = {
    "promise_to_pay": "承诺付款", "paid": "已付款", "dispute": "争议", "document_request": "索要单据",
    "installment_request": "申请分期", "hardship": "经营困难", "statement_confirmed": "确认对账",
    "auto_reply": "自动回复", "bounce": "退信", "other": "其他",
}


def register(cli: click.Group) -> None:
    cli.add_command(reply)


def _today() -> datetime:
    return datetime.now(SHANGHAI)


@click.group("reply", help=help_text("债务人回复：识别意图与承诺（classify），按标注语料评估准确率（evaluate）",
                                     "Debtors' replies: classify one message, evaluate accuracy on a labelled corpus"))
def reply() -> None:
    pass


def _read(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_MESSAGE_BYTES + 1)
    if len(data) > MAX_MESSAGE_BYTES:
        raise TooLarge("file", MAX_MESSAGE_BYTES)
    return data


@reply.command("classify", help=help_text(
    "识别一封回复邮件（.eml）：意图、置信度、新写的正文、承诺、付款日期与金额、退信和自动回复",
    "Classify one reply (.eml): intent, confidence, the newly written text, promises, payment, bounce, auto-reply"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=help_text("以 JSON 输出（与 API 相同）",
                                                                "print JSON (the same as the API)"))
def classify_cmd(file: Path, as_json: bool) -> None:
    try:
        result = classify(_read(file), fallback_day=_today().date())
    except MessageTooLarge as exc:
        raise TooLarge("file", exc.limit) from None
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    click.echo(_describe(result))


def _describe(r: Classification) -> str:
    en = say("zh", "en") == "en"
    intent = r.intent if en else f"{INTENT_ZH[r.intent]}（{r.intent}）"
    lines = [say(f"意图：{intent}  置信度 {r.confidence:.2f}", f"intent: {intent}  confidence {r.confidence:.2f}")]
    if r.case_ref:
        lines.append(say(f"案件：{r.case_ref}（{r.case_ref_source}）", f"case: {r.case_ref} ({r.case_ref_source})"))
    for p in r.promises:
        day = p.day.isoformat() if p.day else say("未定日期", "no date")
        amount = f" {p.amount} {r.currency or ''}".rstrip() if p.amount is not None else ""
        lines.append(say(f"承诺：{day}{amount}", f"promise: {day}{amount}"))
    if r.paid_date or (r.intent == "paid" and r.amount is not None):
        lines.append(say(f"付款：{r.paid_date or '-'} {r.amount or ''} {r.currency or ''}".rstrip(),
                         f"paid: {r.paid_date or '-'} {r.amount or ''} {r.currency or ''}".rstrip()))
    if r.reference:
        lines.append(say(f"流水号：{r.reference}", f"reference: {r.reference}"))
    if r.dispute_reason:
        lines.append(say(f"争议原因：{r.dispute_reason}", f"dispute reason: {r.dispute_reason}"))
    if r.auto_reply and r.return_date:
        lines.append(say(f"返回日期：{r.return_date}", f"back on: {r.return_date}"))
    if r.bounce is not None:
        b = r.bounce
        who = ", ".join(b.invalid_recipients) or "-"
        lines.append(say(f"退信：状态 {b.status}，收件人 {', '.join(x.address for x in b.recipients) or '-'}，"
                         f"无效地址 {who}{'（我方发信被拒，非地址问题）' if b.our_problem else ''}",
                         f"bounce: status {b.status}, recipients {', '.join(x.address for x in b.recipients) or '-'}, "
                         f"invalid {who}{' (our sending was refused, not the address)' if b.our_problem else ''}"))
    for a in r.attachments:
        lines.append(say(f"附件：{a['name']}（{a['content_type']}，{a['size']} 字节）",
                         f"attachment: {a['name']} ({a['content_type']}, {a['size']} bytes)"))
    if r.reply_text:
        lines.append(say("新写的正文：", "new text:"))
        lines += ["  " + line for line in r.reply_text.splitlines()]
    return "\n".join(lines)


@reply.command("evaluate", help=help_text(
    "按标注语料（DIR/labels.json）评估：各意图准确率、提取命中率、引用原函的泄漏",
    "Evaluate on a labelled corpus (DIR/labels.json): accuracy per intent, extraction hit rate, quote leaks"))
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=help_text("以 JSON 输出", "print JSON"))
@click.option("--misses", is_flag=True,
              help=help_text("列出每个识别错误和提取错误", "list every wrong intent and field"))
def evaluate_cmd(directory: Path, as_json: bool, misses: bool) -> None:
    from workflow.mail.evaluation import CONFIDENT, evaluate

    if not (directory / "labels.json").is_file():
        raise invalid("directory", "no_labels", f"{directory} 中没有 labels.json", f"no labels.json in {directory}")
    try:
        ev = evaluate(directory, fallback_day=_today().date())
    except (ValueError, KeyError, TypeError) as exc:
        raise invalid("directory", "bad_labels", f"labels.json 无法读取：{exc}",
                      f"labels.json cannot be read: {exc}") from None
    if as_json:
        click.echo(json.dumps(ev.as_json(), ensure_ascii=False, indent=2))
        return
    right = sum(r for r, _ in ev.per_intent.values())
    click.echo(say(f"消息 {ev.total} 封，意图准确率 {ev.accuracy:.1%}（{right}/{ev.total}）",
                   f"{ev.total} messages, intent accuracy {ev.accuracy:.1%} ({right}/{ev.total})"))
    for intent, (r, n) in sorted(ev.per_intent.items()):
        click.echo(f"  {intent:<20} {r:>4}/{n:<4} {r / n:6.1%}")
    hits = sum(h for h, _ in ev.fields.values())
    labelled = sum(n for _, n in ev.fields.values())
    click.echo(say(f"提取命中率 {ev.extraction_hit_rate:.1%}（{hits}/{labelled}）",
                   f"extraction hit rate {ev.extraction_hit_rate:.1%} ({hits}/{labelled})"))
    for name, (h, n) in sorted(ev.fields.items()):
        click.echo(f"  {name:<20} {h:>4}/{n:<4} {h / n:6.1%}")
    r, n = ev.confident
    click.echo(say(f"置信度 ≥ {CONFIDENT} 的 {n} 封中 {r} 封正确",
                   f"{r} of {n} answers at confidence ≥ {CONFIDENT} right"))
    click.echo(say(f"引用原函泄漏：{len(ev.leaks)}", f"values leaked from our quoted letter: {len(ev.leaks)}"))
    for leak in ev.leaks:
        click.echo(f"  {leak.file}: {leak.what} {leak.expected}")
    for err in ev.errors:
        click.echo(say(f"  处理失败 {err.file}: {err.got}", f"  failed {err.file}: {err.got}"))
    if misses:
        for m in ev.misses:
            click.echo(f"  {m.file}: {m.what} {say('应为', 'expected')} {m.expected!r} {say('得到', 'got')} {m.got!r}")
