"""DOCX → PDF: the converter port, LibreOffice behind it, and the null converter.

Long-lived LibreOffice processes per worker, driven through UNO by ``uno_bridge.py`` (which
needs the system Python with LibreOffice's ``uno`` module: Debian's ``python3-uno``). A cold
``soffice --convert-to`` pays about a second of start-up per document; the warm office converts a
letter in a fraction of that. Every document has a time limit; when the office hangs or dies the
bridge is killed with its whole process group and a fresh one converts the document again, once.

One office converts one document at a time on one core (its layout runs under a single global
lock), and a 200-row 对账单 is CPU-bound in import and layout, not in the PDF export or the pipe.
``LibreOfficePool`` therefore keeps one office per core (``DUNNING_PDF_PROCESSES``, i.e.
``Settings.pdf_processes``; default min(2, cores)); each is still long-lived, never one per
document, and costs ~250 MB of memory.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from workflow.config import Settings
from workflow.documents.frames import HEAD, read_frame
from workflow.errors import DomainError, Unavailable

_BRIDGE = Path(__file__).with_name("uno_bridge.py")
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python")


class PdfConverter(Protocol):
    @property
    def available(self) -> bool: ...

    def convert(self, docx: bytes) -> bytes: ...

    def convert_many(self, docs: list[bytes]) -> list[bytes]: ...

    def close(self) -> None: ...


class ConversionFailed(DomainError):
    def __init__(self, why: str) -> None:
        super().__init__(f"PDF 转换失败：{why}", f"PDF conversion failed: {why}", [], 502, "pdf_failed")


class NullConverter:
    """No LibreOffice here: DOCX is still made; PDF requests say clearly why there is none."""

    def __init__(self, reason_zh: str = "本机未安装 LibreOffice（soffice）",
                 reason_en: str = "LibreOffice (soffice) is not installed on this server") -> None:
        self.reason_zh = reason_zh
        self.reason_en = reason_en

    @property
    def available(self) -> bool:
        return False

    def unavailable(self) -> Unavailable:
        return Unavailable(f"PDF 不可用：{self.reason_zh}；DOCX 仍可生成和下载",
                           f"PDF is unavailable: {self.reason_en}; DOCX is still made and can be downloaded")

    def convert(self, docx: bytes) -> bytes:
        raise self.unavailable()

    def convert_many(self, docs: list[bytes]) -> list[bytes]:
        raise self.unavailable()

    def close(self) -> None:
        return None


class LibreOfficeConverter:
    def __init__(self, soffice: str, python: str | None = None, timeout: float = 60.0,
                 start_timeout: float = 90.0) -> None:
        self.soffice = soffice
        self.python = python
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._office_pid: int | None = None
        self._lock = threading.Lock()
        self._available: bool | None = None
        self.restarts = 0

    @property
    def available(self) -> bool:
        if self._available is None:
            self.python = self.python or find_uno_python()
            self._available = self.python is not None and Path(self.soffice).exists()
        return self._available

    @property
    def office_pid(self) -> int | None:
        """The soffice process (for operators and tests); None until the first conversion."""
        return self._office_pid

    def start(self) -> None:
        """Start the office now rather than on the first document (a worker warming up)."""
        if self.available:
            with self._lock:
                self._ensure()

    def convert(self, docx: bytes) -> bytes:
        return self.convert_many([docx])[0]

    def convert_many(self, docs: list[bytes]) -> list[bytes]:
        if not self.available:
            raise NullConverter("找不到带 uno 模块的 Python（请安装 python3-uno）",
                                "no Python with the uno module was found (install python3-uno)").unavailable()
        out: list[bytes] = []
        with self._lock:
            retried = False
            while len(out) < len(docs):
                try:
                    out.extend(self._batch(docs[len(out):], out_count=len(out)))
                except _Restart as exc:
                    self._kill()
                    if retried:
                        raise ConversionFailed(str(exc)) from None
                    retried = True  # the office died or hung: one fresh start, then give up
                    self.restarts += 1
        return out

    def _batch(self, docs: list[bytes], out_count: int) -> list[bytes]:
        proc = self._ensure()
        assert proc.stdin is not None and proc.stdout is not None
        head = json.dumps({"sizes": [len(d) for d in docs]}).encode()
        try:
            proc.stdin.write(HEAD.pack(len(head), sum(len(d) for d in docs)) + head)
            for d in docs:
                proc.stdin.write(d)
            proc.stdin.flush()
        except OSError as exc:
            raise _Restart(f"the converter process is gone ({exc})") from None
        done: list[bytes] = []
        fd = proc.stdout.fileno()
        for _ in docs:
            reply, pdf = _read_frame(fd, self.timeout)
            if reply.get("ok"):
                done.append(pdf)
                continue
            if reply.get("fatal"):
                if done:
                    return done  # keep what was converted; the caller restarts for the rest
                raise _Restart(str(reply.get("error")))
            self._kill()  # the rest of this batch is still queued in the bridge
            raise ConversionFailed(f"document {out_count + len(done) + 1}: {reply.get('error')}")
        return done

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._kill()
        assert self.python is not None
        proc = subprocess.Popen([self.python, str(_BRIDGE), self.soffice], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        self._proc = proc
        assert proc.stdout is not None
        reply, _ = _read_frame(proc.stdout.fileno(), self.start_timeout)
        if not reply.get("ready"):
            raise _Restart("LibreOffice did not start")
        self._office_pid = int(reply["office_pid"])
        return proc

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        self._office_pid = None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the bridge and its soffice, together
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        with self._lock:
            self._kill()


class LibreOfficePool:
    """Several long-lived offices converting in parallel; a batch is shared out one document at a
    time to whichever office is free (a round trip through the pipe costs milliseconds, a 对账单
    most of a second, so finer sharing only trims the idle tail of a batch), and the PDFs come
    back in the order the documents were given."""

    CHUNK = 1

    def __init__(self, soffice: str, python: str | None = None, processes: int = 2,
                 timeout: float = 60.0, start_timeout: float = 90.0) -> None:
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self.workers = [LibreOfficeConverter(soffice, python, timeout, start_timeout) for _ in range(processes)]
        self._free: list[LibreOfficeConverter] = list(self.workers)
        self._free_lock = threading.Condition()
        self._threads = ThreadPoolExecutor(max_workers=processes, thread_name_prefix="libreoffice")

    @property
    def available(self) -> bool:
        if not self.workers[0].available:
            return False
        for worker in self.workers[1:]:
            worker.python = self.workers[0].python  # probe for the uno Python once, not per office
        return True

    @property
    def restarts(self) -> int:
        return sum(w.restarts for w in self.workers)

    def start(self) -> None:
        list(self._threads.map(lambda worker: worker.start(), self.workers))

    def convert(self, docx: bytes) -> bytes:
        return self._on_free_worker([docx])[0]

    def convert_many(self, docs: list[bytes]) -> list[bytes]:
        if not self.available:
            return self.workers[0].convert_many(docs)  # raises the clear "unavailable" error
        if len(docs) <= self.CHUNK:
            return self._on_free_worker(docs)
        chunks = [docs[i:i + self.CHUNK] for i in range(0, len(docs), self.CHUNK)]
        return list(itertools.chain.from_iterable(self._threads.map(self._on_free_worker, chunks)))

    def _on_free_worker(self, docs: list[bytes]) -> list[bytes]:
        with self._free_lock:
            self._free_lock.wait_for(lambda: bool(self._free))
            worker = self._free.pop()
        try:
            return worker.convert_many(docs)
        finally:
            with self._free_lock:
                self._free.append(worker)
                self._free_lock.notify()

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self._threads.shutdown(wait=False)


class _Restart(Exception):
    pass


def _read_frame(fd: int, timeout: float) -> tuple[dict[str, Any], bytes]:
    try:
        return read_frame(fd, time.monotonic() + timeout)
    except TimeoutError:
        raise _Restart(f"no answer from LibreOffice within {timeout:g} s") from None
    except EOFError:
        raise _Restart("the LibreOffice bridge exited") from None


def find_uno_python() -> str | None:
    for candidate in UNO_PYTHONS:
        if Path(candidate).exists():
            probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30, check=False)
            if probe.returncode == 0:
                return candidate
    return None


def pdf_processes(configured: int = 0) -> int:
    """How many offices to keep: Settings.pdf_processes, or by default one per core up to two
    (a third rarely pays for its memory)."""
    return configured or min(2, os.cpu_count() or 1)


def make_converter(settings: Settings) -> PdfConverter:
    if settings.pdf_converter == "none":
        return NullConverter("本系统配置为不生成 PDF（DUNNING_PDF_CONVERTER=none）",
                             "this installation is set not to make PDFs (DUNNING_PDF_CONVERTER=none)")
    soffice = settings.soffice_path or shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return NullConverter()
    python = settings.extra.get("uno_python") or None
    processes = pdf_processes(settings.pdf_processes)
    if processes == 1:
        return LibreOfficeConverter(soffice, python=python)
    return LibreOfficePool(soffice, python=python, processes=processes)
