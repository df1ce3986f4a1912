"""A stand-in for Slack: the Web API the bot calls, and a driver that plays the Slack side.

- `SlackWorkspace`: users, groups, channels, messages, ephemerals, views, the call log.
- `create_slack_app(ws, bot_token=...)`: the Web API (and response URLs) as a Starlette app.
- `SlackStandIn`: that app served on a loopback port (`.api_url` for `AsyncWebClient`).
- `SlackDriver`: signed slash commands, clicks, view submissions and events sent to the bot.
"""

from sandbox.slack.api import create_slack_app
from sandbox.slack.clock import ManualClock
from sandbox.slack.driver import DriverError, DriverResult, SlackDriver
from sandbox.slack.models import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID
from sandbox.slack.standin import SlackStandIn
from sandbox.slack.workspace import SlackWorkspace

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "TEAM_ID",
    "DriverError",
    "DriverResult",
    "ManualClock",
    "SlackDriver",
    "SlackStandIn",
    "SlackWorkspace",
    "create_slack_app",
]
