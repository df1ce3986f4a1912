"""The thread's words: each tracker event as the reply a person reads. Pure.

Every text from Butterbase or a person (app ids, regions, step names, errors) goes
through `escape` (`bot.render.text`'s one rule); only the bot's own mentions stay live.

Phone truth: a reply's first line is what a notification shows, so an alert leads with
the state and the app ("FAILED after cutover: doomed — …") and puts its mentions last;
no reply uses `*` or backticks (a notification shows them as they are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import steps
from bot.models import App
from bot.render.text import escape, est_cost, known_cost
from bot.settings import format_duration
from bot.tracking import Event, Milestone, RetryStarted, StepsAdvanced, Stuck
from storage.records import MILESTONE, URGENT, Approval, StepRecord, TrackedMigration


@dataclass(frozen=True)
class Reply:
    text: str
    broadcast: bool = False  # also shown in the channel: it needs a person or ends a move
    key: str = ""  # dedupe key suffix: the same reply is never queued twice
    priority: int | None = None  # outbox priority; None: the kind's default


def hhmm(when: datetime | None) -> str:
    return when.strftime("%H:%M UTC") if when else "?"


def short_error(error: str | None, limit: int = 300) -> str:
    if not error:
        return "no error message"
    text = " ".join(error.split())
    if len(text) > limit:  # cut before escaping: never half an entity
        text = text[: limit - 1] + "…"
    return escape(text)


def pings(m: TrackedMigration, oncall_group: str) -> str:
    who = []
    if m.requester:
        who.append(f"<@{m.requester}>")
    if oncall_group:
        who.append(f"<!subteam^{oncall_group}>")
    return " ".join(who)


def app(m: TrackedMigration) -> str:
    return escape(m.app_id)


def source(m: TrackedMigration) -> str:
    return escape(m.source_region or "the source region")


def dest(m: TrackedMigration) -> str:
    return escape(m.dest_region or "the destination")


def label(step: str) -> str:
    """A step's label, escaped (an unknown step is shown as the server named it)."""
    return escape(steps.label(step))


def route(m: TrackedMigration) -> str:
    """`us-east-1 → eu-west-1`; a reverse: `back to us-east-1 from eu-central-1`."""
    if m.kind == "reverse":
        return escape(f"back to {m.dest_region or '?'} from {m.source_region or '?'}")
    return escape(f"{m.source_region or '?'} → {m.dest_region or '?'}")


def headline(m: TrackedMigration) -> str:
    return f"{app(m)} · {route(m)}"


def _alert(text: str, who: str) -> str:
    """An alert: its words first, the mentions last (a notification shows the start)."""
    return f"{text} {who}".strip() if who else text


def _steps_text(event: StepsAdvanced, m: TrackedMigration) -> str:
    done = []
    for step in event.done:
        seconds = event.durations.get(step)
        took = f" ({format_duration(seconds)})" if seconds is not None else ""
        done.append(f"{label(step)}{took}")
    position = steps.position(event.now_at)
    where = f" (step {position[0]} of {position[1]})" if position else ""
    now = f"now {label(event.now_at)}{where}"
    if steps.is_terminal(event.now_at):
        now = label(event.now_at)
    lead = f"{app(m)} · " + ("While the bot was offline: " if event.offline else "")
    text = f":white_check_mark: {lead}{', '.join(done)} done · {now}" if done else f"{lead}{now}"
    if done and event.now_at in ("aborting", "aborted", "failed") and event.done[-1] != "aborting":
        if event.unseen_stop:  # where it was last seen, not a guess at what failed
            text = (
                f":octagonal_sign: {lead}last seen at {', '.join(done)}; it stopped there or "
                f"at a later step (not seen: it ended between two checks) · {now}"
            )
        else:  # the step it was at (seen retrying) never finished: the move stopped there
            text = f":octagonal_sign: {lead}{', '.join(done)} stopped · {now}"
    if event.recovered_from:
        text += f"\n:ok_hand: {label(event.recovered_from)} recovered after retrying."
    return text


