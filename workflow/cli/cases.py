"""CLI commands: dunning cases (``dunning case list|show|open|note|promise|pause|resume|dispute|resolve|
write-off|settle|approve|reject|send``).

Each command is one unit of work for the CLI's actor, the same use case as the API's, so the audit
log records it the same way. Approving or rejecting a 律师函 is a lawyer's or the legal team's act
(律师法 25): ``--as USERNAME`` names the approving user, whose role is checked like the API's.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import click
from sqlalchemy import select

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role, User
from workflow.cases import service as cases
from workflow.cases.models import DunningCase
from workflow.cases.service import SENDABLE_KINDS, CaseService
from workflow.cases.states import CaseState
from workflow.cli import cli_core, cli_run, cli_unit_of_work, ensure_schema, say
from workflow.errors import NotFound, invalid
from workflow.unit_of_work import UnitOfWork

DAY = click.DateTime(["%Y-%m-%d"])


def register(cli: click.Group) -> None:
    cli.add_command(case)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _json(value: Any) -> None:
    click.echo(json.dumps(_plain(value), ensure_ascii=False, indent=2))


def _service() -> CaseService:
    return cli_core().services.cases


def _amount(raw: str) -> Decimal:
    try:
        amount = Decimal(raw.replace(",", "").strip())
    except InvalidOperation:
        raise invalid("amount", "not_a_number", f"不是金额：{raw}", f"not an amount: {raw}") from None
    if not amount.is_finite():
        raise invalid("amount", "not_a_number", f"不是金额：{raw}", f"not an amount: {raw}")
    return amount


def _state_line(case: DunningCase) -> None:
    click.echo(say(f"{case.ref}：{case.state}（级别 {case.level}）", f"{case.ref}: {case.state} (level {case.level})"))


def _as_user(username: str) -> Actor:
    """The named user as the actor (an approval is theirs, not the terminal's)."""
    with cli_unit_of_work(read_only=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise NotFound("用户", "user", username)
        return Actor(user_id=user.id, username=user.username, role=Role(user.role), locale=user.locale)


def _run_as(actor: Actor, fn: Any, *args: Any) -> Any:
    ensure_schema()
    with cli_core().unit_of_work(actor) as uow:
        return fn(uow, *args)


@click.group("case")
def case() -> None:
    """Dunning cases: list, show, and the clerk's actions."""


@case.command("list")
@click.option("--state", type=click.Choice([s.value for s in CaseState]), default=None)
@click.option("--customer", "customer_id", type=click.IntRange(1), default=None, help="customer id")
@click.option("--creditor", "creditor_id", type=click.IntRange(1), default=None, help="creditor id")
@click.option("--status", type=click.Choice(["open", "closed"]), default=None)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def case_list(state: str | None, customer_id: int | None, creditor_id: int | None, status: str | None, page: int,
              per_page: int, as_json: bool) -> None:
    """The cases, newest first."""
    f = cases.CaseFilter(state=state, customer_id=customer_id, creditor_id=creditor_id, status=status, page=page,
                         per_page=per_page)
    with cli_unit_of_work(read_only=True) as uow:
        result = cases.list_cases(uow, f)
    if as_json:
        _json(result["items"])
        return
    for c in result["items"]:
        click.echo(f"{c['ref']:<14} {c['state']:<26} L{c['level']}  {c['customer']['code']:<10} "
                   f"{c['customer']['name']}")
    click.echo(say(f"共 {result['total']} 件", f"{result['total']} case(s)"))


@case.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def case_show(ref: str, as_json: bool) -> None:
    """A case's file: balance, promises, plan, notes, letters, emails and the timeline."""
    with cli_unit_of_work(read_only=True) as uow:
        data = cases.show(uow, ref)
    if as_json:
        _json(data)
        return
    click.echo(f"{data['ref']}  {data['state']}  L{data['level']}  {data['customer']['code']} "
               f"{data['customer']['name']} ← {data['creditor']['name']}")
    for b in data["open_balance"]:
        click.echo(say(f"  未付：{b['currency']} {b['outstanding']}",
                       f"  outstanding: {b['currency']} {b['outstanding']}"))
    for p in data["promises"]:
        click.echo(say(f"  承诺：{p['promised_on']} {p['currency']} {p['amount']}（{p['status']}）",
                       f"  promise: {p['promised_on']} {p['currency']} {p['amount']} ({p['status']})"))
    for n in data["notes"]:
        click.echo(f"  [{n['kind']}] {n['created_at']:%Y-%m-%d} {n['author']}: {n['body']}")
    for t in data["timeline"]:
        click.echo(f"  {t['at']:%Y-%m-%d %H:%M} {t['actor']:<16} {t['action']:<28} {t['reason'] or ''}")
    click.echo(say(f"  可执行：{', '.join(data['allowed_events'])}", f"  allowed: {', '.join(data['allowed_events'])}"))


@case.command("open")
@click.option("--creditor", "creditor_id", type=click.IntRange(1), required=True)
@click.option("--customer", "customer_id", type=click.IntRange(1), required=True)
@click.option("--reason", required=True)
def case_open(creditor_id: int, customer_id: int, reason: str) -> None:
    """Open the case of a creditor and a customer by hand (or show the one already open)."""
    found, opened = cli_run(cases.open_case_by_hand, creditor_id, customer_id, reason)
    click.echo(say(f"{found.ref}：{'已立案' if opened else '已有未结案件'}",
                   f"{found.ref}: {'opened' if opened else 'already open'}"))


@case.command("note")
@click.argument("ref")
@click.argument("body")
@click.option("--contact", default=None, help="whom you spoke to")
@click.option("--kind", type=click.Choice(["call", "note"]), default="call", show_default=True)
def case_note(ref: str, body: str, contact: str | None, kind: str) -> None:
    """Record a call note or a remark on the case."""
    note = cli_run(cases.add_note, ref, body, kind=kind, contact_name=contact)
    click.echo(say(f"已记录（{note.id}）", f"recorded ({note.id})"))


@case.command("promise")
@click.argument("ref")
@click.option("--date", "promised_on", type=DAY, required=True, help="the day the debtor promised to pay by")
@click.option("--amount", required=True)
@click.option("--currency", default="CNY", show_default=True)
@click.option("--source", type=click.Choice(list(cases.PROMISE_SOURCES)), default="call", show_default=True)
@click.option("--contact", default=None)
@click.option("--note", default=None)
def case_promise(ref: str, promised_on: datetime, amount: str, currency: str, source: str, contact: str | None,
                 note: str | None) -> None:
    """Record a promise to pay: the case waits until its date (plus the grace days)."""
    p = cli_run(cases.record_promise, ref, promised_on=promised_on.date(), amount=_amount(amount),
                currency=currency.upper(), source=source, contact_name=contact, note=note)
    click.echo(say(f"已记录承诺：{p.promised_on} 前付 {p.currency} {p.amount}",
                   f"promise recorded: {p.currency} {p.amount} by {p.promised_on}"))


def _simple(name: str, fn: Any, doc: str, *, until: bool = False) -> None:
    @case.command(name, help=doc)
    @click.argument("ref")
    @click.option("--reason", required=True)
    @click.option("--evidence", default=None, help="what the action rests on (a call, an email, a document)")
    def command(ref: str, reason: str, evidence: str | None, **kw: Any) -> None:
        if until:
            moved = cli_run(fn, ref, reason, kw["until"].date() if kw.get("until") else None, evidence)
        else:
            moved = cli_run(fn, ref, reason, evidence)
        _state_line(moved)

    if until:
        command = click.option("--until", type=DAY, default=None, help="the pause ends after this day")(command)


_simple("pause", cases.pause, "Pause the case, with a reason.", until=True)
_simple("resume", cases.resume, "Resume a paused case.")
_simple("dispute", cases.dispute, "Mark the debt disputed: automatic dunning stops.")
_simple("resolve", cases.resolve, "Resolve the dispute: the case goes back to where it was.")
_simple("write-off", cases.write_off, "Write the debt off (legal or admin): the case closes.")
_simple("settle", cases.settle, "Close the case as settled.")
_simple("legal-action", cases.start_legal_action, "Start legal action (suit, arbitration, payment order).")


@case.command("approve")
@click.argument("ref")
@click.option("--as", "username", required=True, help="the approving lawyer's (or legal's) username")
@click.option("--reason", default="")
def case_approve(ref: str, username: str, reason: str) -> None:
    """Approve the pending lawyer's letter: the final letter is made and queued to be sent."""
    action = _run_as(_as_user(username), _service().approve_lawyer_letter, ref, reason)
    click.echo(say(f"{ref.upper()}：律师函已审批（{action.resolved_by}），"
                   f"文书 {action.document_id}，邮件 {action.outbox_id}",
                   f"{ref.upper()}: lawyer's letter approved by {action.resolved_by}, document {action.document_id}, "
                   f"email {action.outbox_id}"))


@case.command("reject")
@click.argument("ref")
@click.option("--as", "username", required=True, help="the lawyer's (or legal's) username")
@click.option("--reason", required=True)
def case_reject(ref: str, username: str, reason: str) -> None:
    """Reject the pending lawyer's letter, with the reason."""
    action = _run_as(_as_user(username), _service().reject_lawyer_letter, ref, reason)
    click.echo(say(f"{ref.upper()}：律师函已驳回（{action.resolved_by}）",
                   f"{ref.upper()}: lawyer's letter rejected by {action.resolved_by}"))


@case.command("send")
@click.argument("ref")
@click.argument("kind", type=click.Choice(list(SENDABLE_KINDS)))
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def case_send(ref: str, kind: str, language: str) -> None:
    """Send a letter now: made from the ledger for the case, checked and queued."""
    action = cli_run(_send, ref, kind, language)
    click.echo(say(f"已排队发送：文书 {action.document_id}，邮件 {action.outbox_id}",
                   f"queued: document {action.document_id}, email {action.outbox_id}"))


def _send(uow: UnitOfWork, ref: str, kind: str, language: str) -> Any:
    return _service().send_document(uow, ref, kind, language)
