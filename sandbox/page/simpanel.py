"""The simulator panel: apps and regions, migrations in flight, and the fault switches."""

from __future__ import annotations

import html
from typing import Any

from bot import steps
from sandbox.butterbase import Simulator
from sandbox.page.blockkit import attr

OUTAGE_SECONDS = 30.0
RECENT = 6
FAULTS = ("fail-current", "stall", "unstall", "outage", "end-outage")


class FaultError(ValueError):
    """A fault switch that cannot be applied now (the message says why)."""


def apply_fault(sim: Simulator, op: str, app_id: str | None = None) -> str:
    """Flip one switch; returns what was done, in words."""
    sim.advance()
    if op == "outage":
        sim.outage(OUTAGE_SECONDS, "503")
        return f"The Butterbase API answers 503 for {OUTAGE_SECONDS:.0f} s."
    if op == "end-outage":
        sim.end_outage()
        return "The Butterbase API answers again."
    if not app_id or app_id not in sim.apps:
        raise FaultError(f"no app {app_id!r} in the simulator")
    if op == "unstall":
        sim.unstall(app_id)
        return f"{app_id}: stalls lifted."
    migration = sim.in_flight(app_id)
    if migration is None:
        raise FaultError(f"{app_id} has no migration in flight")
    step = migration.current_step
    if op == "fail-current":
        try:
            sim.fail_current(app_id, error=f"{step} failed (simulated from the sandbox panel)")
        except LookupError as exc:
            raise FaultError(str(exc)) from None
        return f"{app_id}: {step} now fails until Butterbase gives up."
    if op == "stall":
        try:
            sim.stall_step(app_id, step)
        except ValueError as exc:
            raise FaultError(str(exc)) from None
        return f"{app_id}: {step} is stalled until you unstall it."
    raise FaultError(f"unknown switch {op!r}")


def _switch(op: str, label: str, app_id: str = "", *, danger: bool = False) -> str:
    style = " bk-danger" if danger else ""
    return (
        f'<button type="button" class="bk-button small{style}" data-sim="{attr(op)}" '
        f'data-app="{attr(app_id)}">{html.escape(label)}</button>'
    )


def _step_words(migration: dict[str, Any]) -> str:
    step = str(migration.get("current_step") or "")
    words = steps.label(step)
    if migration.get("retry_count"):
        words += f" (retry {migration['retry_count']})"
    if migration.get("parked"):
        words += " — stalled"
    replica = migration.get("source_replica_state")
    if step == "completed" and replica:
        words += f" (replica: {str(replica).replace('_', ' ')})"
    return words


def _app_row(app: dict[str, Any], flight: dict[str, Any] | None, faults: dict[str, Any]) -> str:
    app_id = str(app["id"])
    cells = [
        f'<td><code>{html.escape(app_id)}</code><div class="sub">{html.escape(str(app.get("name") or ""))}</div></td>',
        f"<td>{html.escape(str(app.get('region') or ''))}</td>",
    ]
    notes = []
    if faults.get("fail_steps"):
        notes.append("fails: " + ", ".join(html.escape(s) for s in faults["fail_steps"]))
    if faults.get("stalled"):
        notes.append("stalled: " + ", ".join(html.escape(s) for s in faults["stalled"]))
    if faults.get("no_replica"):
        notes.append("no replica")
    if not app.get("has_plan", True):
        notes.append("no plan")
    if flight is not None:
        route = f"→ {html.escape(str(flight.get('dest_region') or ''))}"
        state = f'<div class="flight">{route} · {html.escape(_step_words(flight))}</div>'
        buttons = _switch("fail-current", "Fail step", app_id, danger=True) + _switch(
            "stall", "Stall", app_id
        )
    else:
        state = ""
        buttons = ""
    if faults.get("stalled"):
        buttons += _switch("unstall", "Unstall", app_id)
    note = f'<div class="sub">{"; ".join(notes)}</div>' if notes else ""
    cells.append(f"<td>{state}{note}<div class='switches'>{buttons}</div></td>")
    return f'<tr data-app="{attr(app_id)}">{"".join(cells)}</tr>'


def sim_panel_html(sim: Simulator) -> str:
    """The panel: the API's health, every app with its in-flight move, recent migrations."""
    sim.advance()
    snap = sim.snapshot()
    flights = {
        m["app_id"]: m for m in snap["migrations"] if not steps.is_terminal(str(m["current_step"]))
    }
    faults: dict[str, dict[str, Any]] = snap["faults"]
    outage = snap["outage"]
    if outage:
        health = f'<div class="outage">API unreachable ({html.escape(str(outage.get("mode")))}) until {html.escape(str(outage.get("until", ""))[11:19])} UTC</div>'
        health += _switch("end-outage", "End outage now")
    else:
        health = '<div class="healthy">API answering</div>' + _switch(
            "outage", "API unreachable 30 s", danger=True
        )
    rows = "".join(_app_row(a, flights.get(a["id"]), faults.get(a["id"], {})) for a in snap["apps"])
    regions = ", ".join(html.escape(r) for r in snap["config"]["regions"])
    recent = sorted(snap["migrations"], key=lambda m: str(m.get("created_at")), reverse=True)[
        :RECENT
    ]
    lines = "".join(
        f"<li><code>{html.escape(str(m['migration_id'])[:8])}</code> {html.escape(str(m['app_id']))} "
        f"{html.escape(str(m.get('source_region')))} → {html.escape(str(m.get('dest_region')))}: "
        f"{html.escape(_step_words(m))}</li>"
        for m in recent
    )
    scale = snap["config"]["time_scale"]
    return (
        f'<div class="sim-health">{health}</div>'
        f'<table class="apps"><thead><tr><th>App</th><th>Region</th><th>Move</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        f'<div class="sub">Regions: {regions} · time scale {scale:g}</div>'
        f'<h4>Migrations</h4><ul class="recent">{lines or "<li>none yet</li>"}</ul>'
    )
