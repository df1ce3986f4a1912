"""Checks on what people read: Block Kit limits, pings, channel-visible messages."""

from __future__ import annotations

import re
from typing import Any

from sandbox.slack.models import Message
from tests.e2e.harness import CHANNEL, World
from tests.review_r2.dump import PINGS, all_messages, element_text


def _elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for b in blocks:
        out.extend(b.get("elements", []) if b.get("type") == "actions" else [])
        if "accessory" in b:
            out.append(b["accessory"])
    return out


def limit_problems(blocks: list[dict[str, Any]]) -> list[str]:
    """Slack's limits, and labels that fit a phone (≤ 20 characters)."""
    bad = [f"{len(blocks)} blocks"] if len(blocks) > 50 else []
    for b in blocks:
        if b.get("type") == "section" and len(element_text(b)) > 3000:
            bad.append(f"section of {len(element_text(b))} chars")
    for e in _elements(blocks):
        label = element_text(e)
        if e.get("type") == "button" and len(label) > 20:
            bad.append(f"button {label!r}")
        c = e.get("confirm")
        if c:
            if len(c["title"]["text"]) > 100 or len(c["text"]["text"]) > 300:
                bad.append(f"confirm {c['title']['text']!r}")
            if len(c["confirm"]["text"]) > 30 or len(c["deny"]["text"]) > 30:
                bad.append(f"confirm buttons {c['confirm']['text']!r}")
    return bad


def all_limit_problems(world: World) -> list[str]:
    ws: Any = world.ws
    with ws.lock:
        blocks = [v.blocks for m in all_messages(world) for v in m.versions]
        blocks += [v.blocks for e in ws._ephemerals for v in e.versions]
        blocks += [v.blocks for v in ws.views.values()]
    return [p for b in blocks for p in limit_problems(b)]


def channel_visible(world: World) -> list[Message]:
    """What the channel shows: top-level messages and broadcast replies."""
    return world.ws.channel_messages(CHANNEL)


def pings(text: str) -> list[str]:
    return PINGS.findall(text)


def words(text: str) -> list[str]:
    """Sentences of a text, for spotting one said twice."""
    return [s.strip() for s in re.split(r"(?<=[.:])\s+|\n", text) if len(s.strip()) > 30]
