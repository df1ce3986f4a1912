"""The `Message` every renderer returns, and small builders over `slack_sdk.models.blocks`
(the SDK checks Slack's limits when `to_dict()` is called)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.render.text import SECTION_CHARS, join_lines, truncate

MAX_BLOCKS = 50
TEXT_CHARS = 3000  # the plain fallback: what a notification shows, kept short


@dataclass(frozen=True)
class Message:
    """A rendered message: `text` is the notification fallback, `blocks` are dicts."""

    text: str
    blocks: list[dict[str, Any]]


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=truncate(text, 150), emoji=True))


def section(text: str, *, accessory: ButtonElement | None = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(text, SECTION_CHARS)), accessory=accessory
    )


def lines_section(lines: list[str]) -> SectionBlock:
    return section(join_lines(lines))


def context(*parts: str) -> ContextBlock:
    text = " · ".join(p for p in parts if p)
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, SECTION_CHARS))])


def confirm(title: str, text: str, *, yes: str, no: str = "Cancel") -> ConfirmObject:
    return ConfirmObject(
        title=PlainTextObject(text=truncate(title, 100)),
        text=MarkdownTextObject(text=truncate(text, 300)),
        confirm=PlainTextObject(text=truncate(yes, 30)),
        deny=PlainTextObject(text=truncate(no, 30)),
    )


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=truncate(text, 75), emoji=True),
        action_id=action_id,
        value=value,
        style=style,
        confirm=confirm,
    )


def actions(buttons: list[ButtonElement], *, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=buttons, block_id=block_id)


def message(text: str, blocks: Sequence[Block]) -> Message:
    """Validate every block through the SDK and check the 50-block total."""
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks: Slack allows {MAX_BLOCKS}")
    return Message(text=truncate(text, TEXT_CHARS), blocks=[b.to_dict() for b in blocks])
