"""Fixtures of the sign-in handler tests: the local identity provider (in memory), moto, and a
browser-like cookie jar in front of the Lambda handler."""

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from catalog_constructs.sign_in.handler.sign_in_handlers import app
from tests.fake_oidc import FakeIdentityProvider
from tests.sign_in_harness import (
    CLIENT_SECRET,
    ISSUER,
    MEMBER,
    OUTSIDER,
    REPO_ENDPOINT,
    TEAM,
    Browser,
    Clock,
    create_aws_resources,
    make_services,
    raw_settings,
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def provider(clock: Clock) -> FakeIdentityProvider:
    idp = FakeIdentityProvider(
        ISSUER, repo_endpoint=REPO_ENDPOINT, client_secret=CLIENT_SECRET, clock=clock
    )
    idp.add_user(MEMBER, "jane.doe", TEAM, "999")
    idp.add_user(OUTSIDER, "john.roe", "999")
    return idp


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """One moto account per test module: every sign-in uses fresh random keys, so tests do not
    see each other's items, and creating the tables once keeps the module fast."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            patch.setenv(name, value)
        with mock_aws():
            create_aws_resources()
            yield


@pytest.fixture
def services(aws: None, provider: FakeIdentityProvider, clock: Clock) -> app.Services:
    return make_services(raw_settings(), provider.http_client(), clock=clock)


@pytest.fixture
def browser(services: app.Services, lambda_context: Any) -> Browser:
    return Browser(services, lambda_context)
