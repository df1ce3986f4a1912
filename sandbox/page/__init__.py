"""The sandbox's workspace page: a Slack-like channel view over the Slack stand-in.

- `blockkit.render_blocks(blocks, names)`: Block Kit to HTML, on the server;
- `app.create_page_app(PageContext(...))`: the page and its JSON API (Starlette);
- `stack.Sandbox(SandboxConfig(...))`: simulator, Slack stand-in, bot and page together.
"""

from sandbox.page.blockkit import UNSUPPORTED, render_blocks, render_message
from sandbox.page.mrkdwn import Names, mrkdwn

__all__ = ["UNSUPPORTED", "Names", "mrkdwn", "render_blocks", "render_message"]
