"""What a community's researchers may do: use the catalog, and reach only their own resources."""

from aws_cdk import Stack, aws_iam as iam
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.service_actions import ACTION_DOCUMENTS
from catalog_constructs.common.nag import acknowledge_wildcard_resources

OWN = {"StringEquals": {"servicecatalog:userLevel": "self"}}
OWNER_TAGGED = "${aws:userid}"
STUDIO_MEMBER_TAG = contract.STUDIO_MEMBER_TAG


class EndUserPolicy(Construct):
    """A managed policy attached to the community's roles (in a spoke: none; operators attach
    it, or reference it by ``managed_policy_name`` in a permission set).

    Service Catalog decides which products a principal sees (portfolio association); this
    policy lets them browse and launch, limits every provisioned-product call to their own
    products, and opens Session Manager (and starts and stops) only instances whose owner tag
    equals the caller's ``aws:userid``. No AWS managed *FullAccess policy is involved.

    ``volume_key_arn``: the key of product volumes, which EC2 uses as the caller when the
    caller starts their own instance (the Start and Restart actions run as the caller).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        community: str,
        role_names: list[str],
        volume_key_arn: str,
        scheduled_jobs: bool = False,
        managed_policy_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        region_account = f"{stack.region}:{stack.account}"
        owner_tag_condition = {
            "StringEquals": {f"ssm:resourceTag/{contract.OWNER_USERID_TAG}": OWNER_TAGGED}
        }
        statements = [
            iam.PolicyStatement(
                sid="BrowseAndLaunch",
                actions=[
                    "servicecatalog:DescribeProduct",
                    "servicecatalog:DescribeProductView",
                    "servicecatalog:DescribeProvisioningArtifact",
                    "servicecatalog:DescribeProvisioningParameters",
                    "servicecatalog:ListLaunchPaths",
                    "servicecatalog:ListServiceActionsForProvisioningArtifact",
                    "servicecatalog:ProvisionProduct",
                    "servicecatalog:SearchProducts",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                # Every action here carries servicecatalog:userLevel. GetProvisionedProductOutputs
                # does not (an Allow conditioned on it would never apply, and one without the
                # condition would reach every product of the account): outputs are read from
                # the product's record (DescribeRecord's RecordOutputs) instead.
                sid="OwnProvisionedProductsOnly",
                actions=[
                    "servicecatalog:DescribeProvisionedProduct",
                    "servicecatalog:DescribeRecord",
                    "servicecatalog:DescribeServiceActionExecutionParameters",
                    "servicecatalog:ExecuteProvisionedProductServiceAction",
                    "servicecatalog:ListRecordHistory",
                    "servicecatalog:ScanProvisionedProducts",
                    "servicecatalog:SearchProvisionedProducts",
                    "servicecatalog:TerminateProvisionedProduct",
                    "servicecatalog:UpdateProvisionedProduct",
                ],
                resources=["*"],
                conditions=OWN,
            ),
            iam.PolicyStatement(
                sid="SessionsOnOwnInstances",
                actions=["ssm:StartSession"],
                resources=[f"arn:{stack.partition}:ec2:{region_account}:instance/*"],
                conditions=owner_tag_condition,
            ),
            iam.PolicyStatement(
                sid="SessionDocuments",
                actions=["ssm:StartSession"],
                resources=[
                    f"arn:{stack.partition}:ssm:{region_account}:document/SSM-SessionManagerRunShell",
                    f"arn:{stack.partition}:ssm:{stack.region}::document/AWS-StartPortForwardingSession",
                ],
            ),
            iam.PolicyStatement(
                sid="OwnSessionsOnly",
                actions=["ssm:TerminateSession", "ssm:ResumeSession"],
                resources=[f"arn:{stack.partition}:ssm:{region_account}:session/*"],
                conditions={
                    "StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": [OWNER_TAGGED]}
                },
            ),
            iam.PolicyStatement(
                sid="ConsoleLookups",
                actions=[
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ssm:DescribeInstanceInformation",
                    "ssm:DescribeInstanceProperties",
                    "ssm:DescribeSessions",
                    "ssm:GetConnectionStatus",
                    "logs:DescribeLogGroups",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="OwnLogsOnly",
                actions=[
                    "logs:DescribeLogStreams",
                    "logs:GetLogEvents",
                    "logs:FilterLogEvents",
                    "logs:StartLiveTail",
                ],
                resources=[f"arn:{stack.partition}:logs:{region_account}:log-group:*"],
                conditions={
                    "StringEquals": {f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": OWNER_TAGGED}
                },
            ),
            iam.PolicyStatement(
                # Fleet Manager Remote Desktop (Windows workstations). These calls take no
                # resource; the connection itself is a port-forwarding session, which
                # SessionsOnOwnInstances allows only on the caller's own instances.
                sid="FleetManagerRemoteDesktop",
                actions=[
                    "ssm-guiconnect:StartConnection",
                    "ssm-guiconnect:GetConnection",
                    "ssm-guiconnect:CancelConnection",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                # Workstation sign-in credentials (OwnerCredential); the secret's own policy
                # also denies everyone but the owner and the instance.
                sid="ReadOwnCredentials",
                actions=["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                resources=[
                    f"arn:{stack.partition}:secretsmanager:{region_account}:secret:"
                    f"{contract.PROVISIONED_STACK_PREFIX}*"
                ],
                conditions={
                    "StringEquals": {f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": OWNER_TAGGED}
                },
            ),
            # SageMaker Studio teams: a member opens Studio only as their own user profile.
            # The profile carries the member's "<RoleId>:<session>" (set by the shared
            # function that creates it), the same value as the caller's aws:userid.
            iam.PolicyStatement(
                sid="OpenOwnStudioProfile",
                actions=["sagemaker:CreatePresignedDomainUrl"],
                resources=[f"arn:{stack.partition}:sagemaker:{region_account}:user-profile/*/*"],
                conditions={"StringEquals": {f"aws:ResourceTag/{STUDIO_MEMBER_TAG}": OWNER_TAGGED}},
            ),
            iam.PolicyStatement(
                sid="FindStudioProfiles",
                actions=["sagemaker:DescribeDomain", "sagemaker:DescribeUserProfile"],
                resources=[
                    f"arn:{stack.partition}:sagemaker:{region_account}:domain/*",
                    f"arn:{stack.partition}:sagemaker:{region_account}:user-profile/*/*",
                ],
            ),
        ]
        statements += _instance_action_statements(stack, volume_key_arn)
        if scheduled_jobs:
            statements += _job_statements(stack, community)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Research catalog end users of the {community} community",
            managed_policy_name=managed_policy_name,
            roles=[
                iam.Role.from_role_name(self, f"Role{index}", name)
                for index, name in enumerate(role_names)
            ],
            statements=statements,
        )
        acknowledge_wildcard_resources(
            self.policy,
            statements,
            "Service Catalog scopes products by portfolio and provisioned products by "
            "servicecatalog:userLevel=self; instances, sessions and log groups are limited by "
            "the owner tag matching the caller's aws:userid; Describe calls have no resource "
            "scoping; Studio profiles are limited by the member tag matching aws:userid. Job "
            "definitions and secrets are limited by the same owner tag, job "
            "queues to the community's own.",
        )


def _instance_action_statements(stack: Stack, volume_key_arn: str) -> list[iam.PolicyStatement]:
    """Start, Stop and Restart (catalog_constructs.catalog.service_actions) run the AWS-owned
    Automation documents in the caller's context, whatever instance ID the caller passes: EC2
    allows the calls only on instances tagged with the caller's own aws:userid."""
    region_account = f"{stack.region}:{stack.account}"
    return [
        iam.PolicyStatement(
            # AWS-owned documents: any account part, these names only. The caller can pass
            # no role to Automation (no iam:PassRole), so the steps run as the caller.
            sid="RunInstanceActions",
            actions=["ssm:StartAutomationExecution"],
            resources=[
                f"arn:{stack.partition}:ssm:{stack.region}:*:automation-definition/{document}:*"
                for document in ACTION_DOCUMENTS
            ],
        ),
        iam.PolicyStatement(
            sid="FollowInstanceActions",
            actions=["ssm:GetAutomationExecution"],
            resources=[f"arn:{stack.partition}:ssm:{region_account}:automation-execution/*"],
        ),
        iam.PolicyStatement(
            sid="StartAndStopOwnInstances",
            actions=["ec2:StartInstances", "ec2:StopInstances"],
            resources=[f"arn:{stack.partition}:ec2:{region_account}:instance/*"],
            conditions={
                "StringEquals": {f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": OWNER_TAGGED}
            },
        ),
        iam.PolicyStatement(
            # Starting an instance with encrypted volumes makes EC2 create a grant on the
            # volume key as the caller.
            sid="StartOwnEncryptedVolumes",
            actions=["kms:CreateGrant"],
            resources=[volume_key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"ec2.{stack.region}.amazonaws.com"},
                "Bool": {"kms:GrantIsForAWSResource": "true"},
            },
        ),
    ]


