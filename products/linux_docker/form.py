"""Linux Docker EC2: the launch form, and the images behind its distribution choice."""

from catalog_constructs.contract import image_parameter
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter
from products._workstation.form import (
    LINUX_BUCKETS,
    data_volume_parameter,
    idle_stop_group,
    image_generation_parameter,
    instance_type_parameter,
    maintenance_group,
)
from products._workstation.instance_types import CPU_TYPES, GPU_TYPES

# Per distribution and image key (architecture, plus Gpu for a GPU type, from the InstanceTypes
# mapping): the parameter the catalog's image pipeline publishes (one image per architecture,
# with the NVIDIA driver and container toolkit preinstalled) and the public parameter AWS or
# Canonical publishes, used until the catalog's exists. For a GPU type the public image is AWS's
# GPU base image (NVIDIA driver, container toolkit and Docker preinstalled).
_UBUNTU = "/aws/service/canonical/ubuntu/server/24.04/stable/current/{arch}/hvm/ebs-gp3/ami-id"
_GPU_BASE = "/aws/service/deeplearning/ami/{arch}/base-oss-nvidia-driver-gpu-{os}/latest/ami-id"
DISTRIBUTIONS = {
    "AmazonLinux2023": {
        "x86": image_parameter("linux-docker", "x86_64"),
        "arm64": image_parameter("linux-docker", "arm64"),
        "x86Gpu": image_parameter("linux-docker", "x86_64"),
        "arm64Gpu": image_parameter("linux-docker", "arm64"),
        "Publicx86": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "Publicarm64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
        "Publicx86Gpu": _GPU_BASE.format(arch="x86_64", os="amazon-linux-2023"),
        "Publicarm64Gpu": _GPU_BASE.format(arch="arm64", os="amazon-linux-2023"),
        "RootDevice": "/dev/xvda",
    },
    "Ubuntu2404": {
        "x86": image_parameter("linux-docker-ubuntu", "x86_64"),
        "arm64": image_parameter("linux-docker-ubuntu", "arm64"),
        "x86Gpu": image_parameter("linux-docker-ubuntu", "x86_64"),
        "arm64Gpu": image_parameter("linux-docker-ubuntu", "arm64"),
        "Publicx86": _UBUNTU.format(arch="amd64"),
        "Publicarm64": _UBUNTU.format(arch="arm64"),
        "Publicx86Gpu": _GPU_BASE.format(arch="x86_64", os="ubuntu-24.04"),
        "Publicarm64Gpu": _GPU_BASE.format(arch="arm64", os="ubuntu-24.04"),
        "RootDevice": "/dev/sda1",
    },
}
INSTANCE_TYPES = (*CPU_TYPES, *GPU_TYPES)

FORM = (
    FormGroup(
        label="Instance",
        parameters=(
            instance_type_parameter(
                types=INSTANCE_TYPES,
                default="t3.medium",
                extra="CPU, memory and GPU of the machine. ",
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
    maintenance_group(
        restart="the instance restarts (running programs and containers stop; /data is kept)."
    ),
)
