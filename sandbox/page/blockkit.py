"""Block Kit to HTML, on the server, so that what the page shows is testable with pytest.

Interactive elements carry `data-action-id`, `data-block-id` and `data-value`; the page's
script turns a click into a signed interaction through the Slack driver. A block or an
element this renderer does not know shows a visible "unsupported" placeholder.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from sandbox.page.mrkdwn import Names, mrkdwn, plain

UNSUPPORTED = "unsupported block"
UNSUPPORTED_ELEMENT = "unsupported element"

Block = Mapping[str, Any]


def attr(value: object) -> str:
    """A value made safe inside a double-quoted HTML attribute."""
    return html.escape(str(value), quote=True)


def text_object(obj: Any, names: Names) -> str:
    """A `plain_text` or `mrkdwn` text object (or a bare string) as HTML."""
    if isinstance(obj, str):
        return plain(obj)
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn(text, names)
    return plain(text, emoji=obj.get("emoji", True) is not False)


def plain_of(obj: Any) -> str:
    """The raw text of a text object (for titles and labels used as plain strings)."""
    if isinstance(obj, Mapping):
        return str(obj.get("text") or "")
    return str(obj or "")


def _unsupported(kind: str, what: str = UNSUPPORTED) -> str:
    return f'<div class="bk-unsupported">{html.escape(what)}: {html.escape(kind or "?")}</div>'


def confirm_json(confirm: Mapping[str, Any], names: Names) -> str:
    """A confirm dialog as JSON for `data-confirm` (its text already rendered to HTML)."""
    return json.dumps(
        {
            "title": plain_of(confirm.get("title")) or "Are you sure?",
            "html": text_object(confirm.get("text"), names),
            "confirm": plain_of(confirm.get("confirm")) or "Yes",
            "deny": plain_of(confirm.get("deny")) or "Cancel",
            "style": confirm.get("style") or "",
        }
    )


def _ids(element: Mapping[str, Any], block_id: str) -> str:
    return (
        f'data-action-id="{attr(element.get("action_id") or "")}" data-block-id="{attr(block_id)}"'
    )


def button(element: Mapping[str, Any], block_id: str, names: Names) -> str:
    """`<button class="bk-button bk-primary" data-action-id=... data-value=...>`."""
    style = str(element.get("style") or "")
    classes = "bk-button" + (f" bk-{style}" if style in ("primary", "danger") else "")
    label = text_object(element.get("text"), names)
    extra = ""
    if "value" in element:
        extra += f' data-value="{attr(element["value"])}"'
    if isinstance(element.get("confirm"), Mapping):
        extra += f' data-confirm="{attr(confirm_json(element["confirm"], names))}"'
    if element.get("url"):
        extra += f' data-url="{attr(element["url"])}"'
    return (
        f'<button type="button" class="{classes}" {_ids(element, block_id)}{extra}>{label}</button>'
    )


def _options(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += list(group.get("options") or [])
    return [o for o in options if isinstance(o, Mapping)]


def static_select(element: Mapping[str, Any], block_id: str, *, name: str = "") -> str:
    """A `<select>`; in a message a choice is sent at once, in a modal it is an input."""
    chosen = element.get("initial_option") or {}
    placeholder = plain_of(element.get("placeholder")) or "Choose…"
    items = [
        f'<option value="" disabled{"" if chosen else " selected"}>{plain(placeholder)}</option>'
    ]
    for option in _options(element):
        value = str(option.get("value") or "")
        selected = " selected" if chosen and chosen.get("value") == value else ""
        items.append(
            f'<option value="{attr(value)}"{selected}>{plain(plain_of(option.get("text")))}</option>'
        )
    named = f' name="{attr(name)}"' if name else ""
    return f'<select class="bk-select" {_ids(element, block_id)}{named}>{"".join(items)}</select>'


def element_html(element: Any, block_id: str, names: Names) -> str:
    """An interactive or context element."""
    if not isinstance(element, Mapping):
        return _unsupported("?", UNSUPPORTED_ELEMENT)
    kind = str(element.get("type") or "")
    if kind == "button":
        return button(element, block_id, names)
    if kind == "static_select":
        return static_select(element, block_id)
    if kind in ("mrkdwn", "plain_text"):
        return f"<span>{text_object(element, names)}</span>"
    if kind == "image":
        return f'<span class="bk-image" title="{attr(element.get("alt_text") or "")}">🖼</span>'
    return _unsupported(kind, UNSUPPORTED_ELEMENT)


def section(block: Block, names: Names) -> str:
    block_id = str(block.get("block_id") or "")
    parts = []
    if block.get("text"):
        parts.append(f'<div class="bk-text">{text_object(block["text"], names)}</div>')
    fields = block.get("fields") or []
    if fields:
        cells = "".join(f'<div class="bk-field">{text_object(f, names)}</div>' for f in fields)
        parts.append(f'<div class="bk-fields">{cells}</div>')
    main = f'<div class="bk-main">{"".join(parts)}</div>'
    accessory = block.get("accessory")
    side = (
        f'<div class="bk-accessory">{element_html(accessory, block_id, names)}</div>'
        if accessory
        else ""
    )
    return f'<div class="bk-section">{main}{side}</div>'


def input_block(block: Block, names: Names, errors: Mapping[str, str]) -> str:
    """An input of a modal: label, the field, hint and the error the bot set."""
    block_id = str(block.get("block_id") or "")
    element = block.get("element") or {}
    kind = str(element.get("type") or "")
    name = f"{block_id}/{element.get('action_id') or ''}"
    if kind == "plain_text_input":
        placeholder = attr(plain_of(element.get("placeholder")))
        value = attr(element.get("initial_value") or "")
        common = f'class="bk-input" name="{attr(name)}" placeholder="{placeholder}" {_ids(element, block_id)}'
        if element.get("multiline"):
            field = f"<textarea {common}>{html.escape(str(element.get('initial_value') or ''))}</textarea>"
        else:
            field = f'<input type="text" {common} value="{value}" autocomplete="off">'
    elif kind == "static_select":
        field = static_select(element, block_id, name=name)
    else:
        field = _unsupported(kind, UNSUPPORTED_ELEMENT)
    optional = ' <span class="bk-optional">(optional)</span>' if block.get("optional") else ""
    label = f'<label class="bk-label">{text_object(block.get("label"), names)}{optional}</label>'
    hint = (
        f'<div class="bk-hint">{text_object(block["hint"], names)}</div>'
        if block.get("hint")
        else ""
    )
    error = errors.get(block_id)
    shown = f'<div class="bk-error" role="alert">{html.escape(error)}</div>' if error else ""
    return f'<div class="bk-input-block" data-block-id="{attr(block_id)}">{label}{field}{hint}{shown}</div>'


def block_html(block: Any, names: Names, errors: Mapping[str, str] | None = None) -> str:
    """One block as HTML (an unknown type: the "unsupported block" placeholder)."""
    if not isinstance(block, Mapping):
        return _unsupported("?")
    kind = str(block.get("type") or "")
    block_id = str(block.get("block_id") or "")
    if kind == "section":
        return section(block, names)
    if kind == "header":
        return f'<div class="bk-header">{text_object(block.get("text"), names)}</div>'
    if kind == "divider":
        return '<hr class="bk-divider">'
    if kind == "context":
        items = "".join(element_html(e, block_id, names) for e in block.get("elements") or [])
        return f'<div class="bk-context">{items}</div>'
    if kind == "actions":
        items = "".join(element_html(e, block_id, names) for e in block.get("elements") or [])
        return f'<div class="bk-actions" data-block-id="{attr(block_id)}">{items}</div>'
    if kind == "input":
        return input_block(block, names, errors or {})
    if kind == "image":
        alt = plain(str(block.get("alt_text") or "image"))
        return f'<div class="bk-image-block">🖼 {alt}</div>'
    return _unsupported(kind)


def render_blocks(
    blocks: Any, names: Names | None = None, *, errors: Mapping[str, str] | None = None
) -> str:
    """A list of blocks as HTML; `errors` maps input block ids to their error message."""
    names = names or Names()
    if not isinstance(blocks, list):
        return ""
    return "".join(block_html(b, names, errors) for b in blocks)


def render_message(text: str, blocks: Any, names: Names | None = None) -> str:
    """What a message shows: its blocks, or its mrkdwn text when it has none."""
    if isinstance(blocks, list) and blocks:
        return render_blocks(blocks, names)
    return f'<div class="bk-text">{mrkdwn(text or "", names)}</div>'
