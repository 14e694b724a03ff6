"""CLI commands: ledger import, reports and the demo data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from workflow.cli import cli_core, cli_locale, cli_run, cli_unit_of_work, error_line, help_text, say
from workflow.ledger.aging import BUCKETS, aging_report
from workflow.ledger.exports import aging_file, to_json
from workflow.ledger.imports import ImportRejected, parse_kind
from workflow.ledger.kpi import kpis


def register(cli: click.Group) -> None:
    """Add this room's commands to the dunning group."""
    cli.add_command(import_file)
    cli.add_command(report)
    cli.add_command(demo)


@click.command("import", help=help_text(
    "导入 CSV 或 XLSX 台账导出文件：全部行或一行也不导入；有错误时逐行列出。",
    "Import a CSV or XLSX ledger export: all rows or none; errors are listed row by row."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help=help_text("CSV 或 XLSX 文件", "the CSV or XLSX file"))
@click.option(
    "--kind",
    default=None,
    metavar="KIND",
    # checked by parse_kind, as the API's ?kind= is: the Chinese names are accepted too
    help=help_text("客户、联系人、合同、应收发票或收款（也可写 customers、contacts、contracts、invoices、payments）；"
                   "省略时按表头或工作表名识别",
                   "customers, contacts, contracts, invoices or payments (or 客户, 联系人, 合同, 应收发票, 收款); "
                   "detected from headers / sheet names when omitted"),
)
@click.option("--dry-run", is_flag=True,
              help=help_text("逐行检查并输出数量，不写入任何数据",
                             "check every row and print the counts, write nothing"))
@click.option("--allow-customer-change", is_flag=True,
              help=help_text("允许重新导入的未付发票改挂到另一客户（记入审计日志）；否则拒绝",
                             "let a re-imported unpaid invoice move to another customer (audited); refused otherwise"))
def import_file(file: Path, kind: str | None, dry_run: bool, allow_customer_change: bool) -> None:
    importer = cli_core().services.importer
    try:
        result = cli_run(importer.run, file.name, file.read_bytes(), parse_kind(kind), dry_run=dry_run,
                         allow_customer_change=allow_customer_change)
    except ImportRejected as exc:
        click.echo(error_line(say(exc.zh, exc.en)), err=True)
        for p in exc.rows:
            click.echo(say(f"  {p.sheet} 第{p.row}行 [{p.column}]：{p.zh}",
                           f"  {p.sheet} row {p.row} [{p.column}]: {p.en}"), err=True)
        raise SystemExit(2) from exc
    head = say("检查通过（未写入）", "checked, nothing written") if dry_run else say("导入完成", "imported")
    click.echo(say(f"{head}：{file.name}", f"{head}: {file.name}"))
    for k, n in result.counts.items():
        click.echo(say(f"  {k}：新增 {n.created}，更新 {n.updated}，未变 {n.unchanged}",
                       f"  {k}: created {n.created}, updated {n.updated}, unchanged {n.unchanged}"))
    if result.allocations:
        click.echo(say(f"  核销：{result.allocations}", f"  allocations: {result.allocations}"))
    for m in result.moved_invoices:
        click.echo(say(f"  发票 {m['invoice_number']}：客户 {m['old_customer']} → {m['new_customer']}",
                       f"  invoice {m['invoice_number']} moved from customer {m['old_customer']} to "
                       f"{m['new_customer']}"))
    if not result.changed:
        click.echo(say("  无变化", "  nothing changed"))


@click.group(help=help_text("报表：账龄分析、KPI、回款考核", "Reports: aging, KPIs, collectors."))
def report() -> None:
    pass


def _out(data: bytes, out: Path | None) -> None:
    if out is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        out.write_bytes(data)
        click.echo(say(f"已写入：{out}", f"written: {out}"))


@report.command("aging", help=help_text("按客户和币种的账龄分析（导出 CSV、XLSX 文件记入审计日志）。",
                                         "Aging report per customer and currency (CSV and XLSX files are recorded "
                                         "in the audit log)."))
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=help_text("截止日，YYYY-MM-DD（默认今天）", "YYYY-MM-DD (default today)"))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table",
              help=help_text("输出格式；xlsx 需要 --out", "output format; xlsx needs --out"))
