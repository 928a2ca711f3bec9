"""Fixtures of the Lambda handler tests: fake AWS credentials, captured CloudFormation
responses, stubbed clients, a simulated clock, and a Lambda context whose remaining time the
test sets or lets run down with that clock."""

import json
import os
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


class AwsSetup:
    """The user's AWS setup as botocore reads it: environment and config files, starting empty
    (no credentials, region or profile), so a command meets what a user without them meets."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, directory: Any) -> None:
        self._monkeypatch = monkeypatch
        for name in list(os.environ):
            if name.startswith("AWS_"):
                monkeypatch.delenv(name)
        for name, file in (("AWS_CONFIG_FILE", "config"), ("AWS_SHARED_CREDENTIALS_FILE", "creds")):
            path = directory / file
            path.write_text("")
            monkeypatch.setenv(name, str(path))
        # No instance-metadata or container credentials either, and one attempt per call.
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        monkeypatch.setenv("AWS_RETRY_MODE", "standard")

    def set(self, **variables: str) -> None:
        for name, value in variables.items():
            self._monkeypatch.setenv(name, value)

    def with_credentials(self, region: str | None = REGION) -> None:
        self.set(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        if region:
            self.set(AWS_DEFAULT_REGION=region)

    def offline(self) -> None:
        """Every AWS endpoint is a closed local port: what a machine without network meets."""
        self.set(AWS_ENDPOINT_URL="http://127.0.0.1:9")


@pytest.fixture
def aws_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> AwsSetup:
    return AwsSetup(monkeypatch, tmp_path)


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
