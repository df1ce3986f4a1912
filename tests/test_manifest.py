"""The Slack app manifests (HTTP and Socket Mode) against the code, and the Dockerfile.

The bot scopes are derived from the source: every Web API method that `bot/` and
`handlers/` call (a client method like `.chat_postMessage(`, or a method name given
as a string, as in `api_call("chat.update", ...)`), mapped to the scopes it needs;
slash commands need `commands`. The manifest must grant exactly those.
"""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.parsing import USAGE

ROOT = Path(__file__).resolve().parent.parent
REQUEST_URL = "https://YOUR-HOST/slack/events"
COMMANDS = {"/migrate", "/migration-status", "/abort", "/reverse", "/teardown"}

# Web API method → the bot scopes it needs. A method the code calls that is not
# here fails the test: look its scopes up on api.slack.com and add it.
SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.delete": {"chat:write"},
    "chat.getPermalink": set(),
    "views.open": set(),
    "views.update": set(),
    "views.push": set(),
    "views.publish": set(),
    "usergroups.users.list": {"usergroups:read"},
    "usergroups.list": {"usergroups:read"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "reactions.add": {"reactions:write"},
    "auth.test": set(),
    # the outbox looks for a message it may have posted before a crash (metadata key)
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
}

# Event → the bot scopes it is delivered with (Slack's event reference)
EVENT_SCOPES: dict[str, set[str]] = {
    "app_home_opened": set(),
    # public channels with channels:read, private ones with groups:read
    "member_joined_channel": {"channels:read", "groups:read"},
}

# AsyncWebClient's methods, by Python name: `chat_postMessage` → `chat.postMessage`
API_METHODS: dict[str, str] = {
    name: name.replace("_", ".")
    for name, fn in vars(AsyncWebClient).items()  # its own: not `api_call` of the base
    if inspect.iscoroutinefunction(fn) and not name.startswith("_") and "_" in name
}
KNOWN_NAMES = set(API_METHODS.values())


def sources(*folders: str) -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text()
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
    }


def calls_in(source: str) -> Iterable[ast.Call]:
    return (node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call))


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def api_calls(files: dict[str, str]) -> dict[str, set[str]]:
    """Web API method → the files that call it."""
    found: dict[str, set[str]] = {}
    for path, source in files.items():
        for call in calls_in(source):
            names = []
            if isinstance(call.func, ast.Attribute) and call.func.attr in API_METHODS:
                names.append(API_METHODS[call.func.attr])
            literals = [_string(a) for a in call.args[:1]]
            literals += [_string(k.value) for k in call.keywords if k.arg == "api_method"]
            names += [s for s in literals if s in KNOWN_NAMES]
            for name in names:
                found.setdefault(name, set()).add(path)
    return found


def registered(files: dict[str, str], registrar: str) -> set[str]:
    """The first arguments of `app.<registrar>("...")` (commands, events)."""
    out = set()
    for source in files.values():
        for call in calls_in(source):
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == registrar and call.args:
                value = _string(call.args[0])
                if value is not None:
                    out.add(value)
    return out


def needed_scopes(files: dict[str, str]) -> tuple[set[str], dict[str, set[str]]]:
    """(scopes the code needs, unmapped methods → where they are called)."""
    needed: set[str] = set()
    unmapped: dict[str, set[str]] = {}
    for method, where in api_calls(files).items():
        if method in SCOPES:
            needed |= SCOPES[method]
        else:
            unmapped[method] = where
    if registered(files, "command"):
        needed.add("commands")
    for event in registered(files, "event"):
        if event in EVENT_SCOPES:
            needed |= EVENT_SCOPES[event]
        else:
            unmapped[f"event {event}"] = set()
    return needed, unmapped


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / name).read_text())
    return data


CODE = sources("bot", "handlers")


