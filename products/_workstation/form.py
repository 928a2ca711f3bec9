"""Launch-form fields every workstation product offers (Linux Docker, notebook, Windows), the
curated instance types, and how a product stack reads the shared fields.

The wording differs only where the products do (the data disk's place, what an image update
replaces), so each product passes those words in; the constraints are the same everywhere.
"""

from typing import TypedDict

from aws_cdk import CfnCondition, CfnMapping, Fn, Stack
from constructs import Construct

from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from catalog_constructs.product_template.workstation.bucket_mounts import (
    LINUX_MOUNT_ROOT,
    WINDOWS_SYNC_ROOT,
)
from catalog_constructs.product_template.workstation.instance import BucketLists

# The architecture picks the image: offering a Graviton type with an x86 image makes the launch
# fail, which is what the reference catalog did.
_INSTANCE_FAMILIES = {
    "x86": {
        "t3": ("small", "medium", "large", "xlarge", "2xlarge"),
        "m7i": ("large", "xlarge", "2xlarge", "4xlarge"),
        "c7i": ("large", "xlarge", "2xlarge", "4xlarge"),
        "r7i": ("large", "xlarge", "2xlarge", "4xlarge"),
    },
    "arm64": {
        "t4g": ("small", "medium", "large", "xlarge", "2xlarge"),
        "m7g": ("large", "xlarge", "2xlarge", "4xlarge"),
        "c7g": ("large", "xlarge", "2xlarge", "4xlarge"),
        "r7g": ("large", "xlarge", "2xlarge", "4xlarge"),
    },
}
# Curated EC2 instance types for workstations, with the CPU architecture of each.
INSTANCE_ARCHITECTURES: dict[str, str] = {
    f"{family}.{size}": architecture
    for architecture, families in _INSTANCE_FAMILIES.items()
    for family, sizes in families.items()
    for size in sizes
}


def instance_type_names() -> tuple[str, ...]:
    return tuple(INSTANCE_ARCHITECTURES)


def instance_type_mapping(scope: Construct) -> CfnMapping:
    return CfnMapping(
        scope,
        "InstanceTypes",
        mapping={name: {"Arch": arch} for name, arch in INSTANCE_ARCHITECTURES.items()},
    )


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


# The buckets to mount (Linux) or synchronise (Windows):
# catalog_constructs/product_template/workstation/bucket_mounts.py.
READ_ONLY_PARAMETER = "ReadOnlyBuckets"
READ_WRITE_PARAMETER = "ReadWriteBuckets"
# Empty, or S3 bucket names; CloudFormation applies the pattern to each item of the list.
BUCKET_LIST_PATTERN = r"^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
_SHARED_BUCKETS = (
    "You can mount your own catalog buckets and buckets your operators shared with your "
    "community; the launch fails naming any other."
)
# At most this many buckets in both lists together (the Custom::BucketMounts check refuses
# more); CloudFormation cannot count a list's items, so the form says it.
MAX_BUCKETS = 10
_BUCKET_LIST_CONSTRAINT = (
    "Enter bucket names (3-63 lowercase letters, digits, dots and hyphens) separated by "
    f"commas, without s3:// and without spaces, at most {MAX_BUCKETS} in both lists together, "
    "or leave empty."
)


def buckets_group(*, where: str) -> FormGroup:
    """The bucket lists; ``where`` says what happens to each bucket on this product (mounted
    at a directory on Linux, synchronised with a folder on Windows)."""
    return FormGroup(
        label="Buckets",
        parameters=(
            FormParameter(
                name=READ_ONLY_PARAMETER,
                label="Buckets to mount read-only",
                description=(
                    f"S3 bucket names separated by commas, or empty; at most {MAX_BUCKETS} "
                    f"buckets in both lists together. {where} " + _SHARED_BUCKETS
                ),
                constraint_description=_BUCKET_LIST_CONSTRAINT,
                type="CommaDelimitedList",
                default="",
                allowed_pattern=BUCKET_LIST_PATTERN,
            ),
            FormParameter(
                name=READ_WRITE_PARAMETER,
                label="Buckets to mount read-write",
                description=(
                    "S3 bucket names separated by commas, or empty. Like the read-only ones, but "
                    "files you write or delete there change the bucket. " + _SHARED_BUCKETS
                ),
                constraint_description=_BUCKET_LIST_CONSTRAINT,
                type="CommaDelimitedList",
                default="",
                allowed_pattern=BUCKET_LIST_PATTERN,
            ),
        ),
    )


LINUX_BUCKETS = buckets_group(where=f"Each is mounted at {LINUX_MOUNT_ROOT}/<name>.")
WINDOWS_BUCKETS = buckets_group(
    where=f"Each is synchronised with {WINDOWS_SYNC_ROOT}\\<name> at every start and every 15 "
    "minutes."
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
            read_only=form.parameters[READ_ONLY_PARAMETER].value_as_list,
            read_write=form.parameters[READ_WRITE_PARAMETER].value_as_list,
        ),
    )
