"""Small text helpers shared by the renderers: times, costs, durations, mrkdwn safety."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from bot.clock import utc
from bot.settings import format_duration

SECTION_CHARS = 3000  # Slack's limit for a section's text
ELLIPSIS = "…"

# a cut must not leave half an entity (`&am`) or half a link/mention (`<@U12`)
_DANGLING = re.compile(r"(&(a|am|amp|l|lt|g|gt)?|<[^>\s]*)$")


def hhmm(dt: datetime) -> str:
    """`10:02 UTC`."""
    return utc(dt).strftime("%H:%M UTC")


def day_time(dt: datetime, ref: datetime) -> str:
    """`10:02 UTC` on the same day as `ref`, else `Tue 1 Dec 10:02 UTC`."""
    if utc(dt).date() == utc(ref).date():
        return hhmm(dt)
    moment = utc(dt)
    return f"{moment.strftime('%a')} {moment.day} {moment.strftime('%b %H:%M')} UTC"


def hhmmss(dt: datetime) -> str:
    """`10:02:03 UTC`."""
    return utc(dt).strftime("%H:%M:%S UTC")


def seconds_between(start: datetime, end: datetime) -> float:
    return (utc(end) - utc(start)).total_seconds()


def known_cost(value: float | None) -> float | None:
    """A replica's estimate, or None when it is unknown: Butterbase sends `null`, and `0`
    for every move (its dump uploader reports no size), so 0 is unknown too."""
    if value is None or value != value or value <= 0:  # None, NaN, 0, negative
        return None
    return value


def cost(value: float | None) -> str:
    """`$42.50/month`, or `unknown` when Butterbase gave no estimate (never `$0`)."""
    known = known_cost(value)
    if known is None:
        return "unknown"
    return f"${known:,.2f}/month"


def est_cost(value: float | None) -> str:
    """`est. $42.50/month` or `est. cost unknown`."""
    return "est. cost unknown" if known_cost(value) is None else f"est. {cost(value)}"


def age(seconds: float) -> str:
    """`3d 4h`, `5m 10s`; negative durations (clock skew) read as 0s."""
    return format_duration(max(0.0, seconds))


def truncate(text: str, n: int) -> str:
    """At most `n` characters, ending with `…` when cut, never inside an entity or mention."""
    if len(text) <= n:
        return text
    if n <= 1:
        return ELLIPSIS[:n]
    cut = _DANGLING.sub("", text[: n - 1])
    return cut + ELLIPSIS


def escape(text: str) -> str:
    """Escape `&`, `<` and `>` in text that came from a person or an API, for mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKUP = re.compile(r"(<(?:@[UW][A-Z0-9_]+|#[CG][A-Z0-9_]+|!subteam\^[A-Z0-9_]+)(?:\|[^<>]*)?>)")


def plain(text: str) -> str:
    """For a fallback `text` (what a notification shows as it is): no `*` or backticks."""
    return text.replace("*", "").replace("`", "'")


def escape_keep_mentions(text: str) -> str:
    """Like `escape`, but user, channel and group mentions the bot wrote stay live."""
    parts = _MARKUP.split(text)
    return "".join(p if i % 2 else escape(p) for i, p in enumerate(parts))


def clip(text: str, n: int, *, keep_mentions: bool = False) -> str:
    """Escaped for mrkdwn and truncated to `n` characters."""
    return truncate(escape_keep_mentions(text) if keep_mentions else escape(text), n)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mentions(user_ids: Iterable[str]) -> str:
    """`<@A>`, `<@A> and <@B>`, `<@A>, <@B> and <@C>`."""
    items = [mention(u) for u in user_ids]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def join_lines(lines: list[str], limit: int = SECTION_CHARS) -> str:
    """Lines joined by newlines, within `limit` characters; the lines that do not
    fit are replaced by `… and N more`."""
    out: list[str] = []
    used = 0
    for i, raw in enumerate(lines):
        line = truncate(raw, limit - 20)
        left_after = len(lines) - i - 1
        reserve = 20 if left_after else 0
        needed = len(line) + (1 if out else 0)
        if used + needed + reserve > limit:
            out.append(f"{ELLIPSIS} and {len(lines) - i} more")
            break
        out.append(line)
        used += needed
    return "\n".join(out)
