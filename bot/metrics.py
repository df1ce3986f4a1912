"""Prometheus metrics for `GET /metrics`: one `Metrics` per runtime, with its own registry
(never the global one, so tests and several runtimes in one process don't clash).

Counted as they happen: commands and other Slack requests with their outcome and ack
latency (timed in the Starlette route, `observe_request`), Butterbase calls (the
client's `on_request` hook), Slack Web API calls of every client built from the bot's
(`watch_slack`). Read from the store at scrape time: migrations followed by step,
outbox depth and age, open approval requests, and approval events from the audit log.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter as Tally
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock, SystemClock
from storage.records import MILESTONE, REFRESH, STEP, URGENT
from storage.store import Store

log = logging.getLogger(__name__)

PREFIX = "migrations_bot"
PRIORITY_NAMES = {URGENT: "urgent", MILESTONE: "milestone", STEP: "step", REFRESH: "refresh"}
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
CALL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
AUDIT_WINDOW = 500  # audit entries read per scrape (a few approvals a day fit many times)
_NAME = re.compile(r"^[A-Za-z0-9_/.:-]{1,64}$")


def _label(value: object) -> str:
    """A label value from a request: kept only when it looks like one of ours."""
    text = str(value or "")
    return text if _NAME.match(text) else "other"


def classify(body: bytes, content_type: str) -> tuple[str, str]:
    """What a request from Slack is: ("command", "/migrate"), ("action", action_id),
    ("view", callback_id), ("event", event type), or ("other", "")."""
    try:
        if "json" in content_type:
            data: dict[str, Any] = json.loads(body or b"{}")
            if data.get("type") == "event_callback":
                return "event", _label((data.get("event") or {}).get("type"))
            return "other", _label(data.get("type"))
        form = parse_qs(body.decode("utf-8", "replace"))
        if "command" in form:
            return "command", _label(form["command"][0])
        if "payload" in form:
            payload: dict[str, Any] = json.loads(form["payload"][0])
            kind = payload.get("type")
            if kind == "block_actions":
                first = (payload.get("actions") or [{}])[0]
                return "action", _label(first.get("action_id"))
            if kind in ("view_submission", "view_closed"):
                return "view", _label((payload.get("view") or {}).get("callback_id"))
            return "other", _label(kind)
    except (ValueError, TypeError, AttributeError, IndexError):
        pass
    return "other", ""


def outcome_of(status: int, response_body: bytes) -> str:
    """How the bot answered: `accepted` (a bare ack: the work goes on), `answered` (an
    instant reply, e.g. usage or a refusal), `rejected` (bad signature), `unhandled`,
    `error`."""
    if status == 401:
        return "rejected"
    if status == 404:
        return "unhandled"
    if status >= 500:
        return "error"
    if status >= 400:
        return f"http_{status}"
    return "answered" if response_body.strip() else "accepted"


class _SlackCallObserver(AsyncRetryHandler):
    """Sees every attempt of every Web API call (never asks for a retry itself).

    A retry handler because Bolt copies the client's handlers into the client it
    builds for each request: so the `client` a listener gets is counted too.
    """

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self._metrics = metrics

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = _label(request.url.rstrip("/").rsplit("/", 1)[-1])
        if error is not None:
            outcome = "network"
        elif response is None:
            outcome = "unknown"
        elif isinstance(response.body, dict) and "ok" in response.body:
            ok = bool(response.body.get("ok"))
            outcome = "ok" if ok else _label(response.body.get("error") or "error")
        else:
            outcome = f"http_{response.status_code}"
        self._metrics.slack_call(method, outcome)
        return False


class _StoreCollector(Collector):
    """What the store knows, read when Prometheus scrapes."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._approval_events: Tally[str] = Tally()
        self._audit_cursor = self._latest_audit_id()

    def _latest_audit_id(self) -> int:
        latest = self._store.audit_log(limit=1)
        return (latest[-1].id or 0) if latest else 0

    def _read_audit(self) -> None:
        """Count the approval events written since the last scrape."""
        for entry in self._store.audit_log(limit=AUDIT_WINDOW):
            if (entry.id or 0) <= self._audit_cursor:
                continue
            self._audit_cursor = entry.id or self._audit_cursor
            if entry.approval_id:
                self._approval_events[entry.action] += 1

    def collect(self) -> Iterator[Metric]:
        try:
            followed = self._store.polling_migrations()
            depth, age = self._store.outbox_stats(self._clock.now())
            by_priority = self._store.outbox_depth_by_priority()
            pending = self._store.pending_approvals()
            self._read_audit()
        except Exception:  # a closed or busy store: no store metrics this time
            log.warning("metrics: the store could not be read", exc_info=True)
            return
        by_step = GaugeMetricFamily(
            f"{PREFIX}_tracked_migrations",
            "Migrations the bot is following, by their current step",
            labels=["step"],
        )
        for step, count in sorted(Tally(m.current_step for m in followed).items()):
            by_step.add_metric([step], count)
        yield by_step
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_depth", "Slack messages queued and not yet sent", value=depth
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_seconds",
            "Age of the oldest Slack message still queued",
            value=age,
        )
        queued = GaugeMetricFamily(
            f"{PREFIX}_outbox_queued",
            "Slack messages queued and not yet sent, by delivery priority",
            labels=["priority"],
        )
        for number, name in PRIORITY_NAMES.items():
            queued.add_metric([name], by_priority.get(number, 0))
        yield queued
        waiting = GaugeMetricFamily(
            f"{PREFIX}_approvals_pending",
            "Approval requests waiting for decisions, by kind",
            labels=["kind"],
        )
        for kind in ("reverse", "teardown"):
            waiting.add_metric([kind], sum(1 for a in pending if a.kind == kind))
        yield waiting
        events = CounterMetricFamily(
            f"{PREFIX}_approval_events",
            "Approval requests, decisions and their outcomes, by audit action",
            labels=["action"],
        )
        for action, count in sorted(self._approval_events.items()):
            events.add_metric([action], count)
        yield events


