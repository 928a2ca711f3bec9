"""Fixtures of the Lambda handler tests: fake AWS credentials, captured CloudFormation
responses, stubbed clients, a simulated clock, and a Lambda context whose remaining time the
test sets or lets run down with that clock."""

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.unit.clock import LambdaContext, SimulatedClock

REGION = "us-east-1"


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, so that no test can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)


class CapturedResponses:
    """A fake ``send``: keeps the custom-resource responses instead of PUTting them."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, body: bytes) -> None:
        self.sent.append((url, json.loads(body)))

    @property
    def urls(self) -> list[str]:
        return [url for url, _ in self.sent]

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [body for _, body in self.sent]

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.sent) == 1
        return self.sent[0][1]


@pytest.fixture
def captured() -> CapturedResponses:
    return CapturedResponses()


@pytest.fixture
def capture() -> Callable[[], CapturedResponses]:
    """Makes fake senders, for a test that sends several requests."""
    return CapturedResponses


class Untouchable:
    """A client that fails the test if anything calls AWS through it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected AWS call: {name}")


@pytest.fixture
def no_aws() -> Callable[[str], Any]:
    """A client factory whose clients fail the test on any call."""
    return lambda service: Untouchable()


@pytest.fixture
def stubbed() -> Callable[[str], tuple[Any, Stubber]]:
    """Makes a client of a service (fake credentials, us-east-1) and its Stubber, not yet
    activated: moto lacks Cost Explorer, Budgets, Service Catalog guidance and most of
    SageMaker Studio."""

    def make(service: str) -> tuple[Any, Stubber]:
        client = boto3.client(
            service,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        return client, Stubber(client)

    return make


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()
