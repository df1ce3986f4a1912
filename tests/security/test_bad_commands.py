"""What people type wrong, on purpose or not: every bad command gets a private answer
that says what was wrong (or a 4xx), and nothing happens — no Butterbase change, no
channel message, nothing stored, no exception in the log.

`{m1}`-style fields in the texts are filled from the module's world (see conftest).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.e2e.harness import REQUESTER
from tests.security.conftest import Corpus
from tests.security.support import LogTrap, Watch, pause

LONG = "x" * 10_000
USAGE = "Usage: `/"
TOO_LONG = "That is too long (10000 characters)"
NOT_APP = "is not an app id (letters, digits, `-` and `_`)."
MENTION = "That looks like a Slack mention or link, not an app id."
NOT_ID = "is not a migration id: give the whole id or the 8-character short id"
TWO = (
    "`abcd1234` matches 2 migrations: `abcd1234-0000-4000-8000-000000000002` (shop-eu), "
    "`abcd1234-0000-4000-8000-000000000001` (app-42). Give the whole id."
)
OF_APP42 = "belongs to app-42, not"
UNKNOWN_TO_BUTTERBASE = "Butterbase knows no migration `{other}` of app-42."
TOO_MANY = "Too many arguments"


@dataclass(frozen=True)
class Bad:
    id: str
    command: str
    text: str
    says: str  # in the private answer (after the fields are filled)
    audited: tuple[str, ...] = ()  # refusals the bot records by design


CASES = [
    # empty and missing arguments
    Bad("migrate-empty", "/migrate", "", "Which app should move?"),
    Bad("migrate-blank", "/migrate", "   \t ", "Which app should move?"),
    Bad("abort-empty", "/abort", "", "Which app?"),
    Bad("reverse-empty", "/reverse", "", "Which app?"),
    # extra arguments
    Bad("migrate-extra", "/migrate", "app-42 eu-west-1 now", TOO_MANY),
    Bad("status-extra", "/migration-status", "app-42 {m1s} please", TOO_MANY),
    Bad("abort-extra", "/abort", "app-42 {m1s} {m1s}", TOO_MANY),
    Bad("reverse-extra", "/reverse", "app-42 {m1s}0 why", "looks like a migration id but is not"),
    Bad("teardown-extra", "/teardown", "app-42 {m1s}", "Give one app id or one migration id"),
    # unicode, invisible and right-to-left text
    Bad(
        "migrate-rtl",
        "/migrate",
        "\u202eapp-42 eu-west-1",
        f"(with invisible characters) {NOT_APP}",
    ),
    Bad(
        "migrate-rtl-region",
        "/migrate",
        "app-42 eu-west-1\u202e",
        "(with invisible characters) is not a region",
    ),
    Bad(
        "abort-zero-width",
        "/abort",
        "app\u200b-42",
        f"`app-42` (with invisible characters) {NOT_APP}",
    ),
    Bad("status-arabic", "/migration-status", "مرحبا", NOT_APP),
    Bad("teardown-cyrillic", "/teardown", "приложение", NOT_APP),
    Bad("migrate-emoji", "/migrate", "🚀 eu-west-1", NOT_APP),
    Bad("reverse-fullwidth", "/reverse", "ａｐｐ-42", NOT_APP),
    Bad("abort-nul", "/abort", "app-42\x00", f"(with invisible characters) {NOT_APP}"),
    # 10,000-character arguments
    Bad("migrate-long", "/migrate", LONG, TOO_LONG),
    Bad(
        "status-long", "/migration-status", f"app-42 {LONG}", "That is too long (10007 characters)"
    ),
    Bad("abort-long", "/abort", LONG, TOO_LONG),
    Bad("reverse-long", "/reverse", LONG, TOO_LONG),
    Bad("teardown-long", "/teardown", LONG, TOO_LONG),
    # shell and SQL metacharacters
    Bad("migrate-rm", "/migrate", "; rm -rf /", TOO_MANY),
    Bad("migrate-semicolon", "/migrate", "app-42;rm eu-west-1", f"`app-42;rm` {NOT_APP}"),
    Bad("migrate-sql", "/migrate", "' OR 1=1 --", TOO_MANY),
    Bad("migrate-sql-quote", "/migrate", "app-42' eu-west-1", NOT_APP),
    Bad("migrate-subshell", "/migrate", "$(id) eu-west-1", f"`$(id)` {NOT_APP}"),
    Bad("migrate-backticks", "/migrate", "`id` eu-west-1", f"`id` {NOT_APP}"),
    Bad("migrate-region-subshell", "/migrate", "app-42 $(id)", "`$(id)` is not a region name"),
    Bad("status-sql", "/migration-status", "app-42 '--", NOT_ID),
    Bad("abort-sql-id", "/abort", "app-42 1=1--", NOT_ID),
    Bad("teardown-sql", "/teardown", "';DROP-TABLE", NOT_APP),
    Bad("teardown-subshell", "/teardown", "$(reboot)", NOT_APP),
    Bad("reverse-pipe", "/reverse", "app-42|cat", NOT_APP),
    # Slack mention syntax where an app id should be
    Bad("migrate-user", "/migrate", "<@U123> eu-west-1", MENTION),
    Bad("migrate-channel", "/migrate", "<#C123|x> eu-west-1", MENTION),
    Bad("migrate-everyone", "/migrate", "<!channel> eu-west-1", MENTION),
    Bad("abort-here", "/abort", "<!here>", MENTION),
    Bad("reverse-link", "/reverse", "<https://evil.example|app-42>", MENTION),
    Bad("teardown-group", "/teardown", "<!subteam^S_ONCALL>", MENTION),
    Bad("status-user", "/migration-status", "<@U_APP1>", MENTION),
    Bad("migrate-region-mention", "/migrate", "app-42 <#C_OPS>", "`#COPS` is not a region name"),
    # ids of other apps' migrations
    Bad("abort-other-app", "/abort", "shop-eu {m1s}", f"Move `{{m1s}}` {OF_APP42} shop-eu"),
    Bad("reverse-other-app", "/reverse", "blog {m1}", f"Move `{{m1s}}` {OF_APP42} blog"),
    Bad("status-other-app", "/migration-status", "shop-eu {m1s}", OF_APP42),
    Bad("abort-dashboard-of-blog", "/abort", "app-42 {other}", UNKNOWN_TO_BUTTERBASE),
    Bad("reverse-dashboard-of-blog", "/reverse", "app-42 {other}", UNKNOWN_TO_BUTTERBASE),
    # short ids that match two migrations
    Bad("abort-twins", "/abort", "app-42 {prefix}", TWO),
    Bad("reverse-twins", "/reverse", "app-42 {prefix}", TWO),
    Bad("status-twins", "/migration-status", "app-42 {prefix}", TWO),
    Bad("teardown-twins", "/teardown", "{prefix}", TWO),
    # ids that are not UUIDs, or UUIDs nobody has
    Bad("abort-not-uuid", "/abort", "app-42 not-a-uuid", NOT_ID),
    Bad("status-7-chars", "/migration-status", "app-42 abcd123", NOT_ID),
    Bad(
        "abort-unknown-short",
        "/abort",
        "app-42 ffffffff",
        "The bot knows no migration starting with `ffffffff`",
    ),
    Bad(
        "teardown-unknown-uuid",
        "/teardown",
        "{nobody}",
        "Butterbase lists no replica with that id",
    ),
    Bad(
        "reverse-unknown-uuid",
        "/reverse",
        "app-42 {nobody}",
        "Butterbase knows no migration `{nobody}` of app-42.",
    ),
    # well-formed, but wrong
    Bad(
        "migrate-unknown-region",
        "/migrate",
        "app-42 mars-1",
        "`mars-1` is not a Butterbase region.",
    ),
    Bad("migrate-upper-region", "/migrate", "app-42 EU-WEST-1", "`EU-WEST-1` is not a region name"),
    Bad("migrate-unknown-app", "/migrate", "ghost eu-west-1", "Butterbase has no app `ghost`"),
    Bad(
        "migrate-same-region",
        "/migrate",
        "shop-eu us-west-2",
        "shop-eu is already in us-west-2. Nothing was started.",
    ),
    Bad("migrate-word-payload", "/migrate", "payload eu-west-1", "Butterbase has no app `payload`"),
    Bad("teardown-no-replica", "/teardown", "ghost", "Butterbase lists no replica of ghost"),
    # stale: the replica is gone, or the request was decided
    Bad(
        "teardown-torn-down",
        "/teardown",
        "{m2}",
        "torn down",
        audited=("approval.refused",),
    ),
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_a_bad_command_is_answered_privately_and_changes_nothing(
    corpus: Corpus, logs: LogTrap, case: Bad
) -> None:
    world, refs = corpus.world, corpus.refs
    watch = Watch(world)
    result = await world.d.command(REQUESTER, "C_MIGRATIONS", case.command, refs.fill(case.text))
    assert result.status == 200, result
    answer = await watch.answer(REQUESTER)
    print(case.id, "→", answer)
    assert refs.fill(case.says) in answer
    assert "<!" not in answer and "<@U123>" not in answer  # nothing echoed that pings
    await pause()
    watch.assert_nothing_changed(audited=case.audited)
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_an_unknown_command_gets_a_4xx(corpus: Corpus, logs: LogTrap) -> None:
    """Slack only sends the commands of the manifest; anything else is not handled."""
    watch = Watch(corpus.world)
    result = await corpus.world.d.command(REQUESTER, "C_MIGRATIONS", "/deploy", "app-42")
    assert result.status == 404
    await pause()
    assert watch.new_private(REQUESTER) == []
    watch.assert_nothing_changed()
    assert all(r.levelname == "WARNING" for r in logs.records)
    logs.assert_no_exception()
