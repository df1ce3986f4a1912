"""What people type after a slash command: the valid forms, and the private reply to a
bad one (what was wrong, and the right form)."""

from __future__ import annotations

import pytest

from bot.parsing import USAGE, Args, UsageError, parse, usage

MID = "7a0c1234-aaaa-bbbb-cccc-000000000001"
COMMANDS = ["/migrate", "/migration-status", "/abort", "/reverse", "/teardown"]


def refused(command: str, text: str) -> str:
    with pytest.raises(UsageError) as caught:
        parse(command, text)
    return str(caught.value)


# --- the valid forms ---------------------------------------------------------------


def test_migrate_with_app_and_region():
    assert parse("/migrate", "app-42 eu-west-1") == Args(
        "/migrate", app_id="app-42", region="eu-west-1"
    )


def test_migrate_without_region_asks_for_the_picker():
    assert parse("/migrate", "app-42") == Args("/migrate", app_id="app-42", region=None)


def test_extra_whitespace_is_ignored():
    assert parse("/migrate", "  app-42 \t  eu-west-1\n") == Args(
        "/migrate", app_id="app-42", region="eu-west-1"
    )


@pytest.mark.parametrize("command", ["/migration-status", "/teardown"])
def test_commands_that_take_nothing(command):
    assert parse(command, "") == Args(command)
    assert parse(command, "   ") == Args(command)


def test_none_text_is_no_arguments():
    assert parse("/migration-status", None) == Args("/migration-status")  # type: ignore[arg-type]


@pytest.mark.parametrize("command", ["/migration-status", "/abort", "/reverse"])
def test_app_only(command):
    assert parse(command, "app_42") == Args(command, app_id="app_42")


@pytest.mark.parametrize("command", ["/migration-status", "/abort", "/reverse"])
def test_app_and_whole_migration_id(command):
    assert parse(command, f"app-42 {MID}") == Args(command, app_id="app-42", migration_ref=MID)


@pytest.mark.parametrize("command", ["/migration-status", "/abort", "/reverse"])
def test_app_and_short_migration_id(command):
    assert parse(command, "app-42 7a0c1234") == Args(
        command, app_id="app-42", migration_ref="7a0c1234"
    )


@pytest.mark.parametrize("command", ["/migration-status", "/abort", "/reverse", "/teardown"])
def test_an_uppercase_id_is_accepted_and_lowercased(command):
    text = MID.upper() if command == "/teardown" else f"app-42 {MID.upper()}"
    assert parse(command, text).migration_ref == MID
    short = "7A0C1234" if command == "/teardown" else "app-42 7A0C1234"
    assert parse(command, short).migration_ref == "7a0c1234"


def test_teardown_with_a_migration_id():
    assert parse("/teardown", MID) == Args("/teardown", migration_ref=MID)
    assert parse("/teardown", "7a0c1234") == Args("/teardown", migration_ref="7a0c1234")


def test_teardown_with_an_app_id():
    assert parse("/teardown", "app-42") == Args("/teardown", app_id="app-42")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("text", ["help", "HELP", "  Help  "])
def test_help_as_the_only_argument(command, text):
    assert parse(command, text) == Args(command, help=True)


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_shows_the_commands_own_form(command):
    assert usage(command).startswith("Usage: `" + command)
    assert USAGE[command] in usage(command)


# --- refusals: what was wrong, and the right form ------------------------------------


@pytest.mark.parametrize(
    ("command", "text", "problem"),
    [
        ("/migrate", "", "Which app should move?"),
        ("/migrate", "app-42 eu-west-1 now", "Too many arguments."),
        ("/abort", "", "Which app?"),
        ("/reverse", "   ", "Which app?"),
        ("/abort", f"app-42 {MID} extra", "Too many arguments."),
        ("/migration-status", f"app-42 {MID} extra", "Too many arguments."),
        (
            "/teardown",
            f"app-42 {MID}",
            "Give one app id or one migration id, then the reason if any.",
        ),
        (
            "/reverse",
            "app-42 7a0c123 because",
            "`7a0c123` looks like a migration id but is not one: give the whole id or the "
            "8-character short id the bot shows, then the reason.",
        ),
    ],
)
def test_missing_and_extra_arguments(command, text, problem):
    message = refused(command, text)
    assert message.splitlines()[0] == problem
    assert message.splitlines()[-1] == usage(command)


@pytest.mark.parametrize("command", ["/migrate", "/abort", "/reverse", "/migration-status"])
@pytest.mark.parametrize("mention", ["<@U123>", "<#C123|general>", "<https://x.example>"])
def test_a_mention_where_an_app_id_should_be(command, mention):
    message = refused(command, mention)
    assert "Slack mention or link, not an app id" in message
    assert usage(command) in message


def test_teardown_refuses_a_mention():
    message = refused("/teardown", "<@U123>")
    assert "Slack mention or link, not an app id" in message
    assert usage("/teardown") in message


