"""The migration saga's steps: order, labels, phases and expected durations.

Pure data and functions; the only place that knows what a step name means.
A step the bot has never heard of is shown humanised and treated conservatively
(never abortable, never terminal).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Phase(str, Enum):
    BEFORE_CUTOVER = "before_cutover"
    AFTER_CUTOVER = "after_cutover"
    TERMINAL = "terminal"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StepInfo:
    name: str
    label: str
    phase: Phase
    writes_paused: bool
    expected_seconds: float


# The thirteen the published server runs for every app, in order: the documented
# eleven, plus the kv steps (no-ops without key-value data) where the server runs them.
_STEPS: tuple[StepInfo, ...] = (
    StepInfo("requested", "Requested", Phase.BEFORE_CUTOVER, False, 10),
    StepInfo("reserving_dest", "Reserving the destination", Phase.BEFORE_CUTOVER, False, 60),
    StepInfo("blocking_writes", "Blocking writes", Phase.BEFORE_CUTOVER, True, 30),
    StepInfo("dumping_data", "Dumping data", Phase.BEFORE_CUTOVER, True, 300),
    StepInfo("restoring_data", "Restoring data", Phase.BEFORE_CUTOVER, True, 420),
    StepInfo("dumping_kv", "Dumping key-value data", Phase.BEFORE_CUTOVER, True, 60),
    StepInfo("restoring_kv", "Restoring key-value data", Phase.BEFORE_CUTOVER, True, 60),
    StepInfo("copying_blobs", "Copying blobs", Phase.BEFORE_CUTOVER, True, 240),
    StepInfo("copying_runtime", "Copying the runtime", Phase.BEFORE_CUTOVER, True, 90),
    StepInfo("flipping_routing", "Flipping routing (cutover)", Phase.AFTER_CUTOVER, True, 30),
    StepInfo(
        "setting_up_reverse_replication",
        "Setting up reverse replication",
        Phase.AFTER_CUTOVER,
        True,
        90,
    ),
    StepInfo("unblocking_writes", "Unblocking writes", Phase.AFTER_CUTOVER, True, 30),
    StepInfo("completed", "Completed", Phase.TERMINAL, False, 0),
)
_EXTRA: tuple[StepInfo, ...] = (
    StepInfo("aborting", "Aborting (compensating)", Phase.BEFORE_CUTOVER, False, 60),
    StepInfo("aborted", "Aborted", Phase.TERMINAL, False, 0),
    StepInfo("failed", "Failed (needs manual review)", Phase.TERMINAL, False, 0),
)

STEPS: dict[str, StepInfo] = {s.name: s for s in _STEPS + _EXTRA}
HAPPY_PATH: tuple[str, ...] = tuple(s.name for s in _STEPS)  # 13, as the server runs them
ALL_ORDERED = HAPPY_PATH
KV_STEPS: tuple[str, ...] = ("dumping_kv", "restoring_kv")
DOCUMENTED: tuple[str, ...] = tuple(s for s in HAPPY_PATH if s not in KV_STEPS)  # the docs' 11
TERMINAL: frozenset[str] = frozenset({"completed", "aborted", "failed"})
CUTOVER = "flipping_routing"
# steps that come only once routing has flipped: seeing one means the cutover happened
FLIPPED: frozenset[str] = frozenset(
    {"setting_up_reverse_replication", "unblocking_writes", "completed"}
)
MISSING = ""  # a status without a step: says nothing about where the move is


def humanise(step: str) -> str:
    """`some_new_step` → `Some new step`; used for names the bot does not know."""
    words = step.replace("-", " ").replace("_", " ").split()
    if not words:
        return "Unknown step"
    text = " ".join(words)
    return text[0].upper() + text[1:]


def info(step: str) -> StepInfo:
    """What the bot knows of `step`; an unknown step gets a humanised label."""
    known = STEPS.get(step)
    if known is not None:
        return known
    return StepInfo(step, humanise(step), Phase.UNKNOWN, False, 120)


def label(step: str) -> str:
    return info(step).label


def is_known(step: str) -> bool:
    return step in STEPS


def is_terminal(step: str) -> bool:
    return step in TERMINAL


def is_past_cutover(step: str) -> bool:
    """True from `flipping_routing` on, and for `completed` and `failed`.

    `failed` only happens from cutover on (a failure before it is compensated and
    ends `aborted`), so the way back from it is reverse or manual review.
    """
    if step in ("completed", "failed"):
        return True
    return info(step).phase is Phase.AFTER_CUTOVER


def may_abort(step: str) -> bool:
    """The bot's own rule: abort only a running migration that is before cutover.

    Stricter than the server, which answers 200 for `failed`, `aborted`,
    `aborting` and for step names it does not know.
    """
    return info(step).phase is Phase.BEFORE_CUTOVER and step != "aborting"


def writes_paused(step: str) -> bool:
    return info(step).writes_paused


def position(step: str) -> tuple[int, int] | None:
    """(n, 13) for "step n of 13", or None for steps outside the happy path.

    Always out of thirteen: the server runs the kv steps for every app, so the count
    never changes in the middle of a move (even against a server that skipped them).
    """
    if step not in HAPPY_PATH:
        return None
    return HAPPY_PATH.index(step) + 1, len(HAPPY_PATH)


def is_behind(step: str, than: str) -> bool:
    """`step` comes before `than` on the happy path: a move never goes back, so a
    status saying so is not news about where the move is."""
    if step not in HAPPY_PATH or than not in HAPPY_PATH:
        return False
    return HAPPY_PATH.index(step) < HAPPY_PATH.index(than)


def expected_seconds(step: str) -> float:
    return info(step).expected_seconds


def checklist(seen_steps: list[str], current: str) -> list[str]:
    """The steps to show on a card, in order: the happy path, plus any optional or
    unknown steps this migration has actually been through (in the order seen)."""
    base = list(HAPPY_PATH)
    extra = [
        s
        for s in dict.fromkeys([*seen_steps, current])
        if s not in base and s not in ("aborting", "aborted", "failed", MISSING)
    ]
    if not extra:
        return base
    # unknown steps go just before the step that followed them when seen, else before completed
    result = base[:-1] + extra + base[-1:]
    return result
