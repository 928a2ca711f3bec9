"""Notebook EC2: the launch form and the notebook software it offers."""

from catalog_constructs.product_template.launch_form import FormGroup, FormParameter
from products._workstation.form import (
    INSTANCE_ARCHITECTURES,
    LINUX_BUCKETS,
    data_volume_parameter,
    idle_stop_group,
    image_generation_parameter,
)

NOTEBOOK_TYPES = {"RStudio": {"Port": "8787"}, "JupyterLab": {"Port": "8888"}}
# The notebook image is built for x86_64 (RStudio Server ships amd64 builds only).
INSTANCE_TYPES = tuple(
    name for name, architecture in INSTANCE_ARCHITECTURES.items() if architecture == "x86"
)
IMAGE_UPDATE_REPLACES = (
    "the instance and its system disk are replaced; /data moves to the new instance."
)

FORM = (
    FormGroup(
        label="Notebook",
        parameters=(
            FormParameter(
                name="NotebookType",
                label="Notebook software",
                description=(
                    "RStudio (RStudio Server with R) or JupyterLab (Python). Both are pinned "
                    "releases of the catalog's notebook image. Changing it later keeps the "
                    "instance and /data."
                ),
                constraint_description="Choose RStudio or JupyterLab.",
                default="RStudio",
                allowed_values=tuple(NOTEBOOK_TYPES),
            ),
            FormParameter(
                name="InstanceType",
                label="Instance type",
                description=(
                    "CPU and memory of the machine (Intel x86_64). Sizes and prices: "
                    "https://aws.amazon.com/ec2/instance-types/"
                ),
                constraint_description="Choose one of the instance types in the list.",
                default="t3.large",
                allowed_values=INSTANCE_TYPES,
            ),
            data_volume_parameter("mounted at /data, the notebook's working directory"),
            image_generation_parameter(
                image="notebook",
                replaced=IMAGE_UPDATE_REPLACES,
            ),
        ),
    ),
    LINUX_BUCKETS,
    idle_stop_group(kept="its disks"),
)
