"""When to read a move's status next, and how long it has left: both from how long each
step took in the moves the bot has watched (DESIGN.md's defaults, `bot.steps`, until
it has seen enough of a step).

Pure functions. A step's likely end is a *window*: the 10th to 90th percentile of the
step's finished durations. Far before the window the bot reads rarely (a failure or an
abort by someone else is still seen within `max_gap`), inside it often, and once a step
runs past its window at the plain poll interval. Until a step has been learned, the
defaults only bring reads closer, never further apart than the plain interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot import steps

MIN_SAMPLES = 5  # finished steps of a kind before their durations are trusted
ETA_MIN_SAMPLES = 5  # ... before an ETA is given at all


@dataclass(frozen=True)
class Schedule:
    """The read schedule's settings. `poll` is the plain interval (BOT_POLL_SECONDS)."""

    poll: float
    min_gap: float = 1.0  # never two reads of one move closer than this (real seconds)
    far_factor: float = 3.0  # while the end is far: one read per far_factor x poll

    @property
    def max_gap(self) -> float:
        return self.poll * self.far_factor

    @property
    def fine_gap(self) -> float:
        """The most time between reads inside a step's likely end."""
        return max(self.min_gap, self.poll * 0.4)


@dataclass(frozen=True)
class Window:
    """When a step likely ends, in seconds after it started."""

    lo: float
    hi: float
    learned: bool  # from watched moves (else from the defaults)


def quantile(ordered: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of a sorted, non-empty sequence (`q` in 0..1)."""
    pos = q * (len(ordered) - 1)
    below = math.floor(pos)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (pos - below)


def window(step: str, samples: Sequence[float], schedule: Schedule) -> Window:
    """The likely end of `step`: its durations' 10th-90th percentile, widened to at least
    a fine gap either side of the median; half to twice the default when too few."""
    if len(samples) >= MIN_SAMPLES:
        ordered = sorted(samples)
        mid, margin = quantile(ordered, 0.5), schedule.fine_gap
        lo = min(quantile(ordered, 0.1), mid - margin)
        hi = max(quantile(ordered, 0.9), mid + margin)
        return Window(max(0.0, lo), hi, learned=True)
    expected = steps.expected_seconds(step) or schedule.poll
    return Window(expected * 0.5, expected * 2.0, learned=False)


def next_gap(elapsed: float, likely: Window, schedule: Schedule) -> float:
    """Seconds until the next read of a move whose step started `elapsed` seconds ago."""
    if elapsed < likely.lo:
        gap = likely.lo - elapsed  # land on the window's start
    elif elapsed <= likely.hi:
        gap = min(schedule.fine_gap, (likely.hi - likely.lo) / 4)
    else:
        gap = schedule.poll  # overdue: the plain interval, as without learning
    if not likely.learned:
        gap = min(gap, schedule.poll)  # the defaults are guesses: no longer than usual
    return min(max(gap, schedule.min_gap), schedule.max_gap)


def backoff_gap(schedule: Schedule, retry_after: float | None) -> float:
    """The gap after Butterbase asked to back off: its Retry-After, at least an interval."""
    return max(schedule.poll, retry_after or 0.0)


@dataclass(frozen=True)
class Eta:
    """What is left of a move: `seconds` likely, between `lo` and `hi`, from `moves` seen."""

    seconds: float
    lo: float
    hi: float
    moves: int


def eta(current: str, elapsed: float, samples: Mapping[str, Sequence[float]]) -> Eta | None:
    """How long the rest of a move on the happy path likely takes; None when the bot has
    not watched enough of the steps left (or the move is not on the happy path)."""
    if current not in steps.HAPPY_PATH or steps.is_terminal(current):
        return None
    left = steps.HAPPY_PATH[steps.HAPPY_PATH.index(current) :]
    durations = [sorted(samples.get(s, ())) for s in left if not steps.is_terminal(s)]
    if any(len(d) < ETA_MIN_SAMPLES for d in durations):
        return None
    mid = lo = hi = 0.0
    for i, ordered in enumerate(durations):
        gone = elapsed if i == 0 else 0.0
        mid += max(quantile(ordered, 0.5) - gone, 0.0)
        lo += max(quantile(ordered, 0.1) - gone, 0.0)
        hi += max(quantile(ordered, 0.9) - gone, 0.0)
    return Eta(mid, lo, hi, min(len(d) for d in durations))


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


def eta_text(current: str, elapsed: float, samples: Mapping[str, Sequence[float]]) -> str | None:
    """The card's ETA line, e.g. "about 6 min left (5-8 min, from 12 moves)"; None when
    there is nothing honest to say."""
    found = eta(current, elapsed, samples)
    if found is None:
        return None
    lo, mid, hi = _minutes(found.lo), _minutes(found.seconds), _minutes(found.hi)
    spread = f"{lo}–{hi} min" if hi > lo else "give or take a minute"
    if found.seconds < 60:
        return f"less than a minute left ({spread}, from {found.moves} moves)"
    return f"about {mid} min left ({spread}, from {found.moves} moves)"
