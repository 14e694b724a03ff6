"""The inbox tests: our domain is the corpus's (hx-jidian.cn), replies are read from the Maildir
inbox or a real Dovecot (``mail_servers``, shared with tests/mail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inbox.desk import MAIL_FROM
from tests.mail.conftest import mail_servers, mail_servers_session
from workflow.config import Settings

__all__ = ["mail_servers", "mail_servers_session"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(instance_path=tmp_path / "instance", mailbox_dir=tmp_path / "mailbox", mail_transport="memory",
                    pdf_converter="none", secret_key="test-secret", mail_from=MAIL_FROM)
