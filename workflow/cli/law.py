"""CLI commands: the law calculators, the holiday calendar and the rate table.

``dunning calc interest FILE.json`` takes and prints the same JSON as the API, parsed by the same
pydantic models; bad input exits 2 with one line naming the field.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from workflow.cli import cli_core, cli_locale, cli_run, cli_unit_of_work, help_text, say
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


_JSON_FILE = help_text("JSON 文件（\"-\" 表示从标准输入读取）", "a JSON file (\"-\" reads stdin)")


@click.group(help=help_text("计算：逾期利息、诉讼时效、人民币大写",
                             "Calculators: late interest, limitation, amounts in words."))
def calc() -> None:
    pass


@calc.command("interest", help=help_text(
    "逾期利息：FILE 为 JSON，格式与 POST /api/v1/calc/interest 相同，输出同样的 JSON。",
    "Late interest: FILE.json as for POST /api/v1/calc/interest; prints the same JSON."))
@click.argument("file", help=_JSON_FILE)
def calc_interest(file: str) -> None:
    from workflow.calc.schemas import InterestIn

    body = _read_model(file, InterestIn)
    with cli_unit_of_work(read_only=True) as uow:
        _echo(_calc().interest(uow.session, body))


@calc.command("limitation", help=help_text(
    "诉讼时效届满日：FILE 为 JSON，格式与 POST /api/v1/calc/limitation 相同。",
    "Limitation end date: FILE.json as for POST /api/v1/calc/limitation."))
@click.argument("file", help=_JSON_FILE)
def calc_limitation(file: str) -> None:
    from workflow.calc.schemas import LimitationIn

    body = _read_model(file, LimitationIn)
    with cli_unit_of_work(read_only=True) as uow:
        _echo(_calc().limitation(uow.session, body))


@calc.command("claim", help=help_text(
    "客户的债权（JSON）：逐张发票的本金、利息与诉讼时效，以及全部收款的冲抵去向。利息未能全部计算时退出码为 3。",
    "A customer's claim as JSON: principal, interest and limitation per invoice, and where every "
    "receipt went. Exits 3 when some interest could not be computed."))
@click.argument("customer_id", type=int, help=help_text("客户编号（数字 ID）", "the customer's numeric id"))
@click.option("--as-of", default=None, metavar="YYYY-MM-DD",
              help=help_text("计算截止日，默认今天（北京时间）",
                             "the day to compute to; default today (Asia/Shanghai)"))
@click.option("--sheet", "sheet_dir", default=None, type=click.Path(file_okay=False),
              help=help_text("同时生成利息计算表（DOCX，能转换时另有 PDF）并写入此文件夹；JSON 照常输出",
                             "also make the interest sheet (DOCX, and PDF where possible) into this folder; "
                             "the JSON is printed as without it"))
@click.option("--lang", default="zh", type=click.Choice(["zh", "en"]),
              help=help_text("计算表的语言", "the sheet's language"))
@click.option("--currency", default="CNY", help=help_text("币种", "currency"))
@click.option("--creditor-id", type=int, default=None,
              help=help_text("只计算我方这一主体的债权", "only the claim of this one of our entities"))
@click.option("--carry-forward", is_flag=True,
              help=help_text("利率表中尚无报价的月份沿用最近一期 LPR（作为假设写明在计算表上）",
                             "assume the last LPR quote for months not in the rate table yet (stated on the sheet)"))
@click.option("--statutory-mode", default="fixed", type=click.Choice(["fixed", "floating"]),
              help=help_text("法定利率：固定取起算时的 LPR，或随 LPR 浮动",
                             "statutory rate: the LPR at the start, or floating with the LPR"))
@click.option("--allocation", default="interest_first", type=click.Choice(["interest_first", "principal_first"]),
              help=help_text("收款先抵利息（民法典 561 条）或先抵本金", "payments go to interest first (Civil Code "
                             "art. 561) or to principal first"))
def calc_claim(customer_id: int, as_of: str | None, sheet_dir: str | None, lang: str, currency: str,
               creditor_id: int | None, carry_forward: bool, statutory_mode: str, allocation: str) -> None:
    from pydantic import ValidationError

    from workflow.claim.sheet import ClaimSheetIn
    from workflow.cli.documents import pdf_notice, write_document
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
    click.echo(f"{out / stem}.docx" + (" + .pdf" if doc.pdf_sha256 else f" (PDF: {pdf_notice(doc)})"), err=True)
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


@calc.command("words", help=help_text("输出金额的人民币大写，例如 16409.02 → 壹万陆仟肆佰零玖元零贰分。",
                                       "Print AMOUNT in Chinese capital numerals, as cheques and contracts write it, "
                                       "e.g. 16409.02."))
@click.argument("amount", help=help_text("金额（元），可带千位分隔符", "the amount in yuan; separators allowed"))
def calc_words(amount: str) -> None:
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


@click.group(help=help_text("工作日历（法定节假日与调休上班日）",
                             "The working-day calendar (statutory holidays and make-up working days)."))
def calendar() -> None:
    pass


@calendar.command("add-year", help=help_text(
    "从 JSON 或 CSV 载入一年的国务院办公厅节假日安排通知（格式见 docs/law.md）。",
    "Load one year of the State Council holiday notice from JSON or CSV (see docs/law.md)."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False),
                help=help_text("该年的节假日文件", "the year's holiday file"))
def calendar_add_year(file: str) -> None:
    year = cli_run(_calc().add_year, Path(file).read_bytes(), Path(file).name)
    h, w = len(year.holidays), len(year.workdays)
    click.echo(say(f"已载入 {year.year} 年：{h} 个休息日，{w} 个调休上班日",
                   f"loaded {year.year}: {h} holidays, {w} make-up working days"))


@calendar.command("show", help=help_text("列出已载入年份的休息日与调休上班日。",
                                         "Print a loaded year's rest days and make-up working days."))
@click.argument("year", type=int, help=help_text("年份，例如 2026", "the year, e.g. 2026"))
def calendar_show(year: int) -> None:
    with cli_unit_of_work(read_only=True) as uow:
        cal = _calc().calendar(uow.session)
    if not cal.is_loaded(year):
        raise invalid("year", "calendar_not_loaded", f"{year} 年尚未载入（已载入 {cal.first_year}–{cal.last_year}）",
                      f"{year} is not loaded (loaded: {cal.first_year}–{cal.last_year})")
    y = cal.years[year]
    click.echo(say(f"{year}  来源：{y.source}", f"{year}  source: {y.source}"))
    for d, name in sorted(y.holidays.items()):
        click.echo(say(f"  {d.isoformat()} {_WEEKDAYS_ZH[d.weekday()]}  休息  {name}",
                       f"  {d.isoformat()} {d:%a}  rest     {name}"))
    for d, name in sorted(y.workdays.items()):
        click.echo(say(f"  {d.isoformat()} {_WEEKDAYS_ZH[d.weekday()]}  上班  {name}",
                       f"  {d.isoformat()} {d:%a}  working  {name}"))


_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@click.group(help=help_text("LPR 与央行基准利率表", "The LPR and PBOC benchmark rate table."))
def rates() -> None:
    pass


def _percent(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.strip().rstrip("%"))
    except InvalidOperation as exc:
        raise invalid(name, "not_a_number", f"不是数字：{value}", f"not a number: {value}") from exc


@rates.command("add", help=help_text("新增（或更正）一期报价，立即用于计算。",
                                     "Add (or correct) a quote; it takes effect for calculations at once."))
@click.option("--date", "effective", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help=help_text("报价生效日，YYYY-MM-DD", "the quote's effective date, YYYY-MM-DD"))
@click.option("--lpr1y", required=True, metavar="PERCENT",
              help=help_text("一年期利率（百分数），例如 3.00", "1-year rate in percent, e.g. 3.00"))
@click.option("--lpr5y", default=None, metavar="PERCENT",
              help=help_text("五年期以上利率（百分数），例如 3.50", "over-5-year rate in percent, e.g. 3.50"))
@click.option("--source", required=True,
              help=help_text("公告出处（标题或网址）", "the announcement (title or URL)"))
@click.option("--unverified", is_flag=True,
              help=help_text("已有报道但尚未与公告核对", "reported but not yet checked against the announcement"))
@click.option("--kind", type=click.Choice(["lpr", "pboc_benchmark"]), default="lpr", show_default=True,
              help=help_text("LPR 或央行基准利率", "LPR or PBOC benchmark rate"))
def rates_add(effective: Any, lpr1y: str, lpr5y: str | None, source: str, unverified: bool, kind: str) -> None:
    one = _percent(lpr1y, "lpr1y")
    assert one is not None
    q = cli_run(_calc().add_rate, effective=date(effective.year, effective.month, effective.day),
                rate_1y=one, rate_5y=_percent(lpr5y, "lpr5y"), source=source, verified=not unverified,
                kind=kind)
    five = f"，5y {q.rate_5y}%" if q.rate_5y is not None else ""
    click.echo(say(f"已添加 {q.kind} {q.effective.isoformat()}：1y {q.rate_1y}%{five}"
                   + ("" if q.verified else "（未核实）"),
                   f"added {q.kind} {q.effective.isoformat()}: 1y {q.rate_1y}%{five.replace('，', ', ')}"
                   + ("" if q.verified else " (unverified)")))


@rates.command("list", help=help_text("列出全部有效报价（内置与新增），附出处与是否已核实。",
                                      "Every quote in force, shipped and added, with source and verification."))
def rates_list() -> None:
    with cli_unit_of_work(read_only=True) as uow:
        table = _calc().rate_table(uow.session)
    en = cli_locale().startswith("en")
    for q in table.all():
        five = f"{q.rate_5y}%" if q.rate_5y is not None else "-"
        flag = ("verified" if q.verified else "UNVERIFIED") if en else ("已核实" if q.verified else "未核实")
        others = "".join(f"  {TENOR_NAMES[name]} {value}%" for name, value in q.tenors)
        source = _source_in(q.source, en)
        click.echo(f"{q.kind:<15} {q.effective.isoformat()}  1y {q.rate_1y}%  5y {five:<6}{others} {flag:<10} "
                   f"{source}")
    click.echo(say(f"LPR 已知至 {table.lpr_horizon}（下一期报价应于 {table.next_lpr_publication} 发布：每月 20 日，"
                   "遇节假日顺延）",
                   f"LPR known through {table.lpr_horizon} (the next quote is due {table.next_lpr_publication}, "
                   "the 20th or the next working day)"))
    for start, end in table.lpr_gaps():
        click.echo(say(f"缺少月度 LPR 报价：{start.isoformat()} 至 {end.isoformat()}",
                       f"MISSING monthly LPR quotes: {start.isoformat()} to {end.isoformat()}"))


def _source_in(source: str, en: bool) -> str:
    """A shipped source note is written "中文 / English": the user's half of it."""
    halves = re.split(r"\s*/ ", source, maxsplit=1)
    if len(halves) != 2 or not halves[0] or not halves[1]:
        return source
    return halves[1] if en else halves[0]


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
