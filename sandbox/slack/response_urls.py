"""`POST /response/{token}`: what Slack does with the bot's posts to a `response_url`."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from sandbox.slack.arguments import flag, text_arg
from sandbox.slack.blocks import check_message_blocks, parse_blocks
from sandbox.slack.errors import MethodError
from sandbox.slack.models import ApiCall, Ephemeral, Message, ResponseUrl
from sandbox.slack.workspace import SlackWorkspace

MAX_USES = 5
LIFETIME = 30 * 60.0


def _original(ws: SlackWorkspace, url: ResponseUrl) -> Ephemeral | Message | None:
    """The message `replace_original`/`delete_original` act on, if there is one."""
    if url.source_ts:
        if url.source_is_ephemeral:
            return ws.find_ephemeral(url.user, url.source_ts)
        return ws.find_message(url.channel, url.source_ts)
    if url.last_ephemeral_ts:
        return ws.find_ephemeral(url.user, url.last_ephemeral_ts)
    return None


def apply_response(ws: SlackWorkspace, url: ResponseUrl, payload: dict[str, Any]) -> None:
    """Show what the bot sent: replace, delete, post in the channel, or show privately."""
    text = text_arg(payload, "text") or ""
    blocks = parse_blocks(payload.get("blocks"))
    original = _original(ws, url)
    if flag(payload, "delete_original"):
        if isinstance(original, Ephemeral):
            ws.delete_ephemeral(original)
        elif isinstance(original, Message):
            ws.delete_message(original)
        return
    if not text and not blocks:
        raise MethodError("no_text")
    if blocks:
        check_message_blocks(blocks)
    if flag(payload, "replace_original") and original is not None:
        if isinstance(original, Ephemeral):
            ws.replace_ephemeral(original, text=text, blocks=blocks or [])
        else:
            ws.edit_message(original, text=text, blocks=blocks or [])
        return
    if payload.get("response_type") == "in_channel":
        ws.add_message(
            url.channel, text=text, blocks=blocks, thread_ts=text_arg(payload, "thread_ts")
        )
        return
    ephemeral = ws.add_ephemeral(
        url.channel, url.user, text=text, blocks=blocks, source="response_url"
    )
    url.last_ephemeral_ts = ephemeral.message_ts


def _claim(ws: SlackWorkspace, token: str) -> ResponseUrl:
    """Count one use of the URL, or raise why it cannot be used."""
    with ws.lock:
        url = ws.response_urls.get(token)
        if url is None:
            raise MethodError("no_such_url")
        if ws.now() - url.created > LIFETIME:
            raise MethodError("expired_url")
        if url.uses >= MAX_USES:
            raise MethodError("used_url")
        url.uses += 1
        return url


async def response_url_endpoint(request: Request) -> Response:
    """`POST /response/{token}` for the workspace in `request.app.state.ws`."""
    ws: SlackWorkspace = request.app.state.ws
    token = request.path_params["token"]
    raw = await request.body()
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        payload = None
    status, answer = 200, {"ok": True}
    try:
        if not isinstance(payload, dict):
            raise MethodError("invalid_payload")
        url = _claim(ws, token)
        apply_response(ws, url, payload)
    except MethodError as exc:
        status = 404 if exc.error in ("no_such_url", "expired_url", "used_url") else 400
        answer = exc.to_body()
    args = payload if isinstance(payload, dict) else {"body": raw.decode(errors="replace")}
    ws.record_call(ApiCall("response_url", {"token": token, **args}, status, answer, ws.now()))
    return PlainTextResponse("ok" if status == 200 else str(answer["error"]), status_code=status)
