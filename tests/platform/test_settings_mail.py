"""Mail and dunning settings are checked when the service starts, not when the first letter goes."""

from __future__ import annotations

import pytest

from workflow.config import Settings, SettingsError


@pytest.mark.parametrize(("env", "says"), [
    ({"DUNNING_SMTP_URL": "http://mail.hx-jidian.cn"}, "DUNNING_SMTP_URL"),
    ({"DUNNING_MAIL_TRANSPORT": "smtp"}, "DUNNING_SMTP_URL"),
    ({"DUNNING_MAIL_FROM": "ar.hx-jidian.cn"}, "DUNNING_MAIL_FROM"),
    ({"DUNNING_CONTACT_START_HOUR": "18", "DUNNING_CONTACT_END_HOUR": "9"}, "DUNNING_CONTACT_START_HOUR"),
    ({"DUNNING_CREDIT_HOLD_WEBHOOK_URL": "https://erp.hx-jidian.cn/hooks/credit"}, "DUNNING_WEBHOOK_SECRET"),
])
def test_a_bad_mail_or_dunning_setting_is_named_at_start_up(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError) as err:
        Settings.from_env(env)
    assert says in str(err.value)


def test_the_smtp_password_never_appears_in_the_error() -> None:
    with pytest.raises(SettingsError) as err:
        Settings.from_env({"DUNNING_SMTP_URL": "smtp://ar%40hx:Zh0ng-Secret@mail.hx-jidian.cn:587?starttls=maybe"})
    assert "Zh0ng-Secret" not in str(err.value)


def test_a_good_smtp_url_is_accepted() -> None:
    s = Settings.from_env({"DUNNING_MAIL_TRANSPORT": "smtp",
                           "DUNNING_SMTP_URL": "smtp://ar%40hx-jidian.cn:pw@smtp.exmail.qq.com:587?starttls=1"})
    assert s.mail_transport == "smtp"


def test_a_settings_error_is_one_line_in_the_users_language() -> None:
    from click.testing import CliRunner

    from workflow.cli import cli

    zh = CliRunner().invoke(cli, ["check-settings"], env={"DUNNING_TIMEZONE": "Asia/Beijing", "DUNNING_LOCALE": ""})
    en = CliRunner().invoke(cli, ["check-settings"], env={"DUNNING_TIMEZONE": "Asia/Beijing", "DUNNING_LOCALE": "en"})
    assert zh.exit_code == en.exit_code == 2
    assert "配置错误：DUNNING_TIMEZONE：未知时区 'Asia/Beijing'" in zh.output and "unknown" not in zh.output
    assert "settings error: DUNNING_TIMEZONE: unknown time zone 'Asia/Beijing'" in en.output
    assert "未知" not in en.output
