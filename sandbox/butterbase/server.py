"""Serve a simulator over real HTTP on a loopback port, in a background thread."""

from __future__ import annotations

import threading

from starlette.applications import Starlette

from ..server import ServerThread
from .clock import Clock
from .config import SimulatorConfig
from .demo import seed_demo
from .routes import create_app
from .state import Simulator


class SimulatorServer:
    """A `Simulator` behind uvicorn; `start()` returns once it listens.

    `use(other)` swaps the simulator behind the running server (tests share one
    server per module and take a fresh simulator per test).
    """

    def __init__(self, sim: Simulator, *, host: str = "127.0.0.1", port: int | None = None):
        self.sim = sim
        self.app: Starlette = create_app(sim)
        self._thread = ServerThread(self.app, host=host, port=port)
        self._running = False

    @property
    def url(self) -> str:
        return self._thread.url

    def use(self, sim: Simulator) -> Simulator:
        """Serve `sim` from now on; returns it."""
        self.sim = sim
        self.app.state.sim = sim
        return sim

    def start(self) -> SimulatorServer:
        """Listen (a no-op when already listening, so `with run_simulator():` works)."""
        if self._running:
            return self
        closing: threading.Event = self.app.state.closing
        closing.clear()
        self._thread.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop serving; requests held by a "hang" outage are released first."""
        closing: threading.Event = self.app.state.closing
        closing.set()
        self._thread.stop()
        self._running = False

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_simulator(
    config: SimulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    demo: bool = False,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> SimulatorServer:
    """A new simulator, optionally seeded with the demo apps, already listening."""
    sim = Simulator(config, clock)
    if demo:
        seed_demo(sim)
    return SimulatorServer(sim, host=host, port=port).start()
