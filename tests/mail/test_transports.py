"""The mail transports against real servers: SMTP into Dovecot read back over IMAP, and the Maildir.

What a clerk relies on: the letter that arrives is byte for byte the letter we stored as evidence
(Chinese subjects in UTF-8 and GBK, a PDF with a Chinese file name), the server's own acceptance
line is what we keep as proof, and every way a send can go wrong is told apart correctly —
refused for good, try again later, or "may have arrived" — because that decides between a lost
demand, a retry and a duplicate letter.
"""

from __future__ import annotations

import base64
import mailbox
import shutil
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest

from tests.mailserver import LOOPBACK, MailServers, free_port
from tests.tools import missing_tool
from workflow.config import Settings
from workflow.mail.maildir import MaildirTransport
from workflow.mail.smtp import SmtpTransport, parse_smtp_url
from workflow.mail.transport import (
    Accepted,
    AmbiguousFailure,
    Envelope,
    MemoryTransport,
    PermanentFailure,
    TemporaryFailure,
    make_transport,
)

SENDER = "ar@dunning.example"
DEBTOR = "上海华东机电设备有限公司"
PDF_NAME = f"催款函-AR-2026-0042-{DEBTOR}.pdf"
# a small but real PDF: binary comment line, one empty page
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000015 00000 n \n0000000060 00000 n \n0000000111 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n178\n%%EOF\n"
)


def utf8_letter(message_id: str, to: str) -> bytes:
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = f"应收账款部 <{SENDER}>"
    msg["To"] = f"{DEBTOR} 财务部 <{to}>"
    msg["Subject"] = f"催款函 AR-2026-0042：{DEBTOR} 逾期货款人民币 1,234,567.89 元"
    msg["Message-ID"] = message_id
    msg["Reply-To"] = "ar+AR-2026-0042@dunning.example"
    # 8bit on purpose: the bytes go out as they are, and the line starting with a dot must survive
    # SMTP's dot-stuffing on the way in and out
    msg.set_content(
        f"{DEBTOR}财务部：\n\n贵司尚欠我司货款人民币 1,234,567.89 元，已逾期 45 天。\n"
        ".请于 2026年12月15日 前付清。\n\n此致\n应收账款部\n",
        cte="8bit",
    )
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename=PDF_NAME)
    return msg.as_bytes()


GBK_SUBJECT = f"对账单 {DEBTOR} 朱镕基"  # 镕 is in GBK, not in GB2312: a label-only decoder loses it
GBK_BODY = f"{DEBTOR}：请核对附后的对账单。联系人：王堃".encode("gbk")


