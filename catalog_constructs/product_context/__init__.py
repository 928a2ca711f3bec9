"""Who owns a provisioned product, which community they belong to, and where it runs.

Service Catalog tags every stack it provisions with ``aws:servicecatalog:provisioningPrincipalArn``
but gives the template no parameter for it. One shared Lambda (``handler/``) reads that tag and
resolves the owner once per launch; products use the answer for their ``Owner``/``OwnerEmail``
tags and for owner-only access conditions. The same function resolves an AMI ID from an SSM
parameter name, so an image is chosen when the product is launched or its image parameters change,
not on every unrelated update.
"""

import json
from pathlib import Path

from aws_cdk import (
    CustomResource,
    Fn,
    Stack,
    Tags,
    aws_iam as iam,
    aws_kms as kms,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.function import CatalogFunction, ControlPlaneReasons
from catalog_constructs.launch_role import product_roles_arn

HANDLER_DIRECTORY = Path(__file__).parent / "handler"


class ProductContextFunction(CatalogFunction):
    """The shared handler, deployed once per stage in the shared stack under a fixed name."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        communities: dict[str, dict[str, str | None]],
        documentation_url: str,
        logs_key: kms.IKey,
        ebs_key: kms.IKey,
    ) -> None:
        stack = Stack.of(scope)
        statements = [
            iam.PolicyStatement(
                sid="ReadProvisionedStackTags",
                actions=["cloudformation:DescribeStacks"],
                resources=[
                    stack.format_arn(
                        service="cloudformation",
                        resource="stack",
                        resource_name=f"{contract.PROVISIONED_STACK_PREFIX}*",
                    )
                ],
            ),
            # The role ID turns a session ARN into the owner's aws:userid. Launchers outside
            # the configured communities (an administrator testing a product) must resolve too.
            iam.PolicyStatement(
                sid="ReadLauncherIds",
                actions=["iam:GetRole", "iam:GetUser"],
                resources=[
                    stack.format_arn(service="iam", region="", resource="role", resource_name="*"),
                    stack.format_arn(service="iam", region="", resource="user", resource_name="*"),
                ],
            ),
            iam.PolicyStatement(
                sid="ReadPlacementAndImages",
                actions=["ssm:GetParameter"],
                resources=[
                    stack.format_arn(
                        service="ssm",
                        resource="parameter",
                        resource_name=contract.PARAMETER_ROOT.lstrip("/") + "/*",
                    ),
                    stack.format_arn(
                        service="ssm",
                        account="",
                        resource="parameter",
                        resource_name="aws/service/*",
                    ),
                ],
            ),
            iam.PolicyStatement(
                sid="DescribeSubnetsInstancesVolumesAndJobQueues",
                actions=[
                    "ec2:DescribeSubnets",
                    "ec2:DescribeInstances",
                    "ec2:DescribeVolumes",
                    "batch:DescribeJobQueues",
                ],
                resources=["*"],
            ),
            # Moves a product's data volume to the instance that replaces the old one; only
            # resources the catalog's products created (they carry the product tag).
            iam.PolicyStatement(
                sid="MoveDataVolumes",
                actions=["ec2:StopInstances", "ec2:AttachVolume", "ec2:DetachVolume"],
                resources=[
                    stack.format_arn(service="ec2", resource="instance", resource_name="*"),
                    stack.format_arn(service="ec2", resource="volume", resource_name="*"),
                ],
                conditions={"Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}},
            ),
            # Stopping an instance and attaching a volume encrypted with the catalog key.
            iam.PolicyStatement(
                sid="EncryptedVolumes",
                actions=["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"],
                resources=[ebs_key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"ec2.{stack.region}.amazonaws.com"}
                },
            ),
            # Scheduled jobs: CloudFormation cannot build a job definition's environment from
            # a validated list, so this function registers the definitions (see handler).
            iam.PolicyStatement(
                sid="RegisterCatalogJobDefinitions",
                actions=[
                    "batch:RegisterJobDefinition",
                    "batch:DeregisterJobDefinition",
                    "batch:TagResource",
                ],
                resources=[
                    stack.format_arn(
                        service="batch",
                        resource="job-definition",
                        resource_name=f"{contract.JOB_DEFINITION_PREFIX}*",
                    )
                ],
            ),
            # Studio teams: this function creates the members' user profiles and, on
            # termination, deletes the apps, spaces and profiles of domains the catalog made.
            iam.PolicyStatement(
                sid="StudioTeamsList",
                actions=[
                    "sagemaker:ListApps",
                    "sagemaker:ListSpaces",
                    "sagemaker:ListUserProfiles",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="StudioTeamsManage",
                actions=[
                    "sagemaker:CreateUserProfile",
                    "sagemaker:DeleteUserProfile",
                    "sagemaker:DeleteApp",
                    "sagemaker:DeleteSpace",
                    "sagemaker:AddTags",
                ],
                resources=[
                    stack.format_arn(service="sagemaker", resource=kind, resource_name="*/*")
                    for kind in ("user-profile", "app", "space")
                ],
            ),
            # Bucket mounts: whether a bucket carries the owner's or a community's tag.
            iam.PolicyStatement(
                sid="CheckMountedBuckets",
                actions=["s3:GetBucketTagging"],
                resources=[f"arn:{stack.partition}:s3:::*"],
            ),
            # Only roles under the product path, which all carry the product boundary.
            iam.PolicyStatement(
                sid="PassProductRolesToJobs",
                actions=["iam:PassRole"],
                resources=[product_roles_arn(stack)],
            ),
        ]
        super().__init__(
            scope,
            construct_id,
            code_directory=HANDLER_DIRECTORY,
            handler="index.handler",
            function_name=contract.PRODUCT_CONTEXT_FUNCTION_NAME,
            description="Custom resource: owner, community, subnet and image of a product",
            role_description="Resolves the owner, community, subnet and image of provisioned "
            "products and registers scheduled-job definitions",
            policy_description="Product context handler: lookups and scheduled-job definitions",
            logs_key=logs_key,
            # Moving a data volume waits for the replaced instance to stop (a few minutes).
            timeout_seconds=900,
            environment={
                "COMMUNITIES": json.dumps(communities, sort_keys=True, separators=(",", ":")),
                "SUBNETS_PARAMETER": contract.PRIVATE_SUBNETS_PARAMETER,
                "DOCUMENTATION_URL": documentation_url,
            },
            statements=statements,
            wildcard_reason=(
                "Read-only lookups: stacks are named by Service Catalog at launch (SC-*), the "
                "launcher can be any role or user of the account, AMI parameters are public AWS "
                "ones or the catalog's own, EC2 and Batch Describe calls support no resource "
                "scoping, instances and volumes are limited to those carrying the catalog's "
                "product tag, job definitions are named at launch under the catalog prefix and "
                "the roles passed to them live under the product path. Studio domains get their "
                "IDs at launch; List calls support no resource scoping. Bucket tags are read for "
                "any bucket an owner names, to refuse those that are not theirs to mount."
            ),
            reasons=ControlPlaneReasons(
                outside_vpc="It calls only AWS control-plane APIs (IAM has no VPC endpoint) and "
                "touches no research data; outside the VPC it keeps working when the VPC has no "
                "NAT.",
                no_dead_letter_queue="Only CloudFormation invokes it; every failure is reported "
                "back to CloudFormation as a FAILED custom-resource response, which is where the "
                "operator looks.",
                no_reserved_concurrency="Reserved concurrency would fail to deploy in accounts "
                "with the default quota of 10 and is not needed: one short call per product "
                "launch.",
            ),
        )


def product_context_service_token() -> str:
    """ServiceToken of custom resources served by the shared product-context function."""
    return Fn.sub(
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        + contract.PRODUCT_CONTEXT_FUNCTION_NAME
    )


class ProductContext(Construct):
    """Inside a product template: the owner, community, placement and docs base of this launch."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=product_context_service_token(),
            resource_type="Custom::ProductContext",
        )

    def _attribute(self, name: str) -> str:
        return self._resource.get_att_string(name)

    @property
    def owner_principal_arn(self) -> str:
        return self._attribute("PrincipalArn")

    @property
    def owner_user_id(self) -> str:
        """The owner's role session name (their user name in the identity provider)."""
        return self._attribute("OwnerUserId")

    @property
    def owner_aws_user_id(self) -> str:
        """``<RoleId>:<session>``, equal to the owner's ``${aws:userid}`` policy variable."""
        return self._attribute("OwnerAwsUserId")

    @property
    def owner_email(self) -> str:
        return self._attribute("OwnerEmail")

    @property
    def community(self) -> str:
        return self._attribute("Community")

    @property
    def subnet_id(self) -> str:
        return self._attribute("SubnetId")

    @property
    def subnet_ids(self) -> str:
        """All private subnets, comma-separated (for ``Fn::Split``)."""
        return self._attribute("SubnetIds")

    @property
    def availability_zone(self) -> str:
        return self._attribute("AvailabilityZone")

    @property
    def documentation_url(self) -> str:
        return self._attribute("DocumentationUrl")

    def tag_product_resources(self, scope: Construct, *, product_key: str) -> None:
        """Owner, community and product tags on every taggable resource under ``scope``.

        Volumes receive them through the instance's tag propagation. The owner-userid tag is
        what the end-user policy compares with the caller's ``aws:userid``.
        """
        tags = Tags.of(scope)
        tags.add(contract.PRODUCT_TAG, product_key)
        tags.add(contract.OWNER_TAG, self.owner_user_id)
        tags.add(contract.OWNER_EMAIL_TAG, self.owner_email)
        tags.add(contract.OWNER_PRINCIPAL_TAG, self.owner_principal_arn)
        tags.add(contract.OWNER_USERID_TAG, self.owner_aws_user_id)
        tags.add(contract.COMMUNITY_TAG, self.community)


class MachineImage(Construct):
    """An AMI ID read from an SSM parameter at launch, then kept until its inputs change.

    A dynamic reference or an SSM-typed parameter would re-read the value on every stack update
    and replace the instance whenever a newer image had been published. Here the image changes
    only when the parameter names change (another distribution or architecture) or the owner
    raises ``generation`` to ask for the newest image. ``fallback_parameter_name`` (AWS's public
    image) is used while the catalog's own pipeline has not published ``parameter_name``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        parameter_name: str,
        fallback_parameter_name: str | None = None,
        generation: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        properties = {"ImageParameter": parameter_name}
        if fallback_parameter_name is not None:
            properties["FallbackImageParameter"] = fallback_parameter_name
        if generation is not None:
            properties["Generation"] = generation
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=product_context_service_token(),
            resource_type="Custom::MachineImage",
            properties=properties,
        )

    @property
    def image_id(self) -> str:
        return self._resource.get_att_string("ImageId")
