"""The installation's secret key, made once and kept in the instance folder.

Every worker process must sign with the same key, so when ``DUNNING_SECRET_KEY`` is not set the
first process to start writes a random one and all others read it. The key is written to a
private temporary file and then hard-linked into place: the link either appears complete or
fails because another process won, so no process ever reads a half-written key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from workflow.config import SettingsError

FILE_NAME = "secret_key"


class SecretKeyError(SettingsError):
    """The key file exists but cannot be used: reported like a bad setting, in one line."""


def load_or_create(instance_path: Path) -> str:
    path = instance_path / FILE_NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    instance_path.mkdir(parents=True, exist_ok=True)
    tmp = instance_path / f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: use its key
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise SecretKeyError(f"{path}: too short to be a secret key; delete it to have a new one made "
                             "(everyone will have to log in again)",
                             f"{path}：太短，不能作为密钥；删除后会重新生成（所有用户需重新登录）")
    return key