def _job_statements(stack: Stack, community: str) -> list[iam.PolicyStatement]:
    """Scheduled jobs: run one's own jobs now (directly or through the submit API, which calls
    Batch with the caller's credentials), follow them, and set one's own job secrets."""
    region_account = f"{stack.region}:{stack.account}"
    owner_tagged = {"StringEquals": {f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": OWNER_TAGGED}}
    definitions = (
        f"arn:{stack.partition}:batch:{region_account}:job-definition/"
        f"{contract.JOB_DEFINITION_PREFIX}*:*"
    )
    own_share = f"${{aws:ResourceTag/{contract.SHARE_IDENTIFIER_TAG}}}"
    return [
        iam.PolicyStatement(
            # Any API ID: naming the shared stack's API would tie the catalog stack to an
            # export. The stage and path are the catalog's, and the API itself only forwards
            # the caller's own SubmitJob, which Batch authorizes below.
            sid="CallTheJobSubmitApi",
            actions=["execute-api:Invoke"],
            resources=[
                f"arn:{stack.partition}:execute-api:{region_account}:*/"
                f"{contract.JOB_SUBMIT_API_STAGE}/POST/jobs/*"
            ],
        ),
        iam.PolicyStatement(
            # ":*" requires a revision, without which Batch would not evaluate the tag. The
            # share identifier must be the definition's own (its tag), so no member can run
            # under another product's fair share.
            sid="SubmitOwnJobDefinitions",
            actions=["batch:SubmitJob"],
            resources=[definitions],
            conditions={
                "StringEquals": {
                    **owner_tagged["StringEquals"],
                    "batch:ShareIdentifier": own_share,
                }
            },
        ),
        iam.PolicyStatement(
            # Definitions registered before the share tag existed (until their product's next
            # update registers a tagged revision): catalog shares only.
            sid="SubmitOwnUntaggedJobDefinitions",
            actions=["batch:SubmitJob"],
            resources=[definitions],
            conditions={
                **owner_tagged,
                "Null": {f"aws:ResourceTag/{contract.SHARE_IDENTIFIER_TAG}": "true"},
                "StringLike": {"batch:ShareIdentifier": f"{contract.JOB_DEFINITION_PREFIX}*"},
            },
        ),
        iam.PolicyStatement(
            sid="ToOwnCommunityQueues",
            actions=["batch:SubmitJob"],
            resources=[
                f"arn:{stack.partition}:batch:{region_account}:job-queue/"
                + contract.job_queue_name(community, spot=spot)
                for spot in (False, True)
            ],
        ),
        iam.PolicyStatement(
            # The stage's pooled queues, only under a share identifier of the community
            # (contract.job_share_prefix): a member cannot spend another community's share.
            sid="ToPooledQueuesAsOwnCommunity",
            actions=["batch:SubmitJob"],
            resources=[
                f"arn:{stack.partition}:batch:{region_account}:job-queue/"
                + contract.pooled_job_queue_name(spot=spot)
                for spot in (False, True)
            ],
            conditions={
                "StringLike": {"batch:ShareIdentifier": contract.job_share_prefix(community) + "*"}
            },
        ),
        iam.PolicyStatement(
            # AWS Batch offers no resource-level permission for these: a member sees the jobs,
            # commands and environment variables of every job of the account (never secrets,
            # which live in owner-only secrets). Accepted: the Batch console and the jobs CLI
            # need them (docs/security.md). secretsmanager:ListSecrets (every secret's name
            # and tags) is not granted: the product's outputs name its secret.
            sid="FollowJobs",
            actions=[
                "batch:DescribeJobs",
                "batch:ListJobs",
                "batch:DescribeJobDefinitions",
                "batch:DescribeJobQueues",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="OwnJobSecrets",
            actions=[
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
            ],
            resources=[f"arn:{stack.partition}:secretsmanager:{region_account}:secret:*"],
            conditions=owner_tagged,
        ),
    ]
