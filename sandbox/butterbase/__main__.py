"""`python -m sandbox.butterbase`: run the simulator in the foreground."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from .config import BOT_KEY, SimulatorConfig
from .demo import seed_demo
from .routes import create_app
from .state import Simulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.butterbase", description="Run the Butterbase API simulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4010)
    parser.add_argument(
        "--time-scale",
        type=float,
        default=0.02,
        help="multiplies every step duration (1 = realistic, 0.002 = a move in ~1 s)",
    )
    parser.add_argument(
        "--lenient-regions",
        action="store_true",
        help="accept unknown regions like the published server (then fail and abort)",
    )
    parser.add_argument(
        "--report-dump-size",
        action="store_true",
        help="dumps report a size, so replicas have a real cost (the published server: 0)",
    )
    parser.add_argument("--seed-demo", action="store_true", help="seed the demo apps")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = SimulatorConfig(
        time_scale=args.time_scale,
        lenient_regions=args.lenient_regions,
        report_dump_size=args.report_dump_size,
    )
    sim = Simulator(config)
    if args.seed_demo:
        seed_demo(sim)
    url = f"http://{args.host}:{args.port}"
    print(f"Butterbase simulator on {url}  (API key: {BOT_KEY})", flush=True)
    if args.seed_demo:
        print(f"demo apps: {', '.join(sim.apps)}", flush=True)
    uvicorn.run(
        create_app(sim),
        host=args.host,
        port=args.port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
