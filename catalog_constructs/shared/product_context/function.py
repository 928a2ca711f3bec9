"""The product-context function: one Lambda per stage, under a fixed name, that answers the
custom resources product templates declare (the constructs that declare them are in
:mod:`catalog_constructs.product_template`).

Service Catalog tags every stack it provisions with ``aws:servicecatalog:provisioningPrincipalArn``
but gives the template no parameter for it. ``Custom::ProductContext`` reads that tag and resolves
the owner, community and placement once per launch; the other types (images, data volumes,
scheduled jobs, Studio teams, bucket mounts, notebook routes) have one module each in
``handler/product_context_handlers/``, behind its dispatch table.
"""

from pathlib import Path

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.function import CatalogFunction, ControlPlaneReasons
from catalog_constructs.common.iam import product_roles_arn

HANDLER_DIRECTORY = Path(__file__).parent / "handler"
# The tag the handler marks an instance with when a data-volume move stopped it
# (data_volume.STOPPED_FOR_MOVE_TAG; the asset cannot import it, a test compares them).
STOPPED_FOR_MOVE_TAG = "research-catalog:stopped-for-volume-move"


class ProductContextFunction(CatalogFunction):
    """The shared handler, deployed once per stage in the shared stack under a fixed name."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        documentation_url: str,
        logs_key: kms.IKey,
        ebs_key: kms.IKey,
        image_owner_accounts: list[str],
        sign_in_users_table: str | None = None,
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
                # The community documents too (GetParametersByPath on their path).
                sid="ReadPlacementAndImages",
                actions=["ssm:GetParameter", "ssm:GetParametersByPath"],
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
                    # Whose image an AMI parameter names (Custom::MachineImage).
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances",
                    "ec2:DescribeVolumes",
                    "batch:DescribeJobQueues",
                ],
                resources=["*"],
            ),
            # Moves a product's data volume to the instance that replaces the old one; only
            # resources the catalog's products created (they carry the product tag).
            # Starting again an instance a move stopped, once a rolled-back update has moved
            # the volume back to it.
            iam.PolicyStatement(
                sid="MoveDataVolumes",
                actions=[
                    "ec2:StopInstances",
                    "ec2:StartInstances",
                    "ec2:AttachVolume",
                    "ec2:DetachVolume",
                ],
                resources=[
                    stack.format_arn(service="ec2", resource="instance", resource_name="*"),
                    stack.format_arn(service="ec2", resource="volume", resource_name="*"),
                ],
                conditions={"Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}},
            ),
            # The mark on an instance a move stopped, and only that tag.
            iam.PolicyStatement(
                sid="MarkInstancesAMoveStopped",
                actions=["ec2:CreateTags", "ec2:DeleteTags"],
                resources=[stack.format_arn(service="ec2", resource="instance", resource_name="*")],
                # Null on aws:TagKeys: DeleteTags without tags would remove them all, and
                # ForAllValues alone holds for a request that names no key.
                conditions={
                    "Null": {
                        f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false",
                        "aws:TagKeys": "false",
                    },
                    "ForAllValues:StringEquals": {"aws:TagKeys": [STOPPED_FOR_MOVE_TAG]},
                },
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
                    # Studio team v3: which member a profile belongs to (its member tag).
                    "sagemaker:DescribeUserProfile",
                    "sagemaker:ListTags",
                ],
                resources=[
                    stack.format_arn(service="sagemaker", resource=kind, resource_name="*/*")
                    for kind in ("user-profile", "app", "space")
                ],
            ),
            # Bucket mounts and Studio training data: whether a bucket carries the owner's or a
            # community's tag, and (training data) which key it encrypts with.
            iam.PolicyStatement(
                sid="CheckMountedBuckets",
                actions=["s3:GetBucketTagging", "s3:GetEncryptionConfiguration"],
                resources=[f"arn:{stack.partition}:s3:::*"],
            ),
            iam.PolicyStatement(
                sid="ResolveBucketKeyAliases",
                actions=["kms:DescribeKey"],
                resources=[stack.format_arn(service="kms", resource="key", resource_name="*")],
            ),
            # Only roles under the product path, which all carry the product boundary.
            iam.PolicyStatement(
                sid="PassProductRolesToJobs",
                actions=["iam:PassRole"],
                resources=[product_roles_arn(stack)],
            ),
        ]
        environment = {
            # Each community stack publishes its roles there: adding a community changes
            # nothing here.
            "COMMUNITIES_PARAMETER_PATH": contract.COMMUNITY_PARAMETER_ROOT,
            "SUBNETS_PARAMETER": contract.PRIVATE_SUBNETS_PARAMETER,
            # Owners operators moved products to (make transfer-owner); read with the
            # ReadPlacementAndImages grant above.
            "OWNER_TRANSFERS_PARAMETER_PATH": contract.OWNER_TRANSFER_PARAMETER_ROOT,
            "DOCUMENTATION_URL": documentation_url,
            # Accounts whose images the catalog's own AMI parameters may name.
            "IMAGE_OWNER_ACCOUNTS": ",".join(image_owner_accounts),
        }
        if sign_in_users_table is not None:
            # Members of sign-in communities: their verified name and e-mail, by user ID.
            statements.append(
                iam.PolicyStatement(
                    sid="ReadSignedInOwners",
                    actions=["dynamodb:GetItem"],
                    resources=[
                        stack.format_arn(
                            service="dynamodb", resource="table", resource_name=sign_in_users_table
                        )
                    ],
                )
            )
            environment["SIGN_IN_USERS_TABLE"] = sign_in_users_table
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
            environment=environment,
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
