"""`python -m bot`: the only place that reads the environment and starts servers.

With Slack credentials: the bot, over HTTP (`POST /slack/events`, `GET /healthz`) or
Socket Mode when `SLACK_APP_TOKEN` is set. Without them: the local sandbox.
"""

from __future__ import annotations

import asyncio
import sys

from pydantic import ValidationError

from bot import logs
from bot.settings import Settings, describe_errors


def load() -> Settings:
    """Settings from the environment and `.env`; bad ones stop the start (exit 2)."""
    try:
        return Settings()
    except ValidationError as exc:
        print("The bot cannot start; fix these settings:", file=sys.stderr)
        for line in describe_errors(exc):
            print(f"  {line}", file=sys.stderr)
        raise SystemExit(2) from None


def secrets_of(settings: Settings) -> list[str]:
    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.butterbase_api_key,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def run_http(settings: Settings) -> None:
    import uvicorn

    from bot.runtime import Runtime

    runtime = Runtime(settings)
    uvicorn.run(runtime.web, host="0.0.0.0", port=settings.bot_port, log_level="warning")


async def run_socket_mode(settings: Settings) -> None:
    import uvicorn
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.runtime import Runtime

    runtime = Runtime(settings)
    assert settings.slack_app_token is not None
    handler = AsyncSocketModeHandler(runtime.app, settings.slack_app_token.get_secret_value())
    server = uvicorn.Server(
        uvicorn.Config(runtime.web, host="0.0.0.0", port=settings.bot_port, log_level="warning")
    )
    await handler.connect_async()
    try:
        await server.serve()  # /healthz and /metrics; its lifespan runs the tracker
    finally:
        await handler.close_async()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "sandbox":
        from sandbox.run import main as sandbox_main

        return sandbox_main(argv[1:])
    if argv and argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        print("Usage: python -m bot            (settings from the environment / .env)")
        print("       python -m bot sandbox --help")
        return 0
    settings = load()
    logs.configure(fmt=settings.bot_log_format, secrets=secrets_of(settings))
    if settings.sandbox:
        from sandbox.run import main as sandbox_main

        return sandbox_main(argv)
    if settings.socket_mode:
        asyncio.run(run_socket_mode(settings))
    else:
        run_http(settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
