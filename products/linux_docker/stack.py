"""Linux Docker EC2: the product template, its setup script and its docs page's usage text."""

from pathlib import Path

from aws_cdk import CfnMapping, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.product_template.context import MachineImage, ProductContext
from catalog_constructs.product_template.launch_form import LaunchForm
from catalog_constructs.product_template.rendering import render_file
from catalog_constructs.product_template.workstation.instance import Workstation, WorkstationProps
from products._workstation.form import instance_type_mapping, shared_fields
from products._workstation.usage import LINUX_BUCKET_MOUNTS, LINUX_SHELL_AND_SSH
from products.linux_docker.definition import DEFINITION
from products.linux_docker.form import DISTRIBUTIONS, FORM
from products.template import ProductTemplate

HERE = Path(__file__).parent
# A compose release and its published checksum file; never a moving "latest".
COMPOSE_VERSION = "v2.39.1"
SETUP_SCRIPT = render_file(HERE / "setup.sh", COMPOSE_VERSION=COMPOSE_VERSION)
PUBLIC_KEYS = {"x86": "PublicX86", "arm64": "PublicArm64"}


class LinuxDockerProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope, construct_id, description=f"{DEFINITION.display_name}: {DEFINITION.description}"
        )
        form = LaunchForm(self, "Form", groups=FORM)
        instance_type = form.value("InstanceType")
        distribution = form.value("LinuxDistribution")

        instance_types = instance_type_mapping(self)
        distributions = CfnMapping(self, "Distributions", mapping=DISTRIBUTIONS)
        architecture = instance_types.find_in_map(instance_type, "Arch")
        public_key = CfnMapping(
            self,
            "PublicImageKeys",
            mapping={arch: {"Key": key} for arch, key in PUBLIC_KEYS.items()},
        ).find_in_map(architecture, "Key")
        image = MachineImage(
            self,
            "Image",
            parameter_name=distributions.find_in_map(distribution, architecture),
            fallback_parameter_name=distributions.find_in_map(distribution, public_key),
            generation=form.value("ImageGeneration"),
        )
        context = ProductContext(self, "Context")
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
            ),
        )
        workstation.add_standard_outputs(documentation_page=f"{DEFINITION.key}.md", context=context)


USAGE = render_file(
    HERE / "usage.md",
    COMPOSE_VERSION=COMPOSE_VERSION,
    BUCKET_MOUNTS=LINUX_BUCKET_MOUNTS,
    SHELL_AND_SSH=LINUX_SHELL_AND_SSH,
)

TEMPLATE = ProductTemplate(
    definition=DEFINITION, stack_class=LinuxDockerProduct, form=FORM, usage=USAGE
)
