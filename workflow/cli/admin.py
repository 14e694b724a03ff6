"""Administration: settings, database schema, users and tokens, the audit chain, serving."""

from __future__ import annotations

import click

from workflow.audit.service import AuditReport
from workflow.cli import cli_core, cli_run, cli_unit_of_work
from workflow.config import describe
from workflow.migrate import upgrade
from workflow.unit_of_work import UnitOfWork


def register(cli: click.Group) -> None:
    cli.add_command(check_settings)
    cli.add_command(db)
    cli.add_command(user)
    cli.add_command(audit)
    cli.add_command(up)


@click.command("check-settings")
def check_settings() -> None:
    """Print what is set, what is missing, and what each missing thing disables."""
    for row in describe(cli_core().settings):
        if row.missing:
            click.echo(f"  MISSING {row.variable:<24} disables: {row.disables}")
        else:
            note = f"  {row.disables}" if row.disables else ""
            click.echo(f"  set     {row.variable:<24} = {row.value}{note}")
    from sqlalchemy.exc import SQLAlchemyError

    from workflow.cli.law import print_law_data_warnings

    try:
        print_law_data_warnings()
    except SQLAlchemyError as exc:  # settings are checked before the database exists, too
        click.echo(f"  law data: the database cannot be read ({type(exc).__name__}); run `dunning db upgrade`")


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the schema to the latest migration and register the shipped templates."""
    from workflow.cli.documents import register_shipped_templates

    upgrade(cli_core().settings.effective_database_url)
    click.echo("database is at the latest migration")
    register_shipped_templates()


@click.group()
def user() -> None:
    """Users and API tokens."""


@user.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(["clerk", "legal", "lawyer", "admin"]), required=True)
@click.option("--password", default=None, help="for web login; omit for token-only users")
@click.option("--email", default=None)
def user_create(username: str, display_name: str, role: str, password: str | None, email: str | None) -> None:
    accounts = cli_core().services.accounts
    cli_run(lambda uow: accounts.create_user(uow, username=username, display_name=display_name, role=role,
                                             password=password, email=email))
    click.echo(f"created user {username} ({role})")


@user.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="the new password (asked for when omitted)")
def user_password(username: str, password: str) -> None:
    """Set a user's password; their browser sessions end."""
    accounts = cli_core().services.accounts
    cli_run(lambda uow: accounts.update_user(uow, accounts.user_id(uow, username), password=password))
    click.echo(f"password of {username} changed; their sessions have ended")


@user.command("deactivate")
@click.argument("username")
def user_deactivate(username: str) -> None:
    """Stop a user from logging in or using their tokens; their browser sessions end."""
    accounts = cli_core().services.accounts
    cli_run(lambda uow: accounts.update_user(uow, accounts.user_id(uow, username), active=False))
    click.echo(f"{username} deactivated")


@user.command("activate")
@click.argument("username")
def user_activate(username: str) -> None:
    accounts = cli_core().services.accounts
    cli_run(lambda uow: accounts.update_user(uow, accounts.user_id(uow, username), active=True))
    click.echo(f"{username} activated")


@user.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="what the token is for")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="lifetime in days (default DUNNING_TOKEN_DAYS, 90)")
@click.option("--revoke", "revoke_prefix", default=None, metavar="PREFIX",
              help="revoke USERNAME's token whose prefix (as `user tokens` lists it) is PREFIX")
def user_token(username: str, name: str, days: int | None, revoke_prefix: str | None) -> None:
    """Issue an API token (printed once, stored only hashed), or revoke one with --revoke."""
    accounts = cli_core().services.accounts
    if revoke_prefix is not None:
        row = cli_run(lambda uow: accounts.revoke_token_by_prefix(uow, username, revoke_prefix))
        click.echo(f"revoked token {row.prefix}… ({row.name}) of {username}")
        return
    issued = cli_run(lambda uow: accounts.issue_token(uow, username, name, days=days))
    click.echo(issued.token)
    click.echo(f"expires {issued.row.expires_at:%Y-%m-%d %H:%M} UTC", err=True)


@user.command("tokens")
@click.argument("username")
def user_tokens(username: str) -> None:
    """List USERNAME's API tokens (never the secret itself)."""
    accounts = cli_core().services.accounts

    def rows(uow: UnitOfWork) -> list[str]:
        accounts.user_id(uow, username)  # an unknown name is an error, not an empty list
        out = []
        for t in accounts.list_tokens(uow, username):
            now = uow.now()
            state = ("revoked" if t.revoked_at is not None else "expired" if t.expires_at <= now else "active")
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            out.append(f"{t.prefix:<12} {state:<8} {t.name:<20} created {t.created_at:%Y-%m-%d}  "
                       f"expires {t.expires_at:%Y-%m-%d}  last used {used}")
        return out

    lines = cli_run(rows)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(f"{username} has no API tokens")


