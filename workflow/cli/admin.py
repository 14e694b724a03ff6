"""Administration: settings, database schema, users and tokens, the audit chain, serving."""

from __future__ import annotations

import errno
import socket
from typing import TYPE_CHECKING

import click

from workflow.cli import cli_core, cli_locale, cli_run, cli_unit_of_work, help_text, say
from workflow.errors import DomainError, invalid

if TYPE_CHECKING:
    from workflow.audit.service import AuditReport
    from workflow.core import Core
    from workflow.jobs.schedule import Ticker
    from workflow.unit_of_work import UnitOfWork


def register(cli: click.Group) -> None:
    cli.add_command(check_settings)
    cli.add_command(db)
    cli.add_command(user)
    cli.add_command(audit)
    cli.add_command(up)


@click.command("check-settings", help=help_text(
    "列出已设置和缺少的配置（DUNNING_* 环境变量）、每项缺少时停用的功能，以及利率表和节假日日历的警告。",
    "Print what is set, what is missing (DUNNING_* environment variables), what each missing thing "
    "disables, and the warnings about the rate table and the holiday calendar."))
def check_settings() -> None:
    from workflow.accounts import secret_key
    from workflow.config import describe

    settings = cli_core().settings
    if not settings.secret_key:
        secret_key.load_or_create(settings.instance_path)  # an unusable key file stops every start
    locale = cli_locale()
    for row in describe(settings):
        note = row.note(locale)
        if row.missing:
            click.echo(say(f"  缺少   {row.variable:<32} 停用的功能：{note}",
                           f"  MISSING {row.variable:<32} disables: {note}"))
        else:
            click.echo(say(f"  已设置 {row.variable:<32} = {row.value}", f"  set     {row.variable:<32} = {row.value}")
                       + (f"  {note}" if note else ""))
    from sqlalchemy.exc import SQLAlchemyError

    from workflow.cli.law import print_law_data_warnings

    try:
        print_law_data_warnings()
    except DomainError as exc:  # e.g. a PostgreSQL database not yet upgraded
        click.echo(say(f"  法律数据：{exc.message(locale)}", f"  law data: {exc.message(locale)}"))
    except SQLAlchemyError as exc:  # settings are checked before the database is reachable, too
        click.echo(say(f"  法律数据：无法读取数据库（{type(exc).__name__}）",
                       f"  law data: the database cannot be read ({type(exc).__name__})"))


@click.group(help=help_text("数据库结构", "Database schema."))
def db() -> None:
    pass


@db.command("upgrade", help=help_text("把数据库结构升级到最新版本，并登记内置模板。",
                                      "Bring the schema to the latest migration and register the shipped "
                                      "templates."))
def db_upgrade() -> None:
    from workflow.cli.documents import register_shipped_templates
    from workflow.migrate import upgrade

    upgrade(cli_core().settings.effective_database_url)
    click.echo(say("数据库已是最新版本", "database is at the latest migration"))
    register_shipped_templates()


@click.group(help=help_text("用户与 API 令牌", "Users and API tokens."))
def user() -> None:
    pass


_USERNAME = help_text("登录名", "the login name")


@user.command("create", help=help_text("新建用户。", "Create a user."))
@click.argument("username", help=_USERNAME)
@click.option("--name", "display_name", required=True, help=help_text("显示的姓名", "the name shown"))
@click.option("--role", type=click.Choice(["clerk", "legal", "lawyer", "sales", "admin"]), required=True,
              help=help_text("角色：clerk 催收专员、legal 法务、lawyer 律师、sales 业务员、admin 管理员",
                             "role: clerk, legal, lawyer, sales (salesperson) or admin"))
@click.option("--password", default=None,
              help=help_text("网页登录密码；只用 API 令牌的用户可省略", "for web login; omit for token-only users"))
@click.option("--email", default=None, help=help_text("电子邮箱", "email address"))
@click.option("--employee-no", default=None, help=help_text("工号（导入表格可按工号指定业务员）",
                                                            "employee number (spreadsheets may name people by it)"))
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN",
              help=help_text("界面与通知邮件的语言", "language of the interface and of notices"))
def user_create(username: str, display_name: str, role: str, password: str | None, email: str | None,
                employee_no: str | None, locale: str) -> None:
    accounts = cli_core().services.accounts
    cli_run(lambda uow: accounts.create_user(uow, username=username, display_name=display_name, role=role,
                                             password=password, email=email, employee_no=employee_no,
                                             locale=locale))
    click.echo(say(f"已创建用户 {username}（{role}）", f"created user {username} ({role})"))


