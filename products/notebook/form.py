"""Notebook EC2: the launch form and the notebook software it offers."""

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

NOTEBOOK_TYPES = {"RStudio": {"Port": "8787"}, "JupyterLab": {"Port": "8888"}}
# The notebook image is built for x86_64 (RStudio Server ships amd64 builds only); it carries
# the NVIDIA driver, so the x86 GPU types use it too.
INSTANCE_TYPES = tuple(t for t in (*CPU_TYPES, *GPU_TYPES) if t.architecture == "x86")
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
            instance_type_parameter(
                types=INSTANCE_TYPES,
                default="t3.large",
                extra=(
                    "CPU, memory and GPU of the machine (Intel x86_64; GPU types have the NVIDIA "
                    "driver for CUDA in R and Python). "
                ),
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
    maintenance_group(restart="the instance restarts (the notebook session ends; /data is kept)."),
)
