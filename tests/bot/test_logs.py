"""Logs: secrets never reach the output; JSON lines carry the migration they are about."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs
from bot.logs import JsonFormatter, RedactSecrets

TOKEN = "xoxb-1111-2222-abcdefsecret"
API_KEY = "bb_sk_live_0123456789"
MID = "7a0c1234-aaaa-bbbb-cccc-000000000001"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger(f"tests.logs.{id(object())}")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)


def capture(
    log: logging.Logger, formatter: logging.Formatter | None = None, secrets=(TOKEN, API_KEY)
) -> io.StringIO:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter or logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    log.addHandler(handler)
    return out


def fail_with_token() -> None:
    raise RuntimeError(f"Slack refused token {TOKEN} (invalid_auth)")


def test_a_secret_in_the_message_is_replaced(logger):
    out = capture(logger)
    logger.info(f"calling Slack with {TOKEN}")
    assert out.getvalue() == "INFO calling Slack with ***\n"


def test_a_secret_in_the_arguments_is_replaced(logger):
    out = capture(logger)
    logger.warning("headers: %s", {"Authorization": f"Bearer {API_KEY}"})
    text = out.getvalue()
    assert API_KEY not in text
    assert "Bearer ***" in text


def test_every_secret_and_every_occurrence(logger):
    out = capture(logger)
    logger.info("%s %s %s", TOKEN, API_KEY, TOKEN)
    assert out.getvalue() == "INFO *** *** ***\n"


def test_a_secret_inside_an_exception_traceback_is_replaced(logger):
    out = capture(logger)
    try:
        fail_with_token()
    except RuntimeError:
        logger.exception("posting the card failed")
    text = out.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: Slack refused token *** (invalid_auth)" in text
    assert TOKEN not in text


def test_a_secret_in_a_chained_exception_is_replaced(logger):
    out = capture(logger)
    try:
        try:
            fail_with_token()
        except RuntimeError as exc:
            raise ValueError("wrapped") from exc
    except ValueError:
        logger.error("failed", exc_info=True)
    text = out.getvalue()
    assert "ValueError: wrapped" in text and "RuntimeError" in text
    assert TOKEN not in text


def test_messages_without_secrets_are_left_alone(logger):
    out = capture(logger)
    logger.info("moving %s to %s", "app-42", "eu-west-1")
    assert out.getvalue() == "INFO moving app-42 to eu-west-1\n"


def test_no_secrets_no_change(logger):
    out = capture(logger, secrets=())
    logger.info("token %s", TOKEN)  # nothing was declared secret
    assert TOKEN in out.getvalue()


def test_very_short_values_are_not_treated_as_secrets(logger):
    # an empty or tiny value would otherwise turn every log line into stars
    out = capture(logger, secrets=("", "ab", TOKEN))
    logger.info("about a cab")
    assert out.getvalue() == "INFO about a cab\n"


def test_a_longer_secret_containing_a_shorter_one_is_hidden_whole(logger):
    short, long = "secret-123", "secret-123-and-more"
    out = capture(logger, secrets=(short, long))
    logger.info("%s / %s", long, short)
    assert out.getvalue() == "INFO *** / ***\n"


def test_json_lines_one_object_per_record_with_the_migration(logger):
    out = capture(logger, JsonFormatter())
    logger.info("step changed\nto copying_blobs", extra={"migration_id": MID, "app_id": "app-42"})
    logger.warning("no context here")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "step changed\nto copying_blobs"
    assert first["migration_id"] == MID
    assert first["app_id"] == "app-42"
    assert first["level"] == "info"
    assert first["logger"] == logger.name
    assert first["time"].endswith("+00:00")
    assert "migration_id" not in second and second["level"] == "warning"


def test_json_lines_keep_an_exception_on_the_same_line_and_redacted(logger):
    out = capture(logger, JsonFormatter())
    try:
        fail_with_token()
    except RuntimeError:
        logger.exception("tracking failed", extra={"migration_id": MID})
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["migration_id"] == MID
    assert "RuntimeError: Slack refused token *** (invalid_auth)" in entry["error"]
    assert TOKEN not in lines[0]


def test_json_keeps_unicode_readable(logger):
    out = capture(logger, JsonFormatter())
    logger.info("région → eu-west-1")
    assert json.loads(out.getvalue())["message"] == "région → eu-west-1"
    assert "→" in out.getvalue()


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_configure_installs_one_redacting_json_handler(root_restored):
    logs.configure(fmt="json", secrets=[TOKEN], level=logging.DEBUG)
    root = logging.getLogger()
    (handler,) = root.handlers
    out = io.StringIO()
    handler.setStream(out)  # type: ignore[attr-defined]
    logging.getLogger("bot.test").info("token=%s", TOKEN, extra={"migration_id": MID})
    entry = json.loads(out.getvalue())
    assert entry == entry | {"message": "token=***", "migration_id": MID}
    assert root.level == logging.DEBUG
    assert logging.getLogger("httpx").level == logging.WARNING


def test_configure_text_format(root_restored):
    logs.configure(fmt="text", secrets=[API_KEY])
    (handler,) = logging.getLogger().handlers
    out = io.StringIO()
    handler.setStream(out)  # type: ignore[attr-defined]
    logging.getLogger("bot.test").warning("key %s", API_KEY)
    assert out.getvalue().rstrip().endswith("WARNING bot.test: key ***")
