"""CLI commands: dunning cases (``dunning case list|show|open|note|promise|pause|resume|dispute|resolve|
write-off|settle|assign|approve|reject|send``).

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
from workflow.cases import casefile
from workflow.cases import service as cases
from workflow.cases.models import DunningCase
from workflow.cases.service import SENDABLE_KINDS, CaseService
from workflow.cases.states import CaseState
from workflow.cli import cli_core, cli_run, cli_unit_of_work, ensure_schema, help_text, say
from workflow.errors import NotFound, invalid
from workflow.unit_of_work import UnitOfWork

DAY = click.DateTime(["%Y-%m-%d"])
_REF = help_text("案件编号，如 AR-2026-0042", "the case reference, e.g. AR-2026-0042")
_REASON = help_text("原因（记入审计日志）", "the reason (kept in the audit log)")


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


@click.group("case", help=help_text("催收案件：列表、详情与经办操作",
                                    "Dunning cases: list, show, and the clerk's actions."))
def case() -> None:
    pass


@case.command("list", help=help_text("案件列表（最新在前）", "The cases, newest first."))
@click.option("--state", type=click.Choice([s.value for s in CaseState]), default=None,
              help=help_text("只列此状态的案件", "only cases in this state"))
@click.option("--customer", "customer_id", type=click.IntRange(1), default=None,
              help=help_text("客户编号（数字 ID）", "the customer's numeric id"))
@click.option("--creditor", "creditor_id", type=click.IntRange(1), default=None,
              help=help_text("债权人编号（数字 ID）", "the creditor's numeric id"))
@click.option("--status", type=click.Choice(["open", "closed"]), default=None,
              help=help_text("未结（open）或已结（closed）", "open or closed cases"))
@click.option("--assigned", "assigned_user_id", type=click.IntRange(1), default=None,
              help=help_text("负责经办人的用户编号（案件的，否则客户的）",
                             "user id of the clerk the case (else its customer) is assigned to"))
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help=help_text("页码", "page number"))
@click.option("--per-page", type=click.IntRange(1, 500), default=50, show_default=True,
              help=help_text("每页条数", "items per page"))
@click.option("--json", "as_json", is_flag=True, help=help_text("输出 JSON", "print JSON"))
def case_list(state: str | None, customer_id: int | None, creditor_id: int | None, status: str | None,
              assigned_user_id: int | None, page: int, per_page: int, as_json: bool) -> None:
    f = casefile.CaseFilter(state=state, customer_id=customer_id, creditor_id=creditor_id,
                         assigned_user_id=assigned_user_id, status=status, page=page, per_page=per_page)
    with cli_unit_of_work(read_only=True) as uow:
        result = casefile.list_cases(uow, f)
    if as_json:
        _json(result["items"])
        return
    for c in result["items"]:
        click.echo(f"{c['ref']:<14} {c['state']:<26} L{c['level']}  {c['customer']['code']:<10} "
                   f"{c['customer']['name']}")
    click.echo(say(f"共 {result['total']} 件", f"{result['total']} case(s)"))


@case.command("show", help=help_text(
    "案件详情：欠款、承诺、还款计划、记录、函件、邮件与时间线",
    "A case's file: balance, promises, plan, notes, letters, emails and the timeline."))
@click.argument("ref", help=_REF)
@click.option("--json", "as_json", is_flag=True, help=help_text("输出 JSON", "print JSON"))
def case_show(ref: str, as_json: bool) -> None:
    with cli_unit_of_work(read_only=True) as uow:
        data = casefile.show(uow, ref)
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


@case.command("open", help=help_text(
    "手工立案（或显示该客户已有的未结案件）",
    "Open the case of a creditor and a customer by hand (or show the one already open)."))
@click.option("--creditor", "creditor_id", type=click.IntRange(1), required=True,
              help=help_text("债权人编号（数字 ID）", "the creditor's numeric id"))
@click.option("--customer", "customer_id", type=click.IntRange(1), required=True,
              help=help_text("客户编号（数字 ID）", "the customer's numeric id"))
@click.option("--reason", required=True, help=_REASON)
def case_open(creditor_id: int, customer_id: int, reason: str) -> None:
    found, opened = cli_run(cases.open_case_by_hand, creditor_id, customer_id, reason)
    click.echo(say(f"{found.ref}：{'已立案' if opened else '已有未结案件'}",
                   f"{found.ref}: {'opened' if opened else 'already open'}"))


@case.command("note", help=help_text("记录通话或备注", "Record a call note or a remark on the case."))
@click.argument("ref", help=_REF)
@click.argument("body", help=help_text("记录内容", "what was said or noted"))
@click.option("--contact", default=None, help=help_text("通话对象", "whom you spoke to"))
@click.option("--kind", type=click.Choice(["call", "note"]), default="call", show_default=True,
              help=help_text("通话（call）或备注（note）", "a call or a note"))
def case_note(ref: str, body: str, contact: str | None, kind: str) -> None:
    note = cli_run(cases.add_note, ref, body, kind=kind, contact_name=contact)
    click.echo(say(f"已记录（{note.id}）", f"recorded ({note.id})"))


@case.command("promise", help=help_text(
    "记录付款承诺：案件等到承诺日（加宽限期）",
    "Record a promise to pay: the case waits until its date (plus the grace days)."))
@click.argument("ref", help=_REF)
@click.option("--date", "promised_on", type=DAY, required=True,
              help=help_text("承诺付款日", "the day the debtor promised to pay by"))
@click.option("--amount", required=True,
              help=help_text("承诺金额（元），可带千位分隔符", "the amount; separators allowed"))
@click.option("--currency", default="CNY", show_default=True, help=help_text("币种", "currency"))
@click.option("--source", type=click.Choice(list(cases.PROMISE_SOURCES)), default="call", show_default=True,
              help=help_text("承诺的来源", "how the promise was made"))
@click.option("--contact", default=None, help=help_text("作出承诺的人", "who promised"))
@click.option("--note", default=None, help=help_text("备注", "a remark"))
def case_promise(ref: str, promised_on: datetime, amount: str, currency: str, source: str, contact: str | None,
                 note: str | None) -> None:
    p = cli_run(cases.record_promise, ref, promised_on=promised_on.date(), amount=_amount(amount),
                currency=currency.upper(), source=source, contact_name=contact, note=note)
    click.echo(say(f"已记录承诺：{p.promised_on} 前付 {p.currency} {p.amount}",
                   f"promise recorded: {p.currency} {p.amount} by {p.promised_on}"))


def _simple(name: str, fn: Any, doc: tuple[str, str], *, until: bool = False) -> None:
    @case.command(name, help=help_text(*doc))
    @click.argument("ref", help=_REF)
    @click.option("--reason", required=True, help=_REASON)
    @click.option("--evidence", default=None, help=help_text("依据（通话、邮件、文件）",
                                                             "what the action rests on (a call, an email, a document)"))
    def command(ref: str, reason: str, evidence: str | None, **kw: Any) -> None:
        if until:
            moved = cli_run(fn, ref, reason, kw["until"].date() if kw.get("until") else None, evidence)
        else:
            moved = cli_run(fn, ref, reason, evidence)
        _state_line(moved)

    if until:
        command = click.option("--until", type=DAY, default=None,
                               help=help_text("暂停至此日（次日自动恢复）", "the pause ends after this day"))(command)


_simple("pause", cases.pause, ("暂停案件（须说明原因）", "Pause the case, with a reason."), until=True)
_simple("resume", cases.resume, ("恢复已暂停的案件", "Resume a paused case."))
_simple("dispute", cases.dispute, ("标记为有争议：自动催收停止",
                                   "Mark the debt disputed: automatic dunning stops."))
_simple("resolve", cases.resolve, ("争议已解决：案件回到原状态",
                                   "Resolve the dispute: the case goes back to where it was."))
_simple("write-off", cases.write_off, ("核销坏账（法务或管理员）：案件结案",
                                       "Write the debt off (legal or admin): the case closes."))
_simple("settle", cases.settle, ("以和解结案", "Close the case as settled."))
_simple("legal-action", cases.start_legal_action, ("启动法律程序（诉讼、仲裁、支付令）",
                                                   "Start legal action (suit, arbitration, payment order)."))


@case.command("assign", help=help_text("把案件交给另一人（记入审计日志：谁、何时、从谁到谁、原因）",
                                        "Give the case to another person (audited: who, when, from, to, why)."))
@click.argument("ref", help=_REF)
@click.argument("user", help=help_text("接手人：登录名、工号或姓名",
                                       "who takes it: login name, employee number or name"))
@click.option("--reason", required=True, help=_REASON)
def case_assign(ref: str, user: str, reason: str) -> None:
    moved = cli_run(cases.assign, ref, user, reason)
    click.echo(say(f"{moved.ref} 已交给 {user}", f"{moved.ref} assigned to {user}"))


@case.command("approve", help=help_text("审批待发的律师函：生成定稿并排队发送",
                                         "Approve the pending lawyer's letter: the final letter is made and queued."))
@click.argument("ref", help=_REF)
@click.option("--as", "username", required=True, help=help_text("审批律师（或法务）的用户名",
                                                                "the approving lawyer's (or legal's) username"))
@click.option("--reason", default="", help=help_text("审批意见", "a remark on the approval"))
def case_approve(ref: str, username: str, reason: str) -> None:
    action = _run_as(_as_user(username), _service().approve_lawyer_letter, ref, reason)
    click.echo(say(f"{ref.upper()}：律师函已审批（{action.resolved_by}），"
                   f"文书 {action.document_id}，邮件 {action.outbox_id}",
                   f"{ref.upper()}: lawyer's letter approved by {action.resolved_by}, document {action.document_id}, "
                   f"email {action.outbox_id}"))


@case.command("reject", help=help_text("驳回待发的律师函（须说明原因）",
                                        "Reject the pending lawyer's letter, with the reason."))
@click.argument("ref", help=_REF)
@click.option("--as", "username", required=True, help=help_text("律师（或法务）的用户名",
                                                                "the lawyer's (or legal's) username"))
@click.option("--reason", required=True, help=_REASON)
def case_reject(ref: str, username: str, reason: str) -> None:
    action = _run_as(_as_user(username), _service().reject_lawyer_letter, ref, reason)
    click.echo(say(f"{ref.upper()}：律师函已驳回（{action.resolved_by}）",
                   f"{ref.upper()}: lawyer's letter rejected by {action.resolved_by}"))


@case.command("send", help=help_text("立即发函：按台账生成、检查并排队发送",
                                      "Send a letter now: made from the ledger for the case, checked and queued."))
@click.argument("ref", help=_REF)
@click.argument("kind", type=click.Choice(list(SENDABLE_KINDS)), help=help_text("函件类型", "the letter's kind"))
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help=help_text("函件语言", "the letter's language"))
def case_send(ref: str, kind: str, language: str) -> None:
    action = cli_run(_send, ref, kind, language)
    click.echo(say(f"已排队发送：文书 {action.document_id}，邮件 {action.outbox_id}",
                   f"queued: document {action.document_id}, email {action.outbox_id}"))


def _send(uow: UnitOfWork, ref: str, kind: str, language: str) -> Any:
    return _service().send_document(uow, ref, kind, language)
