"""A tiny Chrome DevTools Protocol client over `--remote-debugging-pipe` (fds 3 and 4).

Opens one page, records console errors, uncaught exceptions, log errors (CSP violations land there)
and every network request, and takes a screenshot. No websocket, no port, no extra package.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from compensation.render.pdf import find_chromium, headless_args


@dataclass
class PageReport:
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    title: str = ""


class Browser:
    def __init__(self, timeout: float = 60.0) -> None:
        browser = find_chromium()
        if browser is None:
            raise RuntimeError("chromium not installed")
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="ecocomp-cdp-")
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()

        def wire_fds() -> None:  # runs in the child before exec
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [browser, *headless_args(Path(self._profile.name)), "--remote-debugging-pipe",
             "about:blank"],
            preexec_fn=wire_fds, pass_fds=(3, 4),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_r)
        os.close(from_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        self.session: str | None = None  # the page last opened, for `evaluate`

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._from_r], [], [], left)
            if ready:
                chunk = os.read(self._from_r, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed the pipe")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        ident = self._next_id
        message: dict = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == ident:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._events.append(answer)

    def wait_event(self, method: str, deadline: float) -> dict:
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method:
                    return self._events.pop(i)
            self._events.append(self._read(deadline))

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._events.append(self._read(deadline))
        except TimeoutError:
            pass

    def open(self, url: str, width: int = 1000, height: int = 1400) -> PageReport:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=session)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=session)
        self._events.clear()
        self.session = session
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired", time.monotonic() + self.timeout)
        self.drain(0.5)
        report = PageReport()
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                report.errors.append(details.get("exception", {}).get("description")
                                     or details.get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error",
                                                                                   "assert"):
                report.errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                              for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                report.errors.append(params["entry"].get("text", "log error"))
            elif method == "Network.requestWillBeSent":
                report.requests.append(params.get("request", {}).get("url", ""))
        shot = self.call("Page.captureScreenshot", {"format": "png"}, session=session)
        report.screenshot = base64.b64decode(shot["data"])
        title = self.call("Runtime.evaluate", {"expression": "document.title",
                                               "returnByValue": True}, session=session)
        report.title = title.get("result", {}).get("value", "")
        return report

    def evaluate(self, expression: str, await_promise: bool = False) -> object:
        """The value of a JavaScript expression in the page last opened (a thrown error raises)."""
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise},
                           session=self.session)
        if "exceptionDetails" in answer:
            raise RuntimeError(answer["exceptionDetails"].get("exception", {}).get(
                "description", "exception"))
        return answer.get("result", {}).get("value")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, EOFError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self._to_w)
        os.close(self._from_r)
        self._profile.cleanup()