@user.command("password", help=help_text("设置用户的密码；其浏览器登录会话随即结束。",
                                          "Set a user's password; their browser sessions end."))
@click.argument("username", help=_USERNAME)
@click.option("--password", default=None,
              help=help_text("新密码（省略时提示输入）", "the new password (asked for when omitted)"))
def user_password(username: str, password: str | None) -> None:
    # asked here rather than by click's prompt=, whose "Repeat for confirmation" and mismatch
    # message are English whatever the user's language
    while password is None:
        first = click.prompt(say("新密码", "New password"), hide_input=True)
        if click.prompt(say("再输入一次", "Repeat for confirmation"), hide_input=True) == first:
            password = first
        else:
            click.echo(say("两次输入不一致，请重新输入", "the two entries differ; try again"), err=True)
    accounts = cli_core().services.accounts
    cli_run(lambda uow: accounts.update_user(uow, accounts.user_id(uow, username), password=password))
    click.echo(say(f"{username} 的密码已更改，其登录会话已结束",
                   f"password of {username} changed; their sessions have ended"))


@user.command("deactivate", help=help_text("停用用户：不能再登录或使用令牌，浏览器登录会话随即结束。",
                                            "Stop a user from logging in or using their tokens; their browser "
                                            "sessions end."))
@click.argument("username", help=_USERNAME)
def user_deactivate(username: str) -> None:
    accounts = cli_core().services.accounts
    cli_run(lambda uow: accounts.update_user(uow, accounts.user_id(uow, username), active=False))
    click.echo(say(f"{username} 已停用", f"{username} deactivated"))


@user.command("activate", help=help_text("重新启用已停用的用户。", "Let a deactivated user in again."))
@click.argument("username", help=_USERNAME)
def user_activate(username: str) -> None:
    accounts = cli_core().services.accounts
    cli_run(lambda uow: accounts.update_user(uow, accounts.user_id(uow, username), active=True))
    click.echo(say(f"{username} 已启用", f"{username} activated"))


@user.command("token", help=help_text("签发 API 令牌（只显示这一次，仅保存其哈希），或用 --revoke 吊销。",
                                       "Issue an API token (printed once, stored only hashed), or revoke one with "
                                       "--revoke."))
@click.argument("username", help=_USERNAME)
@click.option("--name", default="cli", help=help_text("令牌的用途", "what the token is for"))
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help=help_text("有效天数（默认 DUNNING_TOKEN_DAYS，90）",
                             "lifetime in days (default DUNNING_TOKEN_DAYS, 90)"))
@click.option("--revoke", "revoke_prefix", default=None, metavar="PREFIX",
              help=help_text("吊销该用户前缀为 PREFIX 的令牌（前缀见 user tokens）",
                             "revoke USERNAME's token whose prefix (as `user tokens` lists it) is PREFIX"))
def user_token(username: str, name: str, days: int | None, revoke_prefix: str | None) -> None:
    accounts = cli_core().services.accounts
    if revoke_prefix is not None:
        row = cli_run(lambda uow: accounts.revoke_token_by_prefix(uow, username, revoke_prefix))
        click.echo(say(f"已吊销 {username} 的令牌 {row.prefix}…（{row.name}）",
                       f"revoked token {row.prefix}… ({row.name}) of {username}"))
        return
    issued = cli_run(lambda uow: accounts.issue_token(uow, username, name, days=days))
    click.echo(issued.token)
    click.echo(say(f"有效期至 {issued.row.expires_at:%Y-%m-%d %H:%M} UTC",
                   f"expires {issued.row.expires_at:%Y-%m-%d %H:%M} UTC"), err=True)


@user.command("tokens", help=help_text("列出用户的 API 令牌（从不显示令牌本身）。",
                                        "List USERNAME's API tokens (never the secret itself)."))
@click.argument("username", help=_USERNAME)
def user_tokens(username: str) -> None:
    accounts = cli_core().services.accounts

    def rows(uow: UnitOfWork) -> list[str]:
        accounts.user_id(uow, username)  # an unknown name is an error, not an empty list
        out = []
        for t in accounts.list_tokens(uow, username):
            now = uow.now()
            state = (say("已吊销", "revoked") if t.revoked_at is not None
                     else say("已过期", "expired") if t.expires_at <= now else say("有效", "active"))
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else say("从未", "never")
            out.append(say(f"{t.prefix:<12} {state:<4} {t.name:<20} 签发 {t.created_at:%Y-%m-%d}  "
                           f"到期 {t.expires_at:%Y-%m-%d}  最近使用 {used}",
                           f"{t.prefix:<12} {state:<8} {t.name:<20} created {t.created_at:%Y-%m-%d}  "
                           f"expires {t.expires_at:%Y-%m-%d}  last used {used}"))
        return out

    lines = cli_run(rows)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(say(f"{username} 没有 API 令牌", f"{username} has no API tokens"))