def gbk_letter(message_id: str, to: str) -> bytes:
    """The way many Chinese clients write: a GBK encoded word and an 8-bit GBK body."""
    subject = base64.b64encode(GBK_SUBJECT.encode("gbk")).decode()
    return (
        f"From: {SENDER}\r\nTo: {to}\r\nSubject: =?gbk?B?{subject}?=\r\nMessage-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"gbk\"\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + GBK_BODY + b"\r\n"


@pytest.fixture
def smtp(mail_servers: MailServers) -> Iterator[SmtpTransport]:
    transport = SmtpTransport(mail_servers.smtp_url, "dunning.test", timeout=10)
    try:
        yield transport
    finally:
        transport.close()


def only_message(servers: MailServers, user: str) -> bytes:
    messages = servers.messages(user)
    assert len(messages) == 1, f"{user} holds {len(messages)} messages"
    return messages[0]


# --- SMTP into Dovecot --------------------------------------------------------------------------


def test_utf8_letter_with_pdf_arrives_byte_for_byte(mail_servers: MailServers, smtp: SmtpTransport) -> None:
    sent = utf8_letter("<AR-2026-0042.1@dunning.example>", "caiwu@huadong-jidian.test")
    accepted = smtp.send(Envelope(SENDER, ("caiwu@huadong-jidian.test",)), sent)

    stored = only_message(mail_servers, "caiwu@huadong-jidian.test")
    assert stored.endswith(sent)  # Dovecot only adds its trace headers in front
    received = message_from_bytes(stored, policy=default_policy)
    assert str(received["Subject"]) == f"催款函 AR-2026-0042：{DEBTOR} 逾期货款人民币 1,234,567.89 元"
    body, attachment = list(received.iter_parts())
    assert ".请于 2026年12月15日 前付清。" in body.get_content()
    assert b"filename*0*=utf-8''%E5%82%AC%E6%AC%BE%E5%87%BD" in stored  # RFC 2231, continued over lines
    assert attachment.get_filename() == PDF_NAME
    assert attachment.get_payload(decode=True) == PDF
    # the proof we keep is the server's own final answer to the data, not a made-up "OK"
    assert accepted == Accepted(mail_servers.relay.replies[-1])
    assert accepted.reply.startswith("250 2.0.0 Ok: queued as ")


def test_gbk_letter_arrives_byte_for_byte(mail_servers: MailServers, smtp: SmtpTransport) -> None:
    sent = gbk_letter("<AR-2026-0042.2@dunning.example>", "customer@kehu.test")
    smtp.send(Envelope(SENDER, ("customer@kehu.test",)), sent)

    stored = only_message(mail_servers, "customer@kehu.test")
    assert stored.endswith(sent)
    received = message_from_bytes(stored)
    [(raw_subject, charset)] = decode_header(received["Subject"])
    assert charset == "gbk"
    assert isinstance(raw_subject, bytes)
    assert raw_subject.decode("gb18030") == GBK_SUBJECT
    assert received.get_payload(decode=True) == GBK_BODY + b"\r\n"


def test_plus_address_lands_in_the_base_mailbox(mail_servers: MailServers, smtp: SmtpTransport) -> None:
    recipient = "billing+AR-2026-0042@example.test"
    smtp.send(Envelope(SENDER, (recipient,)), utf8_letter("<AR-2026-0042.3@dunning.example>", recipient))
    assert mail_servers.count_by_message_id("billing@example.test") == {"<AR-2026-0042.3@dunning.example>": 1}


def test_one_connection_carries_many_letters_from_many_threads(
        mail_servers: MailServers, smtp: SmtpTransport) -> None:
    ids = [f"<AR-2026-{n:04d}.1@dunning.example>" for n in range(24)]
    errors: list[BaseException] = []

    def send(chunk: list[str]) -> None:
        try:
            for message_id in chunk:
                smtp.send(Envelope(SENDER, ("billing@example.test",)), gbk_letter(message_id, "billing@example.test"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(ids[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert mail_servers.count_by_message_id("billing@example.test") == dict.fromkeys(ids, 1)


def test_some_recipients_refused_the_others_get_it(mail_servers: MailServers, smtp: SmtpTransport) -> None:
    letter = gbk_letter("<AR-2026-0042.4@dunning.example>", "customer@kehu.test")
    accepted = smtp.send(Envelope(SENDER, ("customer@kehu.test", "nobody@kehu.test")), letter)

    assert accepted.reply.startswith("250 ")
    assert list(accepted.refused) == ["nobody@kehu.test"]
    assert accepted.refused["nobody@kehu.test"].startswith("550 5.1.1")
    assert mail_servers.count_by_message_id("customer@kehu.test") == {"<AR-2026-0042.4@dunning.example>": 1}


def test_unknown_mailbox_is_a_permanent_failure(mail_servers: MailServers, smtp: SmtpTransport) -> None:
    letter = gbk_letter("<AR-2026-0042.5@dunning.example>", "nobody@kehu.test")
    with pytest.raises(PermanentFailure) as failure:
        smtp.send(Envelope(SENDER, ("nobody@kehu.test",)), letter)

    # Dovecot's own refusal, passed on by the SMTP server, reaches the clerk
    assert failure.value.reply.startswith("550 5.1.1 <nobody@kehu.test> User doesn't exist")
    assert set(failure.value.refused) == {"nobody@kehu.test"}
    # the connection is still good for the next letter
    smtp.send(Envelope(SENDER, ("customer@kehu.test",)), letter)
    assert mail_servers.count_by_message_id("customer@kehu.test") == {"<AR-2026-0042.5@dunning.example>": 1}


def test_busy_mailbox_is_a_temporary_failure(mail_servers: MailServers, smtp: SmtpTransport) -> None:
    mail_servers.relay.rcpt_replies["customer@kehu.test"] = "451 4.2.1 Mailbox busy, try again later"
    letter = gbk_letter("<AR-2026-0042.6@dunning.example>", "customer@kehu.test")
    with pytest.raises(TemporaryFailure) as failure:
        smtp.send(Envelope(SENDER, ("customer@kehu.test",)), letter)
    assert failure.value.reply.startswith("451 4.2.1 Mailbox busy")
    assert mail_servers.count_by_message_id("customer@kehu.test") == {}

    del mail_servers.relay.rcpt_replies["customer@kehu.test"]  # the retry goes through
    smtp.send(Envelope(SENDER, ("customer@kehu.test",)), letter)
    assert mail_servers.count_by_message_id("customer@kehu.test") == {"<AR-2026-0042.6@dunning.example>": 1}


def test_connection_cut_after_the_data_is_ambiguous(mail_servers: MailServers, smtp: SmtpTransport) -> None:
    mail_servers.relay.drop_after_data.add("customer@kehu.test")
    letter = gbk_letter("<AR-2026-0042.7@dunning.example>", "customer@kehu.test")
    with pytest.raises(AmbiguousFailure):
        smtp.send(Envelope(SENDER, ("customer@kehu.test",)), letter)
    # why it must not count as "not sent": the letter did arrive
    assert mail_servers.count_by_message_id("customer@kehu.test") == {"<AR-2026-0042.7@dunning.example>": 1}

    # the transport opens a new connection for the next letter
    smtp.send(Envelope(SENDER, ("billing@example.test",)), gbk_letter("<next@dunning.example>", "billing@example.test"))
    assert mail_servers.count_by_message_id("billing@example.test") == {"<next@dunning.example>": 1}


def test_no_answer_after_the_data_is_ambiguous(mail_servers: MailServers) -> None:
    mail_servers.relay.silent_after_data.add("customer@kehu.test")
    transport = SmtpTransport(mail_servers.smtp_url, "dunning.test", timeout=1)
    letter = gbk_letter("<AR-2026-0042.10@dunning.example>", "customer@kehu.test")
    try:
        with pytest.raises(AmbiguousFailure, match="may have accepted"):
            transport.send(Envelope(SENDER, ("customer@kehu.test",)), letter)
    finally:
        transport.close()
    assert mail_servers.count_by_message_id("customer@kehu.test") == {"<AR-2026-0042.10@dunning.example>": 1}


@pytest.mark.parametrize("idle_check", [True, False], ids=["noop-after-idle", "stale-at-mail-from"])
def test_server_restart_between_letters_is_invisible(
        mail_servers: MailServers, smtp: SmtpTransport, monkeypatch: pytest.MonkeyPatch, idle_check: bool) -> None:
    # the kept connection is found dead either by the NOOP after an idle spell or at MAIL FROM
    monkeypatch.setattr("workflow.mail.smtp.IDLE_CHECK_SECONDS", -1.0 if idle_check else 3600.0)
    smtp.send(Envelope(SENDER, ("billing@example.test",)), gbk_letter("<one@dunning.example>", "billing@example.test"))
    mail_servers.restart_smtp()  # the kept connection is dead now
    smtp.send(Envelope(SENDER, ("billing@example.test",)), gbk_letter("<two@dunning.example>", "billing@example.test"))
    assert mail_servers.count_by_message_id("billing@example.test") == {
        "<one@dunning.example>": 1, "<two@dunning.example>": 1}


def test_non_ascii_address_goes_out_with_smtputf8(mail_servers: MailServers, smtp: SmtpTransport) -> None:
    # the relay offers SMTPUTF8, so the UTF-8 address reaches it and its own refusal comes back
    with pytest.raises(PermanentFailure, match=r"^553 5\.6\.7") as failure:
        smtp.send(Envelope(SENDER, ("财务@huadong-jidian.test",)), gbk_letter("<u8@dunning.example>", "x@x"))
    assert list(failure.value.refused) == ["财务@huadong-jidian.test"]


def test_non_ascii_address_without_smtputf8_is_refused_before_sending() -> None:
    controller, recorder = start_auth_server(enable_SMTPUTF8=False)
    transport = SmtpTransport(f"smtp://{LOOPBACK}:{recorder.port}", "dunning.test", timeout=5)
    try:
        with pytest.raises(PermanentFailure, match="does not offer SMTPUTF8"):
            transport.send(Envelope(SENDER, ("财务@huadong-jidian.test",)), gbk_letter("<u8@dunning.example>", "x@x"))
        assert recorder.messages == []
    finally:
        transport.close()
        controller.stop()


def test_connection_refused_is_a_temporary_failure() -> None:
    transport = SmtpTransport(f"smtp://{LOOPBACK}:{free_port()}", "dunning.test", timeout=5)
    with pytest.raises(TemporaryFailure, match=r"connect to 127\.0\.0\.1"):
        transport.send(Envelope(SENDER, ("customer@kehu.test",)), b"Subject: x\r\n\r\nx\r\n")


def test_letter_over_the_size_limit_is_refused_before_upload() -> None:
    controller, recorder = start_auth_server(data_size_limit=1000)
    transport = SmtpTransport(f"smtp://{LOOPBACK}:{recorder.port}", "dunning.test", timeout=5)
    try:
        big = utf8_letter("<big@dunning.example>", "x@kehu.test")  # 1.7 kB with its PDF
        with pytest.raises(PermanentFailure, match=r"^552 .*\(at MAIL FROM\)"):
            transport.send(Envelope(SENDER, ("x@kehu.test",)), big)
        small = gbk_letter("<small@dunning.example>", "x@kehu.test")
        transport.send(Envelope(SENDER, ("x@kehu.test",)), small)  # the same connection goes on
        assert recorder.messages == [small]
    finally:
        transport.close()
        controller.stop()


# --- TLS and credentials --------------------------------------------------------------------------


@dataclass
class AuthServer:
    """A plain aiosmtpd server that records every login attempt and every message."""

    port: int
    logins: list[tuple[str, str]] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        self.logins.append((data.login.decode(), data.password.decode()))
        good = (data.login, data.password) == (b"ar@dunning.example", b"p@ss:w/rd%1")
        return AuthResult(success=good, handled=False)  # not handled: aiosmtpd answers 235 or 535

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content)
        return "250 2.0.0 Ok: queued as AUTHTEST1"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        missing_tool("not installed: openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def start_auth_server(tls: ssl.SSLContext | None = None, implicit: bool = False,
                      **extra: Any) -> tuple[Any, AuthServer]:
    from aiosmtpd.controller import Controller

    recorder = AuthServer(free_port())
    options: dict[str, Any] = {"authenticator": recorder.authenticate, **extra}
    if implicit:
        # aiosmtpd only counts STARTTLS as TLS: on an implicit-TLS port AUTH must be allowed outright
        options.update(ssl_context=tls, auth_require_tls=False)
    elif tls is not None:
        options.update(tls_context=tls, require_starttls=True)
    else:
        options["auth_require_tls"] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # aiosmtpd warns about AUTH without TLS: that is the point here
        controller = Controller(recorder, hostname=LOOPBACK, port=recorder.port, **options)
        controller.start()
    return controller, recorder


PERCENT_URL_USER = "ar%40dunning.example:p%40ss%3Aw%2Frd%251"


def test_starttls_required_but_not_offered_sends_no_credentials() -> None:
    controller, recorder = start_auth_server(tls=None)
    try:
        url = f"smtp://{PERCENT_URL_USER}@{LOOPBACK}:{recorder.port}?starttls=1"
        with pytest.raises(TemporaryFailure, match="does not offer STARTTLS"):
            SmtpTransport(url, "dunning.test", timeout=5).send(Envelope(SENDER, ("x@kehu.test",)), b"\r\n")
        assert recorder.logins == []
        assert recorder.messages == []

        # the same server with an explicit loopback opt-out: now the password does go out in clear
        insecure = SmtpTransport(f"smtp://{PERCENT_URL_USER}@{LOOPBACK}:{recorder.port}?insecure=1",
                                 "dunning.test", timeout=5)
        insecure.send(Envelope(SENDER, ("x@kehu.test",)), b"Subject: x\r\n\r\nx\r\n")
        insecure.close()
        assert recorder.logins == [("ar@dunning.example", "p@ss:w/rd%1")]
    finally:
        controller.stop()


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def test_starttls_then_login_with_percent_decoded_credentials(certificate: tuple[Path, Path]) -> None:
    controller, recorder = start_auth_server(tls=server_context(certificate))
    try:
        url = f"smtp://{PERCENT_URL_USER}@{LOOPBACK}:{recorder.port}?starttls=1&cafile={certificate[0]}"
        transport = SmtpTransport(url, "dunning.test", timeout=5)
        letter = gbk_letter("<tls@dunning.example>", "x@kehu.test")
        accepted = transport.send(Envelope(SENDER, ("x@kehu.test",)), letter)
        transport.close()
        assert accepted.reply == "250 2.0.0 Ok: queued as AUTHTEST1"
        assert recorder.logins == [("ar@dunning.example", "p@ss:w/rd%1")]
        assert recorder.messages == [letter]
    finally:
        controller.stop()


def test_wrong_password_is_temporary_and_names_the_reason(certificate: tuple[Path, Path]) -> None:
    controller, recorder = start_auth_server(tls=server_context(certificate))
    try:
        url = f"smtp://ar%40dunning.example:wrong@{LOOPBACK}:{recorder.port}?starttls=1&cafile={certificate[0]}"
        with pytest.raises(TemporaryFailure, match="authentication failed: 535"):
            SmtpTransport(url, "dunning.test", timeout=5).send(Envelope(SENDER, ("x@kehu.test",)), b"\r\n")
        assert recorder.messages == []
    finally:
        controller.stop()


def test_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    controller, recorder = start_auth_server(tls=server_context(certificate))
    try:
        url = f"smtp://{PERCENT_URL_USER}@{LOOPBACK}:{recorder.port}?starttls=1"  # no cafile: not trusted
        with pytest.raises(TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED"):
            SmtpTransport(url, "dunning.test", timeout=5).send(Envelope(SENDER, ("x@kehu.test",)), b"\r\n")
        assert recorder.logins == []
    finally:
        controller.stop()


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    controller, recorder = start_auth_server(tls=server_context(certificate), implicit=True)
    try:
        url = f"smtps://{PERCENT_URL_USER}@{LOOPBACK}:{recorder.port}?cafile={certificate[0]}"
        transport = SmtpTransport(url, "dunning.test", timeout=5)
        letter = utf8_letter("<smtps@dunning.example>", "x@kehu.test")
        assert transport.send(Envelope(SENDER, ("x@kehu.test",)), letter).reply.startswith("250 ")
        transport.close()
        assert recorder.logins == [("ar@dunning.example", "p@ss:w/rd%1")]
        assert recorder.messages == [letter]
    finally:
        controller.stop()


@pytest.mark.parametrize(("url", "problem"), [
    ("http://mail.example.test", "scheme"),
    ("smtp://", "no host"),
    ("smtp://mail.example.test:99999", "port"),
    ("smtp://mail.example.test?starttls=maybe", "starttls"),
    ("smtp://mail.example.test?tls=1", "unknown parameter"),
    ("smtps://mail.example.test?starttls=1", "already TLS"),
])
def test_bad_urls_are_named(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_smtp_url(url)


def test_credentials_in_clear_need_an_explicit_opt_out() -> None:
    with pytest.raises(ValueError, match="credentials without TLS") as refused:
        SmtpTransport("smtp://ar:hunter2@mail.example.test:587", "dunning.test")
    assert "hunter2" not in str(refused.value)
    assert parse_smtp_url("smtps://ar:pw@mail.example.test").port == 465


# --- Maildir and the factory ----------------------------------------------------------------------


def test_maildir_keeps_the_exact_bytes(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path / "outbox")
    first = utf8_letter("<AR-2026-0042.8@dunning.example>", "caiwu@huadong-jidian.test")
    second = gbk_letter("<AR-2026-0042.9@dunning.example>", "caiwu@huadong-jidian.test")
    envelope = Envelope(SENDER, ("caiwu@huadong-jidian.test",))
    replies = [transport.send(envelope, first).reply, transport.send(envelope, second).reply]

    box = mailbox.Maildir(tmp_path / "outbox", factory=None, create=False)
    keys = [reply.removeprefix("250 maildir ") for reply in replies]
    assert all(reply.startswith("250 maildir ") for reply in replies)
    assert [box.get_bytes(key) for key in keys] == [first, second]
    assert sorted(p.name for p in (tmp_path / "outbox" / "new").iterdir()) == sorted(keys)
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []


def test_the_maildir_is_made_with_its_parents_on_a_fresh_checkout(tmp_path: Path) -> None:
    # mailbox/dev/ is git-ignored: on a fresh clone neither it nor its outbox exists yet
    transport = MaildirTransport(tmp_path / "mailbox" / "dev" / "outbox")
    reply = transport.send(Envelope(SENDER, ("caiwu@huadong-jidian.test",)), b"Subject: x\r\n\r\nx\r\n").reply
    assert reply.startswith("250 maildir ")
    assert len(list((tmp_path / "mailbox" / "dev" / "outbox" / "new").iterdir())) == 1


def test_make_transport_follows_the_settings(tmp_path: Path) -> None:
    maildir = make_transport(Settings(mail_transport="maildir", mailbox_dir=tmp_path))
    assert isinstance(maildir, MaildirTransport)
    maildir.send(Envelope(SENDER, ("customer@kehu.test",)), b"Subject: x\r\n\r\nx\r\n")
    assert len(list((tmp_path / "outbox" / "new").iterdir())) == 1

    assert isinstance(make_transport(Settings(mail_transport="memory")), MemoryTransport)
    smtp = make_transport(Settings(mail_transport="smtp", smtp_url="smtp://127.0.0.1:2525",
                                   smtp_local_hostname="dunning.test", smtp_timeout_seconds=7))
    assert isinstance(smtp, SmtpTransport)
    assert (smtp.url.host, smtp.url.port, smtp.local_hostname, smtp.timeout) == ("127.0.0.1", 2525, "dunning.test", 7)
