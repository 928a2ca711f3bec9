"""The data-volume move under faults (issue 17, items 8 and 9): moves that cannot finish in
the Lambda's time, and updates that CloudFormation rolls back. moto's EC2 changes states at
once; ``SlowEC2`` keeps chosen instances in a state and lets the simulated clock run."""

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import WaiterError

from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    data_volume,
    dispatch,
)

PUBLIC_X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abc/uuid"
ZONE = "us-east-1a"
MakeEvent = Callable[..., dict[str, Any]]


@pytest.fixture
def ec2(aws: None) -> Any:
    return boto3.client("ec2")


@pytest.fixture
def launch(ec2: Any, published: Callable[[str], str]) -> Callable[[], str]:
    def launched() -> str:
        (instance,) = ec2.run_instances(
            ImageId=published(PUBLIC_X86),
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.medium",
            Placement={"AvailabilityZone": ZONE},
        )["Instances"]
        return str(instance["InstanceId"])

    return launched


@pytest.fixture
def volume(ec2: Any) -> str:
    return str(ec2.create_volume(AvailabilityZone=ZONE, Size=100, Encrypted=True)["VolumeId"])


@pytest.fixture
def move(make_event: MakeEvent, capture: Callable[[], Any], lambda_context: Any, clock: Any) -> Any:
    """Sends one Create/Update of the attachment through the entry point (on the simulated
    clock, with ``remaining_seconds`` of Lambda time) and returns the response."""

    def send(
        client: Any,
        volume_id: str,
        instance_id: str,
        *,
        previous: str | None = None,
        remaining_seconds: float = 900,
    ) -> dict[str, Any]:
        event = make_event(
            STACK_ID,
            "Update" if previous else "Create",
            ResourceType=data_volume.RESOURCE_TYPE,
            LogicalResourceId="DataVolumeAttachment",
            ResourceProperties={
                "VolumeId": volume_id,
                "InstanceId": instance_id,
                "Device": "/dev/sdf",
            },
            **({"PhysicalResourceId": f"{volume_id}:{previous}"} if previous else {}),
        )
        sent = capture()
        lambda_context.run_with(clock, remaining_seconds=remaining_seconds)
        dispatch.handler(
            event, lambda_context, send=sent, client=lambda name: client, sleep=clock.sleep
        )
        return dict(sent.only)

    return send


class SlowEC2:
    """moto's EC2, except that instances in ``stuck`` stay in the given state when described,
    and a botocore waiter runs its full course on the simulated clock before giving up."""

    def __init__(self, ec2: Any, clock: Any, stuck: dict[str, str]) -> None:
        self.ec2, self.clock, self.stuck = ec2, clock, stuck

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ec2, name)

    def describe_instances(self, **kwargs: Any) -> Any:
        response = self.ec2.describe_instances(**kwargs)
        for reservation in response["Reservations"]:
            for instance in reservation["Instances"]:
                if instance["InstanceId"] in self.stuck:
                    instance["State"] = {"Code": 64, "Name": self.stuck[instance["InstanceId"]]}
        return response

    def get_waiter(self, name: str) -> Any:
        clock = self.clock

        class Waiter:
            def wait(self, WaiterConfig: dict[str, int], **kwargs: Any) -> None:
                clock.advance(WaiterConfig["Delay"] * WaiterConfig["MaxAttempts"])
                raise WaiterError(name, "Max attempts exceeded", {})

        return Waiter()


def state(ec2: Any, instance_id: str) -> str:
    reservation = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]
    return str(reservation["Instances"][0]["State"]["Name"])


def tags(ec2: Any, instance_id: str) -> dict[str, str]:
    reservation = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]
    return {tag["Key"]: tag["Value"] for tag in reservation["Instances"][0].get("Tags", [])}


def attached_to(ec2: Any, volume_id: str) -> list[str]:
    (found,) = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    return [a["InstanceId"] for a in found["Attachments"] if a["State"] == "attached"]


def test_a_move_that_cannot_finish_answers_failed_in_time(
    ec2: Any, launch: Callable[[], str], volume: str, move: Any, clock: Any, lambda_context: Any
) -> None:
    """Item 8: three waiters of up to 600 s each ran inside a 900 s function: an instance that
    takes long to stop made the answer come after Lambda had ended the invocation, and
    CloudFormation waited an hour. The wait now ends with a minute left to answer."""
    old, new = launch(), launch()
    ec2.attach_volume(VolumeId=volume, InstanceId=old, Device="/dev/sdf")

    response = move(
        SlowEC2(ec2, clock, {old: "stopping"}), volume, new, previous=old, remaining_seconds=300
    )

    assert response["Status"] == "FAILED"
    assert f"timed out waiting for instance {old} to stop (stopping)" in response["Reason"]
    assert lambda_context.get_remaining_time_in_millis() >= 60_000
    # Nothing moved: the rollback finds the volume where it was.
    assert attached_to(ec2, volume) == [old]


def test_a_rolled_back_update_restarts_the_instance_the_move_stopped(
    ec2: Any, launch: Callable[[], str], volume: str, move: Any
) -> None:
    """Item 9: the update stops the old instance to move the volume; when CloudFormation then
    rolls the update back, the volume moves back, and the old instance must run again."""
    old, new = launch(), launch()
    ec2.attach_volume(VolumeId=volume, InstanceId=old, Device="/dev/sdf")
    assert move(ec2, volume, new, previous=old)["Status"] == "SUCCESS"
    assert (attached_to(ec2, volume), state(ec2, old)) == ([new], "stopped")

    rollback = move(ec2, volume, old, previous=new)

    assert rollback["Status"] == "SUCCESS"
    assert attached_to(ec2, volume) == [old]
    assert state(ec2, old) == "running"
    assert data_volume.STOPPED_FOR_MOVE_TAG not in tags(ec2, old)
    # The replacement, which CloudFormation deletes next, is left stopped.
    assert state(ec2, new) == "stopped"


def test_a_rollback_after_a_move_that_timed_out_restarts_the_instance(
    ec2: Any, launch: Callable[[], str], volume: str, move: Any, clock: Any
) -> None:
    """Items 8 and 9: the move gave up while the old instance was stopping, before the volume
    left it; the rollback finds the volume still there and starts the instance again."""
    old, new = launch(), launch()
    ec2.attach_volume(VolumeId=volume, InstanceId=old, Device="/dev/sdf")
    failed = move(
        SlowEC2(ec2, clock, {old: "stopping"}), volume, new, previous=old, remaining_seconds=120
    )
    assert failed["Status"] == "FAILED"

    rollback = move(ec2, volume, old, previous=new)

    assert rollback["Status"] == "SUCCESS"
    assert (attached_to(ec2, volume), state(ec2, old)) == ([old], "running")


def test_an_instance_its_owner_had_stopped_stays_stopped(
    ec2: Any, launch: Callable[[], str], volume: str, move: Any
) -> None:
    """Item 9, the other side: only an instance the move stopped is started again; one that
    was already stopped (its owner, or the idle stop) stays stopped after a rollback."""
    old, new = launch(), launch()
    ec2.attach_volume(VolumeId=volume, InstanceId=old, Device="/dev/sdf")
    ec2.stop_instances(InstanceIds=[old])
    assert move(ec2, volume, new, previous=old)["Status"] == "SUCCESS"

    assert move(ec2, volume, old, previous=new)["Status"] == "SUCCESS"

    assert (attached_to(ec2, volume), state(ec2, old)) == ([old], "stopped")
