"""CLI: ``dunning inbox`` — read the mailbox once (or keep reading it), replies waiting for a clerk,
one reply in full, a clerk's confirmation or correction, and what clerks said about the machine's
readings (docs/inbox.md)."""

from __future__ import annotations

import json
import signal
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click

from workflow.cli import cli_core, cli_run, cli_unit_of_work, ensure_schema, help_text, say
from workflow.mail.replies import INTENTS, Inbox, PollReport, corrections_of
from workflow.unit_of_work import UnitOfWork


def register(cli: click.Group) -> None:
    cli.add_command(inbox)


def _inbox() -> Inbox:
    return cli_core().services.inbox


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _json(value: Any) -> None:
    click.echo(json.dumps(_plain(value), ensure_ascii=False, indent=2))


def _summary(report: PollReport) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.processed.items())) or "-"
    return say(f"{report.mailbox}：查看 {report.seen} 封，新存 {report.stored} 封，处理结果 {counts}，"
               f"服务器上已归档 {report.server_done} 封"
               + ("（UIDVALIDITY 已变，已重新同步）" if report.resynced else ""),
               f"{report.mailbox}: {report.seen} looked at, {report.stored} new, processed {counts}, "
               f"{report.server_done} settled on the server" + (" (UIDVALIDITY changed: re-synced)"
                                                                if report.resynced else ""))


@click.group("inbox", help=help_text("收件箱：读取一遍邮箱并处理回复（poll）、待人工确认的回复",
                                     "The inbox: read the mailbox once and process replies (poll), replies awaiting "
                                     "a clerk"))
def inbox() -> None:
    pass


@inbox.command("poll", help=help_text(
    "读取一遍邮箱：保存新邮件、识别并处理回复、在服务器上归档；--watch 持续读取（IMAP 支持 IDLE 时即时唤醒）",
    "Read the mailbox once: store new mail, process the replies, settle them on the server; --watch keeps "
    "reading (woken at once by IMAP IDLE where offered)"))
@click.option("--limit", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help=help_text("每轮最多读取的邮件数", "at most this many messages per pass"))
@click.option("--watch", is_flag=True, help=help_text("持续读取，直到 Ctrl+C", "keep reading until Ctrl+C"))
@click.option("--interval", type=click.IntRange(5, 3600), default=60, show_default=True,
              help=help_text("持续读取时两轮之间最多等待的秒数",
                             "with --watch, at most this many seconds between passes"))
@click.option("--json", "as_json", is_flag=True, help=help_text("以 JSON 输出", "print JSON"))
def poll_cmd(limit: int, watch: bool, interval: int, as_json: bool) -> None:
    ensure_schema()
    box = _inbox()

    def show(report: PollReport) -> None:
        if as_json:
            click.echo(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            click.echo(_summary(report))

    if not watch:
        show(box.poll(limit))
        return
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    source = box.source()
    try:
        from workflow.mail.imap import ImapInbox

        if isinstance(source, ImapInbox):
            source.watch(box, limit, float(interval), lambda: bool(stopping), show)
            return
        while not stopping:
            show(source.poll(box, limit))
            for _ in range(interval):
                if stopping:
                    break
                time.sleep(1)
    except KeyboardInterrupt:
        pass


@inbox.command("triage", help=help_text("待人工确认的回复：识别不确定、未匹配到案件或无法按其处理的",
                                        "Replies waiting for a clerk: unsure, unmatched, or not possible to act on"))
@click.option("--json", "as_json", is_flag=True, help=help_text("以 JSON 输出", "print JSON"))
@click.option("--limit", type=click.IntRange(1, 500), default=100, show_default=True,
              help=help_text("最多列出的条数", "at most this many"))
def triage_cmd(as_json: bool, limit: int) -> None:
    with cli_unit_of_work(read_only=True) as uow:
        data = _inbox().triage(uow, per_page=limit)
    if as_json:
        _json(data)
        return
    if not data["items"]:
        click.echo(say("没有待确认的回复", "no replies waiting"))
    for r in data["items"]:
        click.echo(f"{r['id']:>6}  {r['triage_reason'] or r['status']:<14}  {r['intent'] or '-':<20}  "
                   f"{r['case_ref'] or '-':<13}  {r['from_address'] or '-'}  {r['subject'] or ''}")


@inbox.command("show", help=help_text("显示一封收到的邮件：识别结果、匹配的案件、处理结果",
                                      "Show one received message: what was read, its case, what was done"))
@click.argument("inbound_id", type=click.IntRange(1, 2**31 - 1), metavar="ID")
@click.option("--json", "as_json", is_flag=True, help=help_text("以 JSON 输出", "print JSON"))
def show_cmd(inbound_id: int, as_json: bool) -> None:
    with cli_unit_of_work(read_only=True) as uow:
        data = _inbox().show(uow, inbound_id)
    if as_json:
        _json(data)
        return
    for key in ("id", "status", "triage_reason", "from_address", "subject", "sent_at", "message_id", "intent",
                "confidence", "case_ref", "matched_by", "promises", "paid_date", "amount", "currency",
                "dispute_reason", "outcome", "error"):
        value = _plain(data.get(key))
        click.echo(f"{key}: {json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value}")
    click.echo("")
    click.echo(data["reply_text"])


@inbox.command("confirm", help=help_text("确认或更正一封待处理回复，然后按其推进案件",
                                         "Confirm or correct a reply waiting for a clerk, then move its case"))
@click.argument("inbound_id", type=click.IntRange(1, 2**31 - 1), metavar="ID")
@click.option("--intent", type=click.Choice(INTENTS), default=None, help=help_text("更正后的意图", "the right intent"))
@click.option("--case", "case_ref", default=None, help=help_text("所属案件编号（AR-2026-0042）",
                                                                 "the case it belongs to (AR-2026-0042)"))
@click.option("--promised-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help=help_text("承诺付款日", "the promised date"))
@click.option("--amount", default=None, help=help_text("金额", "the amount"))
@click.option("--currency", default=None, help=help_text("币种", "the currency"))
@click.option("--dispute-reason", default=None, help=help_text("异议理由", "the dispute's reason"))
def confirm_cmd(inbound_id: int, intent: str | None, case_ref: str | None, promised_date: datetime | None,
                amount: str | None, currency: str | None, dispute_reason: str | None) -> None:
    fields = corrections_of(intent=intent, case_ref=case_ref, amount=amount, currency=currency,
                            dispute_reason=dispute_reason,
                            promised_date=promised_date.date() if promised_date else None)

    def go(uow: UnitOfWork) -> dict[str, Any]:
        row = _inbox().confirm(uow, inbound_id, fields)
        return {"id": row.id, "status": row.status, "outcome": row.outcome}

    result = cli_run(go)
    click.echo(say(f"回复 {inbound_id}：{result['status']}，{json.dumps(result['outcome'], ensure_ascii=False)}",
                   f"reply {inbound_id}: {result['status']}, {json.dumps(result['outcome'], ensure_ascii=False)}"))


@inbox.command("accuracy", help=help_text("人工确认与更正的统计（按机器识别的意图）",
                                          "What clerks confirmed and corrected, per intent the machine read"))
def accuracy_cmd() -> None:
    with cli_unit_of_work(read_only=True) as uow:
        _json(_inbox().accuracy(uow))
