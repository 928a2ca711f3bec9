"""Time in the handler tests: a simulated clock, and a Lambda context whose remaining time a
test sets or lets run down with that clock. Not a test module: fixtures (conftest.py) and
tests import from here."""


class SimulatedClock:
    """Time that passes only when the code under test sleeps, or when a test (or a fake AWS
    call) says so: handlers' waits run instantly, and what they would have slept is known."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LambdaContext:
    """What handlers read from Lambda's context object; set ``remaining_ms`` to make a handler
    run out of time, or ``run_with`` a simulated clock to make it run down as the clock moves."""

    def __init__(self) -> None:
        self.log_stream_name = "2025/01/01/[$LATEST]abc123"
        # Lambda's maximum, 15 minutes.
        self.remaining_ms = 900_000
        self.clock: SimulatedClock | None = None

    def run_with(self, clock: SimulatedClock, *, remaining_seconds: float) -> "LambdaContext":
        self.clock, self.remaining_ms = clock, int(remaining_seconds * 1000 + clock.now * 1000)
        return self

    def get_remaining_time_in_millis(self) -> int:
        elapsed_ms = int(self.clock.now * 1000) if self.clock else 0
        return max(0, self.remaining_ms - elapsed_ms)
