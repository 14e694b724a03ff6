"""The ``dunning`` command: a Flask CLI group over the app factory.

Domain errors become a one-line message on stderr and exit code 2; nothing is half-written
because every command calls services that own their transaction.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo

from workflow.accounts.actor import Actor
from workflow.accounts.models import Role
from workflow.config import SettingsError
from workflow.core import Core
from workflow.errors import DomainError
from workflow.unit_of_work import UnitOfWork

T = TypeVar("T")


def cli_core() -> Core:
    c: Core = current_app.extensions["dunning"]
    return c


def cli_actor() -> Actor:
    return Actor(user_id=None, username=f"cli:{getpass.getuser()}", role=Role.ADMIN,
                 locale=cli_core().settings.locale)


def cli_unit_of_work(*, read_only: bool = False) -> AbstractContextManager[UnitOfWork]:
    """The command's one unit of work, for the CLI's named actor."""
    return cli_core().unit_of_work(cli_actor(), read_only=read_only)


def cli_run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(uow, *args, **kwargs)`` in the command's unit of work, committed when it returns."""
    with cli_unit_of_work() as uow:
        return fn(uow, *args, **kwargs)


class DunningGroup(FlaskGroup):
    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        # FlaskGroup pushes an app context only for plugin commands; ours all need one
        cmd = super().get_command(ctx, name)
        if cmd is not None and not current_app:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return cmd

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            locale = cli_core().settings.locale if current_app else "zh_CN"
            click.echo(f"错误 / error: {exc.one_line(locale)}", err=True)
            ctx.exit(2)
        except SettingsError as exc:
            click.echo(f"配置错误 / settings error: {exc}", err=True)
            ctx.exit(2)


def _create_app() -> Any:
    from workflow.app import create_app

    return create_app()


@click.group(cls=DunningGroup, create_app=_create_app, add_default_commands=False,
             load_dotenv=False, set_debug_flag=False)
def cli() -> None:
    """Dunning Desk: receivables, letters and collection for Chinese B2B firms."""


def _register() -> None:
    from workflow.cli import admin, contracts, documents, law, ledger

    for module in (admin, ledger, law, documents, contracts):
        module.register(cli)


_register()


def main() -> None:
    try:
        cli.main(prog_name="dunning")
    except SettingsError as exc:  # raised while building the app, before any command runs
        click.echo(f"配置错误 / settings error: {exc}", err=True)
        sys.exit(2)
