"""The one abort confirmation (card, /abort, the "already in flight" answer)."""

import pytest

from bot.render.abort import abort_confirm, abort_consequences


@pytest.mark.parametrize("step", [None, "reserving_dest", "copying_blobs"])
def test_it_says_what_stops_what_stays_and_that_writes_stay_paused(step):
    text = abort_consequences("app-42", source="us-east-1", dest="eu-west-1", step=step)
    assert text.startswith("Stops the move to eu-west-1 now. app-42 stays in us-east-1. ")
    assert (
        "Butterbase will not unpause them: they stay paused (503) until someone fixes it." in text
    )


def test_it_says_writes_are_paused_now_when_they_are():
    paused = abort_consequences(
        "app-42", source="us-east-1", dest="eu-west-1", step="copying_blobs"
    )
    assert "Writes are paused now and Butterbase will not unpause them" in paused
    early = abort_consequences(
        "app-42", source="us-east-1", dest="eu-west-1", step="reserving_dest"
    )
    assert "If writes are paused by then" in early


def test_it_fits_slacks_confirm_limits_uncut_for_the_longest_app_id():
    app = "a" * 64  # the longest app id the bot accepts
    ask = abort_confirm(app, source="ap-southeast-2", dest="ap-southeast-1", step="copying_blobs")
    d = ask.to_dict()
    assert len(d["title"]["text"]) <= 100 and len(d["text"]["text"]) <= 300
    assert not d["text"]["text"].endswith("…")  # nothing was cut off
    assert d["confirm"]["text"] == "Abort the move" and d["deny"]["text"] == "Keep going"


def test_foreign_text_is_escaped():
    text = abort_consequences("app-42", source="<!here>", dest="a&b", step=None)
    assert "&lt;!here&gt;" in text and "a&amp;b" in text
