"""``Custom::MachineImage``: the AMI ID of an SSM parameter, through the Lambda entry point
against moto's SSM."""

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from catalog_constructs.shared.product_context.handler.product_context_handlers import dispatch

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


class PublicImages:
    """moto's EC2, plus AWS's public Amazon Linux images that moto's SSM names: the suite
    loads only moto's default images (tests/conftest.py), which do not include them. They are
    described as AWS describes Amazon's images: owner alias ``amazon``."""

    def __init__(self, real: Any) -> None:
        self.real = real
        ssm = boto3.client("ssm")
        self.public = {
            ssm.get_parameter(Name=name)["Parameter"]["Value"]
            for name in (PUBLIC_X86, PUBLIC_ARM64)
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def describe_images(self, **kwargs: Any) -> dict[str, Any]:
        (image_id,) = kwargs["ImageIds"]
        if image_id in self.public:
            amazon = {"ImageId": image_id, "OwnerId": "137112412989", "ImageOwnerAlias": "amazon"}
            return {"Images": [amazon]}
        return dict(self.real.describe_images(**kwargs))


@pytest.fixture
def run(capture: Callable[[], Any], lambda_context: Any) -> Run:
    """The Lambda entry point with moto's clients and the public images above."""

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        sent = capture()
        ec2 = PublicImages(boto3.client("ec2"))
        clients = {"ec2": ec2}
        dispatch.handler(
            event,
            lambda_context,
            send=sent,
            client=lambda service: clients.get(service) or boto3.client(service),
        )
        return dict(sent.only)

    return invoke


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


def own_image() -> str:
    """An image of the test account, as the catalog's pipelines publish."""
    return str(boto3.client("ec2").register_image(Name="catalog-linux-docker")["ImageId"])


def test_machine_image_prefers_the_catalog_image_when_published(
    aws: None, run: Run, fallback_event: EventMaker, published: Callable[[str], str]
) -> None:
    catalog_image = own_image()
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


def test_a_catalog_parameter_naming_someone_elses_image_is_refused(
    aws: None, run: Run, image_event: EventMaker, published: Callable[[str], str]
) -> None:
    """Whoever can write the catalog's parameter must not be able to launch every product on
    an image of another account (here a public Amazon image)."""
    foreign = published(PUBLIC_X86)
    boto3.client("ssm").put_parameter(Name=IMAGE_PARAMETER, Type="String", Value=foreign)

    response = run(image_event())

    assert response["Status"] == "FAILED"
    assert "not an owner the catalog trusts" in response["Reason"]
    assert IMAGE_PARAMETER in response["Reason"]


def test_a_parameter_naming_a_missing_image_is_refused(
    aws: None, run: Run, image_event: EventMaker
) -> None:
    gone = own_image()
    boto3.client("ec2").deregister_image(ImageId=gone)
    boto3.client("ssm").put_parameter(Name=IMAGE_PARAMETER, Type="String", Value=gone)

    response = run(image_event())

    assert response["Status"] == "FAILED"
    assert "does not exist or is not available" in response["Reason"]


class OneImage:
    def __init__(self, owner: str, alias: str | None = None) -> None:
        self.image = {"ImageId": "ami-example", "OwnerId": owner}
        if alias:
            self.image["ImageOwnerAlias"] = alias

    def describe_images(self, **_: Any) -> dict[str, Any]:
        return {"Images": [self.image]}


@pytest.mark.parametrize(
    ("parameter", "owner", "alias", "trusted"),
    [
        ("/research-catalog/ami/notebook/x86_64", "222222222222", None, True),
        ("/research-catalog/ami/notebook/x86_64", "999999999999", None, False),
        (
            "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
            "099720109477",
            None,
            True,
        ),
        (
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            "137112412989",
            "amazon",
            True,
        ),
        (
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            "999999999999",
            None,
            False,
        ),
    ],
)
def test_image_owners_each_parameter_stands_for(
    parameter: str, owner: str, alias: str | None, trusted: bool
) -> None:
    from catalog_constructs.shared.product_context.handler.product_context_handlers import (
        common,
        machine_image,
    )

    def check() -> None:
        machine_image.check_image_owner(
            "ami-example",
            parameter,
            ec2=OneImage(owner, alias),
            trusted_accounts=frozenset({ACCOUNT, "222222222222"}),
        )

    if trusted:
        check()
    else:
        with pytest.raises(common.ProductContextError, match=f"of account {owner}"):
            check()
