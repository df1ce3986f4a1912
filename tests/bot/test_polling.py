"""The adaptive read schedule and the ETA (`bot.polling`), as pure functions: a move
followed by them is seen at the CLI's freshness with half its reads or fewer."""

from __future__ import annotations

import statistics

from bot import polling, steps

SCHEDULE = polling.Schedule(poll=5.0)
CLI_EVERY = 3.0  # `--follow` reads every 3 s


def _follow(lengths: list[float], learned: dict[str, list[float]]) -> tuple[list[float], int]:
    """Follow a move whose steps last `lengths` by the schedule alone (each read sees the
    step it falls in); returns the delay from each step change to the read that saw it,
    and how many reads were made."""
    names = [s for s in steps.HAPPY_PATH if not steps.is_terminal(s)]
    starts = [sum(lengths[:i]) for i in range(len(lengths) + 1)]
    t, reads, delays, known = 0.0, 0, [], 0
    while known < len(lengths):
        reads += 1
        now_in = max(i for i, s in enumerate(starts) if s <= t)
        if now_in > known:
            delays.append(t - starts[now_in])  # the change is seen by this read
            known = now_in
        if known >= len(lengths):
            break
        step = names[known]
        likely = polling.window(step, learned.get(step, []), SCHEDULE)
        gap = polling.next_gap(t - starts[known], likely, SCHEDULE)
        assert gap >= SCHEDULE.min_gap  # never more than one read a second
        t += gap
    return delays, reads


def _learned(seconds: float, spread: float = 2.0) -> dict[str, list[float]]:
    """Twenty watched moves whose steps took `seconds` give or take `spread`."""
    offsets = [spread * (i / 19 * 2 - 1) for i in range(20)]
    return {s: [seconds + o for o in offsets] for s in steps.HAPPY_PATH}


def test_learned_steps_are_seen_at_cli_freshness_with_at_most_half_its_reads() -> None:
    lengths = [45.0 + (i % 3 - 1) * 1.5 for i in range(12)]  # 43.5 .. 46.5 s
    delays, reads = _follow(lengths, _learned(45.0))
    assert statistics.median(delays) < 2.0
    assert reads <= 0.5 * sum(lengths) / CLI_EVERY


def test_without_history_every_change_is_seen_within_the_plain_interval() -> None:
    delays, _ = _follow([45.0] * 12, {})
    assert len(delays) == 12
    assert max(delays) <= SCHEDULE.poll


def test_reads_rarely_while_the_step_is_far_from_its_end_and_often_near_it() -> None:
    likely = polling.window("dumping_data", _learned(45.0)["dumping_data"], SCHEDULE)
    assert polling.next_gap(1.0, likely, SCHEDULE) == SCHEDULE.max_gap  # 15 s
    assert polling.next_gap(44.5, likely, SCHEDULE) <= SCHEDULE.fine_gap
    assert polling.next_gap(300.0, likely, SCHEDULE) == SCHEDULE.poll  # overdue


def test_a_request_to_back_off_means_one_read_per_interval_at_most() -> None:
    assert polling.backoff_gap(SCHEDULE, None) == SCHEDULE.poll
    assert polling.backoff_gap(SCHEDULE, 1.0) == SCHEDULE.poll
    assert polling.backoff_gap(SCHEDULE, 30.0) == 30.0


def test_eta_says_how_long_is_left_and_how_sure_once_enough_moves_were_seen() -> None:
    learned = {s: [50.0, 55.0, 60.0, 65.0, 70.0, 75.0] for s in steps.HAPPY_PATH}
    text = polling.eta_text("copying_blobs", 30.0, learned)
    # copying_blobs (60 - 30) + copying_runtime + 3 steps after cutover, 60 s each
    assert text == "about 5 min left (4–6 min, from 6 moves)"


def test_no_eta_before_enough_moves_or_off_the_happy_path() -> None:
    few = {s: [60.0, 61.0] for s in steps.HAPPY_PATH}
    assert polling.eta_text("dumping_data", 0.0, few) is None
    many = {s: [60.0] * 10 for s in steps.HAPPY_PATH}
    assert polling.eta_text("aborting", 0.0, many) is None
    assert polling.eta_text("completed", 0.0, many) is None
    assert polling.eta_text("unblocking_writes", 59.0, many) == (
        "less than a minute left (give or take a minute, from 10 moves)"
    )
