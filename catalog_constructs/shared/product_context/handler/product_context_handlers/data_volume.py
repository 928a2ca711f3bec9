"""``Custom::DataVolumeAttachment``: attaches a product's data volume to its (possibly new)
instance.

``AWS::EC2::VolumeAttachment`` cannot follow an instance replacement: CloudFormation creates the
new attachment while the old instance still holds the volume, and the update fails. Here the
instance being replaced is stopped first (a clean file system), the volume moved, and the old
instance left for CloudFormation to terminate. Delete does nothing (see ``dispatch``).

Every wait ends in time to answer (``Deadline``): a move that cannot finish fails the update,
and CloudFormation rolls it back, which moves the volume back the same way. An instance this
resource stopped carries ``STOPPED_FOR_MOVE_TAG`` until the volume is attached to it again,
and is then started: a rolled-back update leaves the original workstation running, while one
its owner (or the idle stop) had stopped stays stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .cfn import log
from .common import Client, ProductContextError
from .deadline import Deadline

RESOURCE_TYPE = "Custom::DataVolumeAttachment"
STOPPED_FOR_MOVE_TAG = "research-catalog:stopped-for-volume-move"
POLL_SECONDS = 5.0
_RETRY = "retry the update (or let it roll back): the move resumes where it stopped"


def attach_data_volume(
    event: Mapping[str, Any], *, ec2: Client, deadline: Deadline
) -> tuple[str, dict[str, str]]:
    """Create/Update: the volume is attached to ``InstanceId``, moved there if need be."""
    properties = event.get("ResourceProperties", {})
    volume_id = str(properties.get("VolumeId", ""))
    instance_id = str(properties.get("InstanceId", ""))
    device = str(properties.get("Device", ""))
    if not (volume_id and instance_id and device):
        raise ProductContextError(
            f"{RESOURCE_TYPE} needs VolumeId, InstanceId and Device properties"
        )
    holders = _holders(ec2, volume_id)
    if instance_id in holders:
        log("data volume already attached", volume_id=volume_id, instance_id=instance_id)
    else:
        for previous in holders:
            log("moving data volume", volume_id=volume_id, previous=previous, new=instance_id)
            _stop_for_move(ec2, previous, volume_id, deadline)
            ec2.detach_volume(VolumeId=volume_id, InstanceId=previous)
        # Also a volume an earlier, interrupted move left detaching.
        deadline.wait(
            f"volume {volume_id} to be detached",
            lambda: _pending_state(_volume(ec2, volume_id)["State"], "available"),
            interval=POLL_SECONDS,
            hint=_RETRY,
        )
        ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=device)
        deadline.wait(
            f"volume {volume_id} to attach to {instance_id}",
            lambda: _pending_state(_attachment_state(ec2, volume_id, instance_id), "attached"),
            interval=POLL_SECONDS,
            hint=_RETRY,
        )
    _restart_if_moved(ec2, instance_id, deadline)
    return f"{volume_id}:{instance_id}", {"VolumeId": volume_id, "InstanceId": instance_id}


def _volume(ec2: Client, volume_id: str) -> dict[str, Any]:
    (volume,) = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    return dict(volume)


def _holders(ec2: Client, volume_id: str) -> list[str]:
    attachments = _volume(ec2, volume_id).get("Attachments", [])
    return [a["InstanceId"] for a in attachments if a["State"] in ("attaching", "attached")]


def _attachment_state(ec2: Client, volume_id: str, instance_id: str) -> str:
    for attachment in _volume(ec2, volume_id).get("Attachments", []):
        if attachment["InstanceId"] == instance_id:
            return str(attachment["State"])
    return "detached"


def _instance(ec2: Client, instance_id: str) -> tuple[str, dict[str, str]]:
    """The instance's state and tags."""
    (reservation,) = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    (instance,) = reservation["Instances"]
    tags = {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}
    return str(instance["State"]["Name"]), tags


def _pending_state(current: str, wanted: str) -> list[str]:
    return [] if current == wanted else [current]


def _wait_stopped(ec2: Client, instance_id: str, deadline: Deadline) -> None:
    deadline.wait(
        f"instance {instance_id} to stop",
        lambda: _pending_state(_instance(ec2, instance_id)[0], "stopped"),
        interval=POLL_SECONDS,
        hint=_RETRY,
    )


def _stop_for_move(ec2: Client, instance_id: str, volume_id: str, deadline: Deadline) -> None:
    """Stop the instance that holds the volume (marking it when this stops it) and wait."""
    state, _ = _instance(ec2, instance_id)
    if state in ("pending", "running"):
        # Marked first: should the stop fail, the mark on a running instance is harmless.
        ec2.create_tags(
            Resources=[instance_id], Tags=[{"Key": STOPPED_FOR_MOVE_TAG, "Value": volume_id}]
        )
        ec2.stop_instances(InstanceIds=[instance_id])
    _wait_stopped(ec2, instance_id, deadline)


def _restart_if_moved(ec2: Client, instance_id: str, deadline: Deadline) -> None:
    """Start the instance again if a move stopped it (the volume has come back to it)."""
    state, tags = _instance(ec2, instance_id)
    if STOPPED_FOR_MOVE_TAG not in tags:
        return
    if state in ("stopping", "stopped"):
        _wait_stopped(ec2, instance_id, deadline)
        ec2.start_instances(InstanceIds=[instance_id])
        log("restarted the instance the move had stopped", instance_id=instance_id)
    ec2.delete_tags(Resources=[instance_id], Tags=[{"Key": STOPPED_FOR_MOVE_TAG}])
