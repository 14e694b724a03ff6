"""One typed, frozen Settings object read from ``DUNNING_*`` environment variables.

Nothing reads the environment at import time: ``Settings.from_env()`` is called by the app
factory and the CLI, and tests build ``Settings`` directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MailTransport = Literal["smtp", "maildir", "memory"]
PdfConverterName = Literal["libreoffice", "none", "auto"]
JobRunner = Literal["inline", "rq"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A DUNNING_* variable holds a value that cannot be parsed."""


@dataclass(frozen=True)
class Settings:
    instance_path: Path = PROJECT_ROOT / "instance"
    database_url: str = ""  # empty: SQLite file in the instance folder
    redis_url: str = ""
    smtp_url: str = ""
    imap_url: str = ""
    mail_transport: MailTransport = "maildir"
    mailbox_dir: Path = PROJECT_ROOT / "mailbox" / "dev"
    timezone: str = "Asia/Shanghai"
    locale: str = "zh_CN"
    secret_key: str = ""
    pdf_converter: PdfConverterName = "auto"
    soffice_path: str = ""
    # long-lived LibreOffice processes per worker; 0 = one per core, at most two
    pdf_processes: int = 0
    job_runner: JobRunner = "inline"
    # caps on what users may upload (bytes)
    max_upload_bytes: int = 20 * 1024 * 1024
    max_template_bytes: int = 10 * 1024 * 1024
    # clause linter: warn when the annualised penalty exceeds this multiple of the 1-year LPR
    penalty_warn_lpr_multiple: Decimal = Decimal("4")
    penalty_note_lpr_multiple: Decimal = Decimal("1.5")
    templates_dir: Path = PROJECT_ROOT / "templates_docx"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path / 'dunning.sqlite3'}"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            key = "DUNNING_" + f.name.upper()
            raw = env.get(key)
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, key, raw)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"DUNNING_TIMEZONE: unknown time zone {self.timezone!r}") from exc
        if self.mail_transport not in ("smtp", "maildir", "memory"):
            raise SettingsError("DUNNING_MAIL_TRANSPORT: must be smtp, maildir or memory")
        if self.mail_transport == "smtp" and not self.smtp_url:
            raise SettingsError("DUNNING_MAIL_TRANSPORT=smtp needs DUNNING_SMTP_URL")
        if self.job_runner == "rq" and not self.redis_url:
            raise SettingsError("DUNNING_JOB_RUNNER=rq needs DUNNING_REDIS_URL")
        if self.locale not in ("zh_CN", "en"):
            raise SettingsError("DUNNING_LOCALE: must be zh_CN or en")


_CHOICES: dict[str, tuple[str, ...]] = {
    "mail_transport": ("smtp", "maildir", "memory"),
    "pdf_converter": ("libreoffice", "none", "auto"),
    "job_runner": ("inline", "rq"),
    "locale": ("zh_CN", "en"),
}


def _parse(name: str, key: str, raw: str) -> object:
    if name in ("instance_path", "mailbox_dir", "templates_dir"):
        return Path(raw).expanduser().resolve()
    if name in _CHOICES:
        if raw not in _CHOICES[name]:
            raise SettingsError(f"{key}: {raw!r} is not one of {', '.join(_CHOICES[name])}")
        return raw
    if name == "pdf_processes":
        if not raw.isdigit() or not 0 <= int(raw) <= 16:
            raise SettingsError(f"{key}: expected a whole number from 0 (automatic) to 16, got {raw!r}")
        return int(raw)
    if name.startswith("max_"):
        try:
            value = int(raw)
        except ValueError as exc:
            raise SettingsError(f"{key}: expected a whole number of bytes, got {raw!r}") from exc
        if value <= 0:
            raise SettingsError(f"{key}: must be positive")
        return value
    if name.startswith("penalty_"):
        try:
            dec = Decimal(raw)
        except InvalidOperation as exc:
            raise SettingsError(f"{key}: expected a number, got {raw!r}") from exc
        if not dec.is_finite() or dec <= 0:
            raise SettingsError(f"{key}: must be a positive number")
        return dec
    return raw


@dataclass(frozen=True)
class SettingStatus:
    variable: str
    value: str
    missing: bool
    disables: str


def describe(settings: Settings) -> list[SettingStatus]:
    """What is set, what is missing, and what each missing thing disables (for check-settings)."""

    def show(url: str) -> str:
        # never print credentials
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
        return url

    rows = [
        SettingStatus("DUNNING_DATABASE_URL", show(settings.effective_database_url), False,
                      "" if settings.database_url else "(default: SQLite in the instance folder)"),
        SettingStatus("DUNNING_REDIS_URL", show(settings.redis_url), not settings.redis_url,
                      "background workers (jobs run inline in the web process)"),
        SettingStatus("DUNNING_SMTP_URL", show(settings.smtp_url), not settings.smtp_url,
                      "sending real email (letters go to the local Maildir instead)"),
        SettingStatus("DUNNING_IMAP_URL", show(settings.imap_url), not settings.imap_url,
                      "reading replies from a real mailbox (the local Maildir inbox is read instead)"),
        SettingStatus("DUNNING_MAIL_TRANSPORT", settings.mail_transport, False, ""),
        SettingStatus("DUNNING_MAILBOX_DIR", str(settings.mailbox_dir), False, ""),
        SettingStatus("DUNNING_INSTANCE_PATH", str(settings.instance_path), False, ""),
        SettingStatus("DUNNING_TIMEZONE", settings.timezone, False, ""),
        SettingStatus("DUNNING_LOCALE", settings.locale, False, ""),
        SettingStatus("DUNNING_SECRET_KEY", "***" if settings.secret_key else "", not settings.secret_key,
                      "stable web sessions (a random key is made per start; users must log in again)"),
        SettingStatus("DUNNING_PDF_CONVERTER", settings.pdf_converter, False, ""),
        SettingStatus("DUNNING_PDF_PROCESSES", str(settings.pdf_processes or "auto"), False, ""),
        SettingStatus("DUNNING_JOB_RUNNER", settings.job_runner, False, ""),
    ]
    return rows
