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
from typing import Any, Literal, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MailTransport = Literal["smtp", "maildir", "memory"]
PdfConverterName = Literal["libreoffice", "none", "auto"]
JobRunner = Literal["inline", "rq"]
Locale = Literal["zh_CN", "en"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# a shorter DUNNING_AUDIT_KEY could be guessed, and with it any checkpoint forged
AUDIT_KEY_MIN_LENGTH = 16


class SettingsError(ValueError):
    """A DUNNING_* variable holds a value that cannot be parsed. ``str()`` is the English message;
    ``zh`` the Chinese one the CLI shows under the default locale."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def message(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


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
    locale: Locale = "zh_CN"
    secret_key: str = ""
    # HMAC key for the audit log's checkpoints; empty: a key file made once in the instance folder
    audit_key: str = ""
    # a signed checkpoint of the audit log's head is written with every N-th entry
    audit_checkpoint_every: int = field(default=100, metadata={"min": 1, "max": 1_000_000})
    pdf_converter: PdfConverterName = "auto"
    soffice_path: str = ""
    # long-lived LibreOffice processes per worker; 0 = one per core, at most two
    pdf_processes: int = field(default=0, metadata={"min": 0, "max": 16})
    job_runner: JobRunner = "inline"
    # caps on what users may upload (bytes)
    max_upload_bytes: int = field(default=20 * 1024 * 1024, metadata={"min": 1})
    max_template_bytes: int = field(default=10 * 1024 * 1024, metadata={"min": 1})
    # clause linter: warn when the annualised penalty exceeds this multiple of the 1-year LPR
    penalty_warn_lpr_multiple: Decimal = Decimal("4")
    penalty_note_lpr_multiple: Decimal = Decimal("1.5")
    templates_dir: Path = PROJECT_ROOT / "templates_docx"
    # mark the session cookie Secure (set it when users reach the service over HTTPS)
    secure_cookies: bool = False
    # believe X-Forwarded-For/-Proto from one reverse proxy in front (client address, HTTPS)
    trust_proxy: bool = False
    # default lifetime of a new API token, and how long an idle browser session lasts
    token_days: int = field(default=90, metadata={"min": 1, "max": 3650})
    session_idle_hours: int = field(default=12, metadata={"min": 1, "max": 24 * 30})
    # a payment may be dated at most this many days after today (a bank in another time zone);
    # a later date is refused in the API, the importer and the CLI
    payment_future_days: int = field(default=1, metadata={"min": 0, "max": 31})
    # --- dunning and mail (workflow/cases, workflow/mail, workflow/jobs) ---
    # the address letters come from; replies go to its plus-address per case (ar+AR-2026-0042@...)
    mail_from: str = "ar@dunning.example"
    mail_from_name: str = "应收账款部 Accounts Receivable"
    # the name smtplib says in HELO/EHLO (otherwise it calls socket.getfqdn(), which can stall seconds)
    smtp_local_hostname: str = "localhost"
    smtp_timeout_seconds: int = field(default=30, metadata={"min": 1, "max": 600})
    # per sending account: at most this many messages a minute (providers throttle and block above it)
    smtp_rate_per_minute: int = field(default=60, metadata={"min": 1, "max": 100_000})
    mail_max_attempts: int = field(default=8, metadata={"min": 1, "max": 50})
    # lawful contact (docs/dunning.md): automated messages only on working days within these hours
    # (Asia/Shanghai or DUNNING_TIMEZONE), at most N a working day and M in any 7 days per debtor
    contact_start_hour: int = field(default=9, metadata={"min": 0, "max": 23})
    contact_end_hour: int = field(default=18, metadata={"min": 1, "max": 24})
    contact_max_per_day: int = field(default=1, metadata={"min": 0, "max": 10})
    contact_max_per_7_days: int = field(default=3, metadata={"min": 0, "max": 50})
    # the daily dunning run starts at this hour (business time zone)
    run_hour: int = field(default=9, metadata={"min": 0, "max": 23})
    # credit holds are pushed to this URL (signed with DUNNING_WEBHOOK_SECRET); empty: not pushed
    credit_hold_webhook_url: str = ""
    webhook_secret: str = ""
    # --- replies (workflow/mail/inbound.py, imap.py, replies.py; docs/inbox.md) ---
    # where read replies go on the IMAP server (UID MOVE); created when missing. Without MOVE they
    # stay in the folder, flagged \Seen and $DunningDone
    imap_processed_folder: str = "Dunning-Processed"
    # below this classifier confidence (0-1) a reply moves nothing: it waits for a clerk in triage
    reply_confidence_threshold: Decimal = Decimal("0.8")
    # "we have paid": the case pauses this many days while the payment is matched against the bank
    reply_paid_pause_days: int = field(default=5, metadata={"min": 1, "max": 90})
    # --- credit ratings (workflow/credit; docs/credit.md) ---
    # the rules' points per unit and caps: a JSON object or name=value pairs; names left out keep their defaults
    credit_weights: str = ""
    # the lowest score of grades A, B and C (falling); below C is D
    credit_grade_a: int = field(default=80, metadata={"min": 1, "max": 100})
    credit_grade_b: int = field(default=60, metadata={"min": 1, "max": 100})
    credit_grade_c: int = field(default=40, metadata={"min": 1, "max": 100})
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
            raise SettingsError(f"DUNNING_TIMEZONE: unknown time zone {self.timezone!r}",
                                f"DUNNING_TIMEZONE：未知时区 {self.timezone!r}") from exc
        if self.mail_transport not in ("smtp", "maildir", "memory"):
            raise SettingsError("DUNNING_MAIL_TRANSPORT: must be smtp, maildir or memory",
                                "DUNNING_MAIL_TRANSPORT：应为 smtp、maildir 或 memory")
        if self.mail_transport == "smtp" and not self.smtp_url:
            raise SettingsError("DUNNING_MAIL_TRANSPORT=smtp needs DUNNING_SMTP_URL",
                                "DUNNING_MAIL_TRANSPORT=smtp 时须设置 DUNNING_SMTP_URL")
        if self.smtp_url:
            from workflow.mail.smtp import parse_smtp_url  # stdlib only: cheap at start-up

            try:
                parse_smtp_url(self.smtp_url)
            except ValueError as exc:
                raise SettingsError(f"DUNNING_SMTP_URL: {exc}", f"DUNNING_SMTP_URL 无效：{exc}") from exc
        if self.job_runner == "rq" and not self.redis_url:
            raise SettingsError("DUNNING_JOB_RUNNER=rq needs DUNNING_REDIS_URL",
                                "DUNNING_JOB_RUNNER=rq 时须设置 DUNNING_REDIS_URL")
        if self.locale not in ("zh_CN", "en"):
            raise SettingsError("DUNNING_LOCALE: must be zh_CN or en", "DUNNING_LOCALE：应为 zh_CN 或 en")
        if "@" not in self.mail_from or self.mail_from.startswith("@") or self.mail_from.endswith("@"):
            raise SettingsError(f"DUNNING_MAIL_FROM: not an email address: {self.mail_from!r}",
                                f"DUNNING_MAIL_FROM：不是电子邮件地址：{self.mail_from!r}")
        if self.contact_start_hour >= self.contact_end_hour:
            raise SettingsError("DUNNING_CONTACT_START_HOUR must be before DUNNING_CONTACT_END_HOUR",
                                "DUNNING_CONTACT_START_HOUR 须早于 DUNNING_CONTACT_END_HOUR")
        if self.credit_hold_webhook_url and not self.webhook_secret:
            raise SettingsError("DUNNING_CREDIT_HOLD_WEBHOOK_URL needs DUNNING_WEBHOOK_SECRET (deliveries are signed)",
                                "设置 DUNNING_CREDIT_HOLD_WEBHOOK_URL 时须设置 DUNNING_WEBHOOK_SECRET（推送须签名）")
        if self.credit_hold_webhook_url and not self.credit_hold_webhook_url.lower().startswith(("http://", "https://")):
            raise SettingsError("DUNNING_CREDIT_HOLD_WEBHOOK_URL: must be an http:// or https:// URL",
                                "DUNNING_CREDIT_HOLD_WEBHOOK_URL：应为 http:// 或 https:// 地址")
        if self.reply_confidence_threshold > 1:
            raise SettingsError("DUNNING_REPLY_CONFIDENCE_THRESHOLD: a confidence from 0 to 1, e.g. 0.8",
                                "DUNNING_REPLY_CONFIDENCE_THRESHOLD：应为 0 到 1 之间的置信度，如 0.8")
        if self.imap_url:
            from workflow.mail.imap import parse_imap_url  # stdlib only: cheap at start-up

            try:
                parse_imap_url(self.imap_url)
            except ValueError as exc:
                raise SettingsError(f"DUNNING_IMAP_URL: {exc}", f"DUNNING_IMAP_URL 无效：{exc}") from exc
        from workflow.credit.rating import check_thresholds, parse_weights  # stdlib only: cheap at start-up

        try:
            parse_weights(self.credit_weights)
        except ValueError as exc:
            raise SettingsError(f"DUNNING_CREDIT_WEIGHTS: {exc}",
                                "DUNNING_CREDIT_WEIGHTS 无效（应为 JSON 对象或 名称=数值 列表，"
                                f"数值 0–1000）：{exc}") from exc
        try:
            check_thresholds(self.credit_grade_a, self.credit_grade_b, self.credit_grade_c)
        except ValueError as exc:
            raise SettingsError(f"DUNNING_CREDIT_GRADE_A/_B/_C: {exc}",
                                "DUNNING_CREDIT_GRADE_A/_B/_C：须满足 100 ≥ A > B > C ≥ 1，"
                                f"实为 A={self.credit_grade_a}、B={self.credit_grade_b}、"
                                f"C={self.credit_grade_c}") from exc
        if self.audit_key and len(self.audit_key) < AUDIT_KEY_MIN_LENGTH:
            raise SettingsError(f"DUNNING_AUDIT_KEY: use at least {AUDIT_KEY_MIN_LENGTH} random characters",
                                f"DUNNING_AUDIT_KEY：至少使用 {AUDIT_KEY_MIN_LENGTH} 个随机字符")


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _parse(name: str, key: str, raw: str) -> object:
    """Parse by the field's declared type, so a new setting is parsed correctly by declaring it."""
    kind: Any = get_type_hints(Settings)[name]
    meta = next(f.metadata for f in fields(Settings) if f.name == name)
    if kind is Path:
        return Path(raw).expanduser().resolve()
    if get_origin(kind) is Literal:
        choices = [str(c) for c in get_args(kind)]
        if raw not in choices:
            raise SettingsError(f"{key}: {raw!r} is not one of {', '.join(choices)}",
                            f"{key}：{raw!r} 不是可选值之一（{'、'.join(choices)}）")
        return raw
    if kind is bool:
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise SettingsError(f"{key}: expected true or false, got {raw!r}", f"{key}：应为 true 或 false，实为 {raw!r}")
    if kind is int:
        low, high = meta.get("min"), meta.get("max")
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        span_zh = f"{low} 到 {high}" if high is not None else f"不小于 {low}"
        if not raw.strip().lstrip("-").isdigit():
            raise SettingsError(f"{key}: expected a whole number {span}, got {raw!r}",
                                f"{key}：应为{span_zh}的整数，实为 {raw!r}")
        number = int(raw)
        if (low is not None and number < low) or (high is not None and number > high):
            raise SettingsError(f"{key}: expected a whole number {span}, got {raw!r}",
                                f"{key}：应为{span_zh}的整数，实为 {raw!r}")
        return number
    if kind is Decimal:
        try:
            dec = Decimal(raw)
        except InvalidOperation as exc:
            raise SettingsError(f"{key}: expected a number, got {raw!r}", f"{key}：应为数字，实为 {raw!r}") from exc
        if not dec.is_finite() or dec <= 0:
            raise SettingsError(f"{key}: must be a positive number", f"{key}：应为正数")
        return dec
    if kind is str:
        return raw
    raise TypeError(f"Settings.{name}: no parser for {kind!r}")


@dataclass(frozen=True)
class SettingStatus:
    variable: str
    value: str
    missing: bool
    # what a missing setting disables, or a note on the value in force (a default, an example address)
    zh: str = ""
    en: str = ""

    def note(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


def describe(settings: Settings) -> list[SettingStatus]:
    """What is set, what is missing, and what each missing thing disables (for check-settings),
    in both languages."""

    def show(url: str) -> str:
        # never print credentials
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
        return url

    def row(name: str, value: object, zh: str = "", en: str = "", *, missing: bool = False) -> SettingStatus:
        return SettingStatus(name, str(value), missing, zh, en)

    s = settings
    example_from = s.mail_from == Settings.mail_from
    return [
        row("DUNNING_DATABASE_URL", show(s.effective_database_url),
            *(("", "") if s.database_url else ("（默认：实例文件夹中的 SQLite）",
                                               "(default: SQLite in the instance folder)"))),
        row("DUNNING_REDIS_URL", show(s.redis_url), "后台任务进程（任务在 Web 进程内直接执行）",
            "background workers (jobs run inline in the web process)", missing=not s.redis_url),
        row("DUNNING_SMTP_URL", show(s.smtp_url), "发送真实邮件（函件改为写入本地 Maildir）",
            "sending real email (letters go to the local Maildir instead)", missing=not s.smtp_url),
        row("DUNNING_IMAP_URL", show(s.imap_url), "从真实邮箱读取回复（改为读取本地 Maildir 收件箱）",
            "reading replies from a real mailbox (the local Maildir inbox is read instead)", missing=not s.imap_url),
        row("DUNNING_MAIL_TRANSPORT", s.mail_transport),
        row("DUNNING_MAILBOX_DIR", s.mailbox_dir),
        row("DUNNING_MAIL_FROM", s.mail_from,
            "以自己的地址发信（默认地址只是示例地址，债务人的回复无法送达）",
            "sending from your own address (the default is an example address: debtors' replies cannot reach you)",
            missing=example_from),
        row("DUNNING_MAIL_FROM_NAME", s.mail_from_name),
        row("DUNNING_SMTP_LOCAL_HOSTNAME", s.smtp_local_hostname,
            "（SMTP 握手 HELO/EHLO 中报出的主机名）", "(the host name said in the SMTP HELO/EHLO)"),
        row("DUNNING_SMTP_TIMEOUT_SECONDS", s.smtp_timeout_seconds),
        row("DUNNING_SMTP_RATE_PER_MINUTE", s.smtp_rate_per_minute,
            "（每个发信账号每分钟最多发送的邮件数）", "(at most this many messages a minute per sending account)"),
        row("DUNNING_MAIL_MAX_ATTEMPTS", s.mail_max_attempts,
            "（临时失败后最多尝试发送的次数，之后标记为失败）",
            "(send attempts after temporary failures before a message is marked failed)"),
        row("DUNNING_CONTACT_START_HOUR", s.contact_start_hour,
            "（工作日自动联系的开始钟点）", "(automated contact on working days starts at this hour)"),
        row("DUNNING_CONTACT_END_HOUR", s.contact_end_hour,
            "（工作日自动联系的截止钟点）", "(automated contact on working days ends at this hour)"),
        row("DUNNING_CONTACT_MAX_PER_DAY", s.contact_max_per_day,
            "（每个债务人每个工作日最多自动联系次数）", "(automated contacts per debtor and working day, at most)"),
        row("DUNNING_CONTACT_MAX_PER_7_DAYS", s.contact_max_per_7_days,
            "（每个债务人任意 7 天内最多自动联系次数）", "(automated contacts per debtor in any 7 days, at most)"),
        row("DUNNING_RUN_HOUR", s.run_hour, "（每日催收运行开始的钟点）", "(the hour the daily dunning run starts)"),
        row("DUNNING_CREDIT_HOLD_WEBHOOK_URL", show(s.credit_hold_webhook_url),
            "把停止赊销推送到其他系统（停止赊销仍会记录并显示）",
            "pushing credit holds to another system (holds are still recorded and shown)",
            missing=not s.credit_hold_webhook_url),
        row("DUNNING_WEBHOOK_SECRET", "***" if s.webhook_secret else ""),
        row("DUNNING_IMAP_PROCESSED_FOLDER", s.imap_processed_folder,
            "（已读取的回复移入 IMAP 上的此文件夹）", "(read replies are moved to this IMAP folder)"),
        row("DUNNING_REPLY_CONFIDENCE_THRESHOLD", s.reply_confidence_threshold,
            "（回复分类的把握低于此值时不自动处理，交专员确认）",
            "(below this classifier confidence a reply waits for a clerk)"),
        row("DUNNING_REPLY_PAID_PAUSE_DAYS", s.reply_paid_pause_days,
            "（回复“已付款”后案件暂停的天数，以便核对银行收款）",
            "(days a case pauses after a \"we have paid\" reply, while the payment is matched)"),
        row("DUNNING_CREDIT_WEIGHTS", s.credit_weights,
            *(("（信用评级各项扣分权重，已设置的项替换默认值）",
                "(credit rating weights; those set replace the defaults)")
              if s.credit_weights else ("（默认权重，见 docs/credit.md）", "(default weights: docs/credit.md)"))),
        row("DUNNING_CREDIT_GRADE_A", s.credit_grade_a, "（A 级最低分）", "(lowest score of grade A)"),
        row("DUNNING_CREDIT_GRADE_B", s.credit_grade_b, "（B 级最低分）", "(lowest score of grade B)"),
        row("DUNNING_CREDIT_GRADE_C", s.credit_grade_c, "（C 级最低分，低于此为 D 级）",
            "(lowest score of grade C; below it is D)"),
        row("DUNNING_PAYMENT_FUTURE_DAYS", s.payment_future_days,
            "（收款日期最多可晚于今天的天数）", "(days after today a payment may be dated, at most)"),
        row("DUNNING_INSTANCE_PATH", s.instance_path),
        row("DUNNING_TIMEZONE", s.timezone),
        row("DUNNING_LOCALE", s.locale),
        row("DUNNING_SECRET_KEY", "***" if s.secret_key else "",
            *(("", "") if s.secret_key else ("（默认：首次启动时生成并保存在实例文件夹中的密钥）",
                                             "(default: a key made once and kept in the instance folder)"))),
        row("DUNNING_SECURE_COOKIES", _yes(s.secure_cookies)),
        row("DUNNING_TRUST_PROXY", _yes(s.trust_proxy)),
        row("DUNNING_TOKEN_DAYS", s.token_days),
        row("DUNNING_SESSION_IDLE_HOURS", s.session_idle_hours),
        row("DUNNING_AUDIT_KEY", "***" if s.audit_key else "",
            *(("", "") if s.audit_key else ("（默认：实例文件夹中的密钥文件 audit.key）",
                                            "(default: key file audit.key in the instance folder)"))),
        row("DUNNING_AUDIT_CHECKPOINT_EVERY", s.audit_checkpoint_every),
        row("DUNNING_PDF_CONVERTER", s.pdf_converter),
        row("DUNNING_SOFFICE_PATH", s.soffice_path,
            *(("", "") if s.soffice_path else ("（默认：在 PATH 中查找 LibreOffice）",
                                               "(default: LibreOffice found on PATH)"))),
        row("DUNNING_PDF_PROCESSES", s.pdf_processes or "auto"),
        row("DUNNING_TEMPLATES_DIR", s.templates_dir),
        row("DUNNING_MAX_UPLOAD_BYTES", s.max_upload_bytes),
        row("DUNNING_MAX_TEMPLATE_BYTES", s.max_template_bytes),
        row("DUNNING_PENALTY_WARN_LPR_MULTIPLE", s.penalty_warn_lpr_multiple,
            "（合同检查：违约金年化超过一年期 LPR 的此倍数时警告）",
            "(contract lint: warn when a penalty exceeds this multiple of the 1-year LPR a year)"),
        row("DUNNING_PENALTY_NOTE_LPR_MULTIPLE", s.penalty_note_lpr_multiple,
            "（合同检查：超过此倍数时提示）", "(contract lint: a note above this multiple)"),
        row("DUNNING_JOB_RUNNER", s.job_runner),
    ]


def _yes(flag: bool) -> str:
    return "true" if flag else "false"
