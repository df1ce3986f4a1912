from datetime import UTC, datetime, timedelta, timezone

from bot.render.text import (
    age,
    clip,
    cost,
    escape,
    escape_keep_mentions,
    est_cost,
    hhmm,
    join_lines,
    mention,
    mentions,
    truncate,
)


def test_hhmm_is_utc_whatever_the_zone():
    paris = timezone(timedelta(hours=1))
    assert hhmm(datetime(2026, 11, 30, 11, 2, tzinfo=paris)) == "10:02 UTC"
    assert hhmm(datetime(2026, 11, 30, 10, 2)) == "10:02 UTC"  # naive is taken as UTC
    assert hhmm(datetime(2026, 11, 30, 10, 2, 59, tzinfo=UTC)) == "10:02 UTC"


def test_cost_never_says_zero_for_unknown():
    assert cost(42.5) == "$42.50/month"
    assert cost(1234.5) == "$1,234.50/month"
    assert cost(0.0) == "unknown"  # Butterbase's 0 for every move means unknown
    assert cost(0) == "unknown"
    assert est_cost(0) == "est. cost unknown" and est_cost(None) == "est. cost unknown"
    assert est_cost(0.6) == "est. $0.60/month"
    assert cost(None) == "unknown"


def test_age():
    assert age(3 * 86400 + 4 * 3600) == "3d 4h"
    assert age(310) == "5m 10s"
    assert age(-5) == "0s"


def test_truncate_marks_the_cut():
    assert truncate("short", 10) == "short"
    cut = truncate("x" * 100, 10)
    assert cut == "x" * 9 + "…" and len(cut) == 10


def test_truncate_never_leaves_half_an_entity_or_mention():
    assert truncate("abc &amp; def", 7) == "abc …"
    assert truncate("hi <@U123456> there", 9) == "hi …"


def test_escape_and_clip():
    assert escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert clip("<!channel> " + "z" * 50, 20).startswith("&lt;!channel&gt;")
    assert len(clip("<" * 100, 20)) <= 20


def test_escape_keeps_the_bots_own_mentions():
    assert escape_keep_mentions("by <@U1> & <b>") == "by <@U1> &amp; &lt;b&gt;"
    assert escape_keep_mentions("<!channel>") == "&lt;!channel&gt;"


def test_mentions():
    assert mention("U1") == "<@U1>"
    assert mentions([]) == ""
    assert mentions(["U1", "U2"]) == "<@U1> and <@U2>"
    assert mentions(["U1", "U2", "U3"]) == "<@U1>, <@U2> and <@U3>"


def test_join_lines_stays_under_the_limit_and_says_how_many_were_left_out():
    lines = [f"line {i} " + "y" * 90 for i in range(100)]
    text = join_lines(lines, 3000)
    assert len(text) <= 3000
    kept = text.count("\n")
    assert text.endswith(f"… and {100 - kept} more")
    assert join_lines(["a", "b"]) == "a\nb"


def test_day_time_names_the_day_only_when_it_is_not_today() -> None:
    from datetime import UTC, datetime

    from bot.render.text import day_time

    ref = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert day_time(datetime(2026, 11, 30, 10, 32, tzinfo=UTC), ref) == "10:32 UTC"
    assert day_time(datetime(2026, 12, 1, 10, 0, tzinfo=UTC), ref) == "Tue 1 Dec 10:00 UTC"
