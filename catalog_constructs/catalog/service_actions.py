"""Start, Stop and Restart actions researchers run on their own EC2 products.

Service Catalog fills the TARGET parameter with the provisioned product's instance, but the
caller of ``ExecuteProvisionedProductServiceAction`` may supply any value for it (API reference,
``Parameters``). So the actions name no role (no ``AssumeRole``): Automation then runs the
AWS-owned documents in the caller's own context, and EC2 authorizes each Start and Stop against
the caller's end-user policy, which allows them only on instances tagged with the caller's
``aws:userid`` (:mod:`catalog_constructs.catalog.end_user_access`). A role of its own, or the
launch role, would reach every catalog instance whatever instance ID the caller passes.
"""

import json

from aws_cdk import Fn, aws_servicecatalog as servicecatalog
from constructs import Construct

ACTIONS = {
    "Start": ("AWS-StartEC2Instance", "Start the instance (after it was stopped or idle-stopped)"),
    "Stop": ("AWS-StopEC2Instance", "Stop the instance; its disks are kept and cost little"),
    "Restart": ("AWS-RestartEC2Instance", "Stop and start the instance"),
}
ACTION_DOCUMENTS = tuple(document for document, _ in ACTIONS.values())


class Ec2ServiceActions(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.action_ids: dict[str, str] = {}
        for name, (document, description) in ACTIONS.items():
            action = servicecatalog.CfnServiceAction(
                self,
                name,
                name=name,
                description=description,
                definition_type="SSM_AUTOMATION",
                definition=[
                    servicecatalog.CfnServiceAction.DefinitionParameterProperty(
                        key=key, value=value
                    )
                    for key, value in {
                        "Name": document,
                        "Version": "1",
                        "Parameters": json.dumps([{"Name": "InstanceId", "Type": "TARGET"}]),
                    }.items()
                ],
            )
            self.action_ids[name] = action.ref

    def associate(
        self, scope: Construct, *, product: servicecatalog.CloudFormationProduct, version_count: int
    ) -> None:
        """Associate every action with every version of ``product``."""
        product_resource = product.node.default_child
        assert isinstance(product_resource, servicecatalog.CfnCloudFormationProduct)
        artifact_ids = Fn.split(
            ",", product_resource.attr_provisioning_artifact_ids, assumed_length=version_count
        )
        for name, action_id in self.action_ids.items():
            for index in range(version_count):
                servicecatalog.CfnServiceActionAssociation(
                    scope,
                    f"{name}Version{index + 1}",
                    product_id=product.product_id,
                    provisioning_artifact_id=Fn.select(index, artifact_ids),
                    service_action_id=action_id,
                )
