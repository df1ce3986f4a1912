"""The bot's settings: one pydantic-settings model, read from the environment and `.env`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> float:
    """`90s`, `30m`, `24h`, `2d` or a plain number of seconds (0 allowed) → seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 90s, 30m or 24h")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("must not be negative")
        return float(value)
    match = _DURATION.match(str(value).lower())
    if not match:
        raise ValueError(f"{value!r} is not a duration; write it like 90s, 30m or 24h")
    return float(match.group(1)) * _UNITS[match.group(2)]


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        m, s = divmod(seconds, 60)
        return f"{m}m {s}s" if s else f"{m}m"
    if seconds < 86400:
        h, rem = divmod(seconds, 3600)
        m = rem // 60
        return f"{h}h {m}m" if m else f"{h}h"
    d, rem = divmod(seconds, 86400)
    h = rem // 3600
    return f"{d}d {h}h" if h else f"{d}d"


def _split_ids(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = str(value).split(",")
    return [item.strip() for item in items if item.strip()]


_USER_ID = re.compile(r"^[UW][A-Z0-9_]{1,30}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9_]{1,30}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]{1,30}$")


class Settings(BaseSettings):
    """Every variable of DESIGN.md's settings table. Tests build `Settings(...)` directly."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    butterbase_api_url: str = Field(default="https://api.butterbase.ai", alias="BUTTERBASE_API_URL")
    butterbase_api_key: SecretStr | None = Field(default=None, alias="BUTTERBASE_API_KEY")
    bot_port: int = Field(default=3000, alias="BOT_PORT", ge=1, le=65535)
    bot_db_path: str = Field(default="./migrations-bot.db", alias="BOT_DB_PATH")
    bot_poll_seconds: float = Field(default=5, alias="BOT_POLL_SECONDS")
    bot_approvers: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="BOT_APPROVERS"
    )
    bot_approver_group: str = Field(default="", alias="BOT_APPROVER_GROUP")
    bot_required_approvals: int = Field(default=1, alias="BOT_REQUIRED_APPROVALS", ge=1, le=10)
    bot_allow_self_approval: bool = Field(default=False, alias="BOT_ALLOW_SELF_APPROVAL")
    bot_oncall_group: str = Field(default="", alias="BOT_ONCALL_GROUP")
    bot_allowed_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="BOT_ALLOWED_CHANNELS"
    )
    bot_teardown_soak: float = Field(default=3600, alias="BOT_TEARDOWN_SOAK")
    bot_reverse_approval_ttl: float = Field(default=1800, alias="BOT_REVERSE_APPROVAL_TTL")
    bot_teardown_approval_ttl: float = Field(default=86400, alias="BOT_TEARDOWN_APPROVAL_TTL")
    bot_log_format: str = Field(default="text", alias="BOT_LOG_FORMAT")
    bot_reminder_time: str = Field(default="09:00", alias="BOT_REMINDER_TIME")
    bot_reminder_channel: str = Field(default="", alias="BOT_REMINDER_CHANNEL")
    bot_reminder_after: float = Field(default=7 * 86400, alias="BOT_REMINDER_AFTER")

    @field_validator(
        "bot_poll_seconds",
        "bot_teardown_soak",
        "bot_reverse_approval_ttl",
        "bot_teardown_approval_ttl",
        "bot_reminder_after",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: object) -> float:
        return parse_duration(value)

    @field_validator("bot_poll_seconds")
    @classmethod
    def _poll(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be more than 0 seconds")
        return value

    @field_validator("bot_approvers", mode="before")
    @classmethod
    def _approvers(cls, value: object) -> list[str]:
        ids = _split_ids(value)
        bad = [i for i in ids if not _USER_ID.match(i)]
        if bad:
            raise ValueError(f"not Slack user ids (like U012ABCDEF): {', '.join(bad)}")
        return ids

    @field_validator("bot_allowed_channels", mode="before")
    @classmethod
    def _channels(cls, value: object) -> list[str]:
        ids = _split_ids(value)
        bad = [i for i in ids if not _CHANNEL_ID.match(i)]
        if bad:
            raise ValueError(f"not Slack channel ids (like C012ABCDEF): {', '.join(bad)}")
        return ids

    @field_validator("bot_approver_group", "bot_oncall_group")
    @classmethod
    def _group(cls, value: str) -> str:
        value = value.strip()
        if value and not _GROUP_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack user group id (like S012ABCDEF)")
        return value

    @field_validator("slack_api_url", "butterbase_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("bot_log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @field_validator("bot_reminder_time")
    @classmethod
    def _reminder_time(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value.strip()):
            raise ValueError("must be a time of day like 09:00 (UTC)")
        return value.strip()

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "butterbase_api_key",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`SLACK_BOT_TOKEN=` (an empty line in `.env`) means no token: the sandbox."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    # checked per field, so that a wrong token is told together with the other problems
    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @model_validator(mode="after")
    def _tokens(self) -> Settings:
        problems = []
        bot = self.slack_bot_token.get_secret_value() if self.slack_bot_token else ""
        app = self.slack_app_token.get_secret_value() if self.slack_app_token else ""
        if bot and not app and not self.slack_signing_secret:
            problems.append("SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN)")
        if app and not bot:
            problems.append("SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is missing")
        if bot and not self.butterbase_api_key:
            problems.append("BUTTERBASE_API_KEY is required when SLACK_BOT_TOKEN is set")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def sandbox(self) -> bool:
        """No Slack credentials: the bot starts its local sandbox."""
        return self.slack_bot_token is None

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def approval_ttl(self, kind: str) -> float:
        return (
            self.bot_reverse_approval_ttl if kind == "reverse" else self.bot_teardown_approval_ttl
        )


def describe_errors(error: ValidationError) -> list[str]:
    """One clear line per problem, named by its environment variable, never a value."""
    lines = []
    names = {name: (field.alias or name) for name, field in Settings.model_fields.items()}
    for item in error.errors():
        loc = item.get("loc") or ()
        field = str(loc[0]) if loc else ""
        name = names.get(field, field.upper())
        message = str(item.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        if name:
            lines.append(f"{name}: {message}")
        else:
            lines.extend(f"{part.strip()}" for part in message.split(";"))
    return lines


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
