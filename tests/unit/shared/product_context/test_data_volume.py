"""``Custom::DataVolumeAttachment``: moving a product's data volume to the instance that
replaces the old one (moto EC2)."""

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    data_volume,
    dispatch,
)

# moto serves AWS's public Amazon Linux parameters; its AMI launches the test instances.
PUBLIC_X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
MakeEvent = Callable[..., dict[str, Any]]
Run = Callable[[dict[str, Any]], dict[str, Any]]

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abc/uuid"
ZONE = "us-east-1a"


@pytest.fixture
def ec2(aws: None) -> Any:
    return boto3.client("ec2")


@pytest.fixture
def launch(published: Callable[[str], str]) -> Callable[[Any], str]:
    def launched(ec2: Any) -> str:
        image = published(PUBLIC_X86)
        (instance,) = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.medium",
            Placement={"AvailabilityZone": ZONE},
        )["Instances"]
        return str(instance["InstanceId"])

    return launched


@pytest.fixture
def attach_event(make_event: MakeEvent) -> MakeEvent:
    def make(volume_id: str, instance_id: str, **extra: Any) -> dict[str, Any]:
        event = make_event(
            STACK_ID,
            ResourceType=data_volume.RESOURCE_TYPE,
            LogicalResourceId="DataVolumeAttachment",
            **extra,
        )
        event["ResourceProperties"] = {
            "VolumeId": volume_id,
            "InstanceId": instance_id,
            "Device": "/dev/sdf",
        }
        return event

    return make


def volume_in(ec2: Any) -> str:
    return str(ec2.create_volume(AvailabilityZone=ZONE, Size=100, Encrypted=True)["VolumeId"])


def attached_to(ec2: Any, volume_id: str) -> list[str]:
    (volume,) = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    return [a["InstanceId"] for a in volume["Attachments"] if a["State"] == "attached"]


def state(ec2: Any, instance_id: str) -> str:
    reservation = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]
    return str(reservation["Instances"][0]["State"]["Name"])


def test_create_attaches_a_new_volume(
    ec2: Any, run: Run, attach_event: MakeEvent, launch: Callable[[Any], str]
) -> None:
    instance, volume = launch(ec2), volume_in(ec2)

    response = run(attach_event(volume, instance))

    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == f"{volume}:{instance}"
    assert attached_to(ec2, volume) == [instance]


def test_replacement_stops_the_old_instance_and_moves_the_volume(
    ec2: Any, run: Run, attach_event: MakeEvent, launch: Callable[[Any], str]
) -> None:
    old, new, volume = launch(ec2), launch(ec2), volume_in(ec2)
    ec2.attach_volume(VolumeId=volume, InstanceId=old, Device="/dev/sdf")

    response = run(
        attach_event(volume, new, RequestType="Update", PhysicalResourceId=f"{volume}:{old}")
    )

    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == f"{volume}:{new}"
    assert attached_to(ec2, volume) == [new]
    assert state(ec2, old) == "stopped"
    assert state(ec2, new) == "running"


def test_update_with_the_same_instance_changes_nothing(
    ec2: Any, run: Run, attach_event: MakeEvent, launch: Callable[[Any], str]
) -> None:
    instance, volume = launch(ec2), volume_in(ec2)
    ec2.attach_volume(VolumeId=volume, InstanceId=instance, Device="/dev/sdf")

    response = run(attach_event(volume, instance, RequestType="Update"))

    assert response["Status"] == "SUCCESS"
    assert attached_to(ec2, volume) == [instance]
    assert state(ec2, instance) == "running"


def test_delete_never_detaches(
    ec2: Any,
    attach_event: MakeEvent,
    launch: Callable[[Any], str],
    captured: Any,
    no_aws: Callable[[str], Any],
) -> None:
    instance, volume = launch(ec2), volume_in(ec2)
    ec2.attach_volume(VolumeId=volume, InstanceId=instance, Device="/dev/sdf")

    dispatch.handler(
        attach_event(
            volume, instance, RequestType="Delete", PhysicalResourceId=f"{volume}:{instance}"
        ),
        None,
        send=captured,
        client=no_aws,
    )

    assert captured.only["Status"] == "SUCCESS"
    assert attached_to(ec2, volume) == [instance]


def test_missing_properties_fail_clearly(ec2: Any, run: Run, attach_event: MakeEvent) -> None:
    event = attach_event("", "")

    response = run(event)

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        "Custom::DataVolumeAttachment needs VolumeId, InstanceId and Device properties"
    )
