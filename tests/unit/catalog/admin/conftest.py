"""Fixtures of the catalog-admin handler tests: a stubbed Service Catalog client (moto
implements neither provisioning-artifact guidance nor organization shares), requests, and
running the Lambda entry point."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from catalog_constructs.catalog.admin.handler.catalog_admin_handlers import dispatch


@pytest.fixture
def client(
    aws_credentials: None, stubbed: Callable[[str], tuple[Any, Stubber]]
) -> Iterator[tuple[Any, Stubber]]:
    sc, stubber = stubbed("servicecatalog")
    with stubber:
        yield sc, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def make_event() -> Callable[..., dict[str, Any]]:
    def make(
        request_type: str, resource_type: str, properties: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        return {
            "RequestType": request_type,
            "ResourceType": resource_type,
            "ResourceProperties": properties,
            "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/x/1",
            "RequestId": "req-1",
            "LogicalResourceId": "Res",
            "ResponseURL": "https://example.org/signed",
            **extra,
        }

    return make


@pytest.fixture
def invoke(
    capture: Callable[[], Any], lambda_context: Any, clock: Any
) -> Callable[..., dict[str, Any]]:
    """Runs the entry point with the stubbed client, on a simulated clock with the Lambda's
    15 minutes left (or ``remaining_seconds``); returns the one response sent."""

    def run(event: dict[str, Any], sc: Any, *, remaining_seconds: float = 900) -> dict[str, Any]:
        sent = capture()
        lambda_context.run_with(clock, remaining_seconds=remaining_seconds)
        dispatch.handler(
            event,
            lambda_context,
            send=sent,
            client=lambda name: sc,
            sleep=clock.sleep,
            clock=clock,
        )
        assert len(sent.bodies) == 1
        return dict(sent.bodies[0])

    return run
