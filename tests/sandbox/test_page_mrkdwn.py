"""mrkdwn to HTML: Slack's formatting converted, nothing else ever becomes markup."""

from __future__ import annotations

import pytest

from sandbox.page.mrkdwn import Names, mrkdwn, plain

NAMES = Names(
    users={"U_APP1": "Ada Approver"}, channels={"C1": "migrations"}, groups={"S1": "oncall"}
)


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("*bold* and _italic_ and ~gone~", "<b>bold</b> and <i>italic</i> and <s>gone</s>"),
        ("`code *not bold*`", "<code>code *not bold*</code>"),
        ("```line 1\n<b>line</b> 2```", "<pre>line 1\n&lt;b&gt;line&lt;/b&gt; 2</pre>"),
        ("a\nb", "a<br>b"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        (":tada: done :not_an_emoji:", "🎉 done :not_an_emoji:"),
        ("at 10:02:03 UTC", "at 10:02:03 UTC"),
        ("&lt;script&gt; &amp; co", "&lt;script&gt; &amp; co"),
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
        (
            "<@U_APP1> and <@U_NOBODY>",
            '<span class="mention">@Ada Approver</span> and <span class="mention">@U_NOBODY</span>',
        ),
        ("<#C1>", '<span class="mention mention-channel">#migrations</span>'),
        (
            "<!subteam^S1> <!here>",
            '<span class="mention mention-group">@oncall</span> <span class="mention mention-group">@here</span>',
        ),
        (
            "<https://example.com/a?b=1&amp;c=2|the card>",
            '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the card</a>',
        ),
        ("<javascript:alert(1)|click>", "&lt;javascript:alert(1)|click&gt;"),
        (
            "*Approval needed: by <@U_APP1>*",
            '<b>Approval needed: by <span class="mention">@Ada Approver</span></b>',
        ),
        ('"quotes" stay', '"quotes" stay'),
    ],
)
def test_mrkdwn(source: str, html: str) -> None:
    assert mrkdwn(source, NAMES) == html


def test_placeholder_characters_typed_by_someone_cannot_smuggle_markup() -> None:
    assert (
        mrkdwn("\ue0000\ue001 <@U_APP1>", NAMES) == '0 <span class="mention">@Ada Approver</span>'
    )


def test_plain_text_is_escaped_with_emoji() -> None:
    assert plain("<b> :warning:") == "&lt;b&gt; ⚠️"
    assert plain(":warning:", emoji=False) == ":warning:"