@click.group(help=help_text("只追加的审计日志", "The append-only audit log."))
def audit() -> None:
    pass


@audit.command("verify", help=help_text("校验每条记录的哈希与链接以及签名检查点；列出每处异常，有异常时退出码为 1。",
                                        "Check every entry's hash and link and the signed checkpoints; print every "
                                        "break, and exit 1 if there is any."))
def audit_verify() -> None:
    core = cli_core()
    with cli_unit_of_work(read_only=True) as uow:
        report = core.audit.verify(uow.session)
    _print_audit_summary(report)
    if report.notes:
        click.echo(say("已由检查点封存的早期分叉（写入串行化之前的并发写入，并非篡改）：",
                       "forks from before writes were serialised, sealed by a checkpoint (not tampering):"))
        for b in report.notes:
            click.echo(f"  #{b.entry_id} {say(b.zh, b.en)}")
    if report.ok:
        click.echo(say("审计日志完好", "audit log ok"))
        return
    n = len(report.breaks)
    click.echo(say(f"审计日志有 {n} 处异常：", f"audit log has {n} break{'s' if n != 1 else ''}:"), err=True)
    for b in report.breaks:
        where = f"#{b.entry_id}" if b.entry_id is not None else "-"
        click.echo(f"  {where:>8} {b.kind:<18} {say(b.zh, b.en)}", err=True)
    raise SystemExit(1)


@audit.command("checkpoint", help=help_text("用审计密钥签署日志当前的头部（可由 cron 定时运行，"
                                            "使很少写入的日志也被封存）。",
                                            "Sign the log's current head with the audit key (run it from cron, so a "
                                            "quiet log is sealed too)."))
def audit_checkpoint() -> None:
    core = cli_core()

    def seal(uow: UnitOfWork) -> tuple[int, int, int, str] | None:
        uow.require_admin()
        cp = core.audit.checkpoint(uow.session)
        return None if cp is None else (cp.id, cp.entries, cp.head_id, cp.head_hash)

    done = cli_run(seal)
    if done is None:
        click.echo(say("审计日志为空，无需检查点", "the audit log is empty: nothing to sign"))
        return
    cp_id, entries, head_id, head_hash = done
    click.echo(say(f"检查点 #{cp_id}：{entries} 条记录，至 #{head_id}，头哈希 {head_hash}",
                   f"checkpoint #{cp_id}: {entries} entries up to #{head_id}, head hash {head_hash}"))


def _print_audit_summary(report: AuditReport) -> None:
    n = report.legacy_entries
    click.echo(say(f"记录：{report.entries}" + (f"（其中 {n} 条为早期哈希格式）" if n else "")
                   + f"；检查点：{report.checkpoints}",
                   f"entries: {report.entries}" + (f" ({n} in the earlier hash form)" if n else "")
                   + f"; checkpoints: {report.checkpoints}"))
    last = report.last_checkpoint
    if last is not None:
        click.echo(say(f"最新检查点：#{last.id}，{last.at.isoformat()}，{last.entries} 条记录，至 #{last.head_id}"
                       f"（头哈希 {last.head_hash}）；此后 {report.unsealed} 条",
                       f"last checkpoint: #{last.id} at {last.at.isoformat()}, {last.entries} entries up to "
                       f"#{last.head_id} (head hash {last.head_hash}); {report.unsealed} entries since"))


DEFAULT_PORT = 5000
PORTS_TRIED = 20


def _free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def _port(host: str, port: int | None) -> int:
    """The port asked for, which must be free; without one, 5000 or the next free one after it."""
    if port is not None:
        if _free(host, port):
            return port
        spare = next((p for p in range(port + 1, min(port + 1 + PORTS_TRIED, 65536)) if _free(host, p)), None)
        hint_zh = f"：请换一个端口，例如 --port {spare}" if spare else "：请用 --port 换一个端口"
        hint_en = f": pass another, e.g. --port {spare}" if spare else ": pass another with --port"
        raise invalid("--port", "port_in_use", f"端口 {port} 已被占用{hint_zh}", f"port {port} is in use{hint_en}")
    for p in range(DEFAULT_PORT, DEFAULT_PORT + PORTS_TRIED):
        if _free(host, p):
            return p
    raise invalid("--port", "port_in_use",
                  f"端口 {DEFAULT_PORT}–{DEFAULT_PORT + PORTS_TRIED - 1} 都已被占用：请用 --port 指定一个空闲端口",
                  f"ports {DEFAULT_PORT}-{DEFAULT_PORT + PORTS_TRIED - 1} are all in use: pass a free one with --port")


