"""The deadline every custom resource's waits derive from (the canonical ``deadline`` module;
the copies in the Lambda assets are compared with it byte for byte in ``test_copies``),
driven by a simulated clock."""

from typing import Any

import pytest

from catalog_constructs.common.handler_modules import deadline


def test_time_left_comes_from_the_context_minus_the_answer_margin(
    clock: Any, lambda_context: Any
) -> None:
    lambda_context.run_with(clock, remaining_seconds=120)
    limit = deadline.Deadline(lambda_context, sleep=clock.sleep)

    assert limit.seconds_left() == 120 - deadline.ANSWER_MARGIN_SECONDS
    clock.advance(50)
    assert limit.seconds_left() == 70 - deadline.ANSWER_MARGIN_SECONDS
    assert limit.reserving(5).seconds_left() == 70 - deadline.ANSWER_MARGIN_SECONDS - 5


def test_a_wait_stops_before_the_margin_and_names_what_is_left(
    clock: Any, lambda_context: Any
) -> None:
    lambda_context.run_with(clock, remaining_seconds=100)
    limit = deadline.Deadline(lambda_context, sleep=clock.sleep)

    with pytest.raises(deadline.DeadlineExceeded) as raised:
        limit.wait("volumes", lambda: ["vol-1", "vol-2"], interval=15, hint="retry the update")

    assert str(raised.value) == "timed out waiting for volumes (vol-1, vol-2); retry the update"
    # 40 s of work: two polls of 15 s fit, a third would end inside the margin.
    assert clock.sleeps == [15, 15]
    assert lambda_context.get_remaining_time_in_millis() / 1000 >= deadline.ANSWER_MARGIN_SECONDS


def test_a_wait_returns_as_soon_as_nothing_is_pending(clock: Any, lambda_context: Any) -> None:
    lambda_context.run_with(clock, remaining_seconds=900)
    pending = iter([["i-1"], ["i-1"], []])

    deadline.Deadline(lambda_context, sleep=clock.sleep).wait("instances", lambda: next(pending))

    assert clock.sleeps == [10, 10]


def test_a_sleep_past_the_deadline_is_refused(clock: Any, lambda_context: Any) -> None:
    lambda_context.run_with(clock, remaining_seconds=deadline.ANSWER_MARGIN_SECONDS + 5)
    limit = deadline.Deadline(lambda_context, sleep=clock.sleep)

    limit.sleep(5, "a retry")
    with pytest.raises(deadline.DeadlineExceeded, match="no time left to wait for a retry"):
        limit.sleep(0.5, "a retry")
    assert clock.sleeps == [5]


def test_without_a_lambda_context_lambdas_maximum_applies(clock: Any) -> None:
    limit = deadline.Deadline(None, sleep=clock.sleep, clock=clock)

    assert limit.seconds_left() == 900 - deadline.ANSWER_MARGIN_SECONDS
    clock.advance(900)
    assert not limit.allows(0)
