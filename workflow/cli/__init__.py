"""The ``dunning`` command: a plain click group whose commands are imported only when they run.

``dunning --help`` and ``dunning calc words`` import neither Flask nor SQLAlchemy; a command that
touches the database builds the Core (no Flask app) on its first unit of work, and on the embedded
SQLite default brings the schema to head first. Only ``dunning up`` builds the Flask app.

Every message is in the user's language (DUNNING_LOCALE, zh_CN by default). Domain and settings
errors end the command with one line on stderr and exit code 2; the console script turns anything
else into one line too, so no traceback reaches a user.

Writing a command module (registered in COMMANDS below, imported only when its command runs):

- help of a command, option or argument: ``help=help_text("中文", "English")`` in the decorator
  (not a docstring: click shows a docstring as it is, whatever the language). Both texts are kept,
  and each invocation shows the one of its own language, so a test may run zh and en in one process.
- a message: ``click.echo(say("中文", "English"))``; an error: raise a ``DomainError``
  (``workflow.errors.invalid(field, code, zh, en)``), or ``click.UsageError(say(zh, en))`` for a
  wrong combination of options. Both end in one line on stderr.
- click's own words (Usage:, Options:, --help, "Missing argument", "No such option", "Invalid
  value for ...") are translated here (``_Formatter``, ``run``; the table is in
  ``workflow/cli/click_zh.py``): nothing to do in a command module.
"""

from __future__ import annotations

import errno
import getpass
import inspect
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from workflow.cli import click_zh
from workflow.config import SettingsError
from workflow.errors import DomainError

if TYPE_CHECKING:
    from workflow.accounts.actor import Actor
    from workflow.core import Core
    from workflow.unit_of_work import UnitOfWork

T = TypeVar("T")

# name -> (where the command lives, one-line help in Chinese, in English). `dunning --help` is
# printed from this table, so listing the commands imports none of them; a test keeps it in step
# with what each module's register() adds.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "up": ("workflow.cli.admin:up", "初始化并启动内置服务：迁移数据库、登记模板、首次载入演示数据",
           "Set up and serve the embedded default: migrate, register templates, load the demo once"),
    "check-settings": ("workflow.cli.admin:check_settings", "列出已设置和缺少的配置，以及缺少时停用的功能",
                       "Print what is set, what is missing, and what each missing thing disables"),
    "db": ("workflow.cli.admin:db", "数据库结构（dunning db upgrade）", "Database schema (dunning db upgrade)"),
    "user": ("workflow.cli.admin:user", "用户与 API 令牌", "Users and API tokens"),
    "audit": ("workflow.cli.admin:audit", "只追加的审计日志：校验、检查点",
              "The append-only audit log: verify, checkpoint"),
    "import": ("workflow.cli.ledger:import_file", "导入 CSV 或 XLSX 台账：全部行或一行也不导入",
               "Import a CSV or XLSX ledger export: all rows or none"),
    "report": ("workflow.cli.ledger:report", "报表：账龄分析、KPI、回款考核", "Reports: aging, KPIs, collectors"),
    "demo": ("workflow.cli.ledger:demo", "载入演示台账和演示账号", "Load a realistic demo ledger and demo users"),
    "calc": ("workflow.cli.law:calc", "计算：逾期利息、诉讼时效、人民币大写",
             "Calculators: late interest, limitation, amounts in words"),
    "calendar": ("workflow.cli.law:calendar", "工作日历（法定节假日与调休上班日）",
                 "The working-day calendar (statutory holidays and make-up working days)"),
    "rates": ("workflow.cli.law:rates", "LPR 与央行基准利率表", "The LPR and PBOC benchmark rate table"),
    "render": ("workflow.cli.documents:render", "生成文书并写出 DOCX（及 PDF）",
               "Generate a document and write its DOCX (and PDF)"),
    "pending-pdfs": ("workflow.cli.documents:pending_pdfs", "补做进程中断时未完成的 PDF",
                     "Make the PDFs left pending when a process stopped"),
    "templates": ("workflow.cli.documents:templates", "文书模板：版本、上传", "Document templates: versions, uploads"),
    "contract": ("workflow.cli.contracts:contract", "合同：签署前检查条款", "Contracts: check clauses before signing"),
    "letter": ("workflow.cli.contracts:letter", "外发函件：发送前检查措辞",
               "Outgoing letters: check the wording before sending"),
    "case": ("workflow.cli.cases:case", "催收案件：列表、详情、记录、承诺、暂停、争议、核销、律师函审批",
             "Dunning cases: list, show, notes, promises, pause, disputes, write-off, lawyer's letter approval"),
    "run": ("workflow.cli.dunning:run", "每日催收运行：决定并生成、排队发送当天的函件（--as-of、--dry-run）",
            "The daily dunning run: decide, make and queue the day's letters (--as-of, --dry-run)"),
    "policy": ("workflow.cli.dunning:policy", "催收策略：级别、客户专属策略、暂停催收、对账周期",
               "Dunning policies: levels, per-customer overrides, do-not-dun, statement schedule"),
    "outbox": ("workflow.cli.mail:outbox", "发件箱：待发、已发、失败的邮件；立即发送到期邮件",
               "The outbox: pending, sent and failed mail; send what is due now"),
    "worker": ("workflow.cli.jobs:worker", "启动后台任务进程（Redis 上的 RQ 队列）与定时任务",
               "Start a background worker (RQ queues on Redis) and the periodic schedule"),
    "reply": ("workflow.cli.replies:reply", "债务人回复：识别意图与承诺（classify），按标注语料评估准确率（evaluate）",
              "Debtors' replies: classify one message, evaluate accuracy on a labelled corpus"),
    "bundle": ("workflow.cli.bundle:bundle", "证据材料：生成案件的证据目录、PDF 与原件压缩包（build、list）",
               "Evidence bundles: build a case's evidence list, PDF and ZIP of originals (build, list)"),
    "credit": ("workflow.cli.credit:credit_group", "客户信用评级：重新计算（rate）、查看（show、list）",
               "Customers' credit ratings: recompute (rate), show, list"),
    "inbox": ("workflow.cli.inbox:inbox", "收件箱：读取一遍邮箱并处理回复（poll）、待人工确认的回复",
              "The inbox: read the mailbox once and process replies (poll), replies awaiting a clerk"),
}

