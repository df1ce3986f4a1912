"""The figures of one tracking run, from what the simulator, the Slack stand-in and the
bot's store file recorded.

For each step change (simulator `transitions`, time T) the reply that reports it is
found in the migration's thread (arrival A = the message's ts on the stand-in's clock)
and in the bot's outbox (queued at E). The delay A - T is split in two: pacing, the
time the reply could not go out because the channel's previous post was less than a
second before (max(E, previous post + 1 s) - E), and the rest (seeing the change by a
poll, and the bot's own sending).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from bench.report import percentile
from bench.stack import Stack
from bench.threads import Mentions, mentions, reported_once
from bot import steps


@dataclass
class Figures:
    n: int
    changes: int
    delay_p50: float
    delay_p95: float
    pacing_p95: float
    own_p50: float
    own_p95: float
    detect_p95: float
    exactly_once: str
    missing: str
    doubled: int
    bb_per_move_min: float
    reads_per_interval: str
    slack_per_move: float
    slack_per_step: float
    posts_per_move: float
    ratelimited: int
    cpu_per_min: float
    rss_peak: float
    note: str


def _ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


@dataclass
class Outbox:
    queued: dict[tuple[str, str], float]  # (migration, step) → first queued in a reply
    finished: set[tuple[str, str]]  # (migration, step) queued as done (or as reached, if last)
    cards: dict[str, str]  # migration → card ts


def _outbox(db: str) -> Outbox:
    """What the bot's outbox holds, sent or not."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        found = Outbox({}, set(), {})
        rows = conn.execute(
            "SELECT migration_id, payload, created_at FROM outbox"
            " WHERE kind IN ('reply', 'broadcast') ORDER BY id"
        )
        for mid, payload, created in rows:
            said = mentions(str(json.loads(payload or "{}").get("text", "")))
            for step in said.steps():
                found.queued.setdefault((mid, step), _ts(created))
            found.finished |= {(mid, s) for s in [*said.done, *said.now] if s in said.done}
            found.finished |= {(mid, s) for s in said.now if steps.is_terminal(s)}
        found.cards = dict(conn.execute("SELECT migration_id, card_ts FROM migrations").fetchall())
    finally:
        conn.close()
    return found


def _as_news(changes_of: dict[str, list[tuple[str, float]]]) -> list[tuple[str, str, float]]:
    """(migration, step, time it became news): a step entered; `requested`, which every
    move starts in, is news when it is done, i.e. when the next step starts."""
    news = []
    for mid, changes in changes_of.items():
        for i, (step, t) in enumerate(changes):
            if step == "requested" and i + 1 < len(changes):
                t = changes[i + 1][1]
            news.append((mid, step, t))
    return news


def _per_interval(times: list[float], poll: float) -> float:
    """The most status reads of one move within any poll interval (less 10 %)."""
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= poll * 0.9:
            start += 1
        most = max(most, end - start + 1)
    return float(most)


def analyse(
    stack: Stack,
    where: dict[str, str],
    *,
    window: tuple[float, float],
    cpu: float,
    rss_peak: float,
    drained: bool,
    poll: float,
    problems: int,
) -> Figures:
    n = len(where)
    box = _outbox(str(stack.db_path))
    queued, cards = box.queued, box.cards
    ws = stack.ws
    arrived: dict[tuple[str, str], tuple[float, float]] = {}  # → (arrival, previous post)
    seen: dict[str, Mentions] = defaultdict(Mentions)
    by_thread = {ts: mid for mid, ts in cards.items()}
    for channel in set(where.values()):
        posts = sorted(ws.channel_messages(channel, include_replies=True), key=lambda m: m.ts)
        previous = 0.0
        for message in posts:
            at = float(message.ts)
            if message.is_reply:
                mid = by_thread.get(message.thread_ts or "")
                if mid is not None:
                    found = mentions(message.text)
                    seen[mid].add(found)
                    for step in found.steps():
                        arrived.setdefault((mid, step), (at, previous))
            previous = at
    total, pacing, own, detect = [], [], [], []
    ok = missing = doubled = waiting = 0
    changes_of: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for mid, step, when in list(stack.sim.transitions):
        if mid in where:
            changes_of[mid].append((step, when.timestamp()))
    for mid, step, t in _as_news(changes_of):
        mention = seen[mid]
        if reported_once(step, mention):
            ok += 1
        elif mention.done[step] > 1 or mention.now[step] > 1:
            doubled += 1
        else:
            missing += 1  # not (yet) reported done when the run was cut off
            waiting += (mid, step) in box.finished  # ... though queued in the outbox
        if (mid, step) not in arrived:
            continue
        a, previous = arrived[mid, step]
        e = queued.get((mid, step), a)
        paced = max(0.0, max(e, previous + 1.0) - e)
        total.append(a - t)
        pacing.append(min(paced, a - t))
        own.append(a - t - min(paced, a - t))
        detect.append(e - t)
    changes = ok + missing + doubled
    minutes = (window[1] - window[0]) / 60
    requests = [r for r in stack.sim.requests if not r["path"].startswith("/_sim")]
    reads: dict[str, list[float]] = defaultdict(list)
    for r in requests:
        if r["method"] == "GET" and "/migrations/" in r["path"]:
            reads[r["path"].rsplit("/", 1)[-1]].append(float(r["at"]))
    per_interval = [_per_interval(reads[mid], poll) for mid in where if len(reads[mid]) > 1]
    gaps = [b - a for mid in where for a, b in zip(reads[mid], reads[mid][1:], strict=False)]
    calls = list(ws.calls)
    posted = [c for c in calls if c.method == "chat.postMessage" and c.status == 200]
    note = (
        f"tracked for {window[1] - window[0]:.0f} s; outbox "
        f"{'drained' if drained else 'NOT drained at the cut-off'}; "
        f"{problems} error/traceback lines in the bot's log"
    )
    return Figures(
        n=n,
        changes=changes,
        delay_p50=percentile(total, 50),
        delay_p95=percentile(total, 95),
        pacing_p95=percentile(pacing, 95),
        own_p50=percentile(own, 50),
        own_p95=percentile(own, 95),
        detect_p95=percentile(detect, 95),
        exactly_once=f"{ok}/{changes}",
        missing=f"{missing} ({waiting} queued, {missing - waiting} not yet seen)"
        if missing
        else "0",
        doubled=doubled,
        bb_per_move_min=len(requests) / n / minutes,
        reads_per_interval=f"{max(per_interval):.2f} (min gap {min(gaps):.1f} s)",
        slack_per_move=len(calls) / n,
        slack_per_step=len(calls) / max(ok, 1),
        posts_per_move=len(posted) / n,
        ratelimited=ws.ratelimited_count,
        cpu_per_min=cpu / minutes,
        rss_peak=rss_peak,
        note=note,
    )
