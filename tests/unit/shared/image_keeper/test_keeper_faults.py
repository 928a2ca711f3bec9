"""The image keeper under faults: a count that fails changes no tag (an AMI in use must never
lose its tag on an incomplete count), and an AMI deregistered between the count and the tagging
does not keep the others from being tagged. moto's EC2 and SSM behind a wrapper that injects
each fault."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from catalog_constructs import contract
from catalog_constructs.shared.image_keeper.handler.image_keeper_handlers import keeper
from tests.unit.shared.image_keeper.images import SETTINGS, in_use, own_image, publish

TAG = [{"Key": contract.IMAGE_IN_USE_TAG, "Value": contract.IMAGE_IN_USE_VALUE}]


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

    assert in_use(ec2) == {stale}


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

    assert in_use(ec2) == {kept}
    assert result["deregistered_meanwhile"] == [vanishing]