def _stuck(event: Stuck, m: TrackedMigration, oncall_group: str) -> Reply:
    if steps.may_abort(event.step):
        hatch = "Abort is still possible from the card."
    elif event.step == steps.CUTOVER and m.flipped_at is None:
        hatch = "Abort is no longer possible: cutover has started (routing has not flipped yet)."
    elif steps.is_past_cutover(event.step):
        hatch = "Abort is no longer possible (past cutover)."
    else:
        hatch = "Abort is not offered at a step the bot does not know."
    why = (
        "keeps failing"
        if event.failing
        else f"has run {format_duration(event.elapsed)}, usually about "
        f"{format_duration(event.expected)}"
    )
    text = f"Looks stuck: {headline(m)} · {label(event.step)} {why}. {hatch}"
    return Reply(
        _alert(text, pings(m, oncall_group)),
        broadcast=True,
        key=f"stuck:{event.step}",
        priority=URGENT,
    )


def reply_for(
    event: Event, m: TrackedMigration, *, oncall_group: str = "", aborted_by: str | None = None
) -> Reply:
    """The thread reply for one tracker event. `aborted_by`: who asked for the abort."""
    if isinstance(event, StepsAdvanced):
        return Reply(_steps_text(event, m), key=f"step:{event.now_at}")
    if isinstance(event, RetryStarted):
        text = (
            f":warning: {app(m)} · {label(event.step)} is failing and being retried "
            f"(attempt {event.retry_count} of {5}): {short_error(event.error)}"
        )
        return Reply(text, key=f"retry:{event.step}")
    if isinstance(event, Stuck):
        return _stuck(event, m, oncall_group)
    return _milestone(event, m, oncall_group, aborted_by)


def where_served(m: TrackedMigration, seen: App | None) -> str:
    """After a failure: where the app is served from, as `GET /apps` says (never guessed)."""
    if seen is None or not seen.region:
        return "where it is served from could not be read: check before acting"
    region = escape(seen.region)
    paused = ", writes still paused" if seen.writes_paused else ""
    if seen.region == m.source_region:
        return f"still served from {region} (routing did not flip){paused}"
    return f"served from {region}{paused}"


def fast_reverse(m: TrackedMigration) -> str:
    """What a fast reverse did: no step ran, traffic switched back at once."""
    at = m.flipped_at or m.completed_at
    when = f" at {hhmm(at)}" if at else ""
    return (
        f"Traffic switched back to {dest(m)}{when}: the replica kept there was promoted "
        f"to be the app's database again, and no step ran. {source(m)} no longer serves the "
        "app; no replica is kept there."
    )


def _completed(m: TrackedMigration) -> str:
    if m.kind == "reverse":
        text = f"Reversed: {app(m)} is back in {dest(m)} (from {source(m)})."
    else:
        text = f"Completed: {app(m)} is served from {dest(m)} (moved from {source(m)})."
    if m.flipped_at:
        text += f" Traffic moved at {hhmm(m.flipped_at)}."
    if m.replica_state == "replicating" and m.kind != "reverse":
        cost = f", {est_cost(m.replica_cost)}" if known_cost(m.replica_cost) else ""
        text += (
            f" A replica is kept in {source(m)}{cost}: /reverse {app(m)} can move it back "
            "(approval needed)."
        )
    elif m.replica_state == "none":
        text += f" No replica was kept in {source(m)}: the move cannot be reversed."
    return text


def _failed(event: Milestone, m: TrackedMigration) -> str:
    flipped = m.flipped_at or any(step in steps.FLIPPED for step in m.seen_steps)
    stage = "after cutover" if flipped else "during cutover"
    return (
        f"FAILED {stage}: {app(m)} — {where_served(m, event.app)}. Butterbase gave up "
        f"({short_error(event.error)}); it needs manual review. Abort is not possible."
    )


PAUSED_ADVICE = (
    "Butterbase does not unpause writes by itself: ask Butterbase support to restore them. "
    "I'll say here when they flow again."
)