_CORE = "dunning.core"
_SCHEMA_CHECKED = "dunning.schema_checked"


# ---------------------------------------------------------------------------------------------
# language


def cli_locale() -> str:
    """The user's language: the Core's setting once one is built (or given, in tests), else
    DUNNING_LOCALE as set, else zh_CN. A bad DUNNING_LOCALE is reported when the Core is built."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        root = ctx.find_root()
        core = root.meta.get(_CORE)
        if core is None and (hasattr(root.obj, "load_app") or hasattr(root.obj, "unit_of_work")):
            core = cli_core()  # a test's Core: its settings speak for the user, help included
        if core is not None:
            return str(core.settings.locale)
    raw = os.environ.get("DUNNING_LOCALE", "")
    return raw if raw in ("zh_CN", "en") else "zh_CN"


def say(zh: str, en: str) -> str:
    """One message in the user's language."""
    return en if cli_locale().startswith("en") else zh


def error_line(message: str) -> str:
    return say(f"错误：{message}", f"error: {message}")


# help text (as click stores it, i.e. after inspect.cleandoc) -> (Chinese, English)
_HELP: dict[str, tuple[str, str]] = {}


def help_text(zh: str, en: str) -> str:
    """A command's, option's or argument's help in both languages. It is read when the command
    module is imported; each invocation then shows the text in its own language (``_localise``)."""
    pair = (inspect.cleandoc(zh), inspect.cleandoc(en))
    _HELP[pair[0]] = _HELP[pair[1]] = pair
    return say(*pair)


# ---------------------------------------------------------------------------------------------
# the Core, the actor, the unit of work


