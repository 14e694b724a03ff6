"""CLI commands: lint a contract file or a letter before it is signed or sent.

``dunning contract lint FILE`` exits 0 when nothing is an error, 1 when a finding is an error,
and 2 when the input cannot be read (the group's one-line DomainError message).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from workflow.cli import cli_core, cli_unit_of_work, help_text, say
from workflow.documents.docx_text import linter_lpr_1y, stored_contract_text, upload_text
from workflow.errors import invalid
from workflow.law.linter import PARTY_KINDS, Finding, lint_contract, lint_letter

MAX_FILE_BYTES = 20 * 1024 * 1024

_LEVEL_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


def register(cli: click.Group) -> None:
    cli.add_command(contract)
    cli.add_command(letter)


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise invalid("FILE", "unreadable", f"无法读取文件：{path}", f"cannot read {path}: {exc.strerror}") from exc
    if size > min(MAX_FILE_BYTES, cli_core().settings.max_upload_bytes):
        raise invalid("FILE", "too_large", "文件过大", "the file is too large")
    return path.read_bytes()


def _lpr(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or not Decimal(0) < value < Decimal("0.5"):
        raise invalid("--lpr-1y", "invalid", "LPR 应写成小数，例如 0.0300 表示 3.00%",
                      "give the LPR as a fraction, e.g. 0.0300 for 3.00%")
    return value


def _print(findings: list[Finding], as_json: bool, extra: dict[str, str]) -> None:
    locale = cli_core().settings.locale
    if as_json:
        click.echo(json.dumps({"findings": [f.as_dict(locale) for f in findings], **extra},
                              ensure_ascii=False, indent=2))
        return
    if not findings:
        click.echo(say("未发现问题", "no findings"))
        return
    en = locale.startswith("en")
    for f in findings:
        level = f.severity if en else _LEVEL_ZH[f.severity]
        click.echo(f"[{level}] {f.rule}: {f.message(locale)}")
        if f.clause_text:
            click.echo(f"    « {f.clause_text} »")
        t = f.text
        click.echo(f"    {'basis' if en else '依据'}: {t.basis_en if en else t.basis_zh}")
        click.echo(f"    {'suggestion' if en else '建议'}: {t.suggestion_en if en else t.suggestion_zh}")


_JSON = help_text("以 JSON 输出检查结果", "print the findings as JSON")


@click.group(help=help_text("合同：签署前检查条款", "Contracts: check clauses before signing."))
def contract() -> None:
    pass


@contract.command("lint", help=help_text(
    "检查合同条款：.docx 或 .txt 文件，或台账中已存的合同（--contract-id）。有“错误”级问题时退出码为 1。",
    "Lint a contract: a .docx or .txt FILE, or a stored one (--contract-id). Exit 1 on an error."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False,
                help=help_text("合同文件（.docx 或 .txt）", "the contract file (.docx or .txt)"))
@click.option("--contract-id", type=int, default=None,
              help=help_text("改为检查台账中已存的合同", "lint a stored ledger contract instead of a file"))
@click.option("--json", "as_json", is_flag=True, help=_JSON)
@click.option("--lpr-1y", "lpr_raw", default=None,
              help=help_text("一年期 LPR，写成小数，例如 0.0300（默认：今天适用的报价）",
                             "one-year LPR as a fraction, e.g. 0.0300 (default: today's)"))
@click.option("--seller-place", default=None, help=help_text("卖方所在地", "where the seller is"))
@click.option("--buyer-place", default=None, help=help_text("买方所在地", "where the buyer is"))
@click.option("--signing-place", default=None, help=help_text("合同签订地", "where the contract is signed"))
@click.option("--performance-place", default=None, help=help_text("合同履行地", "where the contract is performed"))
@click.option("--buyer-kind", type=click.Choice(PARTY_KINDS), default=None,
              help=help_text("买方的规模或客户类型（大型企业买方的“背靠背”付款条款无效）",
                             "the buyer's size or customer kind (a large buyer's pay-when-paid clause is void)"))
@click.option("--seller-kind", type=click.Choice(PARTY_KINDS), default=None,
              help=help_text("卖方的规模或客户类型", "the seller's size or customer kind"))
def contract_lint(file: Path | None, contract_id: int | None, as_json: bool, lpr_raw: str | None,
                  seller_place: str | None, buyer_place: str | None, signing_place: str | None,
                  performance_place: str | None, buyer_kind: str | None, seller_kind: str | None) -> None:
    core = cli_core()
    if (file is None) == (contract_id is None):
        raise invalid("FILE", "missing", "请给出合同文件或 --contract-id 中的一项",
                      "give either a contract FILE or --contract-id")
    explicit = _lpr(lpr_raw)
    places = {"seller_place": seller_place, "buyer_place": buyer_place, "signing_place": signing_place,
              "performance_place": performance_place, "buyer_kind": buyer_kind, "seller_kind": seller_kind}
    context = {k: v for k, v in places.items() if v}
    text = upload_text(file.name, _read(file), field="FILE") if file is not None else ""
    with cli_unit_of_work(read_only=True) as uow:
        lpr_1y, lpr_source = linter_lpr_1y(core.services.calc.rate_table(uow.session), uow.today(), explicit)
        if contract_id is not None:
            stored = stored_contract_text(uow, core.files, contract_id)
            text, context = stored.text, {**stored.context, **context}
    findings = lint_contract(text, lpr_1y=lpr_1y, warn_multiple=core.settings.penalty_warn_lpr_multiple,
                             note_multiple=core.settings.penalty_note_lpr_multiple, context=context)
    _print(findings, as_json, {"lpr_1y": str(lpr_1y), "lpr_source": lpr_source})
    if any(f.severity == "error" for f in findings):
        click.get_current_context().exit(1)


@click.group(help=help_text("外发函件：发送前检查措辞", "Outgoing letters: check the wording before sending."))
def letter() -> None:
    pass


@letter.command("lint", help=help_text(
    "检查函件（.docx 或 .txt）是否有威胁、侮辱等不当催收措辞。有“错误”级问题时退出码为 1。",
    "Check a letter (.docx or .txt) for threatening or insulting wording. Exit 1 on an error."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path),
                help=help_text("函件文件（.docx 或 .txt）", "the letter file (.docx or .txt)"))
@click.option("--json", "as_json", is_flag=True, help=_JSON)
def letter_lint(file: Path, as_json: bool) -> None:
    findings = lint_letter(upload_text(file.name, _read(file), field="FILE"))
    _print(findings, as_json, {})
    if any(f.severity == "error" for f in findings):
        click.get_current_context().exit(1)
