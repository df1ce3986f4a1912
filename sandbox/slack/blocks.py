"""Block Kit checks the way Slack applies them when a message or view arrives."""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any

from sandbox.slack.errors import MethodError
from sandbox.slack.models import Block

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_MAX_BLOCK_TEXT = 12_000

_TEXT_LIMITS = {"section": 3000, "header": 150, "input": 2000}
_ELEMENT_TEXT_LIMIT = {"button": 75}
_CONFIRM_LIMITS = {"title": 100, "text": 300, "confirm": 30, "deny": 30}


def parse_blocks(raw: Any) -> list[Block] | None:
    """Blocks given as a list or as a JSON string; None when absent."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise MethodError("invalid_blocks_format") from exc
    if not isinstance(raw, list) or not all(isinstance(b, dict) for b in raw):
        raise MethodError("invalid_blocks_format")
    return raw


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text") or "")
    return ""


def _all_text(obj: Any) -> int:
    """Characters of text in text objects anywhere below `obj`."""
    if isinstance(obj, list):
        return sum(_all_text(item) for item in obj)
    if not isinstance(obj, dict):
        return 0
    total = 0
    if obj.get("type") in ("plain_text", "mrkdwn") and isinstance(obj.get("text"), str):
        total += len(obj["text"])
    for key, value in obj.items():
        if key != "text" or not isinstance(value, str):
            total += _all_text(value)
    return total


def _check_element(element: Any, where: str, problems: list[str]) -> None:
    if not isinstance(element, dict):
        problems.append(f"must be an object [json-pointer:{where}]")
        return
    limit = _ELEMENT_TEXT_LIMIT.get(str(element.get("type")))
    if limit is not None and len(_text_of(element.get("text"))) > limit:
        problems.append(
            f"must be less than {limit + 1} characters [json-pointer:{where}/text/text]"
        )
    if len(str(element.get("action_id") or "")) > 255:
        problems.append(f"must be less than 256 characters [json-pointer:{where}/action_id]")
    if len(str(element.get("value") or "")) > 2000:
        problems.append(f"must be less than 2001 characters [json-pointer:{where}/value]")
    confirm = element.get("confirm")
    if isinstance(confirm, dict):
        for key, most in _CONFIRM_LIMITS.items():
            if len(_text_of(confirm.get(key))) > most:
                problems.append(
                    f"must be less than {most + 1} characters [json-pointer:{where}/confirm/{key}]"
                )


def block_problems(blocks: list[Block], *, max_blocks: int) -> list[str]:
    """What Slack would refuse in these blocks, as its `[json-pointer:…]` messages."""
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"no more than {max_blocks} items allowed [json-pointer:/blocks]")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        kind = str(block.get("type") or "")
        if not kind:
            problems.append(f"missing required field: type [json-pointer:{where}]")
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > 255:
                problems.append(f"must be less than 256 characters [json-pointer:{where}/block_id]")
            if block_id in seen:
                problems.append(f"duplicate block_id [json-pointer:{where}/block_id]")
            seen.add(str(block_id))
        limit = _TEXT_LIMITS.get(kind)
        text_key = "label" if kind == "input" else "text"
        if limit is not None and len(_text_of(block.get(text_key))) > limit:
            problems.append(
                f"must be less than {limit + 1} characters [json-pointer:{where}/{text_key}/text]"
            )
        fields = block.get("fields") or []
        if len(fields) > 10:
            problems.append(f"no more than 10 items allowed [json-pointer:{where}/fields]")
        for n, item in enumerate(fields):
            if len(_text_of(item)) > 2000:
                problems.append(
                    f"must be less than 2001 characters [json-pointer:{where}/fields/{n}]"
                )
        if kind == "actions" and len(block.get("elements") or []) > 25:
            problems.append(f"no more than 25 items allowed [json-pointer:{where}/elements]")
        if kind == "context" and len(block.get("elements") or []) > 10:
            problems.append(f"no more than 10 items allowed [json-pointer:{where}/elements]")
        if kind == "actions":
            for n, element in enumerate(block.get("elements") or []):
                _check_element(element, f"{where}/elements/{n}", problems)
        for key in ("accessory", "element"):
            if key in block:
                _check_element(block[key], f"{where}/{key}", problems)
    return problems


def check_message_blocks(blocks: list[Block]) -> None:
    """Raise what `chat.postMessage`/`chat.update` answers for blocks Slack refuses."""
    problems = block_problems(blocks, max_blocks=MESSAGE_MAX_BLOCKS)
    if problems:
        raise MethodError(
            "invalid_blocks",
            errors=problems,
            response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
        )
    if _all_text(blocks) > MESSAGE_MAX_BLOCK_TEXT:
        raise MethodError("msg_blocks_too_long")


def check_view_blocks(blocks: list[Block]) -> None:
    """Raise what `views.*` answers for blocks Slack refuses in a modal or Home tab."""
    problems = block_problems(blocks, max_blocks=VIEW_MAX_BLOCKS)
    if problems:
        raise MethodError(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
        )


def _element_with_id(element: Any) -> Any:
    if isinstance(element, dict) and "action_id" not in element and "type" in element:
        if element["type"] not in ("plain_text", "mrkdwn", "image"):
            return {**element, "action_id": secrets.token_urlsafe(3)}
    return element


def with_ids(blocks: list[Block]) -> list[Block]:
    """A copy where every block has a `block_id` and every element an `action_id`.

    Slack fills these in when a message or view arrives without them, and clicks carry
    the generated ones.
    """
    filled: list[Block] = []
    for raw in copy.deepcopy(blocks):
        block = dict(raw)
        block.setdefault("block_id", secrets.token_urlsafe(3))
        if block.get("type") == "actions":
            block["elements"] = [_element_with_id(e) for e in block.get("elements") or []]
        for key in ("accessory", "element"):
            if key in block:
                block[key] = _element_with_id(block[key])
        filled.append(block)
    return filled
