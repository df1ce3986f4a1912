"""What Slack does with the app's synchronous answers (acks) to commands and submissions."""

from __future__ import annotations

from typing import Any

from sandbox.slack.methods_views import push_definition, replace_definition
from sandbox.slack.models import Block, View
from sandbox.slack.workspace import SlackWorkspace


def show_command_ack(
    ws: SlackWorkspace, body: Any, *, user: str, channel: str, url_token: str
) -> None:
    """A command's ack with text or blocks: shown to the user, or in the channel if asked."""
    if isinstance(body, str):
        body = {"text": body} if body.strip() else {}
    if not isinstance(body, dict):
        return
    text = str(body.get("text") or "")
    blocks: list[Block] = list(body.get("blocks") or [])
    if not text and not blocks:
        return
    if body.get("response_type") == "in_channel":
        ws.add_message(channel, text=text, blocks=blocks)
        return
    ephemeral = ws.add_ephemeral(channel, user, text=text, blocks=blocks, source="ack")
    with ws.lock:
        url = ws.response_urls.get(url_token)
        if url is not None and url.last_ephemeral_ts is None:
            url.last_ephemeral_ts = ephemeral.message_ts


def close_stack(ws: SlackWorkspace, view: View) -> None:
    """Close every modal of the stack `view` belongs to."""
    root = view.root_view_id or view.id
    with ws.changing():
        for other in ws.open_views(view.user):
            if (other.root_view_id or other.id) == root:
                other.is_open = False


def apply_submission_ack(ws: SlackWorkspace, view: View, status: int, body: Any) -> None:
    """Act on the answer to a `view_submission` as Slack does.

    An empty 200 closes the view; `errors` shows messages under the inputs; `clear`
    closes the whole stack; `update` replaces the view; `push` stacks a new one.
    Anything but a 200 leaves the view open (Slack shows a connection error).
    """
    if status != 200:
        return
    action = body.get("response_action") if isinstance(body, dict) else None
    if action is None:
        with ws.changing():
            view.is_open = False
            view.errors = {}
        return
    assert isinstance(body, dict)
    if action == "errors":
        with ws.changing():
            view.errors = {str(k): str(v) for k, v in dict(body.get("errors") or {}).items()}
    elif action == "clear":
        close_stack(ws, view)
    elif action == "update" and isinstance(body.get("view"), dict):
        replace_definition(ws, view, body["view"])
    elif action == "push" and isinstance(body.get("view"), dict):
        push_definition(ws, view, body["view"])
