"""Launch-form fields and smoke-test output checks every workstation product offers (Linux
Docker, notebook, Windows).

The wording differs only where the products do (the data disk's place, what an image update
replaces), so each product passes those words in; the constraints are the same everywhere.
"""

from typing import TypedDict

from aws_cdk import CfnCondition, Fn, Stack

from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from catalog_constructs.product_template.workstation import bucket_mounts
from catalog_constructs.product_template.workstation.instance import BucketLists
from products.template import HTTPS_URL

# What the smoke test expects of every workstation's standard outputs.
STANDARD_OUTPUT_CHECKS = {
    "ConnectionURI": HTTPS_URL,
    "EC2ConsoleURI": HTTPS_URL,
    "LogsURI": HTTPS_URL,
    "Documentation": HTTPS_URL,
    "InstanceId": r"i-[0-9a-f]{8,17}",
    "PrivateIpAddress": r"(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}",
}


def data_volume_parameter(disk: str) -> FormParameter:
    return FormParameter(
        name="DataVolumeSize",
        label="Data disk size (GiB)",
        description=(
            f"Size of the encrypted data disk {disk}. It survives updates that replace the "
            "instance and is snapshotted when the product is terminated. It can grow later "
            "but never shrink."
        ),
        constraint_description="Enter a whole number of GiB from 10 to 16384.",
        type="Number",
        default=100,
        min_value=10,
        max_value=16384,
    )


def image_generation_parameter(*, image: str, replaced: str) -> FormParameter:
    return FormParameter(
        name="ImageGeneration",
        label="Image generation",
        description=(
            "Leave as is to keep the image the instance was launched from. Increase it by one "
            f"in an update to move to the newest {image} image: {replaced}"
        ),
        constraint_description="Enter a whole number from 1 to 1000.",
        type="Number",
        default=1,
        min_value=1,
        max_value=1000,
    )


def idle_stop_group(*, kept: str) -> FormGroup:
    return FormGroup(
        label="Cost control",
        parameters=(
            FormParameter(
                name="IdleStopHours",
                label="Stop when idle for (hours)",
                description=(
                    "Stop the instance after its average CPU stays below 5% for this many "
                    f"hours. 0 never stops it. A stopped instance keeps {kept}; start it "
                    "again with the Start action."
                ),
                constraint_description="Enter a whole number of hours from 0 (off) to 24.",
                type="Number",
                default=3,
                min_value=0,
                max_value=24,
            ),
        ),
    )


class SharedFields(TypedDict):
    """The WorkstationProps every workstation product fills from the fields above."""

    data_volume_gib: float
    idle_stop_hours: float
    idle_stop_enabled: CfnCondition
    buckets: BucketLists


def shared_fields(stack: Stack, form: LaunchForm) -> SharedFields:
    """Reads the shared fields of ``form``; creates the idle-stop condition (true unless the
    owner chose 0 hours) in ``stack``."""
    hours = form.parameters["IdleStopHours"].value_as_number
    return SharedFields(
        data_volume_gib=form.parameters["DataVolumeSize"].value_as_number,
        idle_stop_hours=hours,
        idle_stop_enabled=CfnCondition(
            stack, "IdleStopEnabled", expression=Fn.condition_not(Fn.condition_equals(hours, 0))
        ),
        buckets=BucketLists(
            read_only=form.parameters[bucket_mounts.READ_ONLY_PARAMETER].value_as_list,
            read_write=form.parameters[bucket_mounts.READ_WRITE_PARAMETER].value_as_list,
        ),
    )
