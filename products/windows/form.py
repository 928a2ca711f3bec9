"""Windows EC2: the launch form."""

from catalog_constructs.product_template.launch_form import FormGroup, FormParameter
from products._workstation.form import (
    INSTANCE_ARCHITECTURES,
    WINDOWS_BUCKETS,
    data_volume_parameter,
    idle_stop_group,
    image_generation_parameter,
    maintenance_group,
)

# Windows desktops need 4 GiB of memory or more; the image is x86_64 only.
INSTANCE_TYPES = tuple(
    name
    for name, architecture in INSTANCE_ARCHITECTURES.items()
    if architecture == "x86" and name != "t3.small"
)

FORM = (
    FormGroup(
        label="Instance",
        parameters=(
            FormParameter(
                name="InstanceType",
                label="Instance type",
                description=(
                    "CPU and memory of the machine (Intel x86_64; Windows needs at least 4 GiB, "
                    "t3.medium). Sizes and prices: https://aws.amazon.com/ec2/instance-types/"
                ),
                constraint_description="Choose one of the instance types in the list.",
                default="t3.large",
                allowed_values=INSTANCE_TYPES,
            ),
            FormParameter(
                name="DiskSize",
                label="System disk size (GiB)",
                description=(
                    "Size of the encrypted C: disk in GiB (Windows and installed programs). It "
                    "is replaced with the instance; keep your work on D:."
                ),
                constraint_description="Enter a whole number of GiB from 60 to 2000.",
                type="Number",
                default=60,
                min_value=60,
                max_value=2000,
            ),
            data_volume_parameter("D:"),
            image_generation_parameter(
                image="catalog",
                replaced="the instance and its C: disk are replaced; D: moves to the new instance.",
            ),
        ),
    ),
    WINDOWS_BUCKETS,
    idle_stop_group(kept="its disks"),
    maintenance_group(
        restart="Windows restarts (unsaved work in open programs is lost; D: is kept)."
    ),
)
