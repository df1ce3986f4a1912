"""Test helpers: a fresh simulator on a manual clock behind a shared running server.

server = SimulatorServer(Simulator()).start()      # once per test module
bb = Harness(server, config=SimulatorConfig(lenient_regions=True))  # per test
bb.seed("app-42", region="us-east-1")
mid = bb.move("app-42", "eu-west-1").json()["migration_id"]
bb.run_until(mid, "flipping_routing")
"""

from __future__ import annotations

from typing import Any

import httpx

from .clock import ManualClock
from .config import BOT_KEY, SimulatorConfig
from .models import App, Migration
from .server import SimulatorServer
from .state import Simulator


class Harness:
    """A new `Simulator` (on a `ManualClock`) swapped into `server`, and an HTTP client."""

    def __init__(
        self,
        server: SimulatorServer,
        *,
        config: SimulatorConfig | None = None,
        key: str = BOT_KEY,
    ) -> None:
        self.clock = ManualClock()
        self.sim = server.use(Simulator(config, self.clock))
        self.server = server
        # Plain HTTP on loopback: verify=False skips loading CA certificates (~40 ms).
        self.http = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=5.0,
            verify=False,
        )

    def close(self) -> None:
        self.sim.end_outage()
        self.http.close()

    def seed(self, app_id: str, *, region: str = "us-east-1", **kwargs: Any) -> App:
        return self.sim.seed_app(app_id, region=region, **kwargs)

    def move(self, app_id: str, dest: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(f"/v1/apps/{app_id}/move", json={"dest_region": dest}, **kwargs)

    def start(self, app_id: str, dest: str) -> str:
        """Start a move that must be accepted; its migration id."""
        response = self.move(app_id, dest)
        assert response.status_code == 202, response.text
        migration_id: str = response.json()["migration_id"]
        return migration_id

    def status(self, app_id: str, migration_id: str) -> dict[str, Any]:
        response = self.http.get(f"/v1/apps/{app_id}/migrations/{migration_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def app(self, app_id: str) -> dict[str, Any]:
        """The app as `GET /apps` shows it."""
        apps = self.http.get("/apps").json()["apps"]
        return next(a for a in apps if a["id"] == app_id)

    def migration(self, migration_id: str) -> Migration:
        return self.sim.migrations[migration_id]

    def tick(self, seconds: float) -> None:
        """Move the clock on and let the saga catch up."""
        self.clock.advance(seconds)
        self.sim.advance()

    def run_until(self, migration_id: str, step: str, *, limit: float = 7200.0) -> None:
        """Tick half a second at a time until the migration is at `step`."""
        waited = 0.0
        while self.migration(migration_id).current_step != step:
            if waited > limit:
                raise AssertionError(
                    f"{migration_id} never reached {step}; "
                    f"at {self.migration(migration_id).current_step}"
                )
            self.tick(0.5)
            waited += 0.5

    def finish(self, migration_id: str) -> str:
        """Run the migration to its end; its final step."""
        self.tick(7200)
        return self.migration(migration_id).current_step

    def requests_made(self) -> list[tuple[str, str]]:
        """(method, path) of every non-control request the server received."""
        return [(r["method"], r["path"]) for r in self.sim.requests]
