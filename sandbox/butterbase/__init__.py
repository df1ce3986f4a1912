"""A faithful Butterbase control-API simulator: the saga on a clock, faults, and quirks.

sim = Simulator(SimulatorConfig(time_scale=0.002), ManualClock())
sim.seed_app("app-42", region="us-east-1")
with SimulatorServer(sim) as server:
    ...  # talk to server.url with "Authorization: Bearer bb_sk_test_bot"
"""

from __future__ import annotations

from .clock import Clock, ManualClock, SystemClock, iso
from .config import (
    BOT_KEY,
    DASHBOARD_KEY,
    DEFAULT_API_KEYS,
    DEFAULT_REGIONS,
    DEFAULT_STEP_DURATIONS,
    SimulatorConfig,
)
from .demo import seed_demo
from .models import STEPS, TERMINAL, ApiError, App, Migration, steps_for
from .routes import create_app
from .server import SimulatorServer, run_simulator
from .state import Simulator

__all__ = [
    "BOT_KEY",
    "DASHBOARD_KEY",
    "DEFAULT_API_KEYS",
    "DEFAULT_REGIONS",
    "DEFAULT_STEP_DURATIONS",
    "STEPS",
    "TERMINAL",
    "ApiError",
    "App",
    "Clock",
    "ManualClock",
    "Migration",
    "Simulator",
    "SimulatorConfig",
    "SimulatorServer",
    "SystemClock",
    "create_app",
    "iso",
    "run_simulator",
    "seed_demo",
    "steps_for",
]
