"""``Custom::MachineImage``: the AMI ID of an SSM parameter, through the Lambda entry point
against moto's SSM."""

from collections.abc import Callable
from typing import Any

import boto3
import pytest

ACCOUNT = "123456789012"
REGION = "us-east-1"
IMAGE_PARAMETER = "/research-catalog/images/linux-docker/al2023"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:research-catalog-product-context"
EventMaker = Callable[..., dict[str, Any]]
Run = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def image_event(make_event: EventMaker) -> EventMaker:
    def make(parameter: str | None = IMAGE_PARAMETER, **extra: str) -> dict[str, Any]:
        properties = {"ServiceToken": SERVICE_TOKEN}
        if parameter is not None:
            properties["ImageParameter"] = parameter
        return make_event(
            f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-{ACCOUNT}-pp-abc/uuid",
            ResourceType="Custom::MachineImage",
            LogicalResourceId="Image",
            **extra,
        ) | {"ResourceProperties": properties}

    return make


# moto serves AWS's public Amazon Linux parameters, so the tests resolve the very names the
# Linux Docker product uses, with the AMI IDs moto publishes for them.
PUBLIC_X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
PUBLIC_ARM64 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"


def test_machine_image_reads_the_ami_from_ssm(
    aws: None, run: Run, image_event: EventMaker, published: Callable[[str], str]
) -> None:
    expected = published(PUBLIC_X86)

    response = run(image_event(PUBLIC_X86))

    assert response["Status"] == "SUCCESS"
    assert expected.startswith("ami-")
    assert response["PhysicalResourceId"] == expected
    assert response["Data"] == {"ImageId": expected, "ImageParameter": PUBLIC_X86}


def test_machine_image_update_reads_the_new_parameter(
    aws: None, run: Run, image_event: EventMaker, published: Callable[[str], str]
) -> None:
    previous = published(PUBLIC_X86)
    expected = published(PUBLIC_ARM64)
    assert previous != expected

    response = run(image_event(PUBLIC_ARM64, RequestType="Update", PhysicalResourceId=previous))

    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"ImageId": expected, "ImageParameter": PUBLIC_ARM64}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, f"SSM parameter {IMAGE_PARAMETER} (the product's machine image) does not exist"),
        ("subnet-123", f"SSM parameter {IMAGE_PARAMETER} holds 'subnet-123', not an AMI ID"),
    ],
)
def test_machine_image_fails_naming_the_parameter(
    aws: None, value: str | None, reason: str, run: Run, image_event: EventMaker
) -> None:
    if value is not None:
        boto3.client("ssm").put_parameter(Name=IMAGE_PARAMETER, Type="String", Value=value)

    response = run(image_event())

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(reason)
    assert response["Data"] == {}


def test_machine_image_without_parameter_property_fails(
    aws: None, run: Run, image_event: EventMaker
) -> None:
    response = run(image_event(parameter=None))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == "Custom::MachineImage needs an ImageParameter property"


@pytest.fixture
def fallback_event(image_event: EventMaker) -> EventMaker:
    def make(parameter: str, fallback: str, **extra: str) -> dict[str, Any]:
        event = image_event(parameter, **extra)
        event["ResourceProperties"]["FallbackImageParameter"] = fallback
        return event

    return make


def test_machine_image_prefers_the_catalog_image_when_published(
    aws: None, run: Run, fallback_event: EventMaker, published: Callable[[str], str]
) -> None:
    catalog_image = published(PUBLIC_ARM64)
    boto3.client("ssm").put_parameter(Name=IMAGE_PARAMETER, Type="String", Value=catalog_image)

    response = run(fallback_event(IMAGE_PARAMETER, PUBLIC_X86))

    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"ImageId": catalog_image, "ImageParameter": IMAGE_PARAMETER}


def test_machine_image_falls_back_to_the_public_image(
    aws: None, run: Run, fallback_event: EventMaker, published: Callable[[str], str]
) -> None:
    response = run(fallback_event(IMAGE_PARAMETER, PUBLIC_X86))

    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"ImageId": published(PUBLIC_X86), "ImageParameter": PUBLIC_X86}


def test_machine_image_fails_when_neither_parameter_exists(
    aws: None, run: Run, fallback_event: EventMaker
) -> None:
    response = run(fallback_event(IMAGE_PARAMETER, "/aws/service/none/such"))

    assert response["Status"] == "FAILED"
    assert IMAGE_PARAMETER in response["Reason"]
    assert "/aws/service/none/such" in response["Reason"]