@click.command("up", help=help_text(
    "初始化并启动内置服务：迁移数据库、登记内置模板、首次启动时载入演示数据，显示网址和登录账号，然后提供服务。",
    "Set up and serve the embedded default: migrate the database, register the shipped templates, load the "
    "demo data on first start, print the URL and the logins, then serve."))
@click.option("--host", default="127.0.0.1", show_default=True, help=help_text("监听地址", "the address to listen on"))
@click.option("--port", default=None, type=click.IntRange(1, 65535),
              help=help_text(f"端口，默认 {DEFAULT_PORT}，被占用时用其后第一个空闲端口",
                             f"default {DEFAULT_PORT}, or the next free port after it"))
@click.option("--no-demo", is_flag=True,
              help=help_text("首次启动时不载入演示数据", "do not load the demo data on first start"))
def up(host: str, port: int | None, no_demo: bool) -> None:
    from werkzeug.serving import make_server

    from workflow.app import create_app
    from workflow.cli.documents import register_shipped_templates
    from workflow.cli.law import print_law_data_warnings
    from workflow.ledger.demo import load_demo
    from workflow.migrate import upgrade

    core = cli_core()
    chosen = _port(host, port)  # before any work: a taken port is the first thing to hear about
    upgrade(core.settings.effective_database_url)
    register_shipped_templates()
    if not no_demo:
        result = cli_run(load_demo, core.services.accounts)
        click.echo(say("演示数据：" + ("已载入" if result.loaded else "此前已载入"),
                       "demo data: " + ("loaded" if result.loaded else "already loaded")))
        click.echo(say("登录（在浏览器打开下面的催款台网址；"
                       "API 用 POST /api/v1/auth/login 或 `dunning user token NAME`）：",
                       "logins (open the desk's URL below in a browser; for the API, POST /api/v1/auth/login "
                       "or `dunning user token NAME`):"))
        for username, role, password in result.users:
            click.echo(f"  {role:<7} {username} / {password}")
    pdf = ("LibreOffice" if core.services.pdf.available
           else say("不可用（仅 DOCX：请安装 libreoffice-writer-nogui）",
                    "unavailable (DOCX only: install libreoffice-writer-nogui)"))
    click.echo(f"PDF: {pdf}")
    print_law_data_warnings()
    app = create_app(core=core)
    # Flask's app.run() refuses to start inside a CLI command; the embedded default serves with
    # werkzeug directly (production uses gunicorn wsgi:app). The URL is printed from the bound
    # socket, so it is the one really served.
    try:
        server = make_server(host, chosen, app, threaded=True)
    except OSError as exc:  # taken between the check and the bind
        raise invalid("--port", "port_in_use", f"端口 {chosen} 已被占用：请用 --port 换一个端口",
                      f"port {chosen} is in use: pass another with --port") from exc
    url = f"http://{host}:{server.server_port}"
    if port is None and chosen != DEFAULT_PORT:
        click.echo(say(f"端口 {DEFAULT_PORT} 已被占用，改用 {chosen}",
                       f"port {DEFAULT_PORT} is in use; using {chosen}"))
    click.echo(say(f"催款台：{url}/  （API：{url}/api/v1，OpenAPI：{url}/api/v1/openapi.json）",
                   f"Dunning Desk: {url}/  (API: {url}/api/v1, OpenAPI: {url}/api/v1/openapi.json)"))
    ticker = _start_schedule(core)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo(say("已停止", "stopped"))
    finally:
        server.server_close()
        if ticker is not None:
            ticker.stop()


def _start_schedule(core: Core) -> Ticker | None:
    """Without Redis the schedule (the daily run, the minute sweep) ticks in this process, and jobs
    run inline after their commit; with Redis, ``dunning worker --with-schedule`` does both."""
    from workflow.jobs.schedule import Scheduler, Ticker

    hour, tz = core.settings.run_hour, core.settings.timezone
    if core.settings.job_runner != "inline":
        click.echo(say("后台任务：Redis 上的队列；请另外启动 `dunning worker --with-schedule`"
                       "（每日催收运行与每分钟发送）",
                       "jobs: queued on Redis; start `dunning worker --with-schedule` for them, the daily run "
                       "and the minute sweep"))
        return None
    click.echo(say(f"定时任务：本进程内运行（每日 {hour}:00 {tz} 催收运行，每分钟发送到期邮件）",
                   f"schedule: in this process (the dunning run daily at {hour}:00 {tz}, due mail every minute)"))
    return Ticker(Scheduler(core)).start()
