"""The gallery in a real browser: headless Chromium loads it, the search filters, it renders.

Chromium is driven without extra Python packages: ``--dump-dom`` for a search given in
the address (``index.html#q=...``), the DevTools protocol over ``--remote-debugging-pipe``
(JSON messages on file descriptors 3 and 4) for typing into the search box, and
``--screenshot`` for a picture. Skipped where no Chromium is installed
(``apt-get install -y chromium``).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import nonlin as nl
from nonlin.gallery import build

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def _browser() -> str:
    for name in (os.environ.get("NONLIN_CHROMIUM", ""), *BROWSERS):
        found = shutil.which(name) if name else None
        if found:
            return found
    pytest.skip(
        "no Chromium found (apt-get install -y chromium, or set NONLIN_CHROMIUM): "
        "the gallery's browser tests are skipped"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("gallery"))


def chromium(profile: Path, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    command = [_browser(), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


class _Visible(HTMLParser):
    """The ids of the cards and whether each is hidden, plus the count text."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, bool] = {}
        self.count = ""
        self._in_count = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "article" and "card" in (found.get("class") or ""):
            self.cards[found.get("id") or ""] = "hidden" not in found
        self._in_count = found.get("id") == "count"

    def handle_data(self, data: str) -> None:
        if self._in_count:
            self.count += data
            self._in_count = False


def expected(html: str, query: str) -> set[str]:
    """The cards the page's script should show for ``query`` (the same rule, in Python)."""
    shown = set()
    for name, hay in re.findall(r'<article class="card" id="([^"]+)" data-search="([^"]*)"', html):
        hay = hay.replace("&amp;", "&").replace("&quot;", '"').replace("&#x27;", "'")
        flat = re.sub(r"[_\-]", "", hay)
        words = query.lower().split()
        if all(w in hay or re.sub(r"[_\-]", "", w) in flat for w in words):
            shown.add(name)
    return shown


@pytest.mark.parametrize("query", ["LeakyReLU", "torch sigmoid"])
def test_a_search_in_the_address_filters_the_cards(site, tmp_path, query):
    done = chromium(tmp_path / "profile", "--dump-dom", f"{site.as_uri()}#q={query}")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _Visible()
    dom.feed(done.stdout)
    assert list(dom.cards) == nl.names()
    visible = {name for name, shown in dom.cards.items() if shown}
    assert visible == expected(site.read_text(encoding="utf-8"), query)
    assert dom.count.startswith(f"{len(visible)} of {len(nl.names())}")
    if query == "LeakyReLU":
        assert "leaky_relu" in visible and "sigmoid" not in visible


_TRAMPOLINE = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


class DevTools:
    """A minimal DevTools-protocol client over Chromium's --remote-debugging-pipe."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._write = os.pipe()
        self._read, from_browser_w = os.pipe()
        # Move the child's ends above 9, so that putting them on 3 and 4 cannot clobber.
        for low in (to_browser_r, from_browser_w):
            high = fcntl.fcntl(low, fcntl.F_DUPFD_CLOEXEC, 10)
            os.close(low)
            if low == to_browser_r:
                to_browser_r = high
            else:
                from_browser_w = high

        # The protocol expects fds 3 (to the browser) and 4 (from it). A fresh Python
        # puts the pipes there and execs the browser (a preexec_fn would run Python in
        # a fork of this multithreaded process; dash only knows fds 0-9).
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _TRAMPOLINE,
                str(to_browser_r),
                str(from_browser_w),
                _browser(),
                *FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_browser_r, from_browser_w),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.session: str | None = None

    def send(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if self.session is not None:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._read], [], [], left)[0]:
                    raise TimeoutError(f"no answer to {method}")
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise ConnectionError("the browser closed the pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def evaluate(self, expression: str, quiet: bool = False) -> Any:
        """The value of a JavaScript expression in the page (None if it threw)."""
        try:
            result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        except RuntimeError:  # e.g. the page navigated while it ran
            if quiet:
                return None
            raise
        return result["result"].get("value")

    def close(self) -> None:
        try:
            self.session = None
            self.send("Browser.close", timeout=5)
        except (OSError, TimeoutError, RuntimeError, ConnectionError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._write)
        os.close(self._read)


def test_typing_in_the_search_box_filters_the_cards(site, tmp_path):
    _browser()
    tools = DevTools(tmp_path / "profile")
    try:
        target = tools.send("Target.createTarget", url=site.as_uri())["targetId"]
        tools.session = tools.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        deadline = time.monotonic() + 30
        # The new tab starts at about:blank: wait for the gallery's script to have run.
        ready = "document.readyState === 'complete' && document.body.hasAttribute('data-shown')"
        while not tools.evaluate(ready, quiet=True):
            assert time.monotonic() < deadline, "the page did not load"
            time.sleep(0.05)
        visible = "Array.from(document.querySelectorAll('.card:not([hidden])')).map(c => c.id)"
        assert tools.evaluate(visible) == nl.names()
        tools.evaluate("document.getElementById('search').focus()")
        for char in "gelu":  # key by key, as a person types
            tools.send("Input.dispatchKeyEvent", type="keyDown", text=char, key=char)
            tools.send("Input.dispatchKeyEvent", type="keyUp", key=char)
        assert tools.evaluate("document.getElementById('search').value") == "gelu"
        shown = tools.evaluate(visible)
        assert "gelu" in shown and "relu" not in shown
        assert set(shown) == expected(site.read_text(encoding="utf-8"), "gelu")
        count = tools.evaluate("document.getElementById('count').textContent")
        assert count.startswith(f"{len(shown)} of ")
        tools.send("Input.insertText", text="zzz")  # matches nothing: the message shows
        assert tools.evaluate(visible) == []
        assert tools.evaluate("document.getElementById('empty').hidden") is False
        tools.evaluate(
            "var s = document.getElementById('search'); s.value = '';"
            "s.dispatchEvent(new Event('input'))"
        )
        assert tools.evaluate(visible) == nl.names()
        assert tools.evaluate("document.getElementById('empty').hidden") is True
        # MathML is laid out (a fraction has height), so the formulas render, not raw text.
        height = tools.evaluate("document.querySelector('mfrac').getBoundingClientRect().height")
        assert height > 10
    finally:
        tools.close()


def test_a_screenshot_is_a_png_of_the_window_size(site, tmp_path):
    from PIL import Image

    shot = tmp_path / "gallery.png"
    done = chromium(
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,900",
        "--hide-scrollbars",
        site.as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(shot) as image:
        image.load()
        assert image.size == (1280, 900)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50  # drawn, not a blank page
