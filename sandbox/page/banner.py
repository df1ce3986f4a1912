"""The one block the sandbox prints when it is ready."""

from __future__ import annotations

from pathlib import Path

from bot import steps
from sandbox.butterbase import Simulator
from sandbox.page.stack import PEOPLE, Sandbox


def describe_app(sim: Simulator, app_id: str) -> str:
    """`flaky-api (us-west-2): Copying blobs fails 2 times, then recovers`."""
    app = sim.apps[app_id]
    notes: list[str] = []
    if app.kv:
        notes.append("has key-value data")
    faults = sim.faults_for(app_id)
    for step, failure in faults.failures.items():
        if failure.remaining >= 5:
            ending = "fails for good" + (" after cutover" if steps.is_past_cutover(step) else "")
            notes.append(f"{steps.label(step)} {ending}")
        else:
            notes.append(f"{steps.label(step)} fails {failure.remaining}× then recovers")
    if faults.no_replica:
        notes.append("no replica is kept")
    reports_size = (
        app.report_dump_size if app.report_dump_size is not None else sim.config.report_dump_size
    )
    if app.replica_cost is None:
        notes.append("replica cost unknown")
    elif reports_size:
        notes.append(f"replica costs ${app.replica_cost:,.2f}/month")
    if not app.has_plan:
        notes.append("no plan: cannot move")
    extra = f" — {'; '.join(notes)}" if notes else ""
    return f"{app_id} ({app.region}){extra}"


def banner(
    sandbox: Sandbox,
    *,
    seconds: float,
    db: Path,
    existed: bool,
    forgotten: int,
    move_seconds: float,
    time_scale: float,
) -> str:
    """The URL, the people, the apps, and how to stop."""
    width = max(len(name) for _, name, _ in PEOPLE)
    people = [f"    {name:<{width}}  {uid:<7} {role}" for uid, name, role in PEOPLE]
    with sandbox.sim.lock:
        apps = [f"    {describe_app(sandbox.sim, app_id)}" for app_id in sandbox.sim.apps]
    regions = ", ".join(sandbox.sim.config.regions)
    kept = ""
    if existed:
        kept = f" (kept from an earlier run: {forgotten} old migration(s) no longer followed; --reset clears it)"
    lines = [
        "",
        f"Butterbase migrations bot — local sandbox, ready in {seconds:.1f} s",
        "",
        f"  Open {sandbox.url} in your browser.",
        "",
        "  People (switch at the top of the page):",
        *people,
        "",
        "  Apps in the simulated Butterbase:",
        *apps,
        f"    regions: {regions}",
        "",
        f"  A move takes about {move_seconds:.0f} s (time scale {time_scale:g}).",
        "  Try: /migrate app-42 eu-west-1",
        f"  Sandbox database: {db}{kept}",
        "",
        "Ctrl-C to stop.",
    ]
    return "\n".join(lines)
