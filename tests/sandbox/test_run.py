"""`python -m bot sandbox` as a person runs it: up within 10 seconds, Ctrl-C stops it (exit 0)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sandbox.server import free_port

START_LIMIT = 10.0


def clean_env() -> dict[str, str]:
    """The environment without any Slack, Butterbase or bot setting."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BUTTERBASE_", "BOT_"))
    }


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_up(proc: subprocess.Popen[str], url: str, limit: float = START_LIMIT) -> float:
    """Seconds until `url` answered 200; fails after `limit`."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the sandbox exited with {proc.returncode}: {err[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail(f"the sandbox did not answer on {url} within {limit} s")


def stop(proc: subprocess.Popen[str], signum: int = signal.SIGINT) -> tuple[int, str, str]:
    proc.send_signal(signum)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the sandbox did not stop on signal {signum}: {err[-2000:]}")
    return proc.returncode, out, err


def test_sandbox_answers_within_ten_seconds_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "data" / "rehearsal.db"
    proc = start(["sandbox", "--port", str(port), "--db", str(db)], tmp_path)
    seconds = wait_until_up(proc, f"http://127.0.0.1:{port}/")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/meta", timeout=2) as response:
        assert b"/migrate" in response.read()
    state = f"http://127.0.0.1:{port}/api/state?user=U_REQ&channel=C_MIGRATIONS"
    with urllib.request.urlopen(state, timeout=5) as response:
        shown = response.read().decode()
    assert "very beginning of #migrations" in shown and "flaky-api" in shown  # channel, simulator
    code, out, err = stop(proc, signal.SIGINT)
    print(f"sandbox answered in {seconds:.2f} s")
    assert code == 0, err
    assert f"http://127.0.0.1:{port}/" in out
    for line in ("Riley Requester", "U_REQ", "Ada Approver", "U_APP1", "Grace Approver", "U_APP2"):
        assert line in out
    assert "app-42 (us-east-1)" in out and "flaky-api" in out
    assert "Ctrl-C to stop" in out and out.count("Open http") == 1
    assert db.exists(), "the sandbox database is the one given with --db"
    assert not (tmp_path / "migrations-bot.db").exists(), "never the production database"
    assert "Traceback" not in err


def test_sigterm_stops_it_too_and_reset_starts_afresh(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    db.write_text("not a database")
    port = free_port()
    proc = start(["sandbox", "--port", str(port), "--reset"], tmp_path)
    wait_until_up(proc, f"http://127.0.0.1:{port}/healthz")
    code, _, err = stop(proc, signal.SIGTERM)
    assert code == 0, err
    assert db.read_bytes().startswith(b"SQLite format 3"), "--reset replaced ./sandbox.db"


def test_without_slack_credentials_python_m_bot_starts_the_sandbox(tmp_path: Path) -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 3000)) == 0:
            pytest.skip("port 3000 (the default) is taken on this machine")
    proc = start([], tmp_path)
    wait_until_up(proc, "http://127.0.0.1:3000/")
    code, out, err = stop(proc)
    assert code == 0, err
    assert "http://127.0.0.1:3000/" in out and (tmp_path / "sandbox.db").exists()


def test_help_and_a_taken_port(tmp_path: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--help"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert shown.returncode == 0
    for option in ("--port", "--time-scale", "--reset", "--db"):
        assert option in shown.stdout
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert busy.returncode == 2 and f"Port {port}" in busy.stderr
