"""The thread's words: each tracker event as the reply a person reads. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import steps
from bot.settings import format_duration
from bot.tracking import Event, Milestone, RetryStarted, StepsAdvanced, Stuck
from storage.records import Approval, StepRecord, TrackedMigration


@dataclass(frozen=True)
class Reply:
    text: str
    broadcast: bool = False  # also shown in the channel (milestones)
    key: str = ""  # dedupe key suffix: the same reply is never queued twice


def hhmm(when: datetime | None) -> str:
    return when.strftime("%H:%M UTC") if when else "?"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


def headline(m: TrackedMigration) -> str:
    return f"{m.app_id} · {m.source_region or '?'} → {m.dest_region or '?'}"


def _steps_text(event: StepsAdvanced, m: TrackedMigration) -> str:
    done = []
    for step in event.done:
        seconds = event.durations.get(step)
        took = f" ({format_duration(seconds)})" if seconds is not None else ""
        done.append(f"{steps.label(step)}{took}")
    kv = any(
        s in ("dumping_kv", "restoring_kv") for s in [*m.seen_steps, *event.done, event.now_at]
    )
    position = steps.position(event.now_at, with_kv=kv)
    where = f" (step {position[0]} of {position[1]})" if position else ""
    now = f"now *{steps.label(event.now_at)}*{where}"
    if steps.is_terminal(event.now_at):
        now = f"*{steps.label(event.now_at)}*"
    lead = f"{m.app_id} · " + ("While the bot was offline: " if event.offline else "")
    text = f":white_check_mark: {lead}{', '.join(done)} done · {now}" if done else f"{lead}{now}"
    if done and event.now_at in ("aborting", "aborted", "failed") and event.done[-1] != "aborting":
        # the step it was at never finished: the move stopped there
        text = f":octagonal_sign: {lead}{', '.join(done)} stopped · {now}"
    if event.recovered_from:
        text += f"\n:ok_hand: {steps.label(event.recovered_from)} recovered after retrying."
    return text


def reply_for(event: Event, m: TrackedMigration, *, oncall_group: str = "") -> Reply:
    """The thread reply for one tracker event."""
    if isinstance(event, StepsAdvanced):
        return Reply(_steps_text(event, m), key=f"step:{event.now_at}")
    if isinstance(event, RetryStarted):
        text = (
            f":warning: {m.app_id} · {steps.label(event.step)} is failing and being retried "
            f"(attempt {event.retry_count} of {5}): {short_error(event.error)}"
        )
        return Reply(text, key=f"retry:{event.step}")
    if isinstance(event, Stuck):
        hatch = (
            "Abort is still possible from the card."
            if steps.may_abort(event.step)
            else "Abort is no longer possible; once it completes, `/reverse` is the way back."
        )
        why = (
            "keeps failing"
            if event.failing
            else f"has run {format_duration(event.elapsed)} (usually ~{format_duration(event.expected)})"
        )
        text = f":hourglass: {pings(m, oncall_group)} {headline(m)} looks stuck: {steps.label(event.step)} {why}. {hatch}"
        return Reply(text.replace("  ", " "), key=f"stuck:{event.step}")
    return _milestone(event, m, oncall_group)


def _milestone(event: Milestone, m: TrackedMigration, oncall_group: str) -> Reply:
    if event.kind == "cutover":
        text = (
            f":twisted_rightwards_arrows: {headline(m)} · Cutover: traffic is moving to "
            f"{m.dest_region}. Abort is no longer possible; `/reverse` is the way back."
        )
    elif event.kind == "completed":
        text = f":tada: {headline(m)} · Completed: the app is served from {m.dest_region}."
        if m.replica_state == "replicating":
            text += f" The source replica in {m.source_region} is retained, so the move can be reversed."
        elif m.replica_state == "none":
            text += " No source replica could be set up: the move cannot be reversed."
    elif event.kind == "aborted":
        if event.user_requested:
            text = f":octagonal_sign: {headline(m)} · Aborted on request. The app stays in {m.source_region}."
        else:
            text = (
                f":octagonal_sign: {pings(m, oncall_group)} {headline(m)} · Aborted: the move failed "
                f"before cutover and was rolled back ({short_error(event.error)}). "
                f"The app stays in {m.source_region}."
            )
    else:
        text = (
            f":rotating_light: {pings(m, oncall_group)} {headline(m)} · FAILED after cutover "
            f"({short_error(event.error)}). It needs manual review: the app is served from "
            f"{m.dest_region}. Abort is not possible."
        )
    return Reply(
        " ".join(text.split(" ")).replace("  ", " "), broadcast=True, key=f"milestone:{event.kind}"
    )


def summary(
    m: TrackedMigration, history: list[StepRecord], approvals: list[Approval], *, now: datetime
) -> Reply:
    """The thread's last word on a move: who, what was approved, each step's time, the end."""
    lines = [f"*Summary* · {headline(m)}"]
    who = f"<@{m.requester}>" if m.requester else "someone outside Slack"
    kind = "Reverse" if m.kind == "reverse" else "Move"
    lines.append(f"{kind} started by {who} at {hhmm(m.created_at)}.")
    for a in approvals:
        names = ", ".join(f"<@{u}>" for u in a.approvers) or "nobody"
        lines.append(
            f"{a.kind.capitalize()} requested by <@{a.requester}>: {a.status} (approved by {names})."
        )
    timed = []
    for record in history:
        if record.ended_at is not None and record.outcome == "done":
            took = format_duration((record.ended_at - record.started_at).total_seconds())
            timed.append(f"{steps.label(record.step)} {took}")
        elif record.outcome == "done_unobserved":
            timed.append(f"{steps.label(record.step)} (between two checks)")
    if timed:
        lines.append("Steps: " + " · ".join(timed))
    total = format_duration((now - m.created_at).total_seconds())
    lines.append(f"Final state: *{steps.label(m.current_step)}* at {hhmm(now)} ({total} in all).")
    if m.last_error and m.current_step != "completed":
        lines.append(f"Last error: {short_error(m.last_error)}")
    return Reply("\n".join(lines), key="summary")


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
        f":grey_question: Butterbase no longer knows migration `{m.short_id}` of {m.app_id} "
        "(404). I've stopped following it; `/migration-status "
        f"{m.app_id}` shows what is running now.",
        key="not-found",
    )


def writes_still_paused(m: TrackedMigration, oncall_group: str) -> Reply:
    return Reply(
        f":rotating_light: {pings(m, oncall_group)} Writes to {m.app_id} are STILL PAUSED after "
        "the abort: Butterbase's abort runs no compensation, so the app answers 503 to writes "
        "and the destination's reservation is left behind. Ask Butterbase support to restore "
        "writes; I'll say here when they flow again.",
        broadcast=True,
        key="writes-paused",
    )


def writes_resumed(m: TrackedMigration) -> Reply:
    return Reply(
        f":white_check_mark: Writes to {m.app_id} are flowing again.", key="writes-resumed"
    )
