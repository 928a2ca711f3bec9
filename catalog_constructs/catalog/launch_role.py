"""Launch roles: what Service Catalog may do on a researcher's behalf, per product family.

A researcher never holds these permissions. Service Catalog assumes the role to create, update
and delete the product's stack, so the role must be able to build exactly what the family's
templates contain and nothing more. Roles it creates must live under the products path and
carry the product boundary, so no template can mint a more powerful role.
"""

from collections.abc import Callable, Sequence

from aws_cdk import ArnFormat, Stack, aws_iam as iam, aws_kms as kms
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.service_actions import ACTION_DOCUMENTS
from catalog_constructs.common.iam import product_roles_arn
from catalog_constructs.common.nag import acknowledge_wildcard_resources
from catalog_constructs.shared.resources import SharedResources


def _arn(stack: Stack, service: str, resource: str, name: str, *, region: str | None = None) -> str:
    return stack.format_arn(service=service, resource=resource, resource_name=name, region=region)


def _stack_secrets(stack: Stack, *, sid: str, key: kms.IKey) -> list[iam.PolicyStatement]:
    """Secrets a product template names after its stack ("SC-..."), encrypted with ``key``."""
    region_account = f"{stack.region}:{stack.account}"
    return [
        iam.PolicyStatement(
            sid=sid,
            actions=[
                "secretsmanager:CreateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:UpdateSecret",
                "secretsmanager:TagResource",
                "secretsmanager:UntagResource",
                "secretsmanager:PutResourcePolicy",
                "secretsmanager:DeleteResourcePolicy",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:ValidateResourcePolicy",
            ],
            resources=[
                f"arn:{stack.partition}:secretsmanager:{region_account}:secret:"
                f"{contract.PROVISIONED_STACK_PREFIX}*"
            ],
        ),
        iam.PolicyStatement(
            # CreateSecret encrypts the initial value with the key.
            sid=f"Encrypt{sid}",
            actions=["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
            resources=[key.key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"}
            },
        ),
    ]


def _ec2_family(stack: Stack, shared: SharedResources) -> list[iam.PolicyStatement]:
    region_account = f"{stack.region}:{stack.account}"
    managed = {"Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}}
    return [
        iam.PolicyStatement(
            sid="DescribeEc2",
            actions=[
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeImages",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:DescribeVolumes",
                "ec2:DescribeVolumesModifications",
                "ec2:DescribeSnapshots",
                "ec2:DescribeTags",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="LaunchInstances",
            actions=["ec2:RunInstances", "ec2:CreateTags"],
            resources=[
                f"arn:{stack.partition}:ec2:{region_account}:instance/*",
                f"arn:{stack.partition}:ec2:{region_account}:volume/*",
                f"arn:{stack.partition}:ec2:{region_account}:network-interface/*",
                f"arn:{stack.partition}:ec2:{region_account}:security-group/*",
                f"arn:{stack.partition}:ec2:{region_account}:subnet/*",
                f"arn:{stack.partition}:ec2:{region_account}:launch-template/*",
                f"arn:{stack.partition}:ec2:{stack.region}::image/*",
            ],
        ),
        iam.PolicyStatement(
            sid="ManageCatalogInstances",
            actions=[
                "ec2:TerminateInstances",
                "ec2:StopInstances",
                "ec2:StartInstances",
                "ec2:RebootInstances",
                "ec2:ModifyInstanceAttribute",
                "ec2:AssociateIamInstanceProfile",
                "ec2:DisassociateIamInstanceProfile",
                "ec2:ReplaceIamInstanceProfileAssociation",
                "ec2:DeleteTags",
            ],
            resources=[f"arn:{stack.partition}:ec2:{region_account}:instance/*"],
            conditions=managed,
        ),
        iam.PolicyStatement(
            # Data volumes: created, resized, tagged and, on termination, snapshotted then
            # deleted by CloudFormation (the product-context function attaches them).
            sid="DataVolumes",
            actions=[
                "ec2:CreateVolume",
                "ec2:ModifyVolume",
                "ec2:DeleteVolume",
                "ec2:CreateSnapshot",
            ],
            resources=[
                f"arn:{stack.partition}:ec2:{region_account}:volume/*",
                f"arn:{stack.partition}:ec2:{stack.region}::snapshot/*",
            ],
        ),
        iam.PolicyStatement(
            sid="TagSnapshots",
            actions=["ec2:CreateTags"],
            resources=[f"arn:{stack.partition}:ec2:{stack.region}::snapshot/*"],
            conditions={"StringEquals": {"ec2:CreateAction": "CreateSnapshot"}},
        ),
        iam.PolicyStatement(
            sid="SecurityGroupsAndLaunchTemplates",
            actions=[
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:CreateLaunchTemplate",
                "ec2:CreateLaunchTemplateVersion",
                "ec2:DeleteLaunchTemplate",
                "ec2:ModifyLaunchTemplate",
            ],
            resources=[
                f"arn:{stack.partition}:ec2:{region_account}:security-group/*",
                f"arn:{stack.partition}:ec2:{region_account}:security-group-rule/*",
                f"arn:{stack.partition}:ec2:{region_account}:vpc/*",
                f"arn:{stack.partition}:ec2:{region_account}:launch-template/*",
            ],
        ),
        iam.PolicyStatement(
            sid="EncryptVolumesWithCatalogKey",
            actions=[
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
            resources=[shared.ebs_key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"ec2.{stack.region}.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            # Volumes launched from the catalog's own AMIs are re-encrypted with the EBS key
            # from the images key of the account whose pipelines built them.
            sid="ReadCatalogImages",
            actions=[
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:ReEncryptFrom",
            ],
            resources=[
                f"arn:{stack.partition}:kms:{stack.region}:{shared.image_key_account}:key/*"
            ],
            conditions={
                "StringEquals": {
                    "kms:ViaService": f"ec2.{stack.region}.amazonaws.com",
                    f"aws:ResourceTag/{contract.IMAGES_KEY_TAG}": contract.IMAGES_KEY_TAG_VALUE,
                }
            },
        ),
        iam.PolicyStatement(
            sid="InstanceProfiles",
            actions=[
                "iam:CreateInstanceProfile",
                "iam:DeleteInstanceProfile",
                "iam:GetInstanceProfile",
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
                "iam:UntagInstanceProfile",
            ],
            resources=[
                stack.format_arn(
                    service="iam",
                    region="",
                    resource="instance-profile",
                    resource_name=contract.PRODUCT_ROLE_PATH.strip("/") + "/*",
                )
            ],
        ),
        iam.PolicyStatement(
            sid="PassRolesToInstances",
            actions=["iam:PassRole"],
            resources=[product_roles_arn(stack)],
            conditions={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            sid="AssociateCloudWatchAgent",
            actions=["ssm:CreateAssociation"],
            resources=[
                _arn(stack, "ssm", "document", contract.CLOUDWATCH_AGENT_DOCUMENT_NAME),
                f"arn:{stack.partition}:ec2:{region_account}:instance/*",
            ],
        ),
        iam.PolicyStatement(
            sid="TagAssociations",
            actions=["ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
            resources=[_arn(stack, "ssm", "association", "*")],
        ),
        iam.PolicyStatement(
            sid="ManageAssociations",
            actions=[
                "ssm:DeleteAssociation",
                "ssm:DescribeAssociation",
                "ssm:UpdateAssociation",
                "ssm:ListAssociations",
            ],
            resources=[
                _arn(stack, "ssm", "association", "*"),
                _arn(stack, "ssm", "document", contract.CLOUDWATCH_AGENT_DOCUMENT_NAME),
                f"arn:{stack.partition}:ec2:{region_account}:instance/*",
            ],
        ),
        iam.PolicyStatement(
            sid="IdleStopAlarms",
            actions=[
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
            ],
            resources=[
                f"arn:{stack.partition}:cloudwatch:{region_account}:alarm:"
                f"{contract.PROVISIONED_STACK_PREFIX}*"
            ],
        ),
        *_self_service_action_statements(stack),
        iam.PolicyStatement(
            # An alarm with an EC2 stop action is accepted only if its creator may stop the
            # instance and the alarm service-linked role exists.
            sid="AlarmStopActionRole",
            actions=["iam:CreateServiceLinkedRole"],
            resources=[
                stack.format_arn(
                    service="iam",
                    region="",
                    resource="role",
                    resource_name="aws-service-role/events.amazonaws.com/"
                    "AWSServiceRoleForCloudWatchEvents",
                )
            ],
            conditions={"StringEquals": {"iam:AWSServiceName": "events.amazonaws.com"}},
        ),
        *_stack_secrets(stack, sid="OwnerCredentials", key=shared.credentials_key),
        iam.PolicyStatement(
            # Generated credentials: the call takes no resource.
            sid="GenerateCredentials",
            actions=["secretsmanager:GetRandomPassword"],
            resources=["*"],
        ),
    ]


def _self_service_action_statements(stack: Stack) -> list[iam.PolicyStatement]:
    """Start/Stop/Restart run as the launch role (AssumeRole LAUNCH_ROLE): Service Catalog
    assumes it, starts the Automation document and hands the role to SSM, which runs the
    document's steps with it. The instance actions themselves are in ManageCatalogInstances."""
    return [
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
                for document in ACTION_DOCUMENTS
            ],
        ),
        iam.PolicyStatement(
            sid="FollowTheActionRuns",
            actions=["ssm:GetAutomationExecution", "ssm:DescribeAutomationExecutions"],
            resources=[
                stack.format_arn(service="ssm", resource="automation-execution", resource_name="*")
            ],
        ),
        iam.PolicyStatement(
            sid="HandItselfToAutomation",
            actions=["iam:PassRole"],
            resources=[
                stack.format_arn(
                    service="iam",
                    region="",
                    resource="role",
                    resource_name=contract.launch_role_name("ec2"),
                )
            ],
            conditions={"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}},
        ),
    ]


def _jobs_family(stack: Stack, shared: SharedResources) -> list[iam.PolicyStatement]:
    region_account = f"{stack.region}:{stack.account}"
    product_named = f"{contract.PROVISIONED_STACK_PREFIX}*"
    return [
        *_stack_secrets(stack, sid="JobSecrets", key=shared.jobs_key),
        iam.PolicyStatement(
            sid="AlertTopics",
            actions=[
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:GetSubscriptionAttributes",
                "sns:ListSubscriptionsByTopic",
                "sns:TagResource",
                "sns:UntagResource",
                "sns:ListTagsForResource",
            ],
            resources=[f"arn:{stack.partition}:sns:{region_account}:{product_named}"],
        ),
        iam.PolicyStatement(
            sid="FailureRules",
            actions=[
                "events:PutRule",
                "events:DeleteRule",
                "events:DescribeRule",
                "events:PutTargets",
                "events:RemoveTargets",
                "events:ListTargetsByRule",
                "events:TagResource",
                "events:UntagResource",
            ],
            resources=[f"arn:{stack.partition}:events:{region_account}:rule/{product_named}"],
        ),
        iam.PolicyStatement(
            # Schedules take generated names that need not start with the stack name.
            sid="Schedules",
            actions=[
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            resources=[f"arn:{stack.partition}:scheduler:{region_account}:schedule/default/*"],
        ),
        iam.PolicyStatement(
            sid="PassTheSharedSchedulerRole",
            actions=["iam:PassRole"],
            resources=[
                stack.format_arn(
                    service="iam",
                    region="",
                    resource="role",
                    resource_name=contract.JOB_SCHEDULER_ROLE_NAME,
                )
            ],
            conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        ),
    ]


def _storage_family(stack: Stack, shared: SharedResources) -> list[iam.PolicyStatement]:
    # Bucket names are generated at launch or chosen by the owner: no pattern to scope to.
    # The bucket policy of every product bucket exempts this role (by its name) from the
    # owner-only deny, but this role holds no object permission.
    buckets = f"arn:{stack.partition}:s3:::*"
    return [
        iam.PolicyStatement(
            sid="ProductBuckets",
            actions=[
                "s3:CreateBucket",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetBucketAcl",
                "s3:GetBucketPolicy",
                "s3:GetBucketPolicyStatus",
                "s3:GetBucketCORS",
                "s3:GetBucketTagging",
                "s3:PutBucketTagging",
                "s3:GetEncryptionConfiguration",
                "s3:PutEncryptionConfiguration",
                "s3:GetBucketPublicAccessBlock",
                "s3:PutBucketPublicAccessBlock",
                "s3:GetBucketOwnershipControls",
                "s3:PutBucketOwnershipControls",
                "s3:GetBucketVersioning",
                "s3:PutBucketVersioning",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:GetBucketLogging",
                "s3:PutBucketLogging",
                "s3:GetAccelerateConfiguration",
                "s3:GetAnalyticsConfiguration",
                "s3:GetBucketNotification",
                "s3:GetBucketObjectLockConfiguration",
                "s3:GetBucketWebsite",
                "s3:GetIntelligentTieringConfiguration",
                "s3:GetInventoryConfiguration",
                "s3:GetMetricsConfiguration",
                "s3:GetReplicationConfiguration",
            ],
            resources=[buckets],
        ),
        iam.PolicyStatement(
            sid="InvokeBucketAccess",
            actions=["lambda:InvokeFunction"],
            resources=[
                stack.format_arn(
                    service="lambda",
                    resource="function",
                    resource_name=contract.BUCKET_ACCESS_FUNCTION_NAME,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        ),
    ]


def _studio_family(stack: Stack, shared: SharedResources) -> list[iam.PolicyStatement]:
    # The team's scratch bucket is a storage-family bucket; this role holds no object
    # permission either.
    region_account = f"{stack.region}:{stack.account}"
    product_tagged = {"StringEquals": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "studio-team"}}
    return [
        *_storage_family(stack, shared),
        iam.PolicyStatement(
            sid="StudioDomains",
            actions=[
                "sagemaker:CreateDomain",
                "sagemaker:UpdateDomain",
                "sagemaker:DeleteDomain",
                "sagemaker:DescribeDomain",
                "sagemaker:AddTags",
                "sagemaker:DeleteTags",
                "sagemaker:ListTags",
            ],
            resources=[f"arn:{stack.partition}:sagemaker:{region_account}:domain/*"],
        ),
        iam.PolicyStatement(
            # SageMaker creates the domain's home file system and its network interfaces
            # as the caller.
            sid="StudioNetworkAndFileSystem",
            actions=[
                "elasticfilesystem:CreateFileSystem",
                "elasticfilesystem:CreateMountTarget",
                "elasticfilesystem:DescribeFileSystems",
                "elasticfilesystem:DescribeMountTargets",
                "elasticfilesystem:TagResource",
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeRouteTables",
                "ec2:DescribeVpcEndpoints",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="StudioServiceLinkedRole",
            actions=["iam:CreateServiceLinkedRole"],
            resources=["*"],
            conditions={"StringEquals": {"iam:AWSServiceName": "sagemaker.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            sid="StudioSecurityGroups",
            actions=[
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:CreateTags",
            ],
            resources=[
                f"arn:{stack.partition}:ec2:{region_account}:security-group/*",
                f"arn:{stack.partition}:ec2:{region_account}:security-group-rule/*",
                f"arn:{stack.partition}:ec2:{region_account}:vpc/*",
            ],
        ),
        iam.PolicyStatement(
            sid="StudioTeamKeys",
            actions=["kms:CreateKey"],
            resources=["*"],
            conditions={"StringEquals": {f"aws:RequestTag/{contract.PRODUCT_TAG}": "studio-team"}},
        ),
        iam.PolicyStatement(
            sid="UseStudioTeamKeys",
            actions=[
                "kms:DescribeKey",
                "kms:EnableKeyRotation",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListResourceTags",
                "kms:PutKeyPolicy",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateKeyDescription",
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
            ],
            resources=[f"arn:{stack.partition}:kms:{region_account}:key/*"],
            conditions=product_tagged,
        ),
        iam.PolicyStatement(
            sid="PassExecutionRolesToSageMaker",
            actions=["iam:PassRole"],
            resources=[product_roles_arn(stack)],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
    ]


# Families whose launch role also runs self-service actions: SSM Automation assumes it then.
ACTION_FAMILIES = frozenset({"ec2"})

# What each product family's templates create, beyond the stack operations every family needs.
FAMILY_STATEMENTS: dict[str, Callable[[Stack, SharedResources], list[iam.PolicyStatement]]] = {
    "ec2": _ec2_family,
    "jobs": _jobs_family,
    "storage": _storage_family,
    "studio": _studio_family,
}


class LaunchRole(Construct):
    """The launch role of one product family, named ``contract.launch_role_name(family)`` in
    the stage account and in every spoke account, so one LocalRoleName constraint serves all.

    ``product_template_bucket_arns``: buckets the product templates are read from besides
    Service Catalog's own copies (the stage's asset bucket; none in a spoke)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        family: str,
        shared: SharedResources,
        product_template_bucket_arns: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        provisioned_stacks = _arn(
            stack, "cloudformation", "stack", f"{contract.PROVISIONED_STACK_PREFIX}*"
        )
        region_account = f"{stack.region}:{stack.account}"

        principals: list[iam.IPrincipal] = [iam.ServicePrincipal("servicecatalog.amazonaws.com")]
        if family in ACTION_FAMILIES:
            principals.append(iam.ServicePrincipal("ssm.amazonaws.com"))
        self.role = iam.Role(
            self,
            "Role",
            role_name=contract.launch_role_name(family),
            assumed_by=iam.CompositePrincipal(*principals),
            description=f"Service Catalog launch role for the {family} product family",
        )
        statements = [
            iam.PolicyStatement(
                sid="ProvisionedStacks",
                actions=[
                    "cloudformation:CreateStack",
                    "cloudformation:DeleteStack",
                    "cloudformation:DescribeStackEvents",
                    "cloudformation:DescribeStacks",
                    "cloudformation:DescribeStackResource",
                    "cloudformation:DescribeStackResources",
                    "cloudformation:GetTemplate",
                    "cloudformation:SetStackPolicy",
                    "cloudformation:UpdateStack",
                    "cloudformation:CreateChangeSet",
                    "cloudformation:DescribeChangeSet",
                    "cloudformation:ExecuteChangeSet",
                    "cloudformation:DeleteChangeSet",
                    "cloudformation:ListChangeSets",
                    "cloudformation:TagResource",
                    "cloudformation:UntagResource",
                ],
                resources=[provisioned_stacks],
            ),
            iam.PolicyStatement(
                sid="ValidateTemplates",
                actions=["cloudformation:ValidateTemplate", "cloudformation:GetTemplateSummary"],
                resources=["*"],
            ),
            *(
                [
                    iam.PolicyStatement(
                        sid="ReadProductTemplates",
                        actions=["s3:GetObject"],
                        resources=[f"{arn}/*" for arn in product_template_bucket_arns],
                    )
                ]
                if product_template_bucket_arns
                else []
            ),
            iam.PolicyStatement(
                # Service Catalog's own copy of each provisioning artifact.
                sid="ReadServiceCatalogTemplates",
                actions=["s3:GetObject"],
                resources=["*"],
                conditions={
                    "StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}
                },
            ),
            iam.PolicyStatement(
                sid="ResolveCatalogParameters",
                actions=["ssm:GetParameters", "ssm:GetParameter"],
                resources=[
                    _arn(stack, "ssm", "parameter", contract.PARAMETER_ROOT.lstrip("/") + "/*")
                ],
            ),
            iam.PolicyStatement(
                sid="InvokeProductContext",
                actions=["lambda:InvokeFunction"],
                resources=[
                    stack.format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=contract.PRODUCT_CONTEXT_FUNCTION_NAME,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
            iam.PolicyStatement(
                sid="ProductLogGroups",
                actions=[
                    "logs:CreateLogGroup",
                    "logs:DeleteLogGroup",
                    "logs:PutRetentionPolicy",
                    "logs:DeleteRetentionPolicy",
                    "logs:AssociateKmsKey",
                    "logs:DisassociateKmsKey",
                    "logs:TagResource",
                    "logs:UntagResource",
                    "logs:TagLogGroup",
                    "logs:ListTagsForResource",
                ],
                resources=[
                    f"arn:{stack.partition}:logs:{region_account}:log-group:"
                    f"{contract.PROVISIONED_STACK_PREFIX}*"
                ],
            ),
            iam.PolicyStatement(
                sid="DescribeLogGroups",
                actions=["logs:DescribeLogGroups"],
                resources=[f"arn:{stack.partition}:logs:{region_account}:log-group:*"],
            ),
            iam.PolicyStatement(
                sid="ProductRolesWithBoundary",
                actions=[
                    "iam:CreateRole",
                    "iam:PutRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePermissionsBoundary",
                ],
                resources=[product_roles_arn(stack)],
                conditions={
                    "StringEquals": {
                        "iam:PermissionsBoundary": shared.product_role_boundary.managed_policy_arn
                    }
                },
            ),
            iam.PolicyStatement(
                sid="ProductRolesLifecycle",
                actions=[
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListRolePolicies",
                    "iam:ListAttachedRolePolicies",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:UpdateRoleDescription",
                ],
                resources=[product_roles_arn(stack)],
            ),
            *FAMILY_STATEMENTS[family](stack, shared),
        ]
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            statements=statements,
            roles=[self.role],
            description=f"Everything Service Catalog needs to build {family} products",
        )
        acknowledge_wildcard_resources(
            self.policy,
            statements,
            "Resources created by a product template get names only at launch, from the stack "
            "name Service Catalog chooses (SC-*) or from the product role path; each wildcard "
            "is bounded by account, region, that prefix or a tag condition. Describe calls "
            "and ValidateTemplate support no resource scoping.",
        )
