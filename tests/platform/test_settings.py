from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from workflow.config import Settings, SettingsError


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

    env = {"DUNNING_INSTANCE_PATH": str(tmp_path), "DUNNING_SMTP_URL": "smtp://mailer:secret@mail.example.cn:587"}
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
