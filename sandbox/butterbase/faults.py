"""Injected trouble: per-app step faults and whole-API outages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .clock import iso

OutageMode = Literal["503", "502_html", "hang"]
OUTAGE_MODES: tuple[str, ...] = ("503", "502_html", "hang")


@dataclass(slots=True)
class StepFailure:
    """The next `remaining` attempts of a step fail with `error`."""

    remaining: int
    error: str


@dataclass(slots=True)
class AppFaults:
    """What is set to go wrong for one app's migrations."""

    failures: dict[str, StepFailure] = field(default_factory=dict)
    stalled: set[str] = field(default_factory=set)
    no_replica: bool = False
    pending_deprovision: bool = False

    def take_failure(self, step: str) -> str | None:
        """Consume one planned failure of `step`; its error message, or None to succeed."""
        failure = self.failures.get(step)
        if failure is None or failure.remaining <= 0:
            return None
        failure.remaining -= 1
        if failure.remaining == 0:
            del self.failures[step]
        return failure.error

    def fails_next(self, step: str) -> bool:
        """Whether the next attempt of `step` is planned to fail."""
        failure = self.failures.get(step)
        return failure is not None and failure.remaining > 0

    def clear_failure(self, step: str) -> None:
        self.failures.pop(step, None)

    @property
    def empty(self) -> bool:
        return not (self.failures or self.stalled or self.no_replica or self.pending_deprovision)

    def to_json(self) -> dict[str, Any]:
        return {
            "fail_steps": {
                step: {"remaining": f.remaining, "error": f.error}
                for step, f in self.failures.items()
            },
            "stalled": sorted(self.stalled),
            "no_replica": self.no_replica,
            "pending_deprovision": self.pending_deprovision,
        }


@dataclass(slots=True)
class Outage:
    """Every non-control route misbehaves in `mode` until `until`."""

    mode: OutageMode
    until: datetime

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "until": iso(self.until)}
