"""The `dunning` command as a new user meets it: a fresh instance, wrong input, a busy port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.law.test_calc_api_cli import ISSUE_EXAMPLE
from workflow.cli import COMMANDS, register_all, run
from workflow.errors import DomainError
from workflow.migrate import heads, script_heads

BIN = Path(sys.executable).parent


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An instance folder nothing has run in yet, on the embedded SQLite default."""
    for key in [k for k in os.environ if k.startswith("DUNNING_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("DUNNING_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DUNNING_PDF_CONVERTER", "none")
    yield tmp_path


def _all_commands() -> Iterator[list[str]]:
    def walk(cmd: click.Command, path: list[str]) -> Iterator[list[str]]:
        yield path
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                yield from walk(sub, [*path, name])

    group = click.Group()
    register_all(group)
    for name, cmd in group.commands.items():
        yield from walk(cmd, [name])


def test_the_help_table_lists_exactly_the_registered_commands() -> None:
    group = click.Group()
    register_all(group)
    assert set(COMMANDS) == set(group.commands)
    for name, (target, _, _) in COMMANDS.items():
        module, _, attr = target.partition(":")
        assert getattr(sys.modules[module], attr) is group.commands[name], name


def test_help_shows_our_commands_only_in_the_users_language(fresh: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["--help"]) == 0
    zh = capsys.readouterr().out
    assert "用法：dunning" in zh and "命令" in zh and "逾期利息" in zh
    for flask_thing in ("--app", "--debug", "Flask", "--version", "routes", "shell"):
        assert flask_thing not in zh
    monkeypatch.setenv("DUNNING_LOCALE", "en")
    assert run(["--help"]) == 0
    en = capsys.readouterr().out
    assert "Usage: dunning" in en and "late interest" in en and "逾期" not in en


def test_every_command_has_help(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in _all_commands():
        assert run([*path, "--help"]) == 0, path
        out = capsys.readouterr()
        assert f"dunning {' '.join(path)}" in out.out and "选项" in out.out and not out.err, path


def _one_line_error(code: int, err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1, (code, err)
    assert "Traceback" not in err and lines[0].startswith("错误："), err
    for needle in needles:
        assert needle in lines[0], (needle, err)


BAD = [
    (["nosuch"], "nosuch"),
    (["calc", "words"], "AMOUNT"),
    (["calc", "words", "abc"], "amount"),
    (["calc", "words", "--", "-1"], "amount"),
    (["calc", "interest", "/nonexistent/calc.json"], "file"),
    (["calc", "claim", "x"], "CUSTOMER_ID"),
    (["calc", "claim", "999"], "999"),
    (["calc", "claim", "1", "--as-of", "tomorrow"], "as_of"),
    (["calendar", "show", "1900"], "1900"),
    (["rates", "add", "--date", "2026-13-01", "--lpr1y", "3", "--source", "x"], "--date"),
    (["rates", "add", "--date", "2026-01-20", "--lpr1y", "abc", "--source", "x"], "lpr1y"),
    (["report", "aging", "--as-of", "30/09/2026"], "--as-of"),
    (["report", "aging", "--format", "xlsx"], "--out"),
    (["user", "create", "Bad Name!", "--name", "x", "--role", "clerk"], "username"),
    (["user", "token", "nobody"], "nobody"),
    (["import", "/nonexistent.csv"], "FILE"),
    (["import", str(Path(__file__)), "--kind", "bills"], "kind"),
    (["render", "statement"], "缺少选项 '--out'"),
    (["templates", "upload", "statement", "fr", str(Path(__file__))], "'fr'"),
    (["contract", "lint"], "FILE"),
    (["up", "--port", "0"], "--port"),
]


def test_bad_invocations_on_a_fresh_instance_end_in_one_line(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["rates", "list"]) == 0  # (the first command's migration note is tested below)
    capsys.readouterr()
    for args, needle in BAD:
        code = run(args)
        _one_line_error(code, capsys.readouterr().err, needle)
    assert run(["calc"]) == 2  # a group without its command lists its commands, as click does
    listed = capsys.readouterr()
    assert "words" in listed.out and not listed.err


def test_a_first_command_migrates_the_embedded_database(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = fresh / "calc.json"
    body.write_text(json.dumps(ISSUE_EXAMPLE), encoding="utf-8")
    assert run(["calc", "interest", str(body)]) == 0  # no `dunning up` or `db upgrade` before
    out = capsys.readouterr()
    assert json.loads(out.out)["interest_accrued"] == "9746.85"
    assert "数据库已升级到最新版本" in out.err
    assert run(["templates", "list"]) == 0  # the shipped templates came with the migration
    out = capsys.readouterr()
    assert "shipped" in out.out and not out.err  # already at head: nothing more to say


def test_import_kind_takes_the_documented_chinese_names(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = fresh / "客户.csv"
    sheet.write_text("客户编码,客户名称,客户类型\nC001,Example Trading GmbH,外资企业\n", encoding="utf-8")
    assert run(["import", str(sheet), "--kind", "客户", "--dry-run"]) == 0, capsys.readouterr().err
    assert "customers" in capsys.readouterr().out


def test_postgresql_behind_head_is_refused_in_one_line(fresh: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       pg_base_url: str | None) -> None:
    if pg_base_url is None:
        pytest.skip("PostgreSQL not configured (set DUNNING_TEST_POSTGRES_URL)")
    import sqlalchemy as sa

    engine = sa.create_engine(pg_base_url)
    with engine.begin() as conn:  # an empty database, as a new operator has one
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    monkeypatch.setenv("DUNNING_DATABASE_URL", pg_base_url)
    _one_line_error(run(["rates", "list"]), capsys.readouterr().err, "dunning db upgrade")
    assert run(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert run(["rates", "list"]) == 0


def test_the_migration_heads_are_read_as_alembic_reads_them() -> None:
    assert set(script_heads()) == set(heads())


def test_up_takes_the_next_free_port_or_names_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.cli import admin

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        monkeypatch.setattr(admin, "DEFAULT_PORT", taken)
        chosen = admin._port("127.0.0.1", None)
        assert chosen != taken and taken < chosen < taken + admin.PORTS_TRIED
        with pytest.raises(DomainError) as refused:
            admin._port("127.0.0.1", taken)
    line = refused.value.one_line("zh_CN")
    assert f"端口 {taken} 已被占用" in line and "--port" in line


def test_the_console_script_starts_without_flask_or_sqlalchemy(tmp_path: Path) -> None:
    env = {**os.environ, "DUNNING_INSTANCE_PATH": str(tmp_path), "PYTHONPROFILEIMPORTTIME": "1"}
    for args in (["--help"], ["calc", "words", "16409.02"]):
        res = subprocess.run([str(BIN / "dunning"), *args], env=env, capture_output=True, text=True, check=True)
        imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in res.stderr.splitlines()
                    if line.startswith("import time:")}
        assert not imported & {"flask", "sqlalchemy", "pydantic", "werkzeug"}, args
    assert res.stdout.strip() == "壹万陆仟肆佰零玖元零贰分"