@pytest.mark.parametrize(
    "text",
    [
        "app;rm",
        "$(whoami)",
        "`id`",
        "app|cat",
        "app'--",
        'app"',
        "1;DROP",
        "a&&b",
        "app*",
        "../etc/passwd",
        "-leading-dash",
    ],
)
def test_shell_and_sql_metacharacters_are_not_app_ids(text):
    message = refused("/abort", text)
    assert "is not an app id" in message
    assert usage("/abort") in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("app-42 eu-west-1; rm -rf /", "Too many arguments."),
        ("app-42 eu-west-1 && curl evil", "Too many arguments."),
        ("x' OR", "`x'` is not an app id (letters, digits, `-` and `_`)."),
        ("app-42;ls eu-west-1", "`app-42;ls` is not an app id (letters, digits, `-` and `_`)."),
    ],
)
def test_injection_attempts_are_refused_with_what_was_wrong(text, problem):
    message = refused("/migrate", text)
    assert message.splitlines()[0] == problem
    assert message.splitlines()[-1] == usage("/migrate")


def test_a_region_with_sql_is_not_a_region():
    message = refused("/migrate", "app-42 eu-west-1'--")
    assert "is not a region name" in message


@pytest.mark.parametrize("region", ["EU-WEST-1", "42", "mars", "eu_west_1", "eu-west-1!"])
def test_malformed_regions_are_refused_before_anything_is_sent(region):
    message = refused("/migrate", f"app-42 {region}")
    assert "is not a region name (like `eu-west-1`)" in message
    assert usage("/migrate") in message


@pytest.mark.parametrize(
    "text",
    ["アプリ", "مرحبا", "app\u202e24-ppa", "app\u200b42", "😀", "приложение"],
)
def test_unicode_and_rtl_text_is_not_an_app_id_and_is_echoed_safely(text):
    message = refused("/abort", text)
    assert "is not an app id" in message
    first = message.splitlines()[0]
    # nothing invisible or direction-changing is echoed back into the channel
    assert "\u202e" not in first and "\u200b" not in first
    assert usage("/abort") in message


@pytest.mark.parametrize(
    "bad", ["12345678-1234", "not-a-uuid", "7a0c123", "7a0c12345", "zzzzzzzz", MID + "0"]
)
def test_ids_that_are_not_uuids_or_short_ids_are_refused(bad):
    message = refused("/abort", f"app-42 {bad}")
    assert "is not a migration id" in message
    assert "8-character short id" in message
    assert usage("/abort") in message


def test_an_echoed_value_cannot_break_out_of_the_code_span():
    message = refused("/abort", "app-42 `<!channel>`&*_~")
    first = message.splitlines()[0]
    assert "<!channel>" not in first
    assert first.startswith("`!channel` is not a migration id")


def test_a_long_bad_value_is_echoed_shortened():
    message = refused("/abort", "app-42 " + "g" * 100)
    first = message.splitlines()[0]
    assert "g" * 40 + "…" in first
    assert "g" * 41 not in first


@pytest.mark.parametrize("command", COMMANDS)
def test_ten_thousand_characters_are_refused_with_the_usage(command):
    message = refused(command, "a" * 10_000)
    assert "too long (10000 characters)" in message
    assert "a" * 100 not in message  # not echoed back
    assert usage(command) in message


def test_an_app_id_of_sixty_five_characters_is_refused():
    assert parse("/abort", "a" * 64).app_id == "a" * 64
    assert "is not an app id" in refused("/abort", "a" * 65)


def test_an_unknown_command_is_refused():
    with pytest.raises(UsageError, match="Unknown command /nope"):
        parse("/nope", "app-42")


# --- reasons: /reverse and /teardown take free text after the target ----------------


@pytest.mark.parametrize(
    ("command", "text", "expected"),
    [
        ("/reverse", "app-42", Args("/reverse", app_id="app-42")),
        (
            "/reverse",
            "app-42 eu latency is bad",
            Args("/reverse", app_id="app-42", reason="eu latency is bad"),
        ),
        (
            "/reverse",
            f"app-42 {MID} eu latency  is bad",
            Args("/reverse", app_id="app-42", migration_ref=MID, reason="eu latency is bad"),
        ),
        (
            "/teardown",
            "app-42 saves money",
            Args("/teardown", app_id="app-42", reason="saves money"),
        ),
        (
            "/teardown",
            "7a0c1234 stable for a week",
            Args("/teardown", migration_ref="7a0c1234", reason="stable for a week"),
        ),
    ],
)
def test_a_reason_after_the_target(command, text, expected):
    assert parse(command, text) == expected


def test_a_reason_may_be_longer_than_other_arguments():
    reason = "x" * 300
    assert parse("/reverse", f"app-42 {reason}").reason == reason
    assert "too long" in refused("/abort", f"app-42 {reason}")
