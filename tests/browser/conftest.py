"""Headless Chromium (Debian's, never a downloaded one) driven by Playwright, against a
sandbox started in this process on free ports with a fast simulated Butterbase."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.page.stack import Sandbox, SandboxConfig

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to test-artifacts/ (ignored by git); `SCREENSHOTS_TO_DOCS=1 make test`
# refreshes the ones the README shows, under docs/.
SHOTS = ROOT / ("docs" if os.environ.get("SCREENSHOTS_TO_DOCS") else "test-artifacts")
VIEWPORT = {"width": 1200, "height": 800}


def skip_loudly(reason: str) -> None:
    message = f"BROWSER TEST SKIPPED: {reason}"
    print(f"\n{'!' * 72}\n{message}\n{'!' * 72}", file=sys.stderr)
    pytest.skip(message)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.db"
    config = SandboxConfig(
        db_path=db, port=None, time_scale=0.006, poll_seconds=0.2, post_interval=0.05
    )
    with Sandbox(config) as running:
        yield running


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    if not CHROMIUM.exists():
        skip_loudly(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`, "
            "as .ci/run does) to run it"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        skip_loudly(
            f"Playwright is not installed in this environment ({exc}); `make test` installs it"
        )
    profile = tempfile.mkdtemp(prefix="sandbox-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport=VIEWPORT,  # type: ignore[arg-type]
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context: Any, sandbox: Sandbox) -> Iterator[Any]:
    """A fresh tab on the sandbox, acting as Riley; page errors fail the test."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.set_default_timeout(20_000)
    tab.goto(sandbox.url + "?user=U_REQ")
    tab.wait_for_selector("#user-switch option[value='U_APP1']", state="attached")
    yield tab
    tab.close()
    assert not errors, f"errors in the page's script: {errors}"


def scroll_to(locator: Any, attempts: int = 5) -> None:
    """Scroll an element into view; the page re-renders live, so an element found a moment
    ago may have been replaced: find it again and retry."""
    from playwright.sync_api import Error

    for attempt in range(attempts):
        try:
            locator.scroll_into_view_if_needed(timeout=5_000)
            return
        except Error:
            if attempt == attempts - 1:
                raise


def screenshot(page: Any, name: str) -> Path:
    """Save a 1200×800 PNG (see SHOTS) and return its path."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path
