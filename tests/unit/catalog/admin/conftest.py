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
    capture: Callable[[], Any], lambda_context: Any
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Runs the entry point with the stubbed client and a clock that advances 60 s per
    reading; returns the one response sent."""

    def run(event: dict[str, Any], sc: Any) -> dict[str, Any]:
        sent = capture()
        dispatch.handler(
            event,
            lambda_context,
            send=sent,
            client=lambda name: sc,
            sleep=lambda seconds: None,
            clock=iter(range(0, 10_000, 60)).__next__,
        )
        assert len(sent.bodies) == 1
        return dict(sent.bodies[0])

    return run
