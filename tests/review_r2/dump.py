"""What people read, as text: every message of the stand-in (each version's fallback, its
first line as a phone notification shows it, the blocks, buttons, confirm dialogs), the
private replies, modals and the Home tab. Review R2 (issue 15) reads these dumps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sandbox.slack.models import Ephemeral, Message, View
from tests.e2e.harness import World

DUMPS = Path("/tmp/review_r2")
PINGS = re.compile(r"<@U[A-Z0-9_]+>|<!subteam\^[A-Z0-9_]+>|<!channel>|<!here>")


def first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def element_text(e: dict[str, Any]) -> str:
    t = e.get("text")
    if isinstance(t, dict):
        return str(t.get("text", ""))
    return str(t or "")


def confirm_text(c: dict[str, Any]) -> str:
    return (
        f"      CONFIRM title={c.get('title', {}).get('text')!r} "
        f"text={c.get('text', {}).get('text')!r} ok={c.get('confirm', {}).get('text')!r} "
        f"no={c.get('deny', {}).get('text')!r}"
    )


def button_lines(e: dict[str, Any]) -> list[str]:
    if e.get("type") == "button":
        out = [f"   [BUTTON {element_text(e)!r} ({len(element_text(e))}) id={e.get('action_id')}]"]
    else:
        out = [f"   [{e.get('type')} {element_text(e) or e.get('placeholder', '')!r}]"]
    if "confirm" in e:
        out.append(confirm_text(e["confirm"]))
    return out


def blocks_text(blocks: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind in ("section", "header"):
            if "text" in b:
                out.extend(f" {kind}| {line}" for line in element_text(b).splitlines())
            for f in b.get("fields", []):
                out.append(f" field| {element_text(f)}")
            if "accessory" in b:
                out.extend(button_lines(b["accessory"]))
        elif kind == "context":
            out.append(" ctx| " + " · ".join(element_text(e) for e in b.get("elements", [])))
        elif kind == "actions":
            for e in b.get("elements", []):
                out.extend(button_lines(e))
        elif kind == "input":
            out.append(f" input| {element_text(b.get('label', {}))}")
        elif kind == "divider":
            out.append(" ---")
        elif kind == "rich_text":
            out.append(f" rich_text| {b}")
        else:
            out.append(f" {kind}| {b}")
    return out


def message_dump(m: Message) -> list[str]:
    where = "CHANNEL" if not m.is_reply else ("THREAD+BROADCAST" if m.reply_broadcast else "THREAD")
    out = [f"== {where} ts={m.ts} versions={len(m.versions)} blocks={len(m.blocks)}"]
    seen: list[str] = []
    for v in m.versions:
        head = first_line(v.text)
        if not seen or seen[-1] != head:
            seen.append(head)
    out.extend(f"  notif> {h}" for h in seen)
    out.append("  TEXT (last):")
    out.extend(f"    {line}" for line in m.text.splitlines())
    out.append("  BLOCKS (last):")
    out.extend(f"   {line}" for line in blocks_text(m.blocks))
    return out


def ephemeral_dump(e: Ephemeral) -> list[str]:
    out = [f"== PRIVATE to {e.user} versions={len(e.versions)}"]
    for v in e.versions:
        out.extend(f"    {line}" for line in v.text.splitlines())
        out.extend(f"   {line}" for line in blocks_text(v.blocks))
        out.append("    --")
    return out


def view_dump(v: View) -> list[str]:
    d = v.definition
    title = d.get("title", {}).get("text")
    out = [f"== VIEW {v.type} {v.callback_id} title={title!r} open={v.is_open}"]
    for key in ("submit", "close"):
        if key in d:
            out.append(f"   {key}={d[key].get('text')!r}")
    out.extend(f"   {line}" for line in blocks_text(v.blocks))
    return out


def all_messages(world: World) -> list[Message]:
    ws: Any = world.ws
    with ws.lock:
        return [m for ms in ws._messages.values() for m in ms if not m.deleted]


def world_dump(world: World) -> str:
    out: list[str] = []
    for m in all_messages(world):
        out.append(f"--- channel {m.channel}")
        out.extend(message_dump(m))
    ws: Any = world.ws
    with ws.lock:
        ephs = list(ws._ephemerals)
        views = list(ws.views.values())
    out.extend(line for e in ephs for line in ephemeral_dump(e))
    out.extend(line for v in views for line in view_dump(v))
    return "\n".join(out)


def write(name: str, world: World) -> str:
    DUMPS.mkdir(parents=True, exist_ok=True)
    text = world_dump(world)
    (DUMPS / f"{name}.txt").write_text(text)
    return text


def fallbacks(world: World) -> list[str]:
    """Every version's fallback text of every message, and every private reply."""
    out = [v.text for m in all_messages(world) for v in m.versions]
    ws: Any = world.ws
    with ws.lock:
        out.extend(v.text for e in ws._ephemerals for v in e.versions)
    return out