class Metrics:
    """The bot's metrics. Build one per runtime; `render()` answers `GET /metrics`."""

    def __init__(self, *, store: Store | None = None, clock: Clock | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.commands = Counter(
            f"{PREFIX}_commands",
            "Slash commands received, by command and how they were answered",
            ["command", "outcome"],
            registry=r,
        )
        self.interactions = Counter(
            f"{PREFIX}_interactions",
            "Clicks, modal submissions and events received, by kind, id and outcome",
            ["kind", "name", "outcome"],
            registry=r,
        )
        self.ack_seconds = Histogram(
            f"{PREFIX}_ack_seconds",
            "Time from a Slack request's arrival to its acknowledgement",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self.butterbase_calls = Counter(
            f"{PREFIX}_butterbase_requests",
            "Requests sent to Butterbase, by route, HTTP method and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.butterbase_seconds = Histogram(
            f"{PREFIX}_butterbase_request_seconds",
            "Butterbase request durations, by route",
            ["route"],
            buckets=CALL_BUCKETS,
            registry=r,
        )
        self.slack_calls = Counter(
            f"{PREFIX}_slack_calls",
            "Slack Web API calls (each attempt), by method and outcome (ok or Slack's error)",
            ["method", "outcome"],
            registry=r,
        )
        self.slack_ratelimited = Counter(
            f"{PREFIX}_slack_ratelimited",
            "Slack Web API calls answered 429 (ratelimited), by method",
            ["method"],
            registry=r,
        )
        if store is not None:
            r.register(_StoreCollector(store, clock or SystemClock()))

    # --- hooks ---------------------------------------------------------------

    def observe_request(
        self, body: bytes, content_type: str, status: int, response_body: bytes, seconds: float
    ) -> None:
        """A request from Slack was acknowledged (`bot.web` calls this)."""
        kind, name = classify(body, content_type)
        if status == 401:
            name = "unverified"  # never trust a name from an unsigned request
        outcome = outcome_of(status, response_body)
        self.ack_seconds.labels(kind).observe(seconds)
        if kind == "command":
            self.commands.labels(name, outcome).inc()
        else:
            self.interactions.labels(kind, name, outcome).inc()

    def butterbase_request(
        self, route: str, method: str, status: int | None, seconds: float
    ) -> None:
        """`ButterbaseClient(on_request=...)`: one attempt of a call."""
        self.butterbase_calls.labels(route, method, str(status) if status else "network").inc()
        self.butterbase_seconds.labels(route).observe(seconds)

    def slack_call(self, method: str, outcome: str) -> None:
        self.slack_calls.labels(method, outcome).inc()
        if outcome == "ratelimited":
            self.slack_ratelimited.labels(method).inc()

    def watch_slack(self, client: AsyncWebClient) -> None:
        """Count every Web API call made with `client` and the clients Bolt copies from it."""
        if not any(isinstance(h, _SlackCallObserver) for h in client.retry_handlers):
            client.retry_handlers.insert(0, _SlackCallObserver(self))

    # --- exposition -------------------------------------------------------------

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
