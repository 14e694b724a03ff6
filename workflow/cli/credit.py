"""CLI commands: credit ratings (``dunning credit rate``, ``dunning credit show``, ``dunning credit list``).

``dunning credit rate`` is the daily recompute the schedule runs after the dunning run: every
customer's figures, score, grade and reasons for the day (``--as-of`` for another day, ``--customer``
for one customer), grade changes audited and told to the salesperson, and — for today — credit-hold
recommendations and warning flags.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from sqlalchemy import select

from workflow.cli import cli_actor, cli_core, cli_locale, cli_run, ensure_schema, help_text, say
from workflow.credit import service as credit
from workflow.credit.rating import GRADES
from workflow.errors import NotFound
from workflow.ledger.models import Customer
from workflow.unit_of_work import UnitOfWork

DAY = click.DateTime(["%Y-%m-%d"])


def register(cli: click.Group) -> None:
    cli.add_command(credit_group)


def _json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


@click.group("credit", help=help_text("客户信用评级：每日重新计算、查看评级及原因",
                                      "Customers' credit ratings: recompute daily, show a rating and its reasons"))
def credit_group() -> None:
    pass


@credit_group.command("rate", help=help_text(
    "重新计算信用评级（每日定时任务也会执行）：评分、等级及原因；等级变化记入审计日志并通知业务员",
    "Recompute the credit ratings (the daily schedule does it too): score, grade and reasons; grade changes are "
    "audited and told to the salesperson"))
@click.option("--as-of", "as_of", type=DAY, default=None,
              help=help_text("按该日计算（默认今天）", "rate as of that day (default: today)"))
@click.option("--customer", "customer_code", default=None,
              help=help_text("只计算该客户（客户编号）", "only this customer (its code)"))
@click.option("--json", "as_json", is_flag=True, help=help_text("输出 JSON", "print JSON"))
def rate(as_of: datetime | None, customer_code: str | None, as_json: bool) -> None:
    ensure_schema()
    report = cli_core().services.credit.recompute(cli_actor(), as_of.date() if as_of else None,
                                                  customer_code=customer_code)
    if as_json:
        _json(report.as_json())
        return
    grades = "，".join(f"{g} 级 {report.grades.get(g, 0)}" for g in GRADES)
    grades_en = ", ".join(f"{g}: {report.grades.get(g, 0)}" for g in GRADES)
    click.echo(say(f"信用评级 {report.as_of.isoformat()}：客户 {report.customers} 个（{grades}）",
                   f"credit ratings {report.as_of.isoformat()}: {report.customers} customer(s) ({grades_en})"))
    for c in report.changed:
        click.echo(say(f"  {c['code']} 等级 {c['from']} → {c['to']}（{c['score']} 分）",
                       f"  {c['code']} grade {c['from']} → {c['to']} (score {c['score']})"))
    click.echo(say(f"信用冻结建议 {len(report.recommendations)} 条，预警 {len(report.flags)} 条，"
                   f"通知业务员 {report.notices} 次",
                   f"{len(report.recommendations)} credit-hold recommendation(s), {len(report.flags)} flag(s), "
                   f"{report.notices} salesperson notice(s)"))


def _customer_id(uow: UnitOfWork, ident: str) -> int:
    found = uow.session.scalar(select(Customer.id).where(Customer.code == ident.strip()))
    if found is None:
        raise NotFound("客户", "customer", ident)
    return int(found)


@credit_group.command("show", help=help_text(
    "显示客户的信用评级、扣分原因、预警和待处理的冻结建议",
    "Show a customer's rating, its reasons, flags and pending recommendations"))
@click.argument("customer_code")
@click.option("--json", "as_json", is_flag=True, help=help_text("输出 JSON", "print JSON"))
def show(customer_code: str, as_json: bool) -> None:
    data = cli_run(lambda uow: credit.rating_detail(uow, _customer_id(uow, customer_code)))
    if as_json:
        _json(data)
        return
    en = cli_locale().startswith("en")
    current = data["current"]
    click.echo(f"{data['customer_code']} {data['customer_name']}")
    if current is None:
        click.echo(say("  尚未评级（dunning credit rate）", "  not rated yet (dunning credit rate)"))
        return
    click.echo(say(f"  {current['as_of']}：{current['grade']} 级，{current['score']} 分",
                   f"  {current['as_of']}: grade {current['grade']}, score {current['score']}"))
    for r in current["reasons"]:
        click.echo(f"  - {r['en'] if en else r['zh']}")
    for f in current["flags"]:
        click.echo(say(f"  预警：{f['zh']}", f"  flag: {f['en']}"))
    for rec in current["recommendations"]:
        click.echo(say(f"  待确认 #{rec['id']}：{rec['zh']}", f"  pending #{rec['id']}: {rec['en']}"))


@credit_group.command("list", help=help_text("按等级列出客户的最新评级（分数最低者在前）",
                                             "List customers' latest ratings by grade (lowest score first)"))
@click.option("--grade", type=click.Choice(GRADES), default=None, help=help_text("只列该等级", "only this grade"))
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True,
              help=help_text("最多列出条数", "at most this many"))
@click.option("--json", "as_json", is_flag=True, help=help_text("输出 JSON", "print JSON"))
def list_(grade: str | None, limit: int, as_json: bool) -> None:
    data = cli_run(lambda uow: credit.list_ratings(uow, grade=grade, sort="score", page=1, per_page=limit))
    if as_json:
        _json(data)
        return
    en = cli_locale().startswith("en")
    for row in data["items"]:
        top = row["reasons"][0]["en" if en else "zh"] if row["reasons"] else ""
        name = row["customer_name"][:24]
        click.echo(f"{row['customer_code']:<12} {row['grade']} {row['score']:>3}  {name:<24} {top}")
    click.echo(say(f"共 {data['total']} 个客户", f"{data['total']} customer(s)"))
