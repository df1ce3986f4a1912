"""One Web API call within the budget, and its failures sorted into retry or refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.budget import Budget


class Retry(Exception):
    """The call may work later: after `delay` seconds."""

    def __init__(self, delay: float, error: str) -> None:
        super().__init__(error)
        self.delay = delay
        self.error = error


class Wait(Exception):
    """Not a failure: the item waits for something else of its migration (its card)."""

    def __init__(self, delay: float) -> None:
        super().__init__("waiting")
        self.delay = delay


def refusal(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "unknown"))


class Caller:
    """Spends the budget (which paces each channel's posts), calls, sorts failures."""

    def __init__(
        self,
        slack: AsyncWebClient,
        budget: Budget,
        *,
        on_call: Callable[[str, str], None],
    ) -> None:
        self._slack = slack
        self._budget = budget
        self._on_call = on_call
        self.sent_calls = 0

    async def spend(self, method: str, channel: str | None, priority: int) -> None:
        await self._budget.spend(method, channel, priority)

    async def call(self, method: str, *, priority: int, spent: bool = False, **kwargs: Any) -> Any:
        channel = kwargs.get("channel") if method == "chat.postMessage" else None
        if not spent:
            await self.spend(method, channel, priority)
        try:
            # a channel's posts are paced by its bucket alone: several may be in flight,
            # so a slow answer never holds the channel's next post (Slack allows bursts)
            response = await self._slack.api_call(method, json=kwargs)
            self._on_call(method, "ok")
            self.sent_calls += 1
            return response
        except SlackApiError as exc:
            status = exc.response.status_code
            self.sent_calls += 1
            self._on_call(method, str(exc.response.get("error", status)))
            if status == 429:
                delay = float(exc.response.headers.get("Retry-After", 1) or 1)
                self._budget.throttled(method, channel, delay)
                raise Retry(delay, "ratelimited") from exc
            if status >= 500:
                raise Retry(2.0, f"HTTP {status}") from exc
            raise
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._on_call(method, "network")
            raise Retry(2.0, type(exc).__name__) from exc
