"""The workstation's instance role: what its agents need and nothing more.

Features and products add their own grants to it (bucket mounts, the sign-in credential, the
notebook's gateway settings); every grant stays under the product role boundary.
"""

from aws_cdk import aws_iam as iam, aws_logs as logs
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge, acknowledge_wildcard_resources


def instance_role(
    scope: Construct, *, log_group: logs.LogGroup, activity_namespace: str
) -> iam.Role:
    """``Role`` in ``scope``: Session Manager, State Manager and the CloudWatch agent, which
    ships logs to ``log_group`` only."""
    role = iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
        path=contract.PRODUCT_ROLE_PATH,
        permissions_boundary=iam.ManagedPolicy.from_managed_policy_name(
            scope, "Boundary", contract.PRODUCT_ROLE_BOUNDARY_NAME
        ),
        description="Research workstation: Session Manager, CloudWatch agent",
    )
    statements = [
        iam.PolicyStatement(
            sid="SessionManagerAndStateManager",
            actions=[
                "ssm:UpdateInstanceInformation",
                "ssm:ListAssociations",
                "ssm:ListInstanceAssociations",
                "ssm:DescribeAssociation",
                "ssm:GetDocument",
                "ssm:DescribeDocument",
                "ssm:PutConfigurePackageResult",
                "ssm:PutComplianceItems",
                "ssm:PutInventory",
                "ssm:UpdateAssociationStatus",
                "ssm:UpdateInstanceAssociationStatus",
                "ssm:GetManifest",
                # AWS-RunPatchBaseline (the Shared stack's patch windows and daily scan).
                "ssm:GetDeployablePatchSnapshotForInstance",
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
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="ShipLogsToOwnGroup",
            actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[log_group.log_group_arn, f"{log_group.log_group_arn}:*"],
        ),
        iam.PolicyStatement(
            sid="AgentMetrics",
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            # CWAgent: the agent; the activity namespace: a GPU instance's idle-stop report.
            conditions={"StringEquals": {"cloudwatch:namespace": ["CWAgent", activity_namespace]}},
        ),
        iam.PolicyStatement(
            sid="AgentDimensions",
            actions=["ec2:DescribeTags", "ec2:DescribeVolumes", "ec2:DescribeInstances"],
            resources=["*"],
        ),
    ]
    for statement in statements:
        role.add_to_policy(statement)
    acknowledge_wildcard_resources(
        role,
        statements,
        "The Session Manager and State Manager agent APIs, cloudwatch:PutMetricData (limited "
        "by namespace) and the EC2 Describe calls support no resource scoping; log streams "
        "are those of the product's own log group.",
    )
    acknowledge(
        role,
        ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
        "The instance policy is created and deleted with its role inside one provisioned "
        "product and shared with nothing; an inline policy keeps that lifecycle and spares "
        "the launch role the right to create managed policies.",
    )
    return role
