"""Notebook EC2: the product template, its setup scripts and its docs page's usage text."""

from pathlib import Path

from aws_cdk import (
    Aws,
    CfnCondition,
    CfnMapping,
    CfnOutput,
    CustomResource,
    Fn,
    aws_iam as iam,
    aws_servicecatalog as servicecatalog,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.contract import image_parameter
from catalog_constructs.product_template.context import (
    MachineImage,
    ProductContext,
    product_context_service_token,
)
from catalog_constructs.product_template.launch_form import LaunchForm
from catalog_constructs.product_template.rendering import render_file
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
from products.notebook.definition import DEFINITION
from products.notebook.form import FORM, INSTANCE_TYPES, NOTEBOOK_TYPES
from products.template import ProductTemplate

HERE = Path(__file__).parent
# Session Manager signs the owner in as ssm-user, who owns /data; the notebook runs as the
# same user so files written either way belong to one account.
SIGN_IN_USERNAME = "ssm-user"
# Runs as root after the data volume is mounted; installs notebook_boot.sh, which runs again
# at every boot.
SETUP_SCRIPT = render_file(
    HERE / "setup.sh", NOTEBOOK_SCRIPT=render_file(HERE / "notebook_boot.sh")
)


class NotebookProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope, construct_id, description=f"{DEFINITION.display_name}: {DEFINITION.description}"
        )
        form = LaunchForm(self, "Form", groups=FORM)
        notebook_type = form.value("NotebookType")
        # The provisioned stack's UUID: unique, stable for the product's life, known at boot.
        route_id = Fn.select(2, Fn.split("/", Aws.STACK_ID))
        context, workstation = self._add_workstation(form, route_id)
        self._allow_reading_gateway_settings(workstation.role)
        workstation.add_standard_outputs(documentation_page=f"{DEFINITION.key}.md", context=context)
        port, local_url = self._local_address(notebook_type)
        route = self._add_route(workstation, route_id, local_url)
        self._add_connection_outputs(workstation, route, port, local_url)

    def _add_workstation(
        self, form: LaunchForm, route_id: str
    ) -> tuple[ProductContext, Workstation]:
        image = MachineImage(
            self,
            "Image",
            parameter_name=image_parameter("notebook", "x86_64"),
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
                root_volume_gib=40,
                **fields,
                has_gpu=has_gpu_condition(
                    self,
                    instance_type_mapping(self, INSTANCE_TYPES),
                    form.value("InstanceType"),
                ),
                patch_group=patch_group_of(self, form),
                setup_script=SETUP_SCRIPT,
                setup_variables={
                    "NotebookType": form.value("NotebookType"),
                    "RouteId": route_id,
                    "OwnerUserId": context.owner_user_id,
                    "GatewayParameter": contract.NOTEBOOK_GATEWAY_PARAMETER,
                },
                sign_in_username=SIGN_IN_USERNAME,
            ),
        )
        return context, workstation

    def _allow_reading_gateway_settings(self, role: iam.IRole) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadNotebookGatewaySettings",
                actions=["ssm:GetParameter"],
                resources=[
                    Fn.sub(
                        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
                        + contract.NOTEBOOK_GATEWAY_PARAMETER
                    )
                ],
            )
        )

    def _local_address(self, notebook_type: str) -> tuple[str, str]:
        """The notebook's port and its address on the owner's computer while port forwarding
        runs (both serve at the root: the gateway gives each notebook its own host name)."""
        port = CfnMapping(
            self,
            "NotebookTypes",
            mapping={name: {"Port": spec["Port"]} for name, spec in NOTEBOOK_TYPES.items()},
        ).find_in_map(notebook_type, "Port")
        is_jupyter = CfnCondition(
            self, "IsJupyterLab", expression=Fn.condition_equals(notebook_type, "JupyterLab")
        )
        local_url = Fn.join(
            "",
            [
                "http://localhost:",
                port,
                Fn.condition_if(is_jupyter.logical_id, "/lab", "/").to_string(),
            ],
        )
        return port, local_url

    def _add_route(self, workstation: Workstation, route_id: str, local_url: str) -> CustomResource:
        """The notebook gateway's route to this instance, where the stage has a gateway."""
        return CustomResource(
            self,
            "Route",
            service_token=product_context_service_token(),
            resource_type="Custom::NotebookRoute",
            properties={
                "RouteId": route_id,
                "InstanceId": workstation.instance.ref,
                "SecurityGroupId": workstation.security_group.attr_group_id,
                "LocalUrl": local_url,
                "ProductKey": DEFINITION.key,
                # The notebook's own host name on the gateway (v1 routed by path).
                "Routing": "host",
            },
        )

    def _add_connection_outputs(
        self, workstation: Workstation, route: CustomResource, port: str, local_url: str
    ) -> None:
        CfnOutput(
            self,
            "NotebookConnectionURI",
            key="NotebookConnectionURI",
            description=(
                "Open the notebook: through the catalog's notebook gateway where your "
                "organisation has one, else the local address after port forwarding"
            ),
            value=route.get_att_string("Url"),
        )
        forward_command = Fn.join(
            "",
            [
                Fn.sub(
                    "aws ssm start-session --region ${AWS::Region} --target ${Id} "
                    "--document-name AWS-StartPortForwardingSession --parameters portNumber=",
                    {"Id": workstation.instance.ref},
                ),
                port,
                ",localPortNumber=",
                port,
            ],
        )
        CfnOutput(
            self,
            "PortForwardingCommand",
            key="PortForwardingCommand",
            description="Always works: run this (AWS CLI + Session Manager plugin), then open "
            "NotebookLocalURI",
            value=forward_command,
        )
        CfnOutput(
            self,
            "NotebookLocalURI",
            key="NotebookLocalURI",
            description="The notebook on your computer while PortForwardingCommand runs",
            value=local_url,
        )
        assert workstation.credential is not None
        workstation.credential.add_output(
            "SignInCredential",
            description=(
                f"The notebook's own sign-in (RStudio: user {SIGN_IN_USERNAME} and this "
                "password; JupyterLab: the password as token). Only you can read it."
            ),
        )


USAGE = render_file(
    HERE / "usage.md",
    BUCKET_MOUNTS=LINUX_BUCKET_MOUNTS,
    INSTANCE_TYPES=markdown_table(INSTANCE_TYPES),
    MAINTENANCE=maintenance_usage(
        restart="the notebook session ends and the notebook starts again; /data is kept.",
        restore_path="/mnt/restore",
    ),
    SHELL_AND_SSH=LINUX_SHELL_AND_SSH,
)

TEMPLATE = ProductTemplate(
    definition=DEFINITION, stack_class=NotebookProduct, form=FORM, usage=USAGE
)
