"""Demo apps for the sandbox: a few ordinary ones and a few with trouble planned."""

from __future__ import annotations

from .state import Simulator


def seed_demo(sim: Simulator) -> None:
    """Seed the demo apps (idempotent: reseeding replaces them).

    Every move runs the thirteen steps; like the published server, dumps report no
    size, so a replica's estimated cost is 0 (unknown) unless said otherwise.

    - `app-42` (us-east-1), `shop-eu` (eu-west-1): plain moves;
    - `blog` (us-east-1): has kv data, so its two kv steps have keys to copy;
    - `flaky-api` (us-west-2): `copying_blobs` fails twice, then recovers;
    - `doomed` (us-east-1): `setting_up_reverse_replication` fails five times → failed;
    - `no-replica` (eu-central-1): completes with no source replica retained;
    - `mystery-cost` (ap-southeast-1): its replica's cost is unknown (null);
    - `free-tier` (us-east-1): its owner has no plan, so moves are ineligible;
    - `big-db` (us-west-2): its dump reports a size, so its replica has a real cost.
    """
    sim.seed_app("app-42", region="us-east-1", name="App 42")
    sim.seed_app("shop-eu", region="eu-west-1", name="Shop (EU)", replica_cost=118.0)
    sim.seed_app("blog", region="us-east-1", name="Blog", kv=True, replica_cost=12.75)
    sim.seed_app("flaky-api", region="us-west-2", name="Flaky API")
    sim.fail_step("flaky-api", "copying_blobs", 2, error="blob copy timed out (bucket throttled)")
    sim.seed_app("doomed", region="us-east-1", name="Doomed")
    sim.fail_step(
        "doomed",
        "setting_up_reverse_replication",
        5,
        error="could not create replication slot: too many replication slots",
    )
    sim.seed_app("no-replica", region="eu-central-1", name="No replica")
    sim.no_replica("no-replica")
    sim.seed_app("mystery-cost", region="ap-southeast-1", name="Mystery cost", replica_cost=None)
    sim.seed_app("free-tier", region="us-east-1", name="Free tier", has_plan=False)
    sim.seed_app(
        "big-db", region="us-west-2", name="Big DB", replica_cost=240.0, report_dump_size=True
    )
