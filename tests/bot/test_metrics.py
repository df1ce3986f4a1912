"""`bot.metrics`: what each hook counts, what the store shows at scrape time, and
that every `Metrics` has its own registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import FakeClock
from bot.metrics import Metrics, classify
from sandbox.slack import SlackStandIn, SlackWorkspace
from storage.records import AuditEntry, OutboxItem
from storage.store import Store
from tests.storage.factories import T0, approval, at, migration

TOKEN = "xoxb-metrics-test"


def value(metrics: Metrics, metric: str, /, **labels: str) -> float:
    """The sample `metric{labels}` of a scrape (0 when absent)."""
    payload, _ = metrics.render()
    for family in text_string_to_metric_families(payload.decode()):
        for sample in family.samples:
            if sample.name == metric and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def command_body(command: str) -> bytes:
    return urlencode({"command": command, "text": "app-42", "user_id": "U1"}).encode()


def click_body(action_id: str) -> bytes:
    payload = {"type": "block_actions", "actions": [{"action_id": action_id}]}
    return urlencode({"payload": json.dumps(payload)}).encode()


FORM = "application/x-www-form-urlencoded"


def test_requests_are_classified_by_what_slack_sent() -> None:
    assert classify(command_body("/migrate"), FORM) == ("command", "/migrate")
    assert classify(click_body("migration_abort"), FORM) == ("action", "migration_abort")
    view = {"type": "view_submission", "view": {"callback_id": "teardown_confirm"}}
    assert classify(urlencode({"payload": json.dumps(view)}).encode(), FORM) == (
        "view",
        "teardown_confirm",
    )
    event = {"type": "event_callback", "event": {"type": "app_home_opened"}}
    assert classify(json.dumps(event).encode(), "application/json") == (
        "event",
        "app_home_opened",
    )
    assert classify(b"\xff not a form", FORM) == ("other", "")
    assert classify(command_body("/x" + "y" * 100), FORM) == ("command", "other")


def test_commands_are_counted_by_name_and_outcome_with_their_ack_latency() -> None:
    metrics = Metrics()
    metrics.observe_request(command_body("/migrate"), FORM, 200, b"", 0.04)
    metrics.observe_request(command_body("/migrate"), FORM, 200, b'{"text": "Usage"}', 0.01)
    metrics.observe_request(command_body("/abort"), FORM, 401, b"", 0.002)
    metrics.observe_request(click_body("migration_refresh"), FORM, 200, b"", 0.3)

    total = "migrations_bot_commands_total"
    assert value(metrics, total, command="/migrate", outcome="accepted") == 1
    assert value(metrics, total, command="/migrate", outcome="answered") == 1
    assert value(metrics, total, command="unverified", outcome="rejected") == 1
    assert value(metrics, total, command="/abort") == 0  # a forged request names nothing
    assert (
        value(
            metrics,
            "migrations_bot_interactions_total",
            kind="action",
            name="migration_refresh",
            outcome="accepted",
        )
        == 1
    )
    assert value(metrics, "migrations_bot_ack_seconds_count", kind="command") == 3
    assert value(metrics, "migrations_bot_ack_seconds_bucket", kind="command", le="0.05") == 3
    assert value(metrics, "migrations_bot_ack_seconds_bucket", kind="action", le="0.25") == 0
    assert value(metrics, "migrations_bot_ack_seconds_bucket", kind="action", le="0.5") == 1


def test_butterbase_calls_by_route_and_status() -> None:
    metrics = Metrics()
    metrics.butterbase_request("status", "GET", 200, 0.01)
    metrics.butterbase_request("status", "GET", 200, 0.02)
    metrics.butterbase_request("move", "POST", 409, 0.05)
    metrics.butterbase_request("status", "GET", None, 10.0)
    name = "migrations_bot_butterbase_requests_total"
    assert value(metrics, name, route="status", method="GET", status="200") == 2
    assert value(metrics, name, route="move", method="POST", status="409") == 1
    assert value(metrics, name, route="status", status="network") == 1
    assert value(metrics, "migrations_bot_butterbase_request_seconds_count", route="status") == 3


def test_each_metrics_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()  # the global registry would refuse the second
    first.butterbase_request("regions", "GET", 200, 0.01)
    assert value(first, "migrations_bot_butterbase_requests_total", route="regions") == 1
    assert value(second, "migrations_bot_butterbase_requests_total", route="regions") == 0
    payload, content_type = second.render()
    assert content_type.startswith("text/plain") and b"migrations_bot_commands_total" in payload


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as running:
        yield running


async def test_slack_calls_by_method_and_outcome(slack: SlackStandIn) -> None:
    slack.use(SlackWorkspace())
    metrics = Metrics()
    client = AsyncWebClient(token=TOKEN, base_url=slack.api_url)
    metrics.watch_slack(client)
    metrics.watch_slack(client)  # idempotent: still one observer
    await client.chat_postMessage(channel="C_MIGRATIONS", text="hello")
    await client.api_call("chat.postMessage", json={"channel": "C_MIGRATIONS", "text": "again"})
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C_NOWHERE", text="lost")
    # the client Bolt builds per request copies the handlers: those calls count too
    copy = AsyncWebClient(
        token=TOKEN, base_url=slack.api_url, retry_handlers=client.retry_handlers.copy()
    )
    await copy.views_publish(user_id="U_REQ", view={"type": "home", "blocks": []})

    name = "migrations_bot_slack_calls_total"
    assert value(metrics, name, method="chat.postMessage", outcome="ok") == 2
    assert value(metrics, name, method="chat.postMessage", outcome="channel_not_found") == 1
    assert value(metrics, name, method="views.publish", outcome="ok") == 1


def test_the_store_is_read_at_scrape_time() -> None:
    clock = FakeClock(T0)
    store = Store.in_memory(clock=clock)
    store.audit(AuditEntry(at=T0, actor="U1", action="approval.requested", approval_id="old"))
    metrics = Metrics(store=store, clock=clock)
    assert value(metrics, "migrations_bot_tracked_migrations", step="dumping_data") == 0

    store.add_migration(migration("m-1", current_step="dumping_data"))
    store.add_migration(migration("m-2", current_step="dumping_data"))
    store.add_migration(migration("m-3", current_step="completed", polling=False))
    store.enqueue(OutboxItem(kind="message", channel_id="C1", payload={"text": "x"}, created_at=T0))
    store.open_approval(approval("ap-1", kind="teardown"))
    for action in ("approval.requested", "approval.approved", "approval.executed"):
        store.audit(AuditEntry(at=T0, actor="U2", action=action, approval_id="ap-1"))
    store.audit(AuditEntry(at=T0, actor="bot", action="migration.cutover", migration_id="m-1"))
    clock.set(at(90))

    assert value(metrics, "migrations_bot_tracked_migrations", step="dumping_data") == 2
    assert value(metrics, "migrations_bot_tracked_migrations", step="completed") == 0
    assert value(metrics, "migrations_bot_outbox_depth") == 1
    assert value(metrics, "migrations_bot_outbox_oldest_seconds") == 90
    assert value(metrics, "migrations_bot_approvals_pending", kind="teardown") == 1
    assert value(metrics, "migrations_bot_approvals_pending", kind="reverse") == 0
    events = "migrations_bot_approval_events_total"
    # counted since the bot started (the entry written before Metrics was built is not)
    assert value(metrics, events, action="approval.requested") == 1
    assert value(metrics, events, action="approval.executed") == 1
    assert value(metrics, events, action="migration.cutover") == 0
    assert value(metrics, events, action="approval.executed") == 1  # a second scrape: same
    store.close()
