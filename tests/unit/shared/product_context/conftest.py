"""Fixtures of the product-context handler tests: moto, CloudFormation requests, and running
the Lambda entry point against moto's clients."""

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from catalog_constructs.shared.product_context.handler.product_context_handlers import dispatch

ACCOUNT = "123456789012"
REGION = "us-east-1"
RESPONSE_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/signed"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:research-catalog-product-context"


@pytest.fixture(autouse=True)
def credentials(aws_credentials: None) -> None:
    """Every test here runs with fake credentials."""


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def make_event() -> Callable[..., dict[str, Any]]:
    """A ``Custom::ProductContext`` request of a stack; keyword arguments replace fields."""

    def make(stack_id: str, request_type: str = "Create", **extra: Any) -> dict[str, Any]:
        return {
            "RequestType": request_type,
            "ServiceToken": SERVICE_TOKEN,
            "ResponseURL": RESPONSE_URL,
            "StackId": stack_id,
            "RequestId": "5d478078-13e9-baf0-464a-7ef285ecc786",
            "LogicalResourceId": "ProductContext",
            "ResourceType": "Custom::ProductContext",
            "ResourceProperties": {"ServiceToken": SERVICE_TOKEN},
            **extra,
        }

    return make


@pytest.fixture
def run(
    capture: Callable[[], Any], lambda_context: Any
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Runs the Lambda entry point with real (moto) clients; returns the response it sent."""

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        sent = capture()
        dispatch.handler(event, lambda_context, send=sent)
        assert sent.urls == [RESPONSE_URL]
        return dict(sent.only)

    return invoke


@pytest.fixture
def published() -> Callable[[str], str]:
    """The value of an SSM parameter (moto serves AWS's public AMI parameters)."""
    return lambda name: str(boto3.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])
