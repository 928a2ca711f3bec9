"""Linux Docker EC2: the launch form, and the images behind its distribution choice."""

from catalog_constructs.contract import image_parameter
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter
from products._workstation.form import (
    LINUX_BUCKETS,
    data_volume_parameter,
    idle_stop_group,
    image_generation_parameter,
    instance_type_names,
)

# Per distribution and architecture: the parameter the catalog's image pipeline publishes, and
# the public parameter AWS or Canonical publishes, used until the catalog's exists. Ubuntu has no
# catalog pipeline for this product, so its catalog parameters are never written.
_UBUNTU = "/aws/service/canonical/ubuntu/server/24.04/stable/current/{arch}/hvm/ebs-gp3/ami-id"
DISTRIBUTIONS = {
    "AmazonLinux2023": {
        "x86": image_parameter("linux-docker", "x86_64"),
        "arm64": image_parameter("linux-docker", "arm64"),
        "PublicX86": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "PublicArm64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
        "RootDevice": "/dev/xvda",
    },
    "Ubuntu2404": {
        "x86": image_parameter("linux-docker-ubuntu", "x86_64"),
        "arm64": image_parameter("linux-docker-ubuntu", "arm64"),
        "PublicX86": _UBUNTU.format(arch="amd64"),
        "PublicArm64": _UBUNTU.format(arch="arm64"),
        "RootDevice": "/dev/sda1",
    },
}

FORM = (
    FormGroup(
        label="Instance",
        parameters=(
            FormParameter(
                name="InstanceType",
                label="Instance type",
                description=(
                    "CPU and memory of the machine. t3/m7i/c7i/r7i are Intel (x86_64); t4g/m7g/"
                    "c7g/r7g are AWS Graviton (arm64), cheaper for the same size: the image "
                    "matching the type's architecture is chosen for you. Sizes and prices: "
                    "https://aws.amazon.com/ec2/instance-types/"
                ),
                constraint_description="Choose one of the instance types in the list.",
                default="t3.medium",
                allowed_values=instance_type_names(),
            ),
            FormParameter(
                name="LinuxDistribution",
                label="Linux distribution",
                description="Amazon Linux 2023 (default) or Ubuntu 24.04 LTS.",
                constraint_description="Choose AmazonLinux2023 or Ubuntu2404.",
                default="AmazonLinux2023",
                allowed_values=tuple(DISTRIBUTIONS),
            ),
            FormParameter(
                name="DiskSize",
                label="Disk size (GiB)",
                description=(
                    "Size of the encrypted system disk in GiB (operating system, Docker "
                    "images). It is replaced with the instance; keep your work in /data."
                ),
                constraint_description="Enter a whole number of GiB from 30 to 5000.",
                type="Number",
                default=30,
                min_value=30,
                max_value=5000,
            ),
            data_volume_parameter("mounted at /data"),
            image_generation_parameter(
                image="catalog",
                replaced="the instance and its system disk are replaced; the data disk "
                "(/data) moves to the new instance.",
            ),
        ),
    ),
    LINUX_BUCKETS,
    idle_stop_group(kept="its disk"),
)
