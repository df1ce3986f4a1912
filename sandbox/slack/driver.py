"""The Slack side: slash commands, clicks, view submissions and events, signed, sent to the bot."""

from __future__ import annotations

import json
from typing import Any, Unpack
from urllib.parse import urlencode

from sandbox.slack.driver_core import FORM, DriverCore, DriverError, DriverResult, Forge
from sandbox.slack.interactions import apply_submission_ack, show_command_ack
from sandbox.slack.models import BOT_USER_ID, TEAM_ID, Ephemeral, Message
from sandbox.slack.payloads import (
    ElementNotFound,
    command_form,
    event_envelope,
    view_state,
)

__all__ = ["DriverError", "DriverResult", "Forge", "SlackDriver"]


class SlackDriver(DriverCore):
    """Plays Slack towards the bot: what people type and click arrives as Slack sends it.

    `SlackDriver(ws, bot_url=..., signing_secret=..., api_base_url=standin.url)`. Every
    method accepts the `Forge` options (`sign=False`, `bad_signature=True`,
    `timestamp_offset=-400`, `headers={...}`) to test the bot's request verification.
    """

    async def command(
        self, user: str, channel: str, command: str, text: str = "", **forge: Unpack[Forge]
    ) -> DriverResult:
        """Run a slash command; a synchronous ack with text shows up as the user's ephemeral."""
        who, where = self._user(user), self._channel(channel)
        response_url = self._response_url(who.id, where.id)
        form = command_form(
            user=who,
            channel=where,
            command=command,
            text=text,
            response_url=response_url,
            trigger_id=self.ws.issue_trigger(who.id),
        )
        result = await self._send(urlencode(form).encode(), FORM, form, forge)
        if result.status == 200:
            token = response_url.rsplit("/", 1)[-1]
            show_command_ack(self.ws, result.body, user=who.id, channel=where.id, url_token=token)
        return result

    async def click(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        *,
        value: Any = None,
        block_id: str | None = None,
        ephemeral: bool = False,
        force: bool = False,
        **forge: Unpack[Forge],
    ) -> DriverResult:
        """Click a button (or pick an option) on the current version of a message.

        `value`/`block_id` default to the element's own; pass others to forge a stale
        click. `ephemeral=True` clicks in one of `user`'s ephemeral messages.
        """
        who, where = self._user(user), self._channel(channel)
        payload = self._base_payload(who)
        message = None if ephemeral else self.ws.find_message(where.id, message_ts)
        private = self.ws.find_ephemeral(who.id, message_ts) if ephemeral else None
        found: Message | Ephemeral | None = private if ephemeral else message
        if (found is None or found.deleted) and not force:
            raise DriverError(f"no message {message_ts} in {where.id} for {who.id}")
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": where.id,
            "is_ephemeral": ephemeral,
        }
        if found is not None and found.thread_ts:
            container["thread_ts"] = found.thread_ts
        payload.update(container=container, channel={"id": where.id, "name": where.name})
        if message is not None:
            payload["message"] = message.to_api()
        payload["state"] = {"values": {}}
        payload["response_url"] = self._response_url(
            who.id, where.id, source_ts=message_ts, source_is_ephemeral=ephemeral
        )
        payload["actions"] = [
            self._action(found.blocks if found else [], action_id, value, block_id, force)
        ]
        return await self._send_payload(payload, forge)

    async def click_view(
        self,
        user: str,
        view_id: str,
        action_id: str,
        *,
        value: Any = None,
        block_id: str | None = None,
        force: bool = False,
        **forge: Unpack[Forge],
    ) -> DriverResult:
        """Click a button (or pick an option) in a modal or a Home tab."""
        who, view = self._user(user), self._view(view_id)
        payload = self._base_payload(who)
        payload["container"] = {"type": "view", "view_id": view.id}
        payload["view"] = view.to_api()
        payload["state"] = {"values": view.state_values}
        payload["actions"] = [self._action(view.blocks, action_id, value, block_id, force)]
        return await self._send_payload(payload, forge)

    async def click_home(
        self, user: str, action_id: str, *, value: Any = None, **forge: Unpack[Forge]
    ) -> DriverResult:
        """Click a button in the Home tab the bot published for `user`."""
        home = self.ws.home_view(user)
        if home is None:
            raise DriverError(f"{user} has no Home tab published")
        return await self.click_view(user, home.id, action_id, value=value, **forge)

    async def submit_view(
        self,
        user: str,
        view_id: str,
        values: dict[str, dict[str, Any]] | None = None,
        *,
        force: bool = False,
        **forge: Unpack[Forge],
    ) -> DriverResult:
        """Submit a modal with `values[block_id][action_id]`; the bot's answer acts on it.

        Plain text inputs take strings; selects take an option `value`.
        """
        who, view = self._user(user), self._view(view_id)
        if not view.is_open and not force:
            raise DriverError(f"view {view_id} is not open")
        try:
            state = view_state(view, values or {}, strict=not force)
        except ElementNotFound as exc:
            raise DriverError(f"no input {exc} in view {view_id}") from None
        with self.ws.changing():
            view.state_values = state
        payload = {
            **self._base_payload(who),
            "type": "view_submission",
            "view": view.to_api(),
            "response_urls": [],
        }
        result = await self._send_payload(payload, forge)
        apply_submission_ack(self.ws, view, result.status, result.body)
        return result

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **forge: Unpack[Forge],
    ) -> DriverResult:
        """Deliver an Events API `event_callback`; `retry_num` marks a redelivery."""
        envelope = event_envelope(event, event_id=event_id, now=self.clock())
        if retry_num is not None:
            retry_headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "timeout"}
            forge["headers"] = {**retry_headers, **(forge.get("headers") or {})}
        body = json.dumps(envelope).encode()
        return await self._send(body, "application/json", envelope, forge)

    async def app_home_opened(self, user: str, **forge: Unpack[Forge]) -> DriverResult:
        """`user` opens the app's Home tab."""
        home = self.ws.home_view(user)
        event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": "D_" + user}
        event["tab"] = "home"
        if home is not None:
            event["view"] = home.to_api()
        return await self.event(event, **forge)

    async def invite_bot(
        self, channel: str, inviter: str = "U_REQ", **forge: Unpack[Forge]
    ) -> DriverResult:
        """`inviter` adds the bot to `channel`; the bot gets `member_joined_channel`."""
        where = self._channel(channel)
        self.ws.invite_bot(where.id)
        event: dict[str, Any] = {
            "type": "member_joined_channel",
            "user": BOT_USER_ID,
            "channel": where.id,
            "channel_type": "C",
            "team": TEAM_ID,
            "inviter": self._user(inviter).id,
        }
        return await self.event(event, **forge)
