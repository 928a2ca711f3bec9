"""Launch-form fields every workstation product offers (Linux Docker, notebook, Windows), the
curated instance types, and how a product stack reads the shared fields.

The wording differs only where the products do (the data disk's place, what an image update
replaces), so each product passes those words in; the constraints are the same everywhere.
"""

from typing import TypedDict

from aws_cdk import CfnCondition, CfnMapping, Fn, Stack
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from catalog_constructs.product_template.workstation.bucket_mounts import (
    LINUX_MOUNT_ROOT,
    WINDOWS_SYNC_ROOT,
)
from catalog_constructs.product_template.workstation.instance import BucketLists
from products._workstation.instance_types import CPU_TYPES, InstanceType, form_description

# The architecture picks the image: offering a Graviton type with an x86 image makes the launch
# fail, which is what the reference catalog did. A GPU type also picks the GPU image where the
# catalog has none of its own (AWS's GPU base images).
INSTANCE_ARCHITECTURES: dict[str, str] = {t.name: t.architecture for t in CPU_TYPES}


def instance_type_names() -> tuple[str, ...]:
    return tuple(INSTANCE_ARCHITECTURES)


def instance_type_mapping(
    scope: Construct, types: tuple[InstanceType, ...] | None = None
) -> CfnMapping:
    """``InstanceTypes``: per type its architecture (``Arch``); with ``types`` given, also
    whether it has a GPU (``Gpu``, "true" or "false") and the key of the image mappings
    (``Image``: x86, arm64, x86Gpu or arm64Gpu; ``PublicImage``: the same with ``Public``
    before it, the key of the public image)."""
    if types is None:
        return CfnMapping(
            scope,
            "InstanceTypes",
            mapping={name: {"Arch": arch} for name, arch in INSTANCE_ARCHITECTURES.items()},
        )
    return CfnMapping(
        scope,
        "InstanceTypes",
        mapping={
            t.name: {
                "Arch": t.architecture,
                "Gpu": "true" if t.gpu else "false",
                "Image": t.image_key,
                "PublicImage": "Public" + t.image_key,
            }
            for t in types
        },
    )


def has_gpu_condition(stack: Stack, instance_types: CfnMapping, instance_type: str) -> CfnCondition:
    """``HasGpu``: the chosen instance type has an NVIDIA GPU."""
    return CfnCondition(
        stack,
        "HasGpu",
        expression=Fn.condition_equals(instance_types.find_in_map(instance_type, "Gpu"), "true"),
    )


def instance_type_parameter(
    *, types: tuple[InstanceType, ...], default: str, extra: str = ""
) -> FormParameter:
    """The instance-type field: the types in groups (CPU x86, CPU Graviton, GPU) with a rough
    hourly price each in its help text."""
    return FormParameter(
        name="InstanceType",
        label="Instance type (CPU or GPU)",
        description=extra + form_description(types),
        constraint_description="Choose one of the instance types in the list.",
        default=default,
        allowed_values=tuple(t.name for t in types),
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
                    "Stop the instance after its average CPU (on a GPU type: the busier of CPU "
                    "and GPU) stays below 5% for this many hours. 0 never stops it. "
                    f"A stopped instance keeps {kept}; start it again with the Start action."
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


PATCH_WINDOW_PARAMETER = "PatchWindow"


def maintenance_group(*, restart: str) -> FormGroup:
    """The owner's weekly patch window (the Shared stack's maintenance windows)."""
    return FormGroup(
        label="Maintenance",
        parameters=(
            FormParameter(
                name=PATCH_WINDOW_PARAMETER,
                label="Weekly patch window",
                description=(
                    "When operating-system security and bug-fix updates are installed each week "
                    "(day and time in your catalog's patching time zone, see the product page). "
                    f"If an update needs it, {restart} The instance must be running to be "
                    "patched; a stopped one is patched in the first window it runs in."
                ),
                constraint_description="Choose one of the patch windows in the list.",
                default=contract.DEFAULT_PATCH_WINDOW,
                allowed_values=tuple(contract.PATCH_WINDOWS),
            ),
        ),
    )


def patch_group_of(stack: Stack, form: LaunchForm) -> str:
    """The PatchGroup tag value for the window the owner chose."""
    return CfnMapping(
        stack,
        "PatchWindows",
        mapping={
            window: {"Group": contract.patch_group(window)} for window in contract.PATCH_WINDOWS
        },
    ).find_in_map(form.value(PATCH_WINDOW_PARAMETER), "Group")
