"""Windows EC2: the product template, its setup script and its docs page's usage text."""

from pathlib import Path

from aws_cdk import CfnOutput, Fn, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.contract import image_parameter
from catalog_constructs.product_template.context import MachineImage, ProductContext
from catalog_constructs.product_template.launch_form import LaunchForm
from catalog_constructs.product_template.rendering import render_file
from catalog_constructs.product_template.workstation.instance import Workstation, WorkstationProps
from products._workstation.form import (
    READ_ONLY_PARAMETER,
    READ_WRITE_PARAMETER,
    patch_group_of,
    shared_fields,
)
from products._workstation.maintenance import maintenance_usage
from products.template import ProductTemplate
from products.windows.definition import DEFINITION
from products.windows.form import FORM

HERE = Path(__file__).parent
SIGN_IN_USERNAME = "researcher"
PUBLIC_IMAGE = "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base"
RDP_PORT = 3389
LOCAL_RDP_PORT = 13389
SETUP_SCRIPT = render_file(HERE / "setup.ps1")
FORWARD_RDP = (
    "--document-name AWS-StartPortForwardingSession "
    f"--parameters portNumber={RDP_PORT},localPortNumber={LOCAL_RDP_PORT}"
)


class WindowsProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope, construct_id, description=f"{DEFINITION.display_name}: {DEFINITION.description}"
        )
        form = LaunchForm(self, "Form", groups=FORM)
        image = MachineImage(
            self,
            "Image",
            parameter_name=image_parameter("windows", "x86_64"),
            fallback_parameter_name=PUBLIC_IMAGE,
            generation=form.value("ImageGeneration"),
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
                instance_type=form.value("InstanceType"),
                root_device_name="/dev/sda1",
                root_volume_gib=form.parameters["DiskSize"].value_as_number,
                **fields,
                setup_script=SETUP_SCRIPT,
                patch_group=patch_group_of(self, form),
                windows=True,
                sign_in_username=SIGN_IN_USERNAME,
            ),
        )
        workstation.add_standard_outputs(documentation_page=f"{DEFINITION.key}.md", context=context)
        self._add_connection_outputs(workstation)

    def _add_connection_outputs(self, workstation: Workstation) -> None:
        assert workstation.credential is not None
        workstation.credential.add_output(
            "SignInCredential",
            description=(
                f"User name ({SIGN_IN_USERNAME}) and password for Remote Desktop: open the link, "
                "then Retrieve secret value. Only you can read it."
            ),
        )
        CfnOutput(
            self,
            "ConnectionInstructions",
            key="ConnectionInstructions",
            description="Two ways to reach the desktop; both need the sign-in credential",
            value=Fn.sub(
                "Wait 5-15 minutes after launch for Windows to finish its first start. "
                "Browser: open ConnectionURI (Fleet Manager Remote Desktop), choose User "
                f"credentials, sign in as {SIGN_IN_USERNAME} with the password of "
                "SignInCredential. Own RDP client: run aws ssm start-session --region "
                f"${{AWS::Region}} --target ${{Id}} {FORWARD_RDP} then connect your client to "
                f"localhost:{LOCAL_RDP_PORT}.",
                {"Id": workstation.instance.ref},
            ),
        )
        CfnOutput(
            self,
            "PortForwardingCommand",
            key="PortForwardingCommand",
            description=f"Forward RDP to localhost:{LOCAL_RDP_PORT} (AWS CLI + Session Manager "
            "plugin, your catalog credentials)",
            value=Fn.sub(
                f"aws ssm start-session --region ${{AWS::Region}} --target ${{Id}} {FORWARD_RDP}",
                {"Id": workstation.instance.ref},
            ),
        )


USAGE = render_file(
    HERE / "usage.md",
    SIGN_IN_USERNAME=SIGN_IN_USERNAME,
    RDP_PORT=str(RDP_PORT),
    LOCAL_RDP_PORT=str(LOCAL_RDP_PORT),
    READ_ONLY_PARAMETER=READ_ONLY_PARAMETER,
    READ_WRITE_PARAMETER=READ_WRITE_PARAMETER,
    MAINTENANCE=maintenance_usage(
        restart="Windows restarts: save your work before the window; D: is kept.",
        restore_path="a new drive letter",
    ),
)

TEMPLATE = ProductTemplate(
    definition=DEFINITION, stack_class=WindowsProduct, form=FORM, usage=USAGE
)
