"""`python -m bot` with bad settings: exit code 2, one line per problem naming the
variable, no traceback, and never a secret in the output."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot import __main__ as entry
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-4242-4242-topsecretbottoken"
USER_TOKEN = "xoxp-1313-1313-topsecretusertoken"
APP_TOKEN = "xapp-1-A0-topsecretapptoken"
SIGNING = "c0ffee-topsecret-signing"
API_KEY = "bb_sk_topsecret_apikey"
SECRETS = (BOT_TOKEN, USER_TOKEN, APP_TOKEN, SIGNING, API_KEY)
HEADER = "The bot cannot start; fix these settings:"


def run_bot(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot` in an empty directory (so no `.env` is read) with only `env`."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def problem_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    lines = result.stderr.splitlines()
    assert lines[0] == HEADER, result.stderr
    return [line.strip() for line in lines[1:]]


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert "ValidationError" not in output
    assert "errors.pydantic.dev" not in output
    for secret in SECRETS:
        assert secret not in output
    assert result.stdout == ""


ONE_BAD = {
    "poll": ({"BOT_POLL_SECONDS": "abc"}, ["BOT_POLL_SECONDS"]),
    "approvers": ({"BOT_APPROVERS": "not-an-id"}, ["BOT_APPROVERS"]),
    "port": ({"BOT_PORT": "99999"}, ["BOT_PORT"]),
    "approvals": ({"BOT_REQUIRED_APPROVALS": "zero"}, ["BOT_REQUIRED_APPROVALS"]),
    "self": ({"BOT_ALLOW_SELF_APPROVAL": "maybe"}, ["BOT_ALLOW_SELF_APPROVAL"]),
    "oncall": ({"BOT_ONCALL_GROUP": "@oncall"}, ["BOT_ONCALL_GROUP"]),
    "soak": ({"BOT_TEARDOWN_SOAK": "-1h"}, ["BOT_TEARDOWN_SOAK"]),
    "url": ({"BUTTERBASE_API_URL": "not a url"}, ["BUTTERBASE_API_URL"]),
    "user-token": (
        {
            "SLACK_BOT_TOKEN": USER_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING,
            "BUTTERBASE_API_KEY": API_KEY,
        },
        ["SLACK_BOT_TOKEN"],
    ),
    "app-token-alone": ({"SLACK_APP_TOKEN": APP_TOKEN}, ["SLACK_APP_TOKEN"]),
    "bot-token-alone": (
        {"SLACK_BOT_TOKEN": BOT_TOKEN},
        ["SLACK_SIGNING_SECRET", "BUTTERBASE_API_KEY"],
    ),
}


@pytest.fixture(scope="module")
def one_bad_runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every one-bad-setting case, started at once (each is a Python start-up)."""
    with ThreadPoolExecutor(max_workers=len(ONE_BAD)) as pool:
        futures = {
            case: pool.submit(run_bot, tmp_path_factory.mktemp(case), env)
            for case, (env, _) in ONE_BAD.items()
        }
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("case", ONE_BAD)
def test_one_bad_setting(one_bad_runs, case):
    _, named = ONE_BAD[case]
    result = one_bad_runs[case]
    assert_clean(result)
    lines = problem_lines(result)
    assert len(lines) == len(named)
    for line, name in zip(lines, named, strict=True):
        assert line.startswith(name), line


def test_several_bad_settings_are_all_told(tmp_path):
    env = {
        "BOT_POLL_SECONDS": "abc",
        "BOT_APPROVERS": "not-an-id",
        "SLACK_BOT_TOKEN": USER_TOKEN,
        "SLACK_APP_TOKEN": SIGNING,
        "BUTTERBASE_API_KEY": API_KEY,
        "BOT_PORT": "http",
    }
    result = run_bot(tmp_path, env)
    assert_clean(result)
    lines = problem_lines(result)
    named = sorted(line.split(":")[0] for line in lines)
    assert named == [
        "BOT_APPROVERS",
        "BOT_POLL_SECONDS",
        "BOT_PORT",
        "SLACK_APP_TOKEN",
        "SLACK_BOT_TOKEN",
    ]
    assert "  BOT_POLL_SECONDS: 'abc' is not a duration; write it like 90s, 30m or 24h" in (
        result.stderr.splitlines()
    )


def test_a_bad_dotenv_in_the_working_directory_stops_the_start(tmp_path):
    (tmp_path / ".env").write_text(f"BOT_PORT=abc\nSLACK_APP_TOKEN={APP_TOKEN}\n")
    result = run_bot(tmp_path, {})
    assert_clean(result)
    named = sorted(line.split(":")[0].split(" ")[0] for line in problem_lines(result))
    assert named == ["BOT_PORT"]


def test_help_prints_usage_and_exits_zero(tmp_path):
    result = run_bot(tmp_path, {"BOT_POLL_SECONDS": "abc"}, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: python -m bot" in result.stdout
    assert "Traceback" not in result.stderr


# --- in process --------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for field in Settings.model_fields.values():
        if field.alias:
            monkeypatch.delenv(field.alias, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_load_exits_2_with_the_problems_on_stderr(clean_env, capsys):
    clean_env.setenv("BOT_POLL_SECONDS", "abc")
    clean_env.setenv("SLACK_BOT_TOKEN", USER_TOKEN)
    with pytest.raises(SystemExit) as caught:
        entry.load()
    assert caught.value.code == 2
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[0] == HEADER
    assert sorted(line.split(":")[0].strip() for line in err.splitlines()[1:]) == [
        "BOT_POLL_SECONDS",
        "SLACK_BOT_TOKEN",
    ]
    assert USER_TOKEN not in err


def test_main_stops_before_starting_anything_on_bad_settings(clean_env, capsys):
    clean_env.setenv("BOT_APPROVERS", "alice")
    with pytest.raises(SystemExit) as caught:
        entry.main([])
    assert caught.value.code == 2
    assert "BOT_APPROVERS: not Slack user ids (like U012ABCDEF): alice" in capsys.readouterr().err


def test_load_returns_good_settings(clean_env):
    clean_env.setenv("BOT_PORT", "4000")
    assert entry.load().bot_port == 4000


def test_main_help_in_process(clean_env, capsys):
    assert entry.main(["-h"]) == 0
    assert "python -m bot sandbox --help" in capsys.readouterr().out


def test_secrets_of_lists_every_secret_for_the_log_filter(clean_env):
    s = Settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING,
        SLACK_APP_TOKEN=APP_TOKEN,
        BUTTERBASE_API_KEY=API_KEY,
        _env_file=None,
    )
    assert sorted(entry.secrets_of(s)) == sorted([BOT_TOKEN, SIGNING, APP_TOKEN, API_KEY])
    assert entry.secrets_of(Settings(_env_file=None)) == []
