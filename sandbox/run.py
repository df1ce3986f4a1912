"""`python -m bot sandbox`: the whole bot on this machine, with a Slack-like page to drive it.

Starts, in this one process and all on 127.0.0.1: the Butterbase simulator (seeded
with demo apps), a Slack stand-in, the bot itself (over HTTP, with real request
signing) and the workspace page. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

DEFAULT_DB = "./sandbox.db"
DEFAULT_TIME_SCALE = 0.1


def _default_port() -> int:
    from bot.settings import Settings

    return int(Settings.model_fields["bot_port"].default)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot sandbox",
        description=(
            "Rehearse migrations locally: a Butterbase simulator, a Slack stand-in, the bot "
            "and a workspace page in your browser. No Slack or Butterbase account needed."
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=_default_port(),
        help="port of the workspace page on 127.0.0.1 (default: %(default)s)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=DEFAULT_TIME_SCALE,
        help="speed of the simulated Butterbase: 1.0 is real time (a move takes ~8 min), "
        "0.1 makes a move take about a minute (default: %(default)s)",
    )
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        help="the sandbox's own database file, never the production one (default: %(default)s)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="delete the sandbox database first (start afresh)"
    )
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=None,
        help="how often the bot polls Butterbase (default: 1, faster with a small time scale)",
    )
    parser.add_argument("--verbose", action="store_true", help="log what the bot does")
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be more than 0")
    if not 0 < args.port < 65536:
        parser.error("--port must be between 1 and 65535")
    return args


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def reset_db(path: Path) -> None:
    """Delete the database file and its SQLite companions."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def move_seconds(time_scale: float) -> float:
    """How long a move takes in the simulator at this time scale (all thirteen steps run,
    the key-value ones too, as on the published server)."""
    from sandbox.butterbase import DEFAULT_STEP_DURATIONS, STEPS

    return sum(DEFAULT_STEP_DURATIONS.get(s, 0) for s in STEPS if s != "completed") * time_scale


def main(argv: list[str] | None = None) -> int:
    """Start the sandbox and wait for Ctrl-C (SIGINT) or SIGTERM; 0 on a clean stop."""
    started = time.monotonic()
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger().setLevel(logging.INFO if args.verbose else logging.WARNING)
    if not args.verbose:  # "job skipped" notes while the simulated API is down are noise here
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
    if not port_is_free(args.port):
        print(
            f"Port {args.port} on 127.0.0.1 is in use; pick another with --port.", file=sys.stderr
        )
        return 2
    db = Path(args.db)
    existed = db.exists() and not args.reset
    if args.reset:
        reset_db(db)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _serve(args, db, existed, stop, started)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _serve(
    args: argparse.Namespace, db: Path, existed: bool, stop: threading.Event, started: float
) -> int:
    from sandbox.page.banner import banner
    from sandbox.page.stack import Sandbox, SandboxConfig

    poll = args.poll_seconds or (1.0 if args.time_scale >= 0.05 else 0.25)
    config = SandboxConfig(
        db_path=db, port=args.port, time_scale=args.time_scale, poll_seconds=poll
    )
    sandbox = Sandbox(config)
    try:
        sandbox.start()
    except Exception as exc:
        print(f"The sandbox could not start: {exc}", file=sys.stderr)
        return 1
    try:
        details: dict[str, Any] = {
            "seconds": time.monotonic() - started,
            "db": db,
            "existed": existed,
            "forgotten": sandbox.forgotten,
            "move_seconds": move_seconds(args.time_scale),
            "time_scale": args.time_scale,
        }
        print(banner(sandbox, **details), flush=True)
        while not stop.wait(0.2):
            pass
        print("\nStopping the sandbox…", flush=True)
    finally:
        sandbox.stop()
    print("Stopped.", flush=True)
    return 0
