"""Settings: DESIGN.md's table with its defaults, durations, and one clear line per
problem that names the variable and never shows a secret."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from bot.settings import Settings, describe_errors, format_duration, parse_duration

BOT_TOKEN = "xoxb-1111-2222-secretbot"
APP_TOKEN = "xapp-1-A111-secretapp"
SIGNING = "f00dfeedsigningsecret"
API_KEY = "bb_sk_live_secretkey"
ALL_VARS = [name for name in (f.alias for f in Settings.model_fields.values()) if name]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No variable from the outside and no `.env` file."""
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def problems(**env: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Settings(**env)
    return describe_errors(caught.value)


def production(**extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING,
        "BUTTERBASE_API_KEY": API_KEY,
        **extra,
    }


# --- durations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("24h", 86400),
        ("2d", 172800),
        ("45", 45),
        ("0", 0),
        ("0s", 0),
        ("1.5h", 5400),
        (" 30M ", 1800),
        (7, 7),
        (2.5, 2.5),
        (0, 0),
    ],
)
def test_durations(written, seconds):
    assert parse_duration(written) == seconds


@pytest.mark.parametrize("written", ["abc", "-5", "5x", "", "1h30m", "h", "ten minutes", "nan"])
def test_bad_durations_say_how_to_write_one(written):
    with pytest.raises(ValueError, match="write it like 90s, 30m or 24h"):
        parse_duration(written)


@pytest.mark.parametrize("written", [-1, -0.5, True])
def test_negative_and_boolean_durations_are_refused(written):
    with pytest.raises(ValueError):
        parse_duration(written)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (59, "59s"),
        (59.6, "1m"),
        (60, "1m"),
        (90, "1m 30s"),
        (3600, "1h"),
        (5400, "1h 30m"),
        (86400, "1d"),
        (90000, "1d 1h"),
    ],
)
def test_format_duration(seconds, shown):
    assert format_duration(seconds) == shown


# --- the settings table ------------------------------------------------------------


def test_defaults_are_the_design_table():
    s = Settings()
    assert s.slack_bot_token is None
    assert s.slack_signing_secret is None
    assert s.slack_app_token is None
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.butterbase_api_url == "https://api.butterbase.ai"
    assert s.butterbase_api_key is None
    assert s.bot_port == 3000
    assert s.bot_db_path == "./migrations-bot.db"
    assert s.bot_poll_seconds == 5
    assert s.bot_approvers == []
    assert s.bot_approver_group == ""
    assert s.bot_required_approvals == 1
    assert s.bot_allow_self_approval is False
    assert s.bot_oncall_group == ""
    assert s.bot_allowed_channels == []
    assert s.bot_teardown_soak == 3600
    assert s.bot_reverse_approval_ttl == 1800
    assert s.bot_teardown_approval_ttl == 86400
    assert s.sandbox  # no Slack credentials: the sandbox
    assert not s.socket_mode


def test_every_variable_is_read_from_the_environment(monkeypatch):
    env = {
        **production(),
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": "http://localhost:9000/api",
        "BUTTERBASE_API_URL": "http://localhost:8000",
        "BOT_PORT": "8080",
        "BOT_DB_PATH": "/var/lib/bot.db",
        "BOT_POLL_SECONDS": "10s",
        "BOT_APPROVERS": " U012ABCDEF , W0ZZZ ,",
        "BOT_APPROVER_GROUP": "S0APPROVE",
        "BOT_REQUIRED_APPROVALS": "2",
        "BOT_ALLOW_SELF_APPROVAL": "true",
        "BOT_ONCALL_GROUP": "S0ONCALL",
        "BOT_ALLOWED_CHANNELS": "C0OPS,G0PRIVATE",
        "BOT_TEARDOWN_SOAK": "0",
        "BOT_REVERSE_APPROVAL_TTL": "15m",
        "BOT_TEARDOWN_APPROVAL_TTL": "2d",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert s.slack_bot_token == SecretStr(BOT_TOKEN)
    assert s.slack_signing_secret == SecretStr(SIGNING)
    assert s.slack_app_token == SecretStr(APP_TOKEN)
    assert s.butterbase_api_key == SecretStr(API_KEY)
    assert s.slack_api_url == "http://localhost:9000/api/"  # a base URL ends in /
    assert s.butterbase_api_url == "http://localhost:8000"
    assert s.bot_port == 8080
    assert s.bot_db_path == "/var/lib/bot.db"
    assert s.bot_poll_seconds == 10
    assert s.bot_approvers == ["U012ABCDEF", "W0ZZZ"]
    assert s.bot_approver_group == "S0APPROVE"
    assert s.bot_required_approvals == 2
    assert s.bot_allow_self_approval is True
    assert s.bot_oncall_group == "S0ONCALL"
    assert s.bot_allowed_channels == ["C0OPS", "G0PRIVATE"]
    assert s.bot_teardown_soak == 0
    assert s.bot_reverse_approval_ttl == 900
    assert s.bot_teardown_approval_ttl == 172800
    assert not s.sandbox and s.socket_mode
    assert s.approval_ttl("reverse") == 900
    assert s.approval_ttl("teardown") == 172800


def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path):
    (tmp_path / ".env").write_text("BOT_PORT=4000\nBOT_TEARDOWN_SOAK=30m\n")
    s = Settings()
    assert s.bot_port == 4000 and s.bot_teardown_soak == 1800


def test_tests_build_settings_directly_by_field_name():
    s = Settings(bot_poll_seconds=1, bot_approvers=["U1A", "U2B"], bot_teardown_soak=0)
    assert (s.bot_poll_seconds, s.bot_approvers, s.bot_teardown_soak) == (1, ["U1A", "U2B"], 0)


