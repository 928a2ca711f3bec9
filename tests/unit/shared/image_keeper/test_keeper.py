"""The image keeper counts AMI references (catalog instances in any state but terminated, and
the catalog's image parameters) and keeps the in-use tag exactly on this account's referenced
AMIs, under moto. That Image Builder's lifecycle policy then skips the tagged AMIs is AWS
behaviour no offline test can show: the template tests check the exclusion rule it reads."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from catalog_constructs import contract
from catalog_constructs.shared.image_keeper.handler.image_keeper_handlers import keeper
from tests.unit.clock import LambdaContext
from tests.unit.shared.image_keeper.images import SETTINGS, in_use, own_image, publish


def launch(ec2: Any, image: str, *, product: bool = True) -> str:
    tags = [{"Key": contract.PRODUCT_TAG, "Value": "linux-docker"}] if product else []
    instance = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        **({"TagSpecifications": [{"ResourceType": "instance", "Tags": tags}]} if tags else {}),
    )["Instances"][0]
    return str(instance["InstanceId"])


def run(ec2: Any, context: Any = None) -> dict[str, Any]:
    return keeper.keep_images(
        ec2=ec2,
        ssm=boto3.client("ssm", region_name="us-east-1"),
        settings=SETTINGS,
        context=context,
    )


def test_referenced_images_are_tagged_and_freed_ones_untagged(ec2: Any) -> None:
    pinned, published, unused, foreign_use = (
        own_image(ec2, name) for name in ("pinned", "published", "unused", "foreign")
    )
    stopped = launch(ec2, pinned)
    ec2.stop_instances(InstanceIds=[stopped])
    launch(ec2, foreign_use, product=False)  # not a catalog instance: no reference
    publish(published, "linux-docker")

    result = run(ec2)

    # A stopped workstation still references its AMI: its next update may replace the
    # instance from it.
    assert in_use(ec2) == {pinned, published}
    assert result["in_use"] == {pinned: 1, published: 1}

    ec2.terminate_instances(InstanceIds=[stopped])
    result = run(ec2)

    assert in_use(ec2) == {published}
    assert result["untagged"] == [pinned]
    assert unused not in in_use(ec2)


def test_public_images_a_product_runs_on_are_left_alone(ec2: Any) -> None:
    public = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    launch(ec2, public)

    assert run(ec2)["in_use"] == {}


def test_a_count_that_runs_out_of_time_changes_no_tag(ec2: Any) -> None:
    image = own_image(ec2, "kept")
    ec2.create_tags(
        Resources=[image],
        Tags=[{"Key": contract.IMAGE_IN_USE_TAG, "Value": contract.IMAGE_IN_USE_VALUE}],
    )
    context = LambdaContext()
    context.remaining_ms = 10_000

    with pytest.raises(keeper.OutOfTime):
        run(ec2, context)

    # Untagging on an incomplete count could free an AMI that is still in use.
    assert in_use(ec2) == {image}
