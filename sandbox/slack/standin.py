"""The Slack stand-in served on a loopback port in a background thread."""

from __future__ import annotations

from sandbox.server import ServerThread
from sandbox.slack.api import create_slack_app
from sandbox.slack.workspace import SlackWorkspace


class SlackStandIn:
    """A `SlackWorkspace` behind the Web API stand-in, served by uvicorn in a thread.

    >>> standin = SlackStandIn().start()          # doctest: +SKIP
    >>> AsyncWebClient(token="xoxb-sandbox", base_url=standin.api_url)  # doctest: +SKIP
    """

    def __init__(
        self,
        ws: SlackWorkspace | None = None,
        *,
        bot_token: str = "xoxb-sandbox",
        port: int | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.ws = ws or SlackWorkspace()
        self.bot_token = bot_token
        self.app = create_slack_app(self.ws, bot_token=bot_token)
        self._server = ServerThread(self.app, host=host, port=port)

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:4020` (response URLs and permalinks live here)."""
        return self._server.url

    @property
    def api_url(self) -> str:
        """The Web API base URL for `AsyncWebClient(base_url=...)`; ends with `/`."""
        return f"{self.url}/api/"

    def use(self, ws: SlackWorkspace) -> SlackWorkspace:
        """Serve another workspace from now on (a fresh start without a restart)."""
        ws.base_url = ws.base_url or self.url
        self.ws = ws
        self.app.state.ws = ws
        return ws

    def start(self) -> SlackStandIn:
        """Serve; returns once the port listens."""
        if self.ws.base_url is None:
            self.ws.base_url = self.url
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving (stalled answers are dropped at once, so this does not wait)."""
        self.ws.release_stalls()
        self._server.stop()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
