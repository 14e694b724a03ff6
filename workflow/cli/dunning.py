"""CLI commands: the daily run (``dunning run``) and the dunning policies (``dunning policy ...``).

``dunning run --as-of DATE`` is that day's scheduled run at its scheduled time: its letters leave
from the run hour on (or at once, if that has passed), inside the contact hours, whenever the
command is typed. ``--dry-run`` says what the run would do for each customer, and why, and writes
nothing. The run opens one unit of work per customer, so one customer's problem (no contact email,
no law firm for a 律师函) is recorded as a blocked action and the others go on.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from workflow.cases import policy as policies
from workflow.cases.decide import Decision
from workflow.cases.run import RunReport
from workflow.cli import cli_actor, cli_core, cli_locale, cli_run, ensure_schema, help_text, say
from workflow.errors import NotFound, invalid
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork

DAY = click.DateTime(["%Y-%m-%d"])
OUTCOMES_ZH = {"queued": "已排队发送", "awaiting_approval": "待审批", "blocked": "受阻", "noted": "已记录",
               "skip": "不处理", "wait": "等待", "done": "已完成", "send": "将发送", "draft": "将起草",
               "note": "将记录"}


def register(cli: click.Group) -> None:
    cli.add_command(run)
    cli.add_command(policy)


def _json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _line(d: Decision) -> str:
    level = f"L{d.level}" if d.level is not None else "-"
    outcome = say(OUTCOMES_ZH.get(d.outcome, d.outcome), d.outcome)
    who = f"{d.customer_id}/{d.creditor_id}"
    return f"{who:>9} {d.customer[:24]:<24} {d.case_ref or '-':<13} {d.action:<15} {level:<3} " \
           f"{d.kind or '-':<17} {outcome:<10} {d.reason_in(cli_locale())}"


@click.command("run", help=help_text(
    "每日催收运行：为每个客户决定当天最多一封函件，生成文书并放入发件箱",
    "The daily dunning run: decide at most one letter per customer for the day, make it and queue its email"))
@click.option("--as-of", "as_of", type=DAY, default=None,
              help=help_text("按该日的定时运行处理（默认今天）", "run as that day's scheduled run (default: today)"))
@click.option("--dry-run", is_flag=True, help=help_text("只列出将要执行的操作及原因，不写入任何数据",
                                                         "list what would happen and why, write nothing"))
@click.option("--json", "as_json", is_flag=True, help=help_text("输出 JSON", "print JSON"))
def run(as_of: datetime | None, dry_run: bool, as_json: bool) -> None:
    ensure_schema()
    report: RunReport = cli_core().services.dunning.run(cli_actor(), as_of.date() if as_of else None,
                                                         dry_run=dry_run)
    if as_json:
        _json(report.as_json())
        return
    for w in report.warnings:
        click.echo(say(f"注意：{w['zh']}", f"warning: {w['en']}"), err=True)
    head = say(f"催收运行 {report.as_of.isoformat()}{'（演练，未写入）' if dry_run else ''}",
               f"dunning run {report.as_of.isoformat()}{' (dry run, nothing written)' if dry_run else ''}")
    click.echo(head)
    if report.decisions:
        click.echo(say("  客户/债权人 客户名称 案件 动作 级别 文书 结果 原因",
                       "  customer/creditor name case action level kind outcome reason"))
    if not report.working_day:
        click.echo(say("非工作日：不联系任何客户", "not a working day: no customer is contacted"))
    for ref in report.closed:
        click.echo(say(f"  {ref} 已付清，结案", f"  {ref} paid in full: closed"))
    for d in report.decisions:
        click.echo("  " + _line(d))
    counts = ", ".join(f"{say(OUTCOMES_ZH.get(k, k), k)} {n}" for k, n in report.counts().items()) or "-"
    click.echo(say(f"客户 {report.customers} 个：{counts}", f"{report.customers} customer(s): {counts}"))


# ---- policies ------------------------------------------------------------------------------------

@click.group("policy", help=help_text("催收策略：级别、客户专属策略、暂停催收、对账周期",
                                      "Dunning policies: levels, per-customer overrides, do-not-dun, statements"))
def policy() -> None:
    pass


def _levels_file(path: Path) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise invalid("levels", "json_invalid", f"无法读取级别文件：{exc}", f"cannot read the levels file: {exc}") \
            from None
    # the file may be the levels alone, or a policy as `policy show --json` prints it
    return data.get("levels") if isinstance(data, dict) else data


def _customer(uow: UnitOfWork, ident: str) -> int:
    s = uow.session
    found = s.scalar(select(Customer.id).where(Customer.code == ident.strip()))
    if found is None and ident.strip().isdigit():
        found = s.scalar(select(Customer.id).where(Customer.id == int(ident)))
    if found is None:
        raise NotFound("客户", "customer", ident)
    return int(found)


def _print_policy(data: dict[str, Any]) -> None:
    mark = say("（默认）", " (default)") if data["is_default"] else ""
    click.echo(f"#{data['id']} {data['name']}{mark}")
    click.echo(say(f"  承诺宽限 {data['promise_grace_days']} 个工作日",
                   f"  promise grace: {data['promise_grace_days']} working day(s)"))
    for i, lv in enumerate(data["levels"]):
        flags = [f for f, on in (("approval", lv.get("approval")), ("credit_hold", lv.get("credit_hold"))) if on]
        firm = f"  {lv['law_firm']['name']}" if lv.get("law_firm") else ""
        click.echo(f"  {i + 1}. {lv['offset']:+d} {lv['kind']:<17} {lv.get('channel', 'email')} "
                   f"{' '.join(flags)}{firm}")


@policy.command("list", help=help_text("列出催收策略", "List the dunning policies"))
@click.option("--json", "as_json", is_flag=True, help=help_text("输出 JSON", "print JSON"))
def policy_list(as_json: bool) -> None:
    def read(uow: UnitOfWork) -> list[dict[str, Any]]:
        policies.default_policy(uow)  # seeded on first use
        counts = policies.assigned_counts(uow.session)
        return [policies.describe(p, counts.get(p.id, 0)) for p in policies.list_policies(uow.session)]

    items = cli_run(read)
    if as_json:
        _json(items)
        return
    for data in items:
        mark = say("（默认）", " (default)") if data["is_default"] else ""
        click.echo(say(f"#{data['id']} {data['name']}{mark}：{len(data['levels'])} 个级别，"
                       f"{data['customers']} 个客户专用",
                       f"#{data['id']} {data['name']}{mark}: {len(data['levels'])} level(s), "
                       f"{data['customers']} customer(s) assigned"))


@policy.command("show", help=help_text("显示一个策略（编号或名称；默认为默认策略）",
                                       "Show a policy (id or name; the default one by default)"))
@click.argument("ident", required=False)
@click.option("--json", "as_json", is_flag=True, help=help_text("输出 JSON", "print JSON"))
def policy_show(ident: str | None, as_json: bool) -> None:
    def read(uow: UnitOfWork) -> dict[str, Any]:
        found = policies.get_policy(uow.session, ident) if ident else policies.default_policy(uow)
        if found is None:
            raise NotFound("催收策略", "dunning policy", "default")
        return policies.describe(found)

    data = cli_run(read)
    if as_json:
        _json(data)
    else:
        _print_policy(data)


@policy.command("create", help=help_text(
    "新建策略：级别来自 JSON 文件（偏移、文书类型、渠道、是否审批、是否停止供货；律师函级别须写明律师事务所和律师）",
    "Create a policy from a JSON file of levels (offset, kind, channel, approval, credit_hold; a lawyer_letter "
    "level names its law_firm and lawyer)"))
@click.argument("name")
@click.option("--levels", "levels_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help=help_text("级别 JSON 文件", "the levels JSON file"))
@click.option("--grace", type=int, default=policies.DEFAULT_GRACE_DAYS, show_default=True,
              help=help_text("承诺付款的宽限工作日", "working days of grace after a promised date"))
@click.option("--default", "make_default", is_flag=True, help=help_text("设为默认策略", "make it the default"))
def policy_create(name: str, levels_path: Path, grace: int, make_default: bool) -> None:
    levels = _levels_file(levels_path)
    p = cli_run(lambda uow: policies.describe(policies.create_policy(
        uow, name=name, levels=levels, promise_grace_days=grace, is_default=make_default)))
    click.echo(say(f"已新建策略 #{p['id']} {p['name']}", f"policy #{p['id']} {p['name']} created"))


@policy.command("update", help=help_text("修改策略的级别、名称或宽限期",
                                         "Change a policy's levels, name or grace days"))
@click.argument("ident")
@click.option("--levels", "levels_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help=help_text("级别 JSON 文件", "the levels JSON file"))
@click.option("--name", default=None, help=help_text("新名称", "new name"))
@click.option("--grace", type=int, default=None, help=help_text("承诺付款的宽限工作日", "grace working days"))
def policy_update(ident: str, levels_path: Path | None, name: str | None, grace: int | None) -> None:
    levels = _levels_file(levels_path) if levels_path is not None else None

    def write(uow: UnitOfWork) -> dict[str, Any]:
        found = policies.get_policy(uow.session, ident)
        return policies.describe(policies.update_policy(uow, found.id, name=name, levels=levels,
                                                        promise_grace_days=grace))

    p = cli_run(write)
    click.echo(say(f"已修改策略 #{p['id']} {p['name']}", f"policy #{p['id']} {p['name']} updated"))


@policy.command("set-default", help=help_text("设为默认策略", "Make a policy the default"))
@click.argument("ident")
def policy_set_default(ident: str) -> None:
    name = cli_run(lambda uow: policies.set_default(uow, policies.get_policy(uow.session, ident).id).name)
    click.echo(say(f"默认策略：{name}", f"default policy: {name}"))


@policy.command("assign", help=help_text("为客户指定专属策略（default：改回默认策略）",
                                         "Give a customer its own policy (default: back to the default policy)"))
@click.argument("customer")
@click.argument("ident")
def policy_assign(customer: str, ident: str) -> None:
    def write(uow: UnitOfWork) -> str:
        cid = _customer(uow, customer)
        if ident == "default":
            policies.assign_policy(uow, cid, None)
            return say("默认策略", "the default policy")
        found = policies.get_policy(uow.session, ident)
        policies.assign_policy(uow, cid, found.id)
        return found.name

    name = cli_run(write)
    click.echo(say(f"客户 {customer} 使用：{name}", f"customer {customer} now uses {name}"))


@policy.command("do-not-dun", help=help_text("暂停或恢复对客户的自动催收",
                                             "Stop or resume automatic dunning of a customer"))
@click.argument("customer")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.option("--reason", default="", help=help_text("原因", "why"))
def policy_do_not_dun(customer: str, state: str, reason: str) -> None:
    cli_run(lambda uow: policies.set_do_not_dun(uow, _customer(uow, customer), state == "on", reason))
    click.echo(say(f"客户 {customer}：{'不再自动催收' if state == 'on' else '恢复自动催收'}",
                   f"customer {customer}: {'do not dun' if state == 'on' else 'dunned again'}"))


@policy.command("statements", help=help_text("客户的对账单周期：每月、每季或不发",
                                             "A customer's statement schedule: monthly, quarterly or none"))
@click.argument("customer")
@click.argument("schedule", type=click.Choice(list(policies.SCHEDULES)))
def policy_statements(customer: str, schedule: str) -> None:
    cli_run(lambda uow: policies.set_statement_schedule(uow, _customer(uow, customer), schedule))
    click.echo(say(f"客户 {customer} 的对账周期：{schedule}", f"customer {customer}: statements {schedule}"))
