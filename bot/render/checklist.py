"""Where a move is: the card's compact progress lines, and the full checklist (one line
per step, done / running / to come) that `/migration-status` shows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot import steps
from bot.render.text import age, clip, hhmm, seconds_between
from storage.records import StepRecord, TrackedMigration

DONE = ":white_check_mark:"
RUNNING = ":arrows_counterclockwise:"
TO_COME = ":white_circle:"
STOPPED = ":x:"
NOT_RUN = ":heavy_minus_sign:"
_ABORT_STEPS = ("aborting", "aborted", "failed")
_LABEL_CHARS = 80


def step_label(step: str) -> str:
    return clip(steps.label(step), _LABEL_CHARS)


def ordered_steps(m: TrackedMigration) -> list[str]:
    """`steps.checklist`, with each unknown step moved after the known step seen just
    before it (the step model puts them all before `completed`)."""
    names = steps.checklist(m.seen_steps, m.current_step)
    seen = list(dict.fromkeys([*m.seen_steps, m.current_step]))
    for unknown in [s for s in names if not steps.is_known(s)]:
        before = seen[: seen.index(unknown)] if unknown in seen else []
        anchor = next((s for s in reversed(before) if s in names and s != unknown), None)
        if anchor is None:
            continue
        names.remove(unknown)
        names.insert(names.index(anchor) + 1, unknown)
    return names


def _done(m: TrackedMigration, history: list[StepRecord], names: list[str]) -> set[str]:
    done = set(m.seen_steps) | {r.step for r in history}
    done |= {k[: -len("_done")] for k, v in m.progress.items() if k.endswith("_done") and v is True}
    current = m.current_step
    if current == "completed":
        done |= set(names)
    # every step before the furthest one reached was passed (a kv no-op seen by no poll,
    # or skipped by the server, is not "to come" once a later step ran)
    reached = [steps.HAPPY_PATH.index(s) for s in {*done, current} if s in steps.HAPPY_PATH]
    if reached:
        done |= set(steps.HAPPY_PATH[: max(reached)])
    done.discard(current)
    return done


def stop_step(m: TrackedMigration, history: list[StepRecord], names: list[str]) -> str | None:
    """For aborting / aborted / failed: the step the move stopped at."""
    if m.current_step not in _ABORT_STEPS:
        return None
    for step in reversed(m.seen_steps):
        if step in names:
            return step
    by_time = sorted((r for r in history if r.step in names), key=lambda r: r.started_at)
    return by_time[-1].step if by_time else None


def _durations(history: list[StepRecord]) -> dict[str, float]:
    spent: dict[str, float] = {}
    for r in history:
        if r.ended_at is not None:
            spent[r.step] = spent.get(r.step, 0.0) + seconds_between(r.started_at, r.ended_at)
    return spent


def _started(m: TrackedMigration, history: list[StepRecord], step: str) -> datetime | None:
    if step == m.current_step and m.step_started_at is not None:
        return m.step_started_at
    starts = [r.started_at for r in history if r.step == step]
    return max(starts) if starts else None


def _usually(seconds: float) -> str:
    if seconds >= 60:
        seconds = round(seconds / 60) * 60
    return f"usually ~{age(seconds)}"


def running_line(
    m: TrackedMigration,
    history: list[StepRecord],
    step: str,
    *,
    now: datetime,
    expected: Mapping[str, float],
) -> str:
    line = f"{RUNNING} *{step_label(step)}*"
    start = _started(m, history, step)
    usual = expected.get(step)
    if start is not None:
        elapsed = seconds_between(start, now)
        line += f" — {age(elapsed)} so far"
        if usual and elapsed > 2 * usual:
            line += " (longer than usual)"
    if usual:
        line += f" ({_usually(usual)})"
    return line


def checklist_lines(
    m: TrackedMigration,
    history: list[StepRecord],
    *,
    now: datetime,
    expected: Mapping[str, float],
) -> list[str]:
    names = ordered_steps(m)
    current = m.current_step
    done = _done(m, history, names)
    spent = _durations(history)
    stop = stop_step(m, history, names)
    ended = current in ("aborted", "failed")
    lines: list[str] = []
    for step in names:
        if step == "completed":
            if current == "completed":
                at = f" at {hhmm(m.completed_at)}" if m.completed_at else ""
                lines.append(f"{DONE} *Completed*{at}")
            elif not ended and current != "aborting":
                lines.append(f"{TO_COME} Completed (to come)")
        elif step == stop:
            lines.append(f"{STOPPED} {step_label(step)} — stopped here")
        elif step == current:
            lines.append(running_line(m, history, step, now=now, expected=expected))
        elif step in done:
            took = f" — {age(spent[step])}" if step in spent else ""
            lines.append(f"{DONE} {step_label(step)}{took}")
        elif ended or current == "aborting":
            lines.append(f"{NOT_RUN} {step_label(step)} (not run)")
        else:
            lines.append(f"{TO_COME} {step_label(step)} (to come)")
    if current == "aborting":
        lines.append(running_line(m, history, current, now=now, expected=expected))
    return lines


# --- the compact card: where the move is, in one line, and the way out ------------


def _next_step(names: list[str], current: str) -> str | None:
    if current not in names:
        return None
    later = names[names.index(current) + 1 :]
    return later[0] if later else None


def now_line(
    m: TrackedMigration,
    history: list[StepRecord],
    *,
    now: datetime,
    expected: Mapping[str, float],
) -> str:
    """`Step 4 of 13: Dumping data (2s, usually about 6s) · Next: Restoring data`."""
    current = m.current_step
    where = steps.position(current)
    line = f"Step {where[0]} of {where[1]}: " if where else "Now: "
    line += step_label(current)
    timing = []
    start = _started(m, history, current)
    usual = expected.get(current)
    if start is not None:
        timing.append(age(seconds_between(start, now)))
    if usual:
        timing.append(f"usually about {age(round(usual / 60) * 60 if usual >= 60 else usual)}")
    if start is not None and usual and seconds_between(start, now) > 2 * usual:
        timing.append("longer than usual")
    if timing:
        line += f" ({', '.join(timing)})"
    after = _next_step(ordered_steps(m), current)
    if after is not None:
        line += f" · Next: {step_label(after)}"
    return f"{RUNNING} {line}"


def way_out(m: TrackedMigration) -> str | None:
    """The way back for the phase the move is in (None once it ended)."""
    if steps.may_abort(m.current_step):
        return ":leftwards_arrow_with_hook: Before cutover: Abort available"
    if steps.is_terminal(m.current_step) or m.current_step == "aborting":
        return None
    return ":no_entry: After cutover: no abort; /reverse once completed, if a replica is kept"


def progress_lines(
    m: TrackedMigration,
    history: list[StepRecord],
    *,
    now: datetime,
    expected: Mapping[str, float],
) -> list[str]:
    """The card's few lines on progress; every step and its time is in the thread."""
    current = m.current_step
    if current == steps.MISSING:
        return [":grey_question: Not known yet: Butterbase has not said which step it is at"]
    names = ordered_steps(m)
    if current == "completed":
        at = f" at {hhmm(m.completed_at)}" if m.completed_at else ""
        took = ""
        if m.completed_at is not None:
            took = f" in {age(seconds_between(m.created_at, m.completed_at))}"
        return [f"{DONE} Completed{at} · all {len(names)} steps done{took}"]
    stop = stop_step(m, history, names)
    where = steps.position(stop) if stop else None
    at = f"step {where[0]} of {where[1]}: " if where else ""
    stopped = f"{at}{step_label(stop)}" if stop else "an unknown step"
    if current in ("aborted", "failed"):
        verb = "Failed" if current == "failed" else "Stopped"
        return [f"{STOPPED} {verb} at {stopped}; the steps after it did not run"]
    if current == "aborting":
        line = running_line(m, history, current, now=now, expected=expected)
        return [line.replace("*", ""), f"{STOPPED} Stopped at {stopped}"]
    lines = [now_line(m, history, now=now, expected=expected)]
    out = way_out(m)
    return [*lines, out] if out else lines
