"""CLI commands: ledger import, reports and the demo data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from workflow.cli import cli_core, cli_run, cli_unit_of_work, error_line, say
from workflow.ledger.aging import BUCKETS, aging_report
from workflow.ledger.exports import aging_file, to_json
from workflow.ledger.imports import ImportRejected, parse_kind
from workflow.ledger.kpi import kpis


def register(cli: click.Group) -> None:
    """Add this room's commands to the dunning group."""
    cli.add_command(import_file)
    cli.add_command(report)
    cli.add_command(demo)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    default=None,
    metavar="KIND",
    # checked by parse_kind, as the API's ?kind= is: the Chinese names are accepted too
    help="customers, contacts, contracts, invoices or payments (or 客户, 联系人, 合同, 应收发票, 收款); "
         "detected from headers / sheet names when omitted",
)
@click.option("--dry-run", is_flag=True, help="check every row and print the counts, write nothing")
@click.option("--allow-customer-change", is_flag=True,
              help="let a re-imported unpaid invoice move to another customer (audited); refused otherwise")
def import_file(file: Path, kind: str | None, dry_run: bool, allow_customer_change: bool) -> None:
    """Import a CSV or XLSX ledger export: all rows or none."""
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


@click.group()
def report() -> None:
    """Reports: aging, KPIs."""


def _out(data: bytes, out: Path | None) -> None:
    if out is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        out.write_bytes(data)
        click.echo(say(f"已写入：{out}", f"written: {out}"))


@report.command("aging")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD (default today)")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table")
@click.option("--currency", default=None)
@click.option("--creditor-id", type=click.IntRange(min=1), default=None, help="only this one of our entities")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def report_aging(as_of: object, fmt: str, currency: str | None, creditor_id: int | None, out: Path | None) -> None:
    """Aging report per customer and currency (CSV and XLSX files are recorded in the audit log)."""
    day = as_of.date() if hasattr(as_of, "date") else cli_core().clock.today()
    assert isinstance(day, date)
    cur = currency.upper() if currency else None
    if fmt in ("csv", "xlsx"):
        if fmt == "xlsx" and out is None:
            raise click.UsageError("--format xlsx needs --out FILE")
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
    lines = [f"账龄分析 Aging as of {rep.as_of.isoformat()}"]
    head = f"{'客户 customer':<28}{'币种':>5}" + "".join(f"{b.zh:>12}" for b in BUCKETS) + f"{'合计 total':>14}"
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
            f"{'合计 TOTAL':<28}{cur:>5}"
            + "".join(f"{t.buckets[b.key]:>14,.2f}" for b in BUCKETS)
            + f"{t.total:>16,.2f}"
        )
        lines.append(
            f"  已核销坏账 written off {t.written_off:,.2f}; 未核销收款 unapplied cash {t.unapplied_cash:,.2f}"
        )
    _out(("\n".join(lines) + "\n").encode(), out)


@report.command("kpis")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--period-days", type=click.IntRange(1, 3660), default=365)
def report_kpis(as_of: object, period_days: int) -> None:
    """DSO, on-time collection rate, bad-debt rate, receivables turnover, average collection period."""
    c = cli_core()
    today = c.clock.today()
    day = as_of.date() if hasattr(as_of, "date") else today
    assert isinstance(day, date)
    with cli_unit_of_work(read_only=True) as u:
        data = kpis(u.session, day, period_days)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("demo")
@click.option("--reset", is_flag=True, help="remove the demo data first, then load it again")
def demo(reset: bool) -> None:
    """Load a realistic demo ledger (2 creditor entities, ~30 customers, ~500 invoices, users)."""
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
