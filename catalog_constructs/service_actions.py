"""Start, Stop and Restart actions researchers run on their own EC2 products.

Service Catalog runs the AWS-owned Automation documents with the role below; it passes the
provisioned product's own instance as the TARGET, so a researcher can act only on instances of
products they own.
"""

import json

from aws_cdk import Fn, Stack, aws_iam as iam, aws_kms as kms, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.nag import acknowledge_wildcard_resources

ACTIONS = {
    "Start": ("AWS-StartEC2Instance", "Start the instance (after it was stopped or idle-stopped)"),
    "Stop": ("AWS-StopEC2Instance", "Stop the instance; its disks are kept and cost little"),
    "Restart": ("AWS-RestartEC2Instance", "Stop and start the instance"),
}


class Ec2ServiceActions(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, ebs_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "Role",
            # SSM Automation runs the document as this role; Service Catalog may also assume it
            # to start the automation on the owner's behalf.
            assumed_by=iam.CompositePrincipal(
                iam.ServicePrincipal("ssm.amazonaws.com"),
                iam.ServicePrincipal("servicecatalog.amazonaws.com"),
            ),
            description="Runs the Start/Stop/Restart self-service actions on catalog instances",
        )
        statements = [
            iam.PolicyStatement(
                sid="CatalogInstancesOnly",
                actions=["ec2:StartInstances", "ec2:StopInstances"],
                resources=[f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:instance/*"],
                conditions={"Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}},
            ),
            iam.PolicyStatement(
                sid="WaitForState",
                actions=["ec2:DescribeInstances", "ec2:DescribeInstanceStatus"],
                resources=["*"],
            ),
            # Starting an instance re-attaches its encrypted volumes.
            iam.PolicyStatement(
                sid="EncryptedVolumes",
                actions=["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"],
                resources=[ebs_key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"ec2.{stack.region}.amazonaws.com"}
                },
            ),
        ]
        statements += [
            iam.PolicyStatement(
                sid="RunTheActionDocuments",
                actions=["ssm:StartAutomationExecution"],
                resources=[
                    stack.format_arn(
                        service="ssm",
                        account="",
                        resource="automation-definition",
                        resource_name=f"{document}:*",
                    )
                    for document, _ in ACTIONS.values()
                ],
            ),
            iam.PolicyStatement(
                sid="FollowTheActionRuns",
                actions=["ssm:GetAutomationExecution", "ssm:DescribeAutomationExecutions"],
                resources=[
                    stack.format_arn(
                        service="ssm", resource="automation-execution", resource_name="*"
                    )
                ],
            ),
            iam.PolicyStatement(
                sid="HandItselfToAutomation",
                actions=["iam:PassRole"],
                resources=[role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}},
            ),
        ]
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            statements=statements,
            roles=[role],
            description="Start/Stop/Restart self-service actions on catalog instances",
        )
        acknowledge_wildcard_resources(
            policy,
            statements,
            "Limited to instances carrying the catalog's product tag; Describe calls support "
            "no resource scoping.",
        )
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
                        "AssumeRole": role.role_arn,
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