def test_http_mode_with_everything_needed():
    s = Settings(**production())
    assert not s.sandbox and not s.socket_mode


# --- secrets -----------------------------------------------------------------------


def test_secrets_are_secret_and_never_in_repr():
    s = Settings(**production(SLACK_APP_TOKEN=APP_TOKEN))
    for value in (s.slack_bot_token, s.slack_signing_secret, s.slack_app_token):
        assert isinstance(value, SecretStr)
    assert isinstance(s.butterbase_api_key, SecretStr)
    shown = repr(s) + str(s) + str(s.model_dump())
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING, API_KEY):
        assert secret not in shown
    assert s.slack_bot_token.get_secret_value() == BOT_TOKEN


# --- problems: one line each, named by the variable --------------------------------


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("BOT_POLL_SECONDS", "abc", "is not a duration"),
        ("BOT_POLL_SECONDS", "0", "must be more than 0 seconds"),
        ("BOT_TEARDOWN_SOAK", "-1h", "is not a duration"),
        ("BOT_REVERSE_APPROVAL_TTL", "soon", "is not a duration"),
        ("BOT_TEARDOWN_APPROVAL_TTL", "1 week", "is not a duration"),
        ("BOT_PORT", "abc", "valid integer"),
        ("BOT_PORT", "0", "greater than or equal to 1"),
        ("BOT_PORT", "70000", "less than or equal to 65535"),
        ("BOT_REQUIRED_APPROVALS", "0", "greater than or equal to 1"),
        ("BOT_ALLOW_SELF_APPROVAL", "maybe", "valid boolean"),
        ("BOT_APPROVERS", "not-an-id", "not Slack user ids (like U012ABCDEF): not-an-id"),
        ("BOT_APPROVERS", "U012ABCDEF,@alice", "not Slack user ids (like U012ABCDEF): @alice"),
        ("BOT_APPROVER_GROUP", "approvers", "is not a Slack user group id"),
        ("BOT_ONCALL_GROUP", "@oncall", "is not a Slack user group id"),
        ("BOT_ALLOWED_CHANNELS", "#general", "not Slack channel ids"),
        ("SLACK_API_URL", "ftp://slack.com", "is not an http(s) URL"),
        ("BUTTERBASE_API_URL", "api.butterbase.ai", "is not an http(s) URL"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    lines = describe_errors(caught.value)
    assert len(lines) == 1
    assert lines[0].startswith(f"{name}: ")
    assert says in lines[0]
    assert "Value error" not in lines[0]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {
                "SLACK_BOT_TOKEN": "xoxp-user-token-123",
                "SLACK_SIGNING_SECRET": SIGNING,
                "BUTTERBASE_API_KEY": API_KEY,
            },
            ["SLACK_BOT_TOKEN: must be a bot token starting with xoxb-"],
        ),
        (
            {**production(), "SLACK_APP_TOKEN": "xoxb-not-an-app-token"},
            ["SLACK_APP_TOKEN: must be an app-level token starting with xapp-"],
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "BUTTERBASE_API_KEY": API_KEY},
            ["SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN)"],
        ),
        (
            {"SLACK_APP_TOKEN": APP_TOKEN},
            ["SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is missing"],
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING},
            ["BUTTERBASE_API_KEY is required when SLACK_BOT_TOKEN is set"],
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN},
            [
                "SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN)",
                "BUTTERBASE_API_KEY is required when SLACK_BOT_TOKEN is set",
            ],
        ),
    ],
)
def test_credentials_that_do_not_fit_together(env, expected):
    lines = problems(**env)
    assert lines == expected
    for secret in (*env.values(),):
        assert all(secret not in line for line in lines)


def test_socket_mode_needs_no_signing_secret():
    s = Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, BUTTERBASE_API_KEY=API_KEY)
    assert s.socket_mode and not s.sandbox


def test_several_problems_are_all_told_at_once(monkeypatch):
    monkeypatch.setenv("BOT_POLL_SECONDS", "abc")
    monkeypatch.setenv("BOT_APPROVERS", "not-an-id")
    monkeypatch.setenv("BOT_PORT", "http")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-wrong-kind-of-token")
    with pytest.raises(ValidationError) as caught:
        Settings()
    lines = describe_errors(caught.value)
    named = sorted(line.split(":")[0] for line in lines)
    assert named == ["BOT_APPROVERS", "BOT_POLL_SECONDS", "BOT_PORT", "SLACK_BOT_TOKEN"]
    assert all("xoxp-wrong-kind-of-token" not in line for line in lines)


def test_a_bad_secret_is_never_echoed(monkeypatch):
    token = "xoxp-9999-the-real-user-token"
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    monkeypatch.setenv("SLACK_APP_TOKEN", "not-an-app-token-secret")
    with pytest.raises(ValidationError) as caught:
        Settings()
    text = "\n".join(describe_errors(caught.value))
    assert "SLACK_BOT_TOKEN" in text and "SLACK_APP_TOKEN" in text
    assert token not in text and "not-an-app-token-secret" not in text


def test_empty_credentials_in_dotenv_mean_none_and_start_the_sandbox(tmp_path):
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=\nSLACK_SIGNING_SECRET=\nSLACK_APP_TOKEN=\nBUTTERBASE_API_KEY=\n"
    )
    s = Settings()
    assert s.slack_bot_token is None and s.slack_app_token is None
    assert s.slack_signing_secret is None and s.butterbase_api_key is None
    assert s.sandbox and not s.socket_mode
