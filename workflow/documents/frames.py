"""The length-prefixed frames our helper processes speak on their pipes: a JSON header and raw
bytes, each announced by its size. Used by the render worker and the LibreOffice bridge
(``uno_bridge.py`` runs under the system Python without this package, so it carries its own copy)."""

from __future__ import annotations

import json
import os
import select
import struct
import time
from collections.abc import Mapping
from typing import IO, Any

HEAD = struct.Struct(">II")


def write_frame(out: IO[bytes], header: Mapping[str, Any], body: bytes = b"") -> None:
    head = json.dumps(header, ensure_ascii=False).encode()
    out.write(HEAD.pack(len(head), len(body)) + head + body)
    out.flush()


def read_frame(fd: int, deadline: float) -> tuple[dict[str, Any], bytes]:
    """One frame from a pipe, by a monotonic deadline. TimeoutError when the deadline passes,
    EOFError when the other side exits first."""
    buf = bytearray()
    need = HEAD.size
    sizes: tuple[int, int] | None = None
    while True:
        while len(buf) < need:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, max(need - len(buf), 1 << 16))
            if not chunk:
                raise EOFError
            buf += chunk
        if sizes is None:
            sizes = HEAD.unpack(bytes(buf[:HEAD.size]))
            need = HEAD.size + sizes[0] + sizes[1]
            continue
        head_end = HEAD.size + sizes[0]
        return json.loads(bytes(buf[HEAD.size:head_end])), bytes(buf[head_end:need])
