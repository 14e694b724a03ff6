"""Real mail servers for the mail tests: Dovecot (IMAP + LMTP) behind an aiosmtpd relay.

One set per test session (per xdist worker): starting takes a tenth of a second, stopping about
two (``dovecot stop`` waits for its processes). Tests that use ``mail_servers`` get the relay's
knobs reset and the mailboxes emptied, so counts by Message-ID start from zero.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mailserver import MailServers, missing_binaries, start_mail_servers
from tests.tools import missing_tool


@pytest.fixture(scope="session")
def mail_servers_session() -> Iterator[MailServers]:
    missing = missing_binaries()
    if missing:
        missing_tool(f"mail test servers need: {', '.join(missing)}")
    servers = start_mail_servers()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def mail_servers(mail_servers_session: MailServers) -> MailServers:
    servers = mail_servers_session
    servers.reset_relay()
    for user in servers.users:
        servers.empty(user)
    return servers