def _paused(event: Milestone) -> str:
    """`, writes still paused (503)` when `GET /apps` said so as the move ended."""
    return (
        ", writes still paused (503)" if event.app is not None and event.app.writes_paused else ""
    )


def _milestone(
    event: Milestone, m: TrackedMigration, oncall_group: str, aborted_by: str | None
) -> Reply:
    who = "" if event.already_pinged else pings(m, oncall_group)
    key, priority = f"milestone:{event.kind}", MILESTONE
    if event.kind == "fast_reverse":
        text = f"Reversed: {app(m)} is back in {dest(m)}. {fast_reverse(m)}"
    elif event.kind == "cutover":
        at = f" at {hhmm(m.flipped_at)}" if m.flipped_at else ""
        text = (
            f":twisted_rightwards_arrows: Cutover: {app(m)}'s traffic now goes to {dest(m)} "
            f"(routing flipped{at}). Abort is no longer possible."
        )
        return Reply(text, key=key, priority=MILESTONE)  # the thread only: nobody must act
    elif event.kind == "completed":
        text = _completed(m)
    elif event.kind == "aborted" and event.user_requested:
        by = f" by <@{aborted_by}>" if aborted_by else ""
        text = f"Aborted on request{by}: {app(m)} stays in {source(m)}{_paused(event)}."
        if _paused(event):  # one message, one page: the writes a person's abort left paused
            text = _alert(f"{text} {PAUSED_ADVICE}", pings(m, oncall_group))  # a new incident
            priority = URGENT
    elif event.kind == "aborted":
        text = _alert(
            f"Aborted: {app(m)} stays in {source(m)}{_paused(event)}. The move failed before "
            f"cutover and was rolled back ({short_error(event.error)})."
            + (f" {PAUSED_ADVICE}" if _paused(event) else ""),
            who,
        )
        priority = URGENT if who else MILESTONE
    else:
        text = _alert(_failed(event, m), who)
        priority = URGENT if who else MILESTONE
    return Reply(text, broadcast=True, key=key, priority=priority)


def outage(error: str) -> Reply:
    return Reply(
        f":electric_plug: Butterbase is not answering ({short_error(error, 160).rstrip('.')}). "
        "I'll keep checking and say here when it is back.",
        key="outage",
    )


def outage_over(seconds: float) -> Reply:
    return Reply(
        f":electric_plug: Butterbase is answering again after {format_duration(seconds)}; tracking resumed.",
        key="outage-over",
    )


def not_found(m: TrackedMigration) -> Reply:
    return Reply(
        f":grey_question: Butterbase no longer knows move {escape(m.short_id)} of "
        f"{app(m)} (404). I've stopped following it; /migration-status {app(m)} shows "
        "what is running now.",
        key="not-found",
    )


def writes_still_paused(m: TrackedMigration, oncall_group: str, *, ping: bool = True) -> Reply:
    """Writes stayed paused after the move ended. `ping`: no one was paged for it yet."""
    after = "the abort" if m.current_step in ("aborted", "aborting") else "the move ended"
    text = (
        f"Writes STILL PAUSED: {app(m)} answers 503 to writes after {after}. Butterbase "
        "does not unpause them by itself; ask Butterbase support to restore writes. "
        "I'll say here when they flow again."
    )
    return Reply(
        _alert(text, pings(m, oncall_group) if ping else ""),
        broadcast=True,
        key="writes-paused",
        priority=MILESTONE,
    )


def writes_resumed(m: TrackedMigration) -> Reply:
    return Reply(f":white_check_mark: Writes to {app(m)} are flowing again.", key="writes-resumed")


def summary(
    m: TrackedMigration,
    history: list[StepRecord],
    approvals: list[Approval],
    *,
    now: datetime,
    fast: bool = False,
    aborted_by: str | None = None,
) -> Reply:
    """The thread's last word on a move (told by `bot.thread_summary`)."""
    from bot.thread_summary import summary_text  # it reads this module's helpers

    return Reply(
        summary_text(m, history, approvals, now=now, fast=fast, aborted_by=aborted_by),
        key="summary",
    )
