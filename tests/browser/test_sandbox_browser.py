"""The sandbox in a real browser: a move typed as a slash command, watched to completion,
its thread, a teardown requested by Riley and approved by Ada through the modal.

Screenshots go to test-artifacts/ (docs/ with SCREENSHOTS_TO_DOCS=1; the README shows those)."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.page.stack import Sandbox
from tests.browser.conftest import screenshot, scroll_to

pytestmark = pytest.mark.browser

STEP_LABELS = (
    "Reserving the destination",
    "Blocking writes",
    "Dumping data",
    "Restoring data",
    "Copying blobs",
    "Copying the runtime",
    "Flipping routing",
    "Setting up reverse replication",
    "Unblocking writes",
)


def card(page: Any, app_id: str) -> Any:
    """The status card of `app_id` in the channel."""
    return (
        page.locator("#messages .msg")
        .filter(has=page.locator(f".bk-header:text-matches('^{app_id} ·')"))
        .first
    )


def act_as(page: Any, user: str) -> None:
    page.select_option("#user-switch", user)
    page.wait_for_function(f"document.querySelector('#user-switch').value === '{user}'")


def type_command(page: Any, text: str) -> None:
    page.click("#composer")
    name, _, rest = text.partition(" ")
    page.keyboard.type(name[:4])
    suggest = page.locator("#suggest")
    suggest.wait_for(state="visible")
    assert name in suggest.inner_text()
    page.keyboard.type(name[4:] + " " + rest)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#composer').value === ''")


def give_reason(page: Any, reason: str) -> None:
    """The Request buttons open a small modal for an optional reason: type it, submit."""
    modal = page.locator("#modal-root form.modal")
    modal.wait_for()
    modal.locator("input.bk-input, textarea").first.fill(reason)
    modal.locator("button[type='submit']").click()
    modal.wait_for(state="detached")


def test_move_thread_and_a_teardown_approved_through_the_modal(page: Any, sandbox: Sandbox) -> None:
    page.click("#composer")
    page.keyboard.type("/")
    names = page.locator("#suggest .suggest-item .name").all_inner_texts()
    assert names == ["/migrate", "/migration-status", "/abort", "/reverse", "/teardown"]
    assert "dest_region" in page.locator("#suggest").inner_text()
    page.keyboard.press("Escape")
    page.fill("#composer", "")

    type_command(page, "/migrate app-42 eu-west-1")
    header = card(page, "app-42").locator(".bk-header")
    header.wait_for()
    page.wait_for_selector(
        "#messages .bk-header:has-text('app-42 · us-east-1 → eu-west-1 · Completed')",
        timeout=30_000,
    )
    assert "Completed" in header.inner_text()

    card(page, "app-42").locator("a.replies:not(.quiet)").click()
    thread = page.locator("#thread")
    thread.locator(".msg:has-text('Summary')").wait_for()
    text = thread.inner_text()
    for label in STEP_LABELS:
        assert label in text, label
    screenshot(page, "sandbox-move.png")

    card(page, "app-42").locator("button[data-action-id='migration_request_teardown']").click()
    give_reason(page, "Destination stable since yesterday")
    request = page.locator("#messages .msg:has(button[data-action-id='approval_approve'])").first
    request.wait_for()
    assert "teardown" in request.inner_text().lower()
    assert "Destination stable since yesterday" in request.inner_text()  # the reason shown

    act_as(page, "U_APP1")
    request.locator("button[data-action-id='approval_approve']").click()
    modal = page.locator("#modal-root form.modal")
    modal.wait_for()
    assert "Type app-42 to confirm" in modal.inner_text()
    modal.locator("input.bk-input").fill("app-4")
    modal.locator("button[type='submit']").click()
    modal.locator(".bk-error").wait_for()
    modal.locator("input.bk-input").fill("app-42")
    screenshot(page, "sandbox-teardown-modal.png")
    modal.locator("button[type='submit']").click()
    modal.wait_for(state="detached")

    page.wait_for_selector("#messages .msg:has-text('Replica torn down')")
    assert (
        card(page, "app-42").locator("button[data-action-id='migration_request_teardown']").count()
        == 0
    )
    screenshot(page, "sandbox-teardown-done.png")


def test_abort_through_its_confirm_dialog(page: Any, sandbox: Sandbox) -> None:
    sandbox.sim.stall_step("shop-eu", "dumping_data")
    type_command(page, "/migrate shop-eu us-east-1")
    abort = card(page, "shop-eu").locator("button[data-action-id='migration_abort']")
    page.wait_for_selector(
        "#messages .bk-header:has-text('shop-eu · eu-west-1 → us-east-1 · Dumping data')"
    )
    abort.click()
    dialog = page.locator("#confirm-root")
    dialog.wait_for(state="visible")
    assert "Abort the move of shop-eu?" in dialog.inner_text()
    screenshot(page, "sandbox-abort-confirm.png")
    page.click("#confirm-yes")
    sandbox.sim.unstall("shop-eu")
    page.wait_for_selector(
        "#messages .bk-header:has-text('shop-eu · eu-west-1 → us-east-1 · Aborted')", timeout=30_000
    )


def test_reverse_requested_by_riley_and_approved_by_grace(page: Any, sandbox: Sandbox) -> None:
    type_command(page, "/migrate blog eu-central-1")
    page.wait_for_selector(
        "#messages .bk-header:has-text('blog · us-east-1 → eu-central-1 · Completed')",
        timeout=30_000,
    )
    card(page, "blog").locator("button[data-action-id='migration_request_reverse']").click()
    give_reason(page, "p99 latency doubled in eu-central-1")
    request = page.locator(
        "#messages .msg:has-text('reverse of blog'):has(button[data-action-id='approval_approve'])"
    ).first
    request.wait_for()
    act_as(page, "U_APP2")
    request.locator("button[data-action-id='approval_approve']").click()
    page.locator("#confirm-root").wait_for(state="visible")
    page.click("#confirm-yes")
    page.wait_for_selector("#messages .msg:has-text('reverse started')")
    card(page, "blog").locator(
        "a.replies:not(.quiet)"
    ).click()  # the reverse's card is in the thread
    reverse = page.locator(
        "#thread .bk-header:has-text('blog · back to us-east-1 from eu-central-1')"
    )
    reverse.wait_for(timeout=30_000)
    scroll_to(reverse)
    screenshot(page, "sandbox-reverse.png")