@click.group()
def audit() -> None:
    """The append-only audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check every entry's hash and link and the signed checkpoints; print every break, and exit 1
    if there is any."""
    core = cli_core()
    with cli_unit_of_work(read_only=True) as uow:
        report = core.audit.verify(uow.session)
    _print_audit_summary(report)
    if report.notes:
        click.echo("已由检查点封存的早期分叉（写入串行化之前的并发写入，并非篡改）/ "
                   "forks from before writes were serialised, sealed by a checkpoint (not tampering):")
        for b in report.notes:
            click.echo(f"  #{b.entry_id} {b.zh}")
            click.echo(f"  #{b.entry_id} {b.en}")
    if report.ok:
        click.echo("审计日志完好 / audit log ok")
        return
    click.echo(f"审计日志有 {len(report.breaks)} 处异常 / audit log has {len(report.breaks)} "
               f"break{'s' if len(report.breaks) != 1 else ''}:", err=True)
    for b in report.breaks:
        where = f"#{b.entry_id}" if b.entry_id is not None else "-"
        click.echo(f"  {where:>8} {b.kind:<18} {b.zh}", err=True)
        click.echo(f"  {'':>8} {'':<18} {b.en}", err=True)
    raise SystemExit(1)


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the log's current head with the audit key (run it from cron, so a quiet log is sealed
    too)."""
    core = cli_core()

    def seal(uow: UnitOfWork) -> tuple[int, int, int, str] | None:
        uow.require_admin()
        cp = core.audit.checkpoint(uow.session)
        return None if cp is None else (cp.id, cp.entries, cp.head_id, cp.head_hash)

    done = cli_run(seal)
    if done is None:
        click.echo("审计日志为空，无需检查点 / the audit log is empty: nothing to sign")
        return
    cp_id, entries, head_id, head_hash = done
    click.echo(f"检查点 / checkpoint #{cp_id}: {entries} entries up to #{head_id}, head hash {head_hash}")


def _print_audit_summary(report: AuditReport) -> None:
    legacy = f" ({report.legacy_entries} in the earlier hash form)" if report.legacy_entries else ""
    click.echo(f"记录 / entries: {report.entries}{legacy}; 检查点 / checkpoints: {report.checkpoints}")
    last = report.last_checkpoint
    if last is not None:
        click.echo(f"最新检查点 / last checkpoint: #{last.id} at {last.at.isoformat()}, "
                   f"{last.entries} entries up to #{last.head_id} (head hash {last.head_hash}); "
                   f"{report.unsealed} entries since")


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-demo", is_flag=True, help="do not load the demo data on first start")
def up(host: str, port: int, no_demo: bool) -> None:
    """Set up and serve the embedded default: migrate the database, register the shipped
    templates, load the demo data on first start, print the URL and the logins, then serve."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from workflow.cli.documents import register_shipped_templates
    from workflow.ledger.demo import load_demo

    core = cli_core()
    upgrade(core.settings.effective_database_url)
    register_shipped_templates()
    url = f"http://{host}:{port}"
    if not no_demo:
        result = cli_run(load_demo, core.services.accounts)
        click.echo("演示数据 / demo data: " + ("loaded" if result.loaded else "already loaded"))
        click.echo("登录 / logins (POST /api/v1/auth/login, or `dunning user token NAME` for an API token):")
        for username, role, password in result.users:
            click.echo(f"  {role:<7} {username} / {password}")
    pdf = "LibreOffice" if core.services.pdf.available else "unavailable (DOCX only: install libreoffice-writer-nogui)"
    click.echo(f"PDF: {pdf}")
    from workflow.cli.law import print_law_data_warnings

    print_law_data_warnings()
    click.echo(f"Dunning Desk: {url}/  (API: {url}/api/v1, OpenAPI: {url}/api/v1/openapi.json)")
    # Flask's app.run() refuses to start inside a CLI command; the embedded default serves with
    # werkzeug directly (production uses gunicorn wsgi:app)
    run_simple(host, port, current_app._get_current_object(), use_reloader=False, threaded=True)  # type: ignore[attr-defined]
