"""Slack mrkdwn to safe HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, links,
mentions and the emoji shortcodes the bot uses. Everything else is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

# The shortcodes the bot writes, and a few common ones; others stay as typed.
EMOJI: dict[str, str] = {
    "arrows_counterclockwise": "\U0001f504",
    "double_vertical_bar": "\u23f8\ufe0f",
    "electric_plug": "\U0001f50c",
    "floppy_disk": "\U0001f4be",
    "grey_question": "\u2754",
    "heavy_minus_sign": "\u2796",
    "hourglass": "\u231b",
    "hourglass_flowing_sand": "\u23f3",
    "house": "\U0001f3e0",
    "leftwards_arrow_with_hook": "\u21a9\ufe0f",
    "no_entry": "\u26d4",
    "no_entry_sign": "\U0001f6ab",
    "octagonal_sign": "\U0001f6d1",
    "ok_hand": "\U0001f44c",
    "raised_hand": "\u270b",
    "repeat": "\U0001f501",
    "rewind": "\u23ea",
    "rotating_light": "\U0001f6a8",
    "tada": "\U0001f389",
    "twisted_rightwards_arrows": "\U0001f500",
    "warning": "\u26a0\ufe0f",
    "wastebasket": "\U0001f5d1\ufe0f",
    "white_check_mark": "\u2705",
    "white_circle": "\u26aa",
    "x": "\u274c",
    "heavy_check_mark": "\u2714\ufe0f",
    "information_source": "\u2139\ufe0f",
    "bell": "\U0001f514",
    "eyes": "\U0001f440",
    "rocket": "\U0001f680",
    "clock3": "\U0001f552",
}

_PRE = re.compile(r"```(.+?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_SPECIAL = re.compile(r"<([^<>\n]+)>")
_HOLD = re.compile("\ue000(\\d+)\ue001")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_URL = re.compile(r"^(https?://|mailto:)[^\s\"'<>]+$", re.IGNORECASE)


@dataclass(frozen=True)
class Names:
    """Display names for mentions: user, channel and user-group ids to names."""

    users: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)


def unentity(text: str) -> str:
    """Slack's three entities (`&lt;`, `&gt;`, `&amp;`) back to characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emojify(escaped: str) -> str:
    """Known `:shortcode:`s to Unicode; unknown ones stay as typed."""

    def swap(match: re.Match[str]) -> str:
        return EMOJI.get(match.group(1), match.group(0))

    return _EMOJI.sub(swap, escaped)


def plain(text: str, *, emoji: bool = True) -> str:
    """A `plain_text` object's text as HTML: escaped, emoji shortcodes converted."""
    escaped = html.escape(text)
    return emojify(escaped) if emoji else escaped


def _span(kind: str, label: str) -> str:
    return f'<span class="{kind}">{html.escape(label)}</span>'


def special(inner: str, names: Names) -> str:
    """One `<...>` sequence: a mention, a channel, a group, a link, or literal text."""
    target, _, label = inner.partition("|")
    label = unentity(label)
    if target.startswith("@"):
        uid = target[1:]
        return _span("mention", "@" + (names.users.get(uid) or label or uid))
    if target.startswith("#"):
        cid = target[1:]
        return _span("mention mention-channel", "#" + (names.channels.get(cid) or label or cid))
    if target.startswith("!subteam^"):
        gid = target.removeprefix("!subteam^")
        name = names.groups.get(gid) or label.lstrip("@") or gid
        return _span("mention mention-group", "@" + name)
    if target in ("!here", "!channel", "!everyone"):
        return _span("mention mention-group", "@" + target[1:])
    if target.startswith("!date^"):
        return html.escape(label or target)
    url = unentity(target)
    if _URL.match(url):
        href = html.escape(url, quote=True)
        return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{html.escape(label or url)}</a>'
    return html.escape(f"<{unentity(inner)}>")


def mrkdwn(text: str, names: Names | None = None) -> str:
    """Render Slack mrkdwn to HTML; nothing in `text` can become markup of its own."""
    names = names or Names()
    held: list[str] = []

    def hold(fragment: str) -> str:
        held.append(fragment)
        return f"\ue000{len(held) - 1}\ue001"

    text = text.replace("\ue000", "").replace("\ue001", "")
    text = _PRE.sub(lambda m: hold(f"<pre>{html.escape(unentity(m.group(1).strip()))}</pre>"), text)
    text = _CODE.sub(lambda m: hold(f"<code>{html.escape(unentity(m.group(1)))}</code>"), text)
    text = _SPECIAL.sub(lambda m: hold(special(m.group(1), names)), text)
    out = emojify(html.escape(unentity(text), quote=False))
    out = _styled(out, _BOLD, "b")
    out = _styled(out, _ITALIC, "i")
    out = _styled(out, _STRIKE, "s")
    out = out.replace("\n", "<br>")
    return _restore(out, held)


def _styled(text: str, pattern: re.Pattern[str], tag: str) -> str:
    wrap: Callable[[re.Match[str]], str] = lambda m: f"<{tag}>{m.group(1)}</{tag}>"  # noqa: E731
    return pattern.sub(wrap, text)


def _restore(text: str, held: list[str]) -> str:
    """Put the held fragments back (a fragment may hold earlier ones, e.g. a link's code)."""
    for _ in range(len(held) + 1):
        if "\ue000" not in text:
            break
        text = _HOLD.sub(lambda m: held[int(m.group(1))], text)
    return text
