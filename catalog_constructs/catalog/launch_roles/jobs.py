"""What the jobs family's templates create (scheduled jobs)."""

from aws_cdk import Stack, aws_iam as iam

from catalog_constructs import contract
from catalog_constructs.catalog.launch_roles.statements import stack_secrets
from catalog_constructs.shared.resources import SharedResources


def jobs_family(stack: Stack, shared: SharedResources) -> list[iam.PolicyStatement]:
    region_account = f"{stack.region}:{stack.account}"
    product_named = f"{contract.PROVISIONED_STACK_PREFIX}*"
    return [
        *stack_secrets(stack, sid="JobSecrets", key=shared.jobs_key),
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
