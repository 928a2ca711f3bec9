"""The image keeper under faults: a count that fails changes no tag (an AMI in use must never
lose its tag on an incomplete count), and an AMI deregistered between the count and the tagging
does not keep the others from being tagged. moto's EC2 and SSM behind a wrapper that injects
each fault."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from catalog_constructs import contract
from catalog_constructs.shared.image_keeper.handler.image_keeper_handlers import keeper

SETTINGS = {
    "PRODUCT_TAG": contract.PRODUCT_TAG,
    "IMAGE_PARAMETER_ROOT": contract.IMAGE_PARAMETER_ROOT,
    "IN_USE_TAG": contract.IMAGE_IN_USE_TAG,
    "IN_USE_VALUE": contract.IMAGE_IN_USE_VALUE,
}
TAG = [{"Key": contract.IMAGE_IN_USE_TAG, "Value": contract.IMAGE_IN_USE_VALUE}]


@pytest.fixture
def ec2(aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ec2", region_name="us-east-1")


def own_image(ec2: Any, name: str) -> str:
    base = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    builder = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1)["Instances"][0]
    return str(ec2.create_image(InstanceId=builder["InstanceId"], Name=name)["ImageId"])


def publish(image: str, name: str) -> None:
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=contract.image_parameter(name, "x86_64"), Value=image, Type="String"
    )


def tagged(ec2: Any) -> set[str]:
    images = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "tag-key", "Values": [contract.IMAGE_IN_USE_TAG]}]
    )["Images"]
    return {image["ImageId"] for image in images}


class Faulty:
    """The EC2 client with one operation replaced."""

    def __init__(self, ec2: Any, operation: str, behaviour: Any) -> None:
        self._ec2, self._operation, self._behaviour = ec2, operation, behaviour

    def __getattr__(self, name: str) -> Any:
        if name == self._operation:
            return self._behaviour
        return getattr(self._ec2, name)


def test_a_failed_instance_count_changes_no_tag(ec2: Any) -> None:
    stale = own_image(ec2, "stale")
    ec2.create_tags(Resources=[stale], Tags=TAG)

    class Paginators:
        """describe_instances pages fail; the others are moto's."""

        def __call__(self, name: str) -> Any:
            if name == "describe_instances":
                return self
            return ec2.get_paginator(name)

        def paginate(self, **kwargs: Any) -> Any:
            raise ClientError({"Error": {"Code": "RequestLimitExceeded"}}, "DescribeInstances")

    faulty = Faulty(ec2, "get_paginator", Paginators())

    with pytest.raises(ClientError):
        keeper.keep_images(
            ec2=faulty,
            ssm=boto3.client("ssm", region_name="us-east-1"),
            settings=SETTINGS,
            context=None,
        )

    assert tagged(ec2) == {stale}


def test_an_image_deregistered_during_the_run_does_not_stop_the_others(ec2: Any) -> None:
    kept, vanishing = own_image(ec2, "kept"), own_image(ec2, "vanishing")
    publish(kept, "linux-docker")
    publish(vanishing, "windows")
    real_create = ec2.create_tags

    def create_tags(**kwargs: Any) -> Any:
        if vanishing in kwargs["Resources"]:
            raise ClientError(
                {"Error": {"Code": "InvalidAMIID.NotFound", "Message": vanishing}}, "CreateTags"
            )
        return real_create(**kwargs)

    result = keeper.keep_images(
        ec2=Faulty(ec2, "create_tags", create_tags),
        ssm=boto3.client("ssm", region_name="us-east-1"),
        settings=SETTINGS,
        context=None,
    )

    assert tagged(ec2) == {kept}
    assert result["deregistered_meanwhile"] == [vanishing]