def cli_core() -> Core:
    """The command's Core: the one a test hands in (a ``Core`` as ``obj``, or Flask's
    ``ScriptInfo`` from ``FlaskCliRunner``), else one built from the environment, once per
    invocation and closed when the command ends."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    core = root.meta.get(_CORE)
    if core is not None:
        return cast("Core", core)
    obj = root.obj
    if obj is not None and hasattr(obj, "load_app"):  # flask.cli.ScriptInfo
        core = obj.load_app().extensions["dunning"]
        root.meta[_SCHEMA_CHECKED] = True  # the test built this schema itself
    elif obj is not None and hasattr(obj, "unit_of_work"):
        core = obj
        root.meta[_SCHEMA_CHECKED] = True
    else:
        from workflow.config import Settings
        from workflow.core import build_core

        core = build_core(Settings.from_env())
        core.settings.instance_path.mkdir(parents=True, exist_ok=True)
        root.call_on_close(core.close)
    root.meta[_CORE] = core
    return cast("Core", core)


def cli_actor() -> Actor:
    from workflow.accounts.actor import Actor
    from workflow.accounts.models import Role

    return Actor(user_id=None, username=f"cli:{getpass.getuser()}", role=Role.ADMIN,
                 locale=cli_core().settings.locale)


class SchemaBehind(DomainError):
    def __init__(self) -> None:
        super().__init__("数据库结构不是最新版本：请先运行 `dunning db upgrade`",
                         "the database schema is not at the latest migration: run `dunning db upgrade` first",
                         [], 503, "schema_behind")


def ensure_schema() -> None:
    """Before the first unit of work: the embedded SQLite database is brought to head (and the
    shipped templates registered), so a first command on a fresh instance just works; another
    database is left to its operator, who is told in one line to run ``dunning db upgrade``."""
    root = click.get_current_context().find_root()
    core = cli_core()  # a Core handed in by a test comes with its schema: marked checked
    if root.meta.get(_SCHEMA_CHECKED):
        return
    root.meta[_SCHEMA_CHECKED] = True
    from workflow.migrate import at_head, upgrade

    url = core.settings.effective_database_url
    if at_head(core.db.engine):
        return
    if not url.startswith("sqlite"):
        raise SchemaBehind()
    core.db.dispose()  # Alembic migrates over its own connection
    upgrade(url)
    report = cli_run(core.services.templates.sync_shipped)
    click.echo(say(f"数据库已升级到最新版本，已登记 {len(report.registered)} 个内置模板",
                   f"database brought to the latest migration; {len(report.registered)} shipped templates "
                   "registered"), err=True)


def cli_unit_of_work(*, read_only: bool = False) -> AbstractContextManager[UnitOfWork]:
    """The command's one unit of work, for the CLI's named actor."""
    ensure_schema()
    return cli_core().unit_of_work(cli_actor(), read_only=read_only)


def cli_run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(uow, *args, **kwargs)`` in the command's unit of work, committed when it returns."""
    with cli_unit_of_work() as uow:
        return fn(uow, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# the group


class _Formatter(click.HelpFormatter):
    """Click's help with click's own words (headings, the usage line, the --help row, an option's
    ``[default: ...; required]`` and value names) in the user's language."""

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        if cli_locale().startswith("en"):
            super().write_dl(rows, col_max, col_spacing)
            return
        # click's layout, measured in terminal columns (a Chinese character takes two)
        rows = [(click_zh.option_spec(a), click_zh.option_help(b)) for a, b in rows]
        first_col = min(max((click_zh.width(a) for a, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if click_zh.width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - click_zh.width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = click_zh.wrap(second, max(self.width - first_col - 2 - self.current_indent, 10)) or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")

    def write_text(self, text: str) -> None:
        if cli_locale().startswith("en"):
            super().write_text(text)
            return
        indent = " " * self.current_indent
        for line in click_zh.wrap(text, max(self.width - self.current_indent, 20)):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_heading(self, heading: str) -> None:
        if cli_locale().startswith("en"):
            super().write_heading(heading)
        else:
            self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if cli_locale().startswith("en"):
            super().write_usage(prog, args, "Usage: " if prefix is None else prefix)
        else:
            super().write_usage(prog, click_zh.usage(args), "用法：" if prefix is None else prefix)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(say(click_zh.HEADINGS.get(name, name), name)):
            yield


class _Context(click.Context):
    formatter_class = _Formatter


class DunningGroup(click.Group):
    """Imports a command's module only when that command runs."""

    context_class = _Context

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        if name not in COMMANDS:
            return None
        module, _, attr = COMMANDS[name][0].partition(":")
        cmd = getattr(import_module(module), attr)
        assert isinstance(cmd, click.Command)
        _localise(cmd)
        return cmd

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(say("催款台：中国企业间应收账款、催款函与催收。每个命令的用法见 dunning 命令 --help。",
                                     "Dunning Desk: receivables, letters and collection for Chinese B2B firms. "
                                     "See dunning COMMAND --help for each command."))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        en = cli_locale().startswith("en")
        rows = []
        for name in self.list_commands(ctx):
            if name in COMMANDS:
                rows.append((name, COMMANDS[name][2 if en else 1]))
            else:
                rows.append((name, self.commands[name].get_short_help_str(60)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            click.echo(error_line(exc.one_line(cli_locale())), err=True)
            ctx.exit(2)
        except SettingsError as exc:
            click.echo(say(f"配置错误：{exc.zh}", f"settings error: {exc.en}"), err=True)
            ctx.exit(2)


# short helps made from a Chinese help (click's own shortening cuts at spaces, which Chinese has few of)
_SHORT_ZH: set[str] = set()


def _localise(cmd: click.Command) -> None:
    """The command's help (its text, its options' and arguments', click's own words) in the language
    of this invocation."""
    en = cli_locale().startswith("en")
    cmd.context_class = _Context
    pair = _HELP.get(cmd.help or "")
    if pair is not None:
        cmd.help = pair[en]
    short = _HELP.get(cmd.short_help or "")
    if short is not None:
        cmd.short_help = short[en]
    elif cmd.short_help is None or cmd.short_help in _SHORT_ZH:
        cmd.short_help = None if en or pair is None else _short_zh(pair[0])
    for param in cmd.params:
        pair = _HELP.get(param.help or "")
        if pair is not None:
            param.help = pair[en]
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            _localise(sub)


def _short_zh(text: str, columns: int = 60) -> str:
    """The first sentence of a Chinese help, as the command lists show it (on one line)."""
    short = text.partition("\n\n")[0].replace("\n", "").partition("。")[0]
    if click_zh.width(short) > columns:
        while click_zh.width(short) > columns - 1:
            short = short[:-1]
        short += "…"
    _SHORT_ZH.add(short)
    return short


@click.group(cls=DunningGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Dunning Desk: receivables, letters and collection for Chinese B2B firms."""


def register_all(group: click.Group) -> None:
    """Every command, as each module's ``register`` adds it (the table above mirrors this)."""
    from workflow.cli import admin, cases, contracts, documents, dunning, inbox, jobs, law, ledger, mail, replies
    from workflow.cli import bundle as bundle_cli
    from workflow.cli import credit as credit_cli

    for module in (admin, ledger, law, documents, contracts, jobs, mail, dunning, cases, replies, inbox, bundle_cli,
                   credit_cli):
        module.register(group)


def run(args: Sequence[str] | None = None) -> int:
    """The console script's body: the exit code, and one line on stderr for any error."""
    try:
        result = cli.main(args=list(args) if args is not None else None, prog_name="dunning",
                          standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(say("已取消", "aborted"), err=True)
        return 1
    except click.exceptions.NoArgsIsHelpError as exc:  # `dunning calc`: its commands, as click shows them
        click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
        return exc.exit_code
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "dunning"
        what = _click_message(exc)
        click.echo(error_line(say(f"{what}（见 {where} --help）", f"{what} ({where} --help)")), err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(error_line(_click_message(exc)), err=True)
        return exc.exit_code
    except SettingsError as exc:
        click.echo(say(f"配置错误：{exc.zh}", f"settings error: {exc.en}"), err=True)
        return 2
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if not cli_locale().startswith("en"):
            reason = click_zh.OS_ERRORS.get(errno.errorcode.get(exc.errno or 0, ""), reason)
        where = say(f"：{exc.filename}", f": {exc.filename}") if exc.filename else ""
        click.echo(error_line(f"{reason}{where}"), err=True)
        return 1
    except Exception as exc:  # the last line of defence against a traceback
        if type(exc).__module__.startswith("sqlalchemy"):
            # the database is unreachable or refused the statement: say which, on one line
            cause = _first_line(getattr(exc, "orig", None) or exc)
            click.echo(say(f"数据库错误：{cause}", f"database error: {cause}"), err=True)
            return 1
        what = f"{type(exc).__name__}: {_first_line(exc)}"
        click.echo(say(f"内部错误（请报告）：{what}", f"internal error (please report it): {what}"), err=True)
        return 1
    return result if isinstance(result, int) else 0


def _click_message(exc: click.ClickException) -> str:
    """Click's message on one line, in the user's language."""
    if cli_locale().startswith("en"):
        return click_zh.one_line(exc.format_message())
    if isinstance(exc, (click.NoSuchOption, click.exceptions.NoSuchCommand)) and exc.possibilities:
        return click_zh.one_line(f"{click_zh.message(exc.message)}{click_zh.possibilities(exc.possibilities)}")
    return click_zh.one_line(click_zh.message(exc.format_message()))


def _first_line(exc: object) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def main() -> None:
    sys.exit(run())
