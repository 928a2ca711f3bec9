"""Lifting launch blocks whose reason is gone, and stopping instances at the block threshold."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms, aws_lambda as lambda_
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.cost.function import CostFunction
from config.sections.budgets import budget_name

# Budgets refreshes spending about three times a day; a freed community waits at most this.
BLOCK_RELEASE_SCHEDULE = "rate(3 hours)"


class BudgetEnforcement(Construct):
    """Lifts launch blocks whose reason is gone (on a schedule, and on each community stack's
    deploy through its ``Custom::BudgetBlockRelease``) and stops the instances of communities
    with ``stop_instances`` when their block threshold is crossed (their stop topics subscribe
    the function). Which budgets and topics are the stage's it reads from the community
    documents (contract.COMMUNITY_PARAMETER_ROOT), so a community added later needs no change
    here beyond ``stop_communities``, the names its stop permission is pinned to."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage_name: str,
        stop_communities: Sequence[str],
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # Every budget of this stage: budget names start with the stage's prefix
        # (config.sections.budgets.budget_name). One ARN per budget would outgrow a policy's
        # 6,144 characters at about 40 communities.
        budgets_of_stage = stack.format_arn(
            service="budgets",
            region="",
            resource="budget",
            resource_name=budget_name(stage_name, "*"),
        )
        statements = [
            iam.PolicyStatement(
                sid="ReadAndReverseBlockActions",
                actions=[
                    "budgets:ViewBudget",
                    "budgets:DescribeBudgetActionsForBudget",
                    "budgets:ExecuteBudgetAction",
                ],
                resources=[budgets_of_stage, f"{budgets_of_stage}/action/*"],
            ),
            iam.PolicyStatement(
                sid="ReadCommunityDocuments",
                actions=["ssm:GetParametersByPath"],
                resources=[
                    stack.format_arn(
                        service="ssm",
                        resource="parameter",
                        resource_name=contract.COMMUNITY_PARAMETER_ROOT.lstrip("/"),
                    )
                ],
            ),
        ]
        if stop_communities:
            statements += [
                iam.PolicyStatement(
                    sid="FindCommunityInstances",
                    actions=["ec2:DescribeInstances"],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="StopCatalogInstancesOfBlockedCommunities",
                    actions=["ec2:StopInstances"],
                    resources=[
                        stack.format_arn(service="ec2", resource="instance", resource_name="*")
                    ],
                    conditions={
                        "StringEquals": {
                            f"aws:ResourceTag/{contract.COMMUNITY_TAG}": sorted(stop_communities)
                        },
                        "Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"},
                    },
                ),
            ]
        self.handler = CostFunction(
            self,
            "Handler",
            handler="cost_handlers.enforcement.handler",
            description="Lifts spent-budget launch blocks that no longer apply; stops instances",
            statements=statements,
            wildcard_reason="Actions of this stage's budgets only (budget names carry the "
            "stage's prefix, action IDs are generated); instances are limited to catalog "
            "instances of communities with stop_instances; ec2:DescribeInstances supports no "
            "resource scoping.",
            environment={
                "ACCOUNT_ID": stack.account,
                "COMMUNITIES_PARAMETER_PATH": contract.COMMUNITY_PARAMETER_ROOT,
            },
            logs_key=logs_key,
            timeout_minutes=5,
        )
        self.handler.schedule(
            "ReleaseCheck",
            BLOCK_RELEASE_SCHEDULE,
            "Lift launch blocks whose budget is no longer spent",
        )
        # The stop topics of the stage's community stacks may invoke the function: two
        # statements for every community, where one per topic would outgrow the function
        # policy's 20 KB at about 50 communities. CloudFormation names a topic after its stack;
        # a topic moved from the Cost stack of the former layout keeps that stack's name. The
        # function acts only on the topics the community documents list.
        topic_names = {
            "CommunityStopTopics": contract.community_stack_name(stage_name, "*"),
            "MovedStopTopics": f"{contract.PREFIX}-{stage_name}-cost-StopTopic*",
        }
        for construct_id_, topic_name in topic_names.items():
            lambda_.CfnPermission(
                self,
                construct_id_,
                action="lambda:InvokeFunction",
                function_name=self.handler.function.attr_arn,
                principal="sns.amazonaws.com",
                source_account=stack.account,
                source_arn=stack.format_arn(service="sns", resource=topic_name),
            )
