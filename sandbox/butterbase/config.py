"""The simulator's settings: regions, timings, keys and how strict the move route is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_REGIONS: tuple[str, ...] = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
)

# Seconds per step at time_scale 1.0: a move (all thirteen steps) takes about 9 minutes.
DEFAULT_STEP_DURATIONS: dict[str, float] = {
    "requested": 2,
    "reserving_dest": 20,
    "blocking_writes": 5,
    "dumping_data": 120,
    "restoring_data": 180,
    "dumping_kv": 30,
    "restoring_kv": 30,
    "copying_blobs": 90,
    "copying_runtime": 30,
    "flipping_routing": 10,
    "setting_up_reverse_replication": 30,
    "unblocking_writes": 5,
    "aborting": 15,
}

DEFAULT_API_KEYS: dict[str, str] = {
    "bb_sk_test_bot": "user-bot",
    "bb_sk_test_dashboard": "user-dashboard",
}

BOT_KEY = "bb_sk_test_bot"
DASHBOARD_KEY = "bb_sk_test_dashboard"


class SimulatorConfig(BaseModel):
    """How the simulated Butterbase behaves.

    `time_scale` multiplies every duration: 1.0 is realistic (minutes), 0.1 makes a
    move take about a minute, 0.002 about a second.

    `report_dump_size` False (the published server): `dump_bytes` is 0 for every move
    and a replica's estimated cost is 0. True: the documented case, a real dump size
    and the app's `replica_cost` (an app may override it, see `App.report_dump_size`).
    """

    model_config = ConfigDict(extra="forbid")

    regions: list[str] = Field(default_factory=lambda: list(DEFAULT_REGIONS))
    time_scale: float = Field(default=1.0, gt=0)
    step_durations: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_STEP_DURATIONS))
    retry_delay: float = Field(default=15.0, ge=0)
    lenient_regions: bool = False
    report_dump_size: bool = False
    api_keys: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_API_KEYS))
    tick_seconds: float = Field(default=0.02, gt=0)

    def step_seconds(self, step: str) -> float:
        """Scaled duration of one attempt of `step` (unknown steps: 10 s at scale 1)."""
        return (
            self.step_durations.get(step, DEFAULT_STEP_DURATIONS.get(step, 10.0)) * self.time_scale
        )

    def retry_seconds(self) -> float:
        """Scaled delay before a failed step's next attempt ends."""
        return self.retry_delay * self.time_scale
