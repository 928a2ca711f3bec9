"""The permissions boundary every role created by a product template must carry."""

from aws_cdk import Stack, aws_iam as iam
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge

# The most a product's role may ever do. Each product grants far less in its own policies;
# the boundary guarantees that no product version, however written, hands an instance or a job
# the means to escalate: launch roles may only create roles that carry this boundary.
ALLOWED_SERVICE_ACTIONS = [
    # Session Manager and State Manager agents
    "ssm:UpdateInstanceInformation",
    "ssm:ListAssociations",
    "ssm:ListInstanceAssociations",
    "ssm:DescribeAssociation",
    "ssm:GetDeployablePatchSnapshotForInstance",
    "ssm:GetDocument",
    "ssm:DescribeDocument",
    "ssm:GetManifest",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:PutComplianceItems",
    "ssm:PutConfigurePackageResult",
    "ssm:PutInventory",
    "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
    # CloudWatch agent
    "cloudwatch:PutMetricData",
    "ec2:DescribeTags",
    "ec2:DescribeVolumes",
    "ec2:DescribeInstances",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
    "logs:DescribeLogGroups",
    # Data access a product may grant on named buckets, keys and secrets
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:GetBucketLocation",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret",
    # SageMaker Studio execution roles (each product's own policy scopes them to its domain)
    "sagemaker:CreateApp",
    "sagemaker:DeleteApp",
    "sagemaker:DescribeApp",
    "sagemaker:CreateSpace",
    "sagemaker:UpdateSpace",
    "sagemaker:DeleteSpace",
    "sagemaker:DescribeSpace",
    "sagemaker:DescribeDomain",
    "sagemaker:DescribeUserProfile",
    "sagemaker:AddTags",
    "sagemaker:ListTags",
    "sagemaker:ListApps",
    "sagemaker:ListSpaces",
    "sagemaker:ListUserProfiles",
    "sagemaker:ListDomains",
    # Container images for jobs and notebooks
    "ecr:GetAuthorizationToken",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
]

DENIED_ACTIONS = [
    "iam:*",
    "organizations:*",
    "account:*",
    "sts:AssumeRole",
    # Owner and cost tags decide who may reach a resource and who pays for it.
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "ec2:ModifyInstanceMetadataOptions",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "kms:CreateGrant",
    "cloudtrail:*",
]


# Every tagging action ALLOWED_SERVICE_ACTIONS contains (a test keeps the two in step).
TAGGING_ACTIONS = ["sagemaker:AddTags", "sagemaker:DeleteTags"]
IMAGE_PULL_ACTIONS = [
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
]
# The role's own tags (every product tags its roles with its owner and community).
_ROLE_OWNER = f"${{aws:PrincipalTag/{contract.OWNER_USERID_TAG}}}"
_ROLE_COMMUNITY = f"${{aws:PrincipalTag/{contract.COMMUNITY_TAG}}}"


def image_pull_statements() -> list[iam.PolicyStatement]:
    """A product role pulls a private image only from a repository tagged with its owner's
    ``aws:userid`` or shared with its community (``research-catalog:pullable-by``, a
    space-separated list of community names, matched as whole words)."""
    return [
        iam.PolicyStatement(
            sid="ImagesOfOwnerOrCommunityOnly",
            effect=iam.Effect.DENY,
            actions=IMAGE_PULL_ACTIONS,
            resources=["*"],
            conditions={
                "StringNotEquals": {f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": _ROLE_OWNER},
                "StringNotLike": {
                    f"aws:ResourceTag/{contract.PULLABLE_BY_TAG}": [
                        _ROLE_COMMUNITY,
                        f"{_ROLE_COMMUNITY} *",
                        f"* {_ROLE_COMMUNITY}",
                        f"* {_ROLE_COMMUNITY} *",
                    ]
                },
            },
        ),
        # A policy variable IAM cannot resolve voids the statement that holds it: without
        # these, a role lacking either tag would escape the rule above.
        *(
            iam.PolicyStatement(
                sid=f"NoImagesWithout{name}Tag",
                effect=iam.Effect.DENY,
                actions=IMAGE_PULL_ACTIONS,
                resources=["*"],
                conditions={"Null": {f"aws:PrincipalTag/{key}": "true"}},
            )
            for name, key in (
                ("Owner", contract.OWNER_USERID_TAG),
                ("Community", contract.COMMUNITY_TAG),
            )
        ),
    ]


class ProductRoleBoundary(Construct):
    """A managed policy with a fixed name, so product templates and launch roles can name it."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=contract.PRODUCT_ROLE_BOUNDARY_NAME,
            description="Permissions boundary of every role a research-catalog product creates",
            statements=[
                iam.PolicyStatement(
                    sid="ProductWorkloads",
                    actions=ALLOWED_SERVICE_ACTIONS,
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": stack.region}},
                ),
                iam.PolicyStatement(
                    sid="NeverEscalateOrTamper",
                    effect=iam.Effect.DENY,
                    actions=DENIED_ACTIONS,
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    # The only tagging a product role may do (Studio's shared execution role
                    # tags its spaces): never a reserved key. A member could otherwise write
                    # their own aws:userid into a teammate's profile tag and open it.
                    sid="NeverSetReservedTags",
                    effect=iam.Effect.DENY,
                    actions=TAGGING_ACTIONS,
                    resources=["*"],
                    conditions={
                        "ForAnyValue:StringLike": {
                            "aws:TagKeys": list(contract.RESERVED_TAG_KEY_PATTERNS)
                        }
                    },
                ),
                *image_pull_statements(),
                iam.PolicyStatement(
                    # The budget enforcement function tags the community's product roles while
                    # its budget is spent: no new Studio app then (Studio's own "system"
                    # apps, which cost nothing, aside).
                    sid="NoNewAppsWhileBudgetSpent",
                    effect=iam.Effect.DENY,
                    actions=["sagemaker:CreateApp"],
                    resources=["*"],
                    conditions={
                        "StringEquals": {f"aws:PrincipalTag/{contract.BUDGET_BLOCKED_TAG}": "true"},
                        "ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": ["system"]},
                    },
                ),
            ],
        )
        acknowledge(
            self.policy,
            [
                "AwsSolutions-IAM5[Resource::*]",
                "AwsSolutions-IAM5[Action::iam:*]",
                "AwsSolutions-IAM5[Action::organizations:*]",
                "AwsSolutions-IAM5[Action::account:*]",
                "AwsSolutions-IAM5[Action::cloudtrail:*]",
            ],
            "A permissions boundary is a ceiling, not a grant: it allows nothing by itself. "
            "Its allow list names exact actions; the wildcards are in its Deny statement.",
        )
