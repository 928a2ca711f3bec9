"""Waiting within the Lambda's time: every wait and retry of a handler ends early enough to
answer CloudFormation.

A custom resource that is never answered keeps its stack waiting for an hour, and Lambda ends
an invocation at its timeout whatever the code is doing. So the time a handler may spend comes
from the Lambda context (``get_remaining_time_in_millis``), never from a constant: a handler
keeps ``ANSWER_MARGIN_SECONDS`` of it to send its answer (the response PUT allows itself 30 s)
and to finish the one AWS call in flight when the time runs out; every sleep, poll and retry
asks its ``Deadline`` first and raises ``DeadlineExceeded`` instead of sleeping past it.

Standard library only. Canonical copy: ``catalog_constructs/common/handler_modules/deadline.py``;
each Lambda asset's handler package holds an identical copy (a test compares them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

# Kept from the Lambda's remaining time to answer CloudFormation.
ANSWER_MARGIN_SECONDS = 60.0
# Lambda's maximum, for a context that cannot tell its remaining time (a direct call).
_UNKNOWN_REMAINING_SECONDS = 900.0


class DeadlineExceeded(Exception):
    """A wait or retry that could not end in time; the message says what was still pending."""


class Deadline:
    """The time a handler may still spend before it must answer."""

    def __init__(
        self,
        context: Any,
        *,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = ANSWER_MARGIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
        if callable(remaining_ms):
            self._remaining: Callable[[], float] = lambda: float(remaining_ms()) / 1000
        else:
            end = clock() + _UNKNOWN_REMAINING_SECONDS
            self._remaining = lambda: end - clock()
        self._context = context
        self._sleep = sleep
        self._clock = clock
        self.margin = margin

    def seconds_left(self) -> float:
        """Seconds until the handler must stop working (negative once past)."""
        return self._remaining() - self.margin

    def reserving(self, seconds: float) -> Deadline:
        """A deadline ``seconds`` earlier: for a wait after which more work must still fit (say,
        cleaning up what a failed wait leaves behind)."""
        return Deadline(
            self._context, sleep=self._sleep, margin=self.margin + seconds, clock=self._clock
        )

    def allows(self, seconds: float) -> bool:
        return seconds <= self.seconds_left()

    def sleep(self, seconds: float, what: str) -> None:
        """Sleep ``seconds``, or raise DeadlineExceeded when that would end past the deadline."""
        if not self.allows(seconds):
            raise DeadlineExceeded(f"no time left to wait for {what}")
        self._sleep(seconds)

    def wait(
        self,
        what: str,
        pending: Callable[[], Sequence[str]],
        *,
        interval: float = 10.0,
        hint: str = "",
    ) -> None:
        """Poll ``pending`` (the names of what is not done yet) every ``interval`` seconds until
        it returns nothing; DeadlineExceeded, naming what is left, when time runs out."""
        while True:
            left = list(pending())
            if not left:
                return
            if not self.allows(interval):
                names = ", ".join(left[:5]) + (", ..." if len(left) > 5 else "")
                raise DeadlineExceeded(
                    f"timed out waiting for {what} ({names})" + (f"; {hint}" if hint else "")
                )
            self._sleep(interval)