@click.option("--currency", default=None, help=help_text("只看这一币种", "only this currency"))
@click.option("--creditor-id", type=click.IntRange(min=1), default=None,
              help=help_text("只看我方这一主体", "only this one of our entities"))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=help_text("写入此文件（默认输出到屏幕）", "write to this file (default: print)"))
def report_aging(as_of: object, fmt: str, currency: str | None, creditor_id: int | None, out: Path | None) -> None:
    day = as_of.date() if hasattr(as_of, "date") else cli_core().clock.today()
    assert isinstance(day, date)
    cur = currency.upper() if currency else None
    if fmt in ("csv", "xlsx"):
        if fmt == "xlsx" and out is None:
            raise click.UsageError(say("--format xlsx 需要 --out 文件", "--format xlsx needs --out FILE"))
        _out(cli_run(aging_file, fmt, day, currency=cur, creditor_id=creditor_id), out)
        return
    with cli_unit_of_work(read_only=True) as u:
        rep = aging_report(u.session, day, currency=cur, creditor_id=creditor_id)
    if fmt == "json":
        _out(to_json(rep.as_dict()), out)
    else:
        _table(rep, out)


def _table(rep: object, out: Path | None) -> None:
    from workflow.ledger.aging import AgingReport

    assert isinstance(rep, AgingReport)
    en = cli_locale().startswith("en")
    lines = [say(f"账龄分析（截至 {rep.as_of.isoformat()}）", f"Aging as of {rep.as_of.isoformat()}")]
    head = (f"{say('客户', 'customer'):<28}{say('币种', 'cur.'):>5}"
            + "".join(f"{b.en if en else b.zh:>12}" for b in BUCKETS) + f"{say('合计', 'total'):>14}")
    lines.append(head)
    for ln in rep.lines:
        name = (ln.customer_name[:12] + "…") if len(ln.customer_name) > 13 else ln.customer_name
        lines.append(
            f"{ln.customer_code + ' ' + name:<28}{ln.currency:>5}"
            + "".join(f"{ln.buckets[b.key]:>14,.2f}" for b in BUCKETS)
            + f"{ln.total:>16,.2f}"
        )
    for cur, t in sorted(rep.totals.items()):
        lines.append(
            f"{say('合计', 'TOTAL'):<28}{cur:>5}"
            + "".join(f"{t.buckets[b.key]:>14,.2f}" for b in BUCKETS)
            + f"{t.total:>16,.2f}"
        )
        lines.append(
            say(f"  已核销坏账 {t.written_off:,.2f}；未核销收款 {t.unapplied_cash:,.2f}",
                f"  written off {t.written_off:,.2f}; unapplied cash {t.unapplied_cash:,.2f}")
        )
    _out(("\n".join(lines) + "\n").encode(), out)


@report.command("kpis", help=help_text("应收账款周转天数（DSO）、按期回款率、坏账率、应收账款周转率、"
                                        "平均收款期（JSON）。",
                                        "DSO, on-time collection rate, bad-debt rate, receivables turnover, average "
                                        "collection period (JSON)."))
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=help_text("截止日，YYYY-MM-DD（默认今天）", "YYYY-MM-DD (default today)"))
@click.option("--period-days", type=click.IntRange(1, 3660), default=365,
              help=help_text("统计期间的天数", "days in the period measured"))
def report_kpis(as_of: object, period_days: int) -> None:
    c = cli_core()
    today = c.clock.today()
    day = as_of.date() if hasattr(as_of, "date") else today
    assert isinstance(day, date)
    with cli_unit_of_work(read_only=True) as u:
        data = kpis(u.session, day, period_days)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@report.command("collectors", help=help_text(
    "业务员或催收员的回款考核：回款率、回款及时率、逾期账龄、DSO、承诺、坏账核销及排名（导出文件记入审计日志）。",
    "Collector KPIs per salesperson or clerk: collection rate, on-time rate, overdue by bucket, DSO, promises, "
    "write-offs and the ranking (CSV and XLSX files are recorded in the audit log)."))
