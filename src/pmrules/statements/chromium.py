"""PDFs from HTML with one headless Chromium for many pages: the DevTools protocol over a pipe.

Chromium is Debian's (or any Chromium/Chrome on PATH, or $PMRULES_CHROMIUM); nothing is downloaded.
`--remote-debugging-pipe` makes Chromium read protocol commands from fd 3 and write replies to fd 4,
each a JSON text ended by a NUL byte: no port is opened, so no other process can drive it. One
browser, one tab, reused for every page (`Page.setDocumentContent`, then `Page.printToPDF`), so
10,000 statements start one browser, not 10,000.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from pmrules.errors import PmrulesError

CHROMIUM_ENV = "PMRULES_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars"]
TIMEOUT = 120.0  # seconds for one protocol reply (a page, a PDF)
PAPER_INCHES = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}


class BrowserError(PmrulesError):
    """Chromium is missing, failed to start, or stopped answering."""


def find_chromium() -> Path:
    """$PMRULES_CHROMIUM, else the first Chromium or Chrome on PATH; a BrowserError that says how to fix it."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        path = Path(chosen)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise BrowserError(f"${CHROMIUM_ENV} names {chosen}, which is not an executable file",
                           hint="point it at Chromium, or pass --no-pdf for HTML statements only")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise BrowserError("PDF statements need Chromium, and none was found (chromium, chromium-browser, google-chrome "
                       f"on PATH, or ${CHROMIUM_ENV})",
                       hint="pass --no-pdf for HTML only, or install Chromium (Debian: apt-get install chromium)")


class Browser:
    """One headless Chromium and one tab; `pdf(html)` returns the page printed as PDF bytes."""

    def __init__(self, executable: Path | None = None, *, timeout: float = TIMEOUT) -> None:
        self.executable = executable or find_chromium()
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="pmrules-chromium-")
        self._next_id = 0
        self._buffer = b""
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        # Chromium's fd 3 reads our commands and its fd 4 writes replies. bash moves the pipe ends there
        # (no preexec_fn, which is unsafe with threads); above 9 first, so `3<&N 4>&M` cannot clash
        # (dash, Debian's /bin/sh, reads only one-digit descriptors in redirections).
        theirs = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (commands_read, replies_write)]
        self._close_fds(commands_read, replies_write)
        read_fd, write_fd = theirs
        args = [shutil.which("bash") or "/bin/bash", "-c", f'exec "$0" "$@" 3<&{read_fd} 4>&{write_fd} {read_fd}<&- {write_fd}>&-',
                str(self.executable), *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile}",
                "about:blank"]
        try:
            self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL, pass_fds=tuple(theirs))
        except OSError as exc:
            self._close_fds(*theirs, self._commands, self._replies)
            shutil.rmtree(self._profile, ignore_errors=True)
            raise BrowserError(f"Chromium ({self.executable}) could not be started: {exc.strerror or exc}",
                               hint="pass --no-pdf for HTML only, or reinstall chromium") from exc
        self._close_fds(*theirs)
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self.call("Page.enable", session=True)
            self._frame = self.call("Page.getFrameTree", session=True)["frameTree"]["frame"]["id"]
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _close_fds(*fds: int) -> None:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Ask Chromium to quit, then make sure it has; remove its throwaway profile."""
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError, BrowserError):
                self._send({"id": self._take_id(), "method": "Browser.close"})
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._close_fds(self._commands, self._replies)
        self._commands = self._replies = -1
        shutil.rmtree(self._profile, ignore_errors=True)

    def pdf(self, html: str, *, paper: str = "a4") -> bytes:
        """`html` laid out and printed; the page's own `@page` size wins (preferCSSPageSize)."""
        self.call("Page.setDocumentContent", {"frameId": self._frame, "html": html}, session=True)
        width, height = PAPER_INCHES[paper]
        printed = self.call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True,
                                                "paperWidth": width, "paperHeight": height,
                                                "displayHeaderFooter": False}, session=True)
        return base64.b64decode(printed["data"])

    # -- the protocol ---------------------------------------------------------------------------------

    def _take_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = False) -> dict[str, Any]:
        message: dict[str, Any] = {"id": self._take_id(), "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        self._send(message)
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") != message["id"]:
                continue  # an event (page lifecycle, console): not needed
            if "error" in reply:
                raise BrowserError(f"Chromium refused {method}: {reply['error'].get('message', reply['error'])}")
            result: dict[str, Any] = reply.get("result", {})
            return result

    def _send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode("utf-8") + b"\0"
        try:
            while data:
                written = os.write(self._commands, data)
                data = data[written:]
        except OSError as exc:
            raise self._died(f"could not be sent {message.get('method')}: {exc.strerror or exc}") from exc

    def _receive(self, deadline: float, method: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not answer {method} within {self.timeout:.0f} s",
                                   hint="pass --no-pdf for HTML only, or retry")
            ready, _, _ = select.select([self._replies], [], [], min(left, 1.0))
            if not ready:
                if self._process.poll() is not None:
                    raise self._died(f"stopped (exit {self._process.returncode}) during {method}")
                continue
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise self._died(f"closed its pipe during {method}")
            self._buffer += chunk
        text, _, self._buffer = self._buffer.partition(b"\0")
        reply: dict[str, Any] = json.loads(text)
        return reply

    def _died(self, what: str) -> BrowserError:
        return BrowserError(f"Chromium ({self.executable}) {what}",
                            hint="pass --no-pdf for HTML only, or check that chromium runs: chromium --headless --version")
