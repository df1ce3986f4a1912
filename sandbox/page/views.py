"""The workspace as HTML fragments: a channel, a thread, a user's open modal."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from sandbox.page.blockkit import attr, plain_of, render_blocks, render_message
from sandbox.page.mrkdwn import Names, plain
from sandbox.slack import SlackWorkspace
from sandbox.slack.models import Ephemeral, Message, View


def names_of(ws: SlackWorkspace) -> Names:
    """Display names of the workspace's people, channels and groups."""
    with ws.lock:
        return Names(
            users={u.id: u.real_name for u in ws.users.values()},
            channels={c.id: c.name for c in ws.channels.values()},
            groups={g.id: g.handle for g in ws.usergroups.values()},
        )


def clock_time(ts: str) -> str:
    """`10:02:03` (UTC) from a message ts."""
    try:
        return datetime.fromtimestamp(float(ts), UTC).strftime("%H:%M:%S")
    except ValueError:
        return ""


def _initials(name: str) -> str:
    words = [w for w in name.split() if w]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _author(ws: SlackWorkspace, user: str, bot: bool) -> str:
    person = ws.users.get(user)
    name = person.real_name if person else user
    tag = ' <span class="app-tag">APP</span>' if bot else ""
    avatar = f'<div class="avatar{" bot" if bot else ""}">{html.escape(_initials(name))}</div>'
    return avatar + f'<span class="author">{html.escape(name)}</span>{tag}'


def message_html(ws: SlackWorkspace, m: Message, names: Names, *, in_thread: bool = False) -> str:
    """One channel message (or thread reply) with its author, time and content."""
    body = render_message(m.text, m.blocks, names)
    meta = _author(ws, m.user, m.bot_id is not None)
    meta += f" <time>{clock_time(m.ts)}</time>"
    if m.edited:
        meta += ' <span class="edited">(edited)</span>'
    lead = ""
    if m.is_reply and not in_thread:
        lead = f'<div class="broadcast">replied to <a href="#" data-thread="{attr(m.thread_ts)}">a thread</a></div>'
    elif m.is_reply and m.reply_broadcast:
        lead = '<div class="broadcast">also sent to the channel</div>'
    foot = ""
    if m.replies and not in_thread:
        count = len(m.replies)
        foot = (
            f'<a href="#" class="replies" data-thread="{attr(m.ts)}">'
            f"{count} {'reply' if count == 1 else 'replies'}</a>"
        )
    elif not m.is_reply and not in_thread:
        foot = f'<a href="#" class="replies quiet" data-thread="{attr(m.ts)}">Reply in thread</a>'
    return (
        f'<div class="msg" data-ts="{attr(m.ts)}" data-channel="{attr(m.channel)}" '
        f'data-ephemeral="0"><div class="meta">{meta}</div>{lead}'
        f'<div class="content">{body}</div>{foot}</div>'
    )


def ephemeral_html(ws: SlackWorkspace, e: Ephemeral, names: Names) -> str:
    """A message only the acting user sees."""
    body = render_message(e.text, e.blocks, names)
    meta = _author(ws, "U_BOT", True) + f" <time>{clock_time(e.message_ts)}</time>"
    return (
        f'<div class="msg ephemeral" data-ts="{attr(e.message_ts)}" data-channel="{attr(e.channel)}" '
        f'data-ephemeral="1"><div class="meta">{meta}'
        ' <span class="only-you">Only visible to you</span></div>'
        f'<div class="content">{body}</div></div>'
    )


def channel_html(ws: SlackWorkspace, channel: str, user: str) -> str:
    """The channel's messages and `user`'s ephemerals in it, oldest first."""
    names = names_of(ws)
    items: list[tuple[float, str]] = []
    for m in ws.channel_messages(channel):
        items.append((float(m.ts), message_html(ws, m, names)))
    for e in ws.ephemerals(user, channel):
        if e.thread_ts is None:
            items.append((float(e.message_ts), ephemeral_html(ws, e, names)))
    if not items:
        name = names.channels.get(channel, channel)
        return (
            f'<div class="empty">This is the very beginning of #{html.escape(name)}. '
            "Type <code>/migrate app-42 eu-west-1</code> below to start a move.</div>"
        )
    return "".join(fragment for _, fragment in sorted(items, key=lambda item: item[0]))


def thread_html(ws: SlackWorkspace, channel: str, ts: str, user: str) -> str:
    """The thread under message `ts`: the parent, its replies and `user`'s ephemerals."""
    names = names_of(ws)
    parent = ws.find_message(channel, ts)
    if parent is None:
        return '<div class="empty">That message is gone.</div>'
    items = [
        (float(r.ts), message_html(ws, r, names, in_thread=True)) for r in ws.thread(channel, ts)
    ]
    for e in ws.ephemerals(user, channel):
        if e.thread_ts == ts:
            items.append((float(e.message_ts), ephemeral_html(ws, e, names)))
    replies = "".join(f for _, f in sorted(items, key=lambda item: item[0]))
    count = len(ws.thread(channel, ts))
    divider = f'<div class="thread-count">{count} {"reply" if count == 1 else "replies"}</div>'
    return message_html(ws, parent, names, in_thread=True) + divider + replies


def modal_html(ws: SlackWorkspace, user: str) -> str:
    """The modal on top of `user`'s stack, as a form; "" when none is open."""
    views = ws.open_views(user)
    if not views:
        return ""
    return view_html(views[-1], names_of(ws))


def view_html(view: View, names: Names) -> str:
    """A modal view: title, blocks with inputs and errors, Close and Submit."""
    definition = view.definition
    title = plain(plain_of(definition.get("title")) or "Modal")
    close = plain(plain_of(definition.get("close")) or "Cancel")
    submit = plain_of(definition.get("submit"))
    blocks = render_blocks(view.blocks, names, errors=view.errors)
    general = ""
    unknown = {k: v for k, v in view.errors.items() if f'data-block-id="{attr(k)}"' not in blocks}
    if unknown:
        general = "".join(f'<div class="bk-error">{html.escape(v)}</div>' for v in unknown.values())
    submit_button = (
        f'<button type="submit" class="bk-button bk-primary">{plain(submit)}</button>'
        if submit
        else ""
    )
    return (
        f'<form class="modal" data-view-id="{attr(view.id)}" data-hash="{attr(view.hash)}">'
        f'<div class="modal-head"><h2>{title}</h2>'
        '<button type="button" class="modal-x" data-close aria-label="Close">×</button></div>'
        f'<div class="modal-body">{blocks}{general}</div>'
        f'<div class="modal-foot"><button type="button" class="bk-button" data-close>{close}</button>'
        f"{submit_button}</div></form>"
    )
