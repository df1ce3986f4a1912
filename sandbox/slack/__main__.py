"""`python -m sandbox.slack --port 4020`: serve the Slack Web API stand-in on its own."""

from __future__ import annotations

import argparse
import threading

from sandbox.slack.standin import SlackStandIn


def main(argv: list[str] | None = None) -> None:
    """Parse the options, serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.slack", description=__doc__)
    parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: free)")
    parser.add_argument("--bot-token", default="xoxb-sandbox", help="the bot token to accept")
    options = parser.parse_args(argv)
    standin = SlackStandIn(bot_token=options.bot_token, port=options.port).start()
    print(f"Slack stand-in API: {standin.api_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
