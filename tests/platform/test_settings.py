from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Literal, get_args, get_origin, get_type_hints

import pytest
from click.testing import CliRunner

from workflow.config import Settings, SettingsError, _parse


def test_defaults_are_the_embedded_setup() -> None:
    s = Settings.from_env({})
    assert s.effective_database_url.startswith("sqlite:///")
    assert s.effective_database_url.endswith("dunning.sqlite3")
    assert s.mail_transport == "maildir"
    assert s.timezone == "Asia/Shanghai" and s.locale == "zh_CN"
    assert s.mailbox_dir.parts[-2:] == ("mailbox", "dev")


def test_environment_is_parsed_strictly(tmp_path: Path) -> None:
    s = Settings.from_env({
        "DUNNING_DATABASE_URL": "postgresql+psycopg://u:p@db/dunning",
        "DUNNING_MAIL_TRANSPORT": "memory",
        "DUNNING_INSTANCE_PATH": str(tmp_path),
        "DUNNING_MAX_UPLOAD_BYTES": "1024",
        "DUNNING_LOCALE": "en",
    })
    assert s.database_url == "postgresql+psycopg://u:p@db/dunning"
    assert s.instance_path == tmp_path.resolve()
    assert s.max_upload_bytes == 1024 and s.locale == "en"


@pytest.mark.parametrize(("env", "needle"), [
    ({"DUNNING_MAIL_TRANSPORT": "pigeon"}, "DUNNING_MAIL_TRANSPORT"),
    ({"DUNNING_TIMEZONE": "Mars/Olympus"}, "DUNNING_TIMEZONE"),
    ({"DUNNING_MAX_UPLOAD_BYTES": "lots"}, "DUNNING_MAX_UPLOAD_BYTES"),
    ({"DUNNING_MAX_UPLOAD_BYTES": "-5"}, "DUNNING_MAX_UPLOAD_BYTES"),
    ({"DUNNING_MAIL_TRANSPORT": "smtp"}, "DUNNING_SMTP_URL"),
    ({"DUNNING_LOCALE": "fr_FR"}, "DUNNING_LOCALE"),
    ({"DUNNING_PENALTY_WARN_LPR_MULTIPLE": "abc"}, "DUNNING_PENALTY_WARN_LPR_MULTIPLE"),
])
def test_bad_values_name_the_variable(env: dict[str, str], needle: str) -> None:
    with pytest.raises(SettingsError, match=needle):
        Settings.from_env(env)


def test_check_settings_says_what_is_missing_and_what_it_disables(tmp_path: Path) -> None:
    from workflow.cli import cli

    env = {"DUNNING_INSTANCE_PATH": str(tmp_path), "DUNNING_SMTP_URL": "smtp://mailer:secret@mail.example.cn:587",
           "DUNNING_LOCALE": "en"}
    result = CliRunner().invoke(cli, ["check-settings"], env=env)
    assert result.exit_code == 0, result.output
    assert "MISSING DUNNING_REDIS_URL" in result.output
    assert "background workers" in result.output
    assert "smtp://***@mail.example.cn:587" in result.output  # credentials never printed
    assert "secret" not in result.output.replace("DUNNING_SECRET_KEY", "")


def test_a_bad_setting_stops_the_cli_with_one_line(tmp_path: Path) -> None:
    from workflow.cli import cli

    result = CliRunner().invoke(cli, ["check-settings"], env={"DUNNING_TIMEZONE": "Nowhere/City",
                                                              "DUNNING_INSTANCE_PATH": str(tmp_path)})
    assert result.exit_code != 0


def test_fields_are_parsed_by_their_declared_type(tmp_path: Path) -> None:
    s = Settings.from_env({
        "DUNNING_SECURE_COOKIES": "true",
        "DUNNING_TRUST_PROXY": "0",
        "DUNNING_TOKEN_DAYS": "30",
        "DUNNING_SESSION_IDLE_HOURS": "8",
        "DUNNING_PDF_PROCESSES": "2",
        "DUNNING_TEMPLATES_DIR": str(tmp_path),
        "DUNNING_PENALTY_NOTE_LPR_MULTIPLE": "1.25",
    })
    assert s.secure_cookies is True and s.trust_proxy is False
    assert s.token_days == 30 and s.session_idle_hours == 8 and s.pdf_processes == 2
    assert s.templates_dir == tmp_path.resolve()
    assert s.penalty_note_lpr_multiple == Decimal("1.25")


@pytest.mark.parametrize(("env", "needle"), [
    ({"DUNNING_SECURE_COOKIES": "maybe"}, "DUNNING_SECURE_COOKIES: expected true or false"),
    ({"DUNNING_TOKEN_DAYS": "0"}, "DUNNING_TOKEN_DAYS: expected a whole number from 1 to 3650"),
    ({"DUNNING_TOKEN_DAYS": "ninety"}, "DUNNING_TOKEN_DAYS"),
    ({"DUNNING_SESSION_IDLE_HOURS": "1.5"}, "DUNNING_SESSION_IDLE_HOURS"),
    ({"DUNNING_PDF_PROCESSES": "17"}, "DUNNING_PDF_PROCESSES: expected a whole number from 0 to 16"),
    ({"DUNNING_JOB_RUNNER": "celery"}, "DUNNING_JOB_RUNNER: 'celery' is not one of inline, rq"),
    ({"DUNNING_LOCALE": "de"}, "DUNNING_LOCALE: 'de' is not one of zh_CN, en"),
])
def test_each_type_refuses_what_it_cannot_hold(env: dict[str, str], needle: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert needle in str(info.value)


def test_every_setting_has_a_parser_for_its_type() -> None:
    """A new field of a type nobody taught ``_parse`` fails here, not at someone's start-up."""
    samples = {bool: "true", int: "1", str: "x", Path: "/tmp", Decimal: "2"}
    hints = get_type_hints(Settings)
    for f in fields(Settings):
        if f.name == "extra":
            continue
        kind = hints[f.name]
        raw = str(get_args(kind)[0]) if get_origin(kind) is Literal else samples[kind]
        parsed = _parse(f.name, "DUNNING_" + f.name.upper(), raw)
        assert isinstance(parsed, str if get_origin(kind) is Literal else kind), f.name


def test_check_settings_lists_the_session_settings(tmp_path: Path) -> None:
    from workflow.cli import cli

    env = {"DUNNING_INSTANCE_PATH": str(tmp_path), "DUNNING_SECURE_COOKIES": "yes", "DUNNING_SECRET_KEY": "",
           "DUNNING_LOCALE": "en"}
    result = CliRunner().invoke(cli, ["check-settings"], env=env)
    assert result.exit_code == 0, result.output
    assert "DUNNING_SECURE_COOKIES" in result.output and "= true" in result.output
    assert "DUNNING_TRUST_PROXY" in result.output and "DUNNING_TOKEN_DAYS" in result.output
    assert "MISSING DUNNING_SECRET_KEY" not in result.output  # a key file is made instead
