"""Butterbase failures as sentences: what the server wrote is shown, never interpreted."""

from __future__ import annotations

from bot.errors import ButterbaseError, Conflict
from bot.explain import explain

EVIL = "<!channel> <https://evil.example|click> & co"


def test_a_409_reason_carrying_markup_is_escaped():
    exc = Conflict("refused", route="move", status=409, error="ineligible", reason=EVIL)
    text = explain(exc, doing="start the move of app-42")
    assert text == (
        "Butterbase refused to start the move of app-42: "
        "&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co"
    )


def test_any_other_error_message_is_escaped():
    text = explain(ButterbaseError(EVIL, route="status"), doing="read the move of app-42")
    assert "<!channel>" not in text and "<https://" not in text
    assert "&lt;!channel&gt;" in text