@pytest.fixture(params=["manifest.json", "manifest.socket.json"])
def manifest(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


def test_the_manifests_have_the_required_keys(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] and len(info["name"]) <= 35
    assert 0 < len(info["description"]) <= 140
    assert 174 <= len(info["long_description"]) <= 4000
    features = manifest["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["bot_user"]["display_name"]
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "member_joined_channel",
    ]
    assert manifest["_metadata"]["major_version"] == 1


def test_http_mode_points_everything_at_the_one_endpoint() -> None:
    http = load("manifest.json")
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["interactivity"]["request_url"] == REQUEST_URL
    assert http["settings"]["event_subscriptions"]["request_url"] == REQUEST_URL
    assert {c["url"] for c in http["features"]["slash_commands"]} == {REQUEST_URL}


def test_socket_mode_has_no_request_urls_and_otherwise_matches() -> None:
    http, socket = load("manifest.json"), load("manifest.socket.json")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "YOUR-HOST" not in json.dumps(socket)
    assert "request_url" not in socket["settings"]["interactivity"]
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    assert all("url" not in c for c in socket["features"]["slash_commands"])
    for c in http["features"]["slash_commands"]:
        c.pop("url")
    assert socket["features"] == http["features"]
    assert socket["oauth_config"] == http["oauth_config"]


def test_the_five_commands_are_declared_as_the_code_registers_them(
    manifest: dict[str, Any],
) -> None:
    declared = manifest["features"]["slash_commands"]
    assert {c["command"] for c in declared} == COMMANDS == registered(CODE, "command")
    for c in declared:
        assert 0 < len(c["description"]) <= 2000
        form = USAGE[c["command"]].split("`")[1]  # `/migrate <app_id> <dest_region>`
        assert c["usage_hint"] == form.removeprefix(c["command"]).strip()
        assert c["should_escape"] is False


def test_events_are_subscribed_as_the_code_listens(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == registered(CODE, "event")


def test_the_bot_scopes_are_exactly_those_the_code_needs(manifest: dict[str, Any]) -> None:
    needed, unmapped = needed_scopes(CODE)
    assert not unmapped, f"add these Web API methods to SCOPES (and manifest.json): {unmapped}"
    granted = manifest["oauth_config"]["scopes"]["bot"]
    assert len(granted) == len(set(granted))
    missing, unused = needed - set(granted), set(granted) - needed
    assert not missing, f"the code needs scopes the manifest lacks: {sorted(missing)}"
    assert not unused, f"the manifest grants scopes no code uses: {sorted(unused)}"


def test_the_scan_finds_each_way_of_calling_slack() -> None:
    code = {
        "a.py": "async def f(client):\n    await client.chat_postMessage(channel='C', text='x')\n",
        "b.py": "async def g(self):\n    await self._slack.api_call('usergroups.users.list')\n",
        "c.py": "async def h(s):\n    await s._call('chat.update', ts='1')\n",
        "d.py": "def r(app):\n    app.command('/migrate')(print)\n",
        "e.py": "'''Calls chat.delete in a docstring only; not a call.'''\n",
    }
    assert set(api_calls(code)) == {"chat.postMessage", "usergroups.users.list", "chat.update"}
    needed, unmapped = needed_scopes(code)
    assert needed == {"chat:write", "usergroups:read", "commands"} and not unmapped


def test_a_new_call_needing_a_scope_the_manifest_lacks_is_caught() -> None:
    granted = set(load("manifest.json")["oauth_config"]["scopes"]["bot"])
    extra = {"new.py": "async def who(client, u):\n    return await client.users_info(user=u)\n"}
    needed, unmapped = needed_scopes(CODE | extra)
    assert not unmapped
    assert needed - granted == {"users:read"}
    unknown = {
        "x.py": "async def x(client):\n    await client.conversations_members(channel='C')\n"
    }
    assert needed_scopes(unknown)[1] == {"conversations.members": {"x.py"}}


def test_the_dockerfile_runs_the_bot_as_a_non_root_user_with_its_db_on_a_volume() -> None:
    text = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.startswith("FROM python:3.11-slim") for line in lines)
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[-1] not in ("USER root", "USER 0")
    assert "ENV BOT_DB_PATH=/data/migrations-bot.db" in text
    assert 'VOLUME ["/data"]' in lines
    health = text[text.index("HEALTHCHECK") :]
    assert "urllib.request" in health and "/healthz" in health and "curl" not in health
    assert lines[-1] == 'CMD ["python", "-m", "bot"]'
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".env", "*.db"} <= set(ignored)


def test_the_readme_install_section_lists_every_setting() -> None:
    from bot.settings import Settings

    readme = (ROOT / "README.md").read_text()
    install = readme[readme.index("## Install in your workspace") : readme.index("## Deploy")]
    rows = {line.split("|")[1].strip() for line in install.splitlines() if line.startswith("| `")}
    names = {f"`{field.alias}`" for field in Settings.model_fields.values() if field.alias}
    assert names - rows == set(), "settings missing from the README's table"
    for scope in load("manifest.json")["oauth_config"]["scopes"]["bot"]:
        assert f"| `{scope}` |" in install, f"the README doesn't explain the {scope} scope"