@click.option("--from", "period_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=help_text("期间开始日（默认结束日前一年）", "first day of the period (default: a year before --to)"))
@click.option("--to", "period_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=help_text("期间结束日（默认统计日）", "last day of the period (default: --as-of)"))
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=help_text("统计日，YYYY-MM-DD（默认今天）", "YYYY-MM-DD (default today)"))
@click.option("--by", type=click.Choice(["salesperson", "clerk"]), default="salesperson",
              help=help_text("按业务员或催收员", "per salesperson or per collection clerk"))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table",
              help=help_text("输出格式；xlsx 需要 --out", "output format; xlsx needs --out"))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=help_text("写入此文件（默认输出到屏幕）", "write to this file (default: print)"))
def report_collectors(period_from: object, period_to: object, as_of: object, by: str, fmt: str,
                      out: Path | None) -> None:
    from decimal import Decimal

    from workflow.ledger.collectors import By, collectors_file, for_actor, resolve_period

    c = cli_core()
    day = as_of.date() if hasattr(as_of, "date") else c.clock.today()
    assert isinstance(day, date)
    start, to = resolve_period(day, period_from.date() if hasattr(period_from, "date") else None,
                               period_to.date() if hasattr(period_to, "date") else None)
    who: By = "clerk" if by == "clerk" else "salesperson"
    if fmt in ("csv", "xlsx"):
        if fmt == "xlsx" and out is None:
            raise click.UsageError(say("--format xlsx 需要 --out 文件", "--format xlsx needs --out FILE"))
        _out(cli_run(collectors_file, fmt, who, day, start, to, c.settings.tz), out)
        return
    with cli_unit_of_work(read_only=True) as u:
        rep = for_actor(u, who, day, start, to, c.settings.tz)
        data = rep.as_dict()
    if fmt == "json":
        _out(to_json(data), out)
        return
    lines = [say(f"回款考核（{'业务员' if who == 'salesperson' else '催收员'}；期间 {start} 至 {to}；截至 {day}）",
                 f"Collector KPIs ({who}; period {start} to {to}; as of {day})"),
             f"{say('排名', 'rank'):>4}  {say('姓名', 'name'):<12}{say('币种', 'cur.'):>5}"
             f"{say('期内到期', 'due'):>16}{say('已回款', 'collected'):>16}{say('回款率', 'rate %'):>9}"
             f"{say('及时率', 'on time %'):>10}{say('逾期', 'overdue'):>16}{'DSO':>8}"]
    for row in data["rows"]:
        name = (row["person"] or {}).get("display_name") or say("未分配", "unassigned")
        lines.append(f"{row['rank'] or '-':>4}  {name:<12}{row['currency']:>5}{Decimal(row['due']):>16,.2f}"
                     f"{Decimal(row['collected']):>16,.2f}{row['collection_rate_percent'] or '-':>9}"
                     f"{row['on_time_rate_percent'] or '-':>10}{Decimal(row['overdue']):>16,.2f}"
                     f"{row['dso_days'] or '-':>8}")
        if row["tie_break"]:
            lines.append("      " + say(row["tie_break"]["zh"], row["tie_break"]["en"]))
    _out(("\n".join(lines) + "\n").encode(), out)


@click.command("demo", help=help_text("载入一套演示台账（我方 2 个主体、约 30 个客户、约 500 张发票）和演示账号。",
                                      "Load a realistic demo ledger (2 creditor entities, ~30 customers, ~500 "
                                      "invoices) and demo users."))
@click.option("--reset", is_flag=True,
              help=help_text("先删除演示数据再重新载入", "remove the demo data first, then load it again"))
def demo(reset: bool) -> None:
    from workflow.ledger.demo import load_demo

    result = cli_run(load_demo, cli_core().services.accounts, reset=reset)
    if not result.loaded:
        click.echo(say("演示数据此前已载入，未做改动（用 --reset 重新载入）",
                       "the demo is already loaded; nothing changed (use --reset to load it again)"))
    else:
        click.echo(say(f"演示数据已载入：{result.summary}", f"demo loaded: {result.summary}"))
    click.echo(say("演示账号：", "demo logins:"))
    for username, role, password in result.users:
        click.echo(f"  {username:<8} {role:<7} {password}")
