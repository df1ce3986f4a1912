"""The figures of one run under Slack's limits (`bench.tracking_limits`), read from the
simulator's step changes and status reads, the stand-in's messages, card versions and
call log, and the bot's outbox. Times are reported in real seconds: wall seconds of the
time-scaled run divided by the scale."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench.report import percentile
from bench.stack import Stack
from bench.threads import mentions, step_named
from bot import steps

CLI_READS_PER_MIN = 20.0  # `--follow` reads every 3 s


@dataclass
class LimitFigures:
    n: int
    changes: int = 0
    visible_p50: float = 0.0
    visible_p95: float = 0.0
    reply_p50: float = 0.0
    reply_p95: float = 0.0
    read_p50: float = 0.0  # change -> the bot's first read after it
    unseen: int = 0  # changes visible nowhere at the cut-off
    merged: str = ""
    cards_per_move: float = 0.0
    reads_per_min: float = 0.0
    vs_cli: str = ""
    ratelimited: str = ""
    endings: str = ""
    cores_real: float = 0.0
    cores_wall: float = 0.0
    rss_peak: float = 0.0
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)


def _position(step: str) -> int:
    return steps.HAPPY_PATH.index(step) if step in steps.HAPPY_PATH else -1


def _card_step(text: str) -> str | None:
    """The step a card's fallback text shows: `app · a → b · Label (step N of 13)`."""
    parts = text.splitlines()[0].split(" · ") if text else []
    if len(parts) < 3:
        return None
    return step_named(parts[2].split(" (step ")[0].strip())


def _news(stack: Stack, where: dict[str, str]) -> list[tuple[str, str, float]]:
    """(migration, step, when it became news): `requested` when it ended."""
    of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for mid, step, at in list(stack.sim.transitions):
        if mid in where:
            of[mid].append((step, at.timestamp()))
    news = []
    for mid, changes in of.items():
        for i, (step, t) in enumerate(changes):
            if step == "requested":
                if i + 1 == len(changes):
                    continue
                t = changes[i + 1][1]
            news.append((mid, step, t))
    return news


def _outbox(db: str) -> tuple[dict[str, str], int, int]:
    """Card ts per migration; summaries and milestone broadcasts queued vs sent."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        cards = dict(conn.execute("SELECT migration_id, card_ts FROM migrations").fetchall())
        rows = conn.execute(
            "SELECT kind, dedupe_key, sent_at, payload FROM outbox WHERE kind IN"
            " ('reply', 'broadcast') AND (kind = 'broadcast' OR dedupe_key LIKE '%:summary')"
        ).fetchall()
    finally:
        conn.close()
    sent = sum(1 for _, _, at, _ in rows if at)
    return cards, len(rows), sent


def analyse(
    stack: Stack,
    where: dict[str, str],
    *,
    scale: float,
    window: tuple[float, float],
    cpu: float,
    rss_peak: float,
) -> LimitFigures:
    cards, endings, ended = _outbox(str(stack.db_path))
    by_thread = {ts: mid for mid, ts in cards.items()}
    reply_at: dict[tuple[str, str], float] = {}
    merged_news: set[tuple[str, str]] = set()
    card_at: dict[str, list[tuple[float, int]]] = defaultdict(list)  # (time, position)
    for channel in set(where.values()):
        for msg in stack.ws.channel_messages(channel, include_replies=True):
            mid = by_thread.get(msg.thread_ts or msg.ts)
            if mid is None:
                continue
            if msg.ts == cards.get(mid):
                for v in msg.versions:
                    shown = _card_step(v.text)
                    if shown is not None:
                        card_at[mid].append((v.at, _position(shown)))
                continue
            said = mentions(msg.text)
            for step in said.steps():
                reply_at.setdefault((mid, step), float(msg.ts))
                if sum(said.done.values()) > 1:
                    merged_news.add((mid, step))
    reads: dict[str, list[float]] = defaultdict(list)
    for r in stack.sim.requests:
        if r["method"] == "GET" and "/migrations/" in r["path"]:
            reads[r["path"].rsplit("/", 1)[-1]].append(float(r["at"]))
    visible, replied, read_delay = [], [], []
    unseen = merged = 0
    news = _news(stack, where)
    for mid, step, t in news:
        pos = _position(step)
        on_card = [at for at, p in card_at[mid] if at >= t and p >= pos >= 0]
        seen = [x for x in (reply_at.get((mid, step)), min(on_card, default=None)) if x]
        if not seen:
            unseen += 1
            continue
        visible.append((min(seen) - t) / scale)
        if (mid, step) in reply_at:
            replied.append((reply_at[mid, step] - t) / scale)
            merged += (mid, step) in merged_news
        after = [a for a in reads[mid] if a >= t]
        if after:
            read_delay.append((after[0] - t) / scale)
    calls = list(stack.ws.calls)
    updates = sum(1 for c in calls if c.method == "chat.update" and c.status == 200)
    spans = []
    for mid in where:
        times = [at.timestamp() for m, _, at in stack.sim.transitions if m == mid]
        if len(times) > 1:
            spans.append((max(times) - min(times)) / scale / 60)
    n_reads = sum(len(reads[mid]) for mid in where)
    per_min = n_reads / max(sum(spans), 1e-9)
    wall = window[1] - window[0]
    limited = stack.ws.ratelimited_by_method
    return LimitFigures(
        n=len(where),
        changes=len(news),
        visible_p50=percentile(visible, 50),
        visible_p95=percentile(visible, 95),
        reply_p50=percentile(replied, 50),
        reply_p95=percentile(replied, 95),
        read_p50=percentile(read_delay, 50),
        unseen=unseen,
        merged=f"{merged / max(len(replied), 1):.0%}",
        cards_per_move=updates / len(where),
        reads_per_min=per_min,
        vs_cli=f"{per_min / CLI_READS_PER_MIN:.2f}x",
        ratelimited=_per_method(limited) or "0",
        endings=f"{ended}/{endings}",
        cores_real=cpu / wall * scale,
        cores_wall=cpu / wall,
        rss_peak=rss_peak,
    )


def _per_method(counts: Counter[str]) -> str:
    return ", ".join(f"{m} {c}" for m, c in sorted(counts.items()) if c)


def dump(figures: LimitFigures) -> str:
    return json.dumps(figures.__dict__, default=str)
