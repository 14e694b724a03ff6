"""CLI commands: the law calculators, the holiday calendar and the rate table.

``dunning calc interest FILE.json`` takes and prints the same JSON as the API, parsed by the same
pydantic models; bad input exits 2 with one line naming the field.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from workflow.cli import cli_core, cli_run, cli_unit_of_work, say
from workflow.errors import invalid

if TYPE_CHECKING:
    # imported by the commands that use them: `dunning calc words` starts without pydantic
    from pydantic import BaseModel

    from workflow.calc.service import LawData

M = TypeVar("M", bound="BaseModel")


def register(cli: click.Group) -> None:
    """Add this room's commands to the dunning group."""
    cli.add_command(calc)
    cli.add_command(calendar)
    cli.add_command(rates)


def _calc() -> LawData:
    return cli_core().services.calc


def _echo(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _read_model(path: str, model: type[M]) -> M:
    from pydantic import ValidationError

    from workflow.pydantic_errors import problems_from_pydantic

    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise invalid("file", "unreadable", f"无法读取文件：{exc}", f"cannot read the file: {exc}") from exc
    try:
        data = json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise invalid("file", "invalid_json", f"JSON 格式错误：{exc}", f"invalid JSON: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise problems_from_pydantic(exc) from exc


@click.group()
def calc() -> None:
    """Calculators: late interest, limitation, amounts in words."""


@calc.command("interest")
@click.argument("file")
def calc_interest(file: str) -> None:
    """Late interest: FILE.json as for POST /api/v1/calc/interest ("-" reads stdin)."""
    from workflow.calc.schemas import InterestIn

    body = _read_model(file, InterestIn)
    with cli_unit_of_work(read_only=True) as uow:
        _echo(_calc().interest(uow.session, body))


@calc.command("limitation")
@click.argument("file")
def calc_limitation(file: str) -> None:
    """Limitation end date: FILE.json as for POST /api/v1/calc/limitation."""
    from workflow.calc.schemas import LimitationIn

    body = _read_model(file, LimitationIn)
    with cli_unit_of_work(read_only=True) as uow:
        _echo(_calc().limitation(uow.session, body))


@calc.command("claim")
@click.argument("customer_id", type=int)
@click.option("--as-of", default=None, help="YYYY-MM-DD; default today (Asia/Shanghai)")
@click.option("--sheet", "sheet_dir", default=None, type=click.Path(file_okay=False),
              help="also make the 利息计算表 (DOCX, and PDF where possible) into this folder")
@click.option("--lang", default="zh", type=click.Choice(["zh", "en"]))
@click.option("--currency", default="CNY")
@click.option("--creditor-id", type=int, default=None)
@click.option("--carry-forward", is_flag=True,
              help="assume the last LPR quote for months not in the rate table yet (stated on the sheet)")
@click.option("--statutory-mode", default="fixed", type=click.Choice(["fixed", "floating"]))
@click.option("--allocation", default="interest_first", type=click.Choice(["interest_first", "principal_first"]))
def calc_claim(customer_id: int, as_of: str | None, sheet_dir: str | None, lang: str, currency: str,
               creditor_id: int | None, carry_forward: bool, statutory_mode: str, allocation: str) -> None:
    """A customer's claim as JSON: principal, interest and limitation per invoice."""
    from pydantic import ValidationError

    from workflow.claim.sheet import ClaimSheetIn
    from workflow.cli.documents import write_document
    from workflow.pydantic_errors import problems_from_pydantic

    try:
        body = ClaimSheetIn.model_validate({"as_of": as_of, "language": lang, "currency": currency,
                                            "creditor_id": creditor_id, "carry_forward": carry_forward,
                                            "statutory_mode": statutory_mode, "allocation": allocation})
    except ValidationError as exc:
        raise problems_from_pydantic(exc) from exc
    claims = cli_core().services.claims
    if sheet_dir is None:
        with cli_unit_of_work(read_only=True) as uow:
            claim = claims.claim(uow, customer_id, body)
        _echo(claim)
        _exit_if_incomplete(not claim["complete"], [])  # the JSON holds the warnings
        return
    # the JSON as without --sheet on stdout, the files written on stderr: a script can still parse it
    claim, doc = cli_run(lambda uow: (claims.claim(uow, customer_id, body), claims.sheet(uow, customer_id, body)))
    _echo(claim)  # the sheet's PDF was made once the unit of work had committed
    out = Path(sheet_dir)
    stem = f"利息计算表-{customer_id}-{doc.context['sheet']['as_of']}"
    write_document(doc, out, stem)
    click.echo(f"{out / stem}.docx" + (" + .pdf" if doc.pdf_sha256 else f" (PDF: {doc.pdf_notice})"), err=True)
    _exit_if_incomplete(doc.context["sheet"]["incomplete"], doc.context["warnings"])


def _exit_if_incomplete(incomplete: bool, warnings: list[dict[str, str]]) -> None:
    """Warnings go to stderr; an incomplete claim (some interest not computed) exits 3 after printing
    its output, so a script cannot file it without noticing."""
    for w in warnings:
        click.echo(say(f"警告：{w['zh']}", f"warning: {w['en']}"), err=True)
    if incomplete:
        click.echo(say("计算不完整：部分利息未能计算（见警告）",
                       "calculation incomplete: some interest could not be computed (see warnings)"), err=True)
        raise SystemExit(3)


@calc.command("words")
@click.argument("amount")
def calc_words(amount: str) -> None:
    """Print AMOUNT in 人民币大写, e.g. 16409.02 → 壹万陆仟肆佰零玖元零贰分."""
    # the law module's own checks (as POST /api/v1/calc/words makes them), without building the
    # Core or importing pydantic: this command answers at once
    from workflow.law.refusals import LawRefusal
    from workflow.law.words import rmb_upper

    try:
        value = Decimal(amount.replace(",", "").strip())
    except InvalidOperation:
        raise invalid("amount", "not_a_number", f"不是数字：{amount}", f"not a number: {amount}") from None
    try:
        click.echo(rmb_upper(value))
    except LawRefusal as exc:
        raise invalid("amount", exc.code, exc.zh, exc.en) from None


@click.group()
def calendar() -> None:
    """The working-day calendar (statutory holidays and make-up working days)."""


@calendar.command("add-year")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def calendar_add_year(file: str) -> None:
    """Load one year of the State Council holiday notice from JSON or CSV (see docs/law.md)."""
    year = cli_run(_calc().add_year, Path(file).read_bytes(), Path(file).name)
    click.echo(f"loaded {year.year}: {len(year.holidays)} holidays, {len(year.workdays)} make-up working days")


@calendar.command("show")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    """Print a loaded year's rest days and make-up working days."""
    with cli_unit_of_work(read_only=True) as uow:
        cal = _calc().calendar(uow.session)
    if not cal.is_loaded(year):
        raise invalid("year", "calendar_not_loaded", f"{year} 年尚未载入（已载入 {cal.first_year}–{cal.last_year}）",
                      f"{year} is not loaded (loaded: {cal.first_year}–{cal.last_year})")
    y = cal.years[year]
    click.echo(f"{year}  source: {y.source}")
    for d, name in sorted(y.holidays.items()):
        click.echo(f"  {d.isoformat()} {d:%a}  rest     {name}")
    for d, name in sorted(y.workdays.items()):
        click.echo(f"  {d.isoformat()} {d:%a}  working  {name}")


@click.group()
def rates() -> None:
    """The LPR and PBOC benchmark rate table."""


def _percent(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.strip().rstrip("%"))
    except InvalidOperation as exc:
        raise invalid(name, "not_a_number", f"不是数字：{value}", f"not a number: {value}") from exc


@rates.command("add")
@click.option("--date", "effective", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="the quote's effective date, YYYY-MM-DD")
@click.option("--lpr1y", required=True, help="1-year rate in percent, e.g. 3.00")
@click.option("--lpr5y", default=None, help="5-year rate in percent, e.g. 3.50")
@click.option("--source", required=True, help="the announcement (title or URL)")
@click.option("--unverified", is_flag=True, help="reported but not yet checked against the announcement")
@click.option("--kind", type=click.Choice(["lpr", "pboc_benchmark"]), default="lpr", show_default=True)
def rates_add(effective: Any, lpr1y: str, lpr5y: str | None, source: str, unverified: bool, kind: str) -> None:
    """Add (or correct) a quote; it takes effect for calculations at once."""
    one = _percent(lpr1y, "lpr1y")
    assert one is not None
    q = cli_run(_calc().add_rate, effective=date(effective.year, effective.month, effective.day),
                rate_1y=one, rate_5y=_percent(lpr5y, "lpr5y"), source=source, verified=not unverified,
                kind=kind)
    click.echo(f"added {q.kind} {q.effective.isoformat()}: 1y {q.rate_1y}%"
               + (f", 5y {q.rate_5y}%" if q.rate_5y is not None else "") + ("" if q.verified else " (unverified)"))


@rates.command("list")
def rates_list() -> None:
    """Every quote in force, shipped and added, with source and verification."""
    with cli_unit_of_work(read_only=True) as uow:
        table = _calc().rate_table(uow.session)
    for q in table.all():
        five = f"{q.rate_5y}%" if q.rate_5y is not None else "-"
        flag = "verified" if q.verified else "UNVERIFIED"
        others = "".join(f"  {TENOR_NAMES[name]} {value}%" for name, value in q.tenors)
        click.echo(f"{q.kind:<15} {q.effective.isoformat()}  1y {q.rate_1y}%  5y {five:<6}{others} {flag:<10} "
                   f"{q.source}")
    click.echo(f"LPR known through {table.lpr_horizon} (the next quote is due {table.next_lpr_publication}, "
               "the 20th or the next working day)")
    for start, end in table.lpr_gaps():
        click.echo(f"MISSING monthly LPR quotes: {start.isoformat()} to {end.isoformat()}")


# how `rates list` names the benchmark tenors besides 1 year and over 5 years ("5y")
TENOR_NAMES = {"6m": "<=6m", "1_3y": "1-3y", "3_5y": "3-5y", "1_5y": "1-5y"}


def print_law_data_warnings(echo: Callable[[str], None] = click.echo) -> None:
    """The administrator's warnings about the rate table and calendar (as in GET /api/v1/status),
    for `dunning check-settings` and `dunning up`: read in one read-only unit of work."""
    with cli_unit_of_work(read_only=True) as uow:
        status = _calc().status(uow)
    lpr = status["lpr"]
    years = f"{status['calendar']['first_year']}–{status['calendar']['last_year']}"
    echo(say(f"  法律数据：LPR 最新报价 {lpr['last_quote']}，已知至 {lpr['known_through']}；节假日日历 {years}",
             f"  law data: LPR last quote {lpr['last_quote']}, known through {lpr['known_through']}; "
             f"holiday calendar {years}"))
    for w in status["warnings"]:
        echo(say(f"  警告 {w['code']}：{w['zh']}", f"  WARNING {w['code']}: {w['en']}"))
