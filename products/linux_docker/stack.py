"""Linux Docker EC2: the product template, its setup script and its docs page's usage text."""

from pathlib import Path

from aws_cdk import CfnMapping, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.product_template.context import MachineImage, ProductContext
from catalog_constructs.product_template.launch_form import LaunchForm
from catalog_constructs.product_template.rendering import render_file
from catalog_constructs.product_template.workstation.bucket_mounts import (
    PUBLIC_IMAGE_MOUNTPOINT,
)
from catalog_constructs.product_template.workstation.instance import Workstation, WorkstationProps
from products._workstation.form import (
    has_gpu_condition,
    instance_type_mapping,
    patch_group_of,
    shared_fields,
)
from products._workstation.instance_types import markdown_table
from products._workstation.maintenance import maintenance_usage
from products._workstation.usage import LINUX_BUCKET_MOUNTS, LINUX_SHELL_AND_SSH
from products.linux_docker.definition import DEFINITION
from products.linux_docker.form import DISTRIBUTIONS, FORM, INSTANCE_TYPES
from products.template import ProductTemplate

HERE = Path(__file__).parent
# A compose release and its published checksum file; never a moving "latest".
COMPOSE_VERSION = "v2.39.1"
SETUP_SCRIPT = render_file(HERE / "setup.sh")
# Installed at first boot only on a public image (Custom::MachineImage decides).
PUBLIC_IMAGE_SETUP = render_file(
    HERE / "public_image_setup.sh",
    COMPOSE_VERSION=COMPOSE_VERSION,
    MOUNTPOINT=PUBLIC_IMAGE_MOUNTPOINT,
)


class LinuxDockerProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope, construct_id, description=f"{DEFINITION.display_name}: {DEFINITION.description}"
        )
        form = LaunchForm(self, "Form", groups=FORM)
        instance_type = form.value("InstanceType")
        distribution = form.value("LinuxDistribution")

        instance_types = instance_type_mapping(self, INSTANCE_TYPES)
        distributions = CfnMapping(self, "Distributions", mapping=DISTRIBUTIONS)
        image_key = instance_types.find_in_map(instance_type, "Image")
        public_key = instance_types.find_in_map(instance_type, "PublicImage")
        image = MachineImage(
            self,
            "Image",
            parameter_name=distributions.find_in_map(distribution, image_key),
            fallback_parameter_name=distributions.find_in_map(distribution, public_key),
            generation=form.value("ImageGeneration"),
            public_image_setup=PUBLIC_IMAGE_SETUP,
        )
        # Resolved on every update: a product an operator moved keeps its new owner.
        context = ProductContext(
            self, "Context", version=DEFINITION.versions[-1].name, parameters=form.parameters
        )
        context.tag_product_resources(self, product_key=DEFINITION.key)
        fields = shared_fields(self, form)

        workstation = Workstation(
            self,
            "Workstation",
            props=WorkstationProps(
                product_key=DEFINITION.key,
                context=context,
                image_id=image.image_id,
                instance_type=instance_type,
                root_device_name=distributions.find_in_map(distribution, "RootDevice"),
                root_volume_gib=form.parameters["DiskSize"].value_as_number,
                **fields,
                setup_script=SETUP_SCRIPT,
                image_setup=image.setup,
                has_gpu=has_gpu_condition(self, instance_types, instance_type),
                patch_group=patch_group_of(self, form),
            ),
        )
        workstation.add_standard_outputs(documentation_page=f"{DEFINITION.key}.md", context=context)


USAGE = render_file(
    HERE / "usage.md",
    COMPOSE_VERSION=COMPOSE_VERSION,
    BUCKET_MOUNTS=LINUX_BUCKET_MOUNTS,
    SHELL_AND_SSH=LINUX_SHELL_AND_SSH,
    INSTANCE_TYPES=markdown_table(INSTANCE_TYPES),
    MAINTENANCE=maintenance_usage(
        restart="running programs and containers stop, /data and the system disk are kept.",
        restore_path="/mnt/restore",
    ),
)

TEMPLATE = ProductTemplate(
    definition=DEFINITION, stack_class=LinuxDockerProduct, form=FORM, usage=USAGE
)
