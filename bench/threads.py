"""Reading a status thread back: which steps each reply line reports (pure functions).

A step reply reads `:white_check_mark: app-42 · Dumping data (2m 5s), Restoring data
done · now *Copying blobs* (step 8 of 11)`, or `app-42 · now *Reserving the
destination* (step 2 of 11)`, or ends with the terminal step in bold (`· *Completed*`);
the asterisks are optional (newer replies name the step without bold).
Several pending replies of one migration are merged into one message, one per line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from bot import steps

_LINE = re.compile(
    r"^(?::white_check_mark: )?(?P<app>\S+) · (?:While the bot was offline: )?"
    r"(?:(?P<done>.+?) done · )?"
    r"(?:now \*?(?P<now>[^*]+?)\*?(?: \(step \d+ of \d+\))?|\*?(?P<end>[^*]+?)\*?)$"
)
_TOOK = re.compile(r" \(\d+(?:\.\d+)?[smhd](?: \d+[smhd])?\)$")
_BY_LABEL = {info.label: name for name, info in steps.STEPS.items()}


def step_named(label: str) -> str:
    """The step name for a label the bot prints (unknown steps come back humanised)."""
    return _BY_LABEL.get(label, label.lower().replace(" ", "_"))


@dataclass
class Mentions:
    """How often each step was reported done, and as the step now running."""

    done: Counter[str] = field(default_factory=Counter)
    now: Counter[str] = field(default_factory=Counter)

    def add(self, other: Mentions) -> None:
        self.done.update(other.done)
        self.now.update(other.now)

    def steps(self) -> set[str]:
        return set(self.done) | set(self.now)


def mentions(text: str) -> Mentions:
    """The steps one message (possibly several merged reply lines) reports."""
    found = Mentions()
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        if match["done"]:
            for part in match["done"].split(", "):
                found.done[step_named(_TOOK.sub("", part.strip()))] += 1
        current = match["now"] or match["end"]
        if current:
            found.now[step_named(current)] += 1
    return found


def reported_once(step: str, seen: Mentions) -> bool:
    """Every step is reported done exactly once (a terminal one: reached exactly once),
    and named as the running step at most once."""
    if steps.is_terminal(step):
        return seen.now[step] == 1 and seen.done[step] == 0
    return seen.done[step] == 1 and seen.now[step] <= 1
