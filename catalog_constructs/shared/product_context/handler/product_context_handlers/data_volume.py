"""``Custom::DataVolumeAttachment``: attaches a product's data volume to its (possibly new)
instance.

``AWS::EC2::VolumeAttachment`` cannot follow an instance replacement: CloudFormation creates the
new attachment while the old instance still holds the volume, and the update fails. Here the
instance being replaced is stopped first (a clean file system), the volume moved, and the old
instance left for CloudFormation to terminate. Delete does nothing (see ``dispatch``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .cfn import log
from .common import Client, ProductContextError

RESOURCE_TYPE = "Custom::DataVolumeAttachment"


def attach_data_volume(
    event: Mapping[str, Any], *, ec2: Client, delay: int = 5
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
    waiter_config = {"Delay": delay, "MaxAttempts": max(1, 600 // max(delay, 1))}
    (volume,) = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    attachments = [
        a for a in volume.get("Attachments", []) if a["State"] in ("attaching", "attached")
    ]
    if any(a["InstanceId"] == instance_id for a in attachments):
        log("data volume already attached", volume_id=volume_id, instance_id=instance_id)
    else:
        for attachment in attachments:
            previous = attachment["InstanceId"]
            log("moving data volume", volume_id=volume_id, previous=previous, new=instance_id)
            ec2.stop_instances(InstanceIds=[previous])
            ec2.get_waiter("instance_stopped").wait(
                InstanceIds=[previous], WaiterConfig=waiter_config
            )
            ec2.detach_volume(VolumeId=volume_id, InstanceId=previous)
            ec2.get_waiter("volume_available").wait(
                VolumeIds=[volume_id], WaiterConfig=waiter_config
            )
        ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=device)
        ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id], WaiterConfig=waiter_config)
    return f"{volume_id}:{instance_id}", {"VolumeId": volume_id, "InstanceId": instance_id}
