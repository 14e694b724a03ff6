"""CLI: ``dunning outbox`` — list and show outgoing mail, send what is due, retry, cancel.

``send-due --until-empty`` is also the sender of last resort: it recovers messages whose sender
died mid-send (their lease ran out) and keeps going until nothing is due or leased, waiting for
leases and short retries rather than leaving them to the next sweep.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import click
from sqlalchemy import select

from workflow.cli import cli_core, cli_run, cli_unit_of_work, ensure_schema, help_text, say
from workflow.errors import NotFound
from workflow.mail.models import OutboxMessage, OutboxStatus
from workflow.mail.outbox import Outbox, attempts_of, describe, describe_attempts
from workflow.unit_of_work import UnitOfWork

STATUSES = [s.value for s in OutboxStatus]
# --until-empty waits for a retry or a lease at most this long; anything later is left to the sweep
MAX_WAIT_SECONDS = 15 * 60


def register(cli: click.Group) -> None:
    cli.add_command(outbox)


def _outbox() -> Outbox:
    return cli_core().services.outbox


@click.group("outbox", help=help_text("发件箱：待发、已发、失败的邮件；立即发送到期邮件",
                                      "The outbox: pending, sent and failed mail; send what is due now"))
def outbox() -> None:
    pass


@outbox.command("list", help=help_text("列出邮件（最新在前）", "List messages, newest first"))
@click.option("--status", type=click.Choice(STATUSES), default=None,
              help=help_text("只列出此状态的邮件", "only messages in this state"))
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help=help_text("最多列出的条数", "at most this many"))
@click.option("--json", "as_json", is_flag=True, help=help_text("以 JSON 输出", "print JSON"))
def list_cmd(status: str | None, limit: int, as_json: bool) -> None:
    with cli_unit_of_work(read_only=True) as uow:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(OutboxMessage.status == status)
        rows = [describe(r) for r in uow.session.scalars(stmt)]
    if as_json:
        click.echo(json.dumps({"items": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(say("没有邮件", "no messages"))
    for r in rows:
        when = r["sent_at"] or r["next_attempt_at"]
        click.echo(f"{r['id']:>6}  {r['status']:<9}  {when[:19]}  {', '.join(r['recipients'])}  {r['subject']}")


@outbox.command("show", help=help_text("显示一封邮件：收件人、正文、服务器答复、每次尝试",
                                       "Show one message: recipients, body, the server's reply, each attempt"))
@click.argument("outbox_id", type=click.IntRange(1, 2**31 - 1), metavar="ID")
@click.option("--json", "as_json", is_flag=True, help=help_text("以 JSON 输出", "print JSON"))
def show_cmd(outbox_id: int, as_json: bool) -> None:
    with cli_unit_of_work(read_only=True) as uow:
        row = uow.session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFound("邮件", "outbox message", outbox_id)
        data = {**describe(row), "body_text": row.body_text,
                "attempt_log": describe_attempts(attempts_of(uow.session, outbox_id))}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key in ("id", "status", "message_id", "subject", "recipients", "reply_to", "attempts", "next_attempt_at",
                "sent_at", "smtp_reply", "raw_sha256", "error"):
        value = data[key]
        click.echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    for a in data["attempt_log"]:
        click.echo(f"  #{a['attempt']} {a['started_at'][:19]} {a['outcome'] or '-'} {a['reply'] or ''}")
    click.echo("")
    click.echo(data["body_text"])


@outbox.command("send-due", help=help_text(
    "立即发送到期的邮件（并收回发送进程中断时留下的邮件）；--until-empty 直到没有到期或发送中的邮件",
    "Send the messages due now (and recover those a dead sender left); --until-empty until nothing is due "
    "or being sent"))
@click.option("--until-empty", is_flag=True,
              help=help_text("重复发送，等待租约到期和短时重试，直到没有可发的邮件",
                             "repeat, waiting for leases and short retries, until nothing is left to send"))
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help=help_text("每轮最多发送的条数", "at most this many per round"))
@click.option("--threads", type=click.IntRange(1, 32), default=1, show_default=True,
              help=help_text("同时使用的 SMTP 连接数", "SMTP connections used at once"))
def send_due_cmd(until_empty: bool, limit: int, threads: int) -> None:
    ensure_schema()
    ob = _outbox()
    total = 0
    while True:
        total += ob.send_due(limit, threads)
        if not until_empty:
            break
        if ob.due_ids(1):
            continue
        nxt = ob.next_due()
        if nxt is None:
            break
        wait = (nxt - datetime.now(UTC)).total_seconds()
        if wait > MAX_WAIT_SECONDS:
            break
        time.sleep(min(max(wait, 0.05), 5.0))
    click.echo(say(f"已发送 {total} 封", f"sent {total}"))


@outbox.command("retry", help=help_text("重发失败或结果未知的邮件（原样字节、同一 Message-ID）",
                                        "Send a failed or unknown message again (the same bytes and Message-ID)"))
@click.argument("outbox_id", type=click.IntRange(1, 2**31 - 1), metavar="ID")
def retry_cmd(outbox_id: int) -> None:
    def go(uow: UnitOfWork) -> str:
        return _outbox().retry(uow, outbox_id).status

    status = cli_run(go)
    click.echo(say(f"邮件 {outbox_id}：{status}", f"message {outbox_id}: {status}"))


@outbox.command("cancel", help=help_text("撤回尚未发送的邮件", "Withdraw a message not sent yet"))
@click.argument("outbox_id", type=click.IntRange(1, 2**31 - 1), metavar="ID")
def cancel_cmd(outbox_id: int) -> None:
    def go(uow: UnitOfWork) -> str:
        return _outbox().cancel(uow, outbox_id).status

    status = cli_run(go)
    click.echo(say(f"邮件 {outbox_id}：{status}", f"message {outbox_id}: {status}"))
