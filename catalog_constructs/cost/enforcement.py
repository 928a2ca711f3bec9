"""Lifting launch blocks whose reason is gone, extending applied blocks to what AWS Budgets
cannot reach (:mod:`catalog_constructs.cost.launch_block`), and stopping instances at the block
threshold."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms, aws_lambda as lambda_
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.iam import product_roles_arn, read_parameters_by_path
from catalog_constructs.cost.function import CostFunction
from catalog_constructs.cost.launch_block import (
    JOBS_BLOCK_PATTERNS_PER_POLICY,
    jobs_block_statement,
    launch_block_statements,
)
from config.sections.budgets import budget_name

# Budgets refreshes spending about three times a day; a freed community waits at most this.
BLOCK_RELEASE_SCHEDULE = "rate(3 hours)"
BUDGET_BLOCK_RELEASE = "Custom::BudgetBlockRelease"


class BudgetEnforcement(Construct):
    """Lifts launch blocks whose reason is gone (on a schedule, on this stack's deploy, and on
    each community stack's deploy through its ``Custom::BudgetBlockRelease``), keeps the levers
    a block needs beyond AWS Budgets in step with each community's block action (the pattern
    block policy, ``jobs_block_policy_arns`` on the job scheduler, queues of the former layout
    in ``legacy_queues``, Studio roles' blocked tag), and stops the instances of communities
    with ``stop_instances`` when their block threshold is crossed (their topics subscribe the
    function). Which budgets, topics and levers are the stage's it reads from the community
    documents (contract.COMMUNITY_PARAMETER_ROOT), so a community added later needs no change
    here beyond ``stop_communities`` and ``legacy_queues``, the names its permissions are
    pinned to."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage_name: str,
        stop_communities: Sequence[str],
        legacy_queues: Sequence[str],
        jobs_block_policy_arns: Sequence[str],
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
            read_parameters_by_path(
                stack, "ReadCommunityDocuments", contract.COMMUNITY_PARAMETER_ROOT
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
        statements += _reach_statements(stack, legacy_queues, jobs_block_policy_arns)
        self.handler = CostFunction(
            self,
            "Handler",
            handler="cost_handlers.enforcement.handler",
            description="Lifts spent-budget launch blocks that no longer apply; stops instances",
            statements=statements,
            wildcard_reason="Actions of this stage's budgets only (budget names carry the "
            "stage's prefix, action IDs are generated); instances are limited to catalog "
            "instances of communities with stop_instances; product roles (generated names "
            "under the product path) may get only the budget-blocked tag; pattern block "
            "policies carry the catalog's fixed name prefix; ec2:DescribeInstances, "
            "iam:ListRoles and batch:DescribeJobQueues support no resource scoping.",
            environment={
                "ACCOUNT_ID": stack.account,
                "COMMUNITIES_PARAMETER_PATH": contract.COMMUNITY_PARAMETER_ROOT,
                "JOBS_BLOCK_POLICIES": stack.to_json_string(list(jobs_block_policy_arns)),
            },
            logs_key=logs_key,
            timeout_minutes=5,
        )
        self.handler.schedule(
            "ReleaseCheck",
            BLOCK_RELEASE_SCHEDULE,
            "Lift launch blocks whose budget is no longer spent",
        )
        # On this stack's deploy too: a deploy that rewrites the jobs block policies (or
        # changes what a block denies) leaves them inert, so every lever of every blocked
        # community is set again at once instead of at the next scheduled check.
        self.handler.custom_resource(
            self,
            "ReleaseOnDeploy",
            resource_type=BUDGET_BLOCK_RELEASE,
            properties={"Scope": "stage", "Reach": _fingerprint(stack)},
        )
        # The topics of the stage's community stacks may invoke the function: one statement
        # per topic name pattern, where one per topic would outgrow the function policy's
        # 20 KB at about 50 communities. CloudFormation names a topic after its stack; a topic
        # moved from the Cost stack of the former layout keeps that stack's name. The function
        # acts only on the topics the community documents list.
        topic_names = {
            "CommunityStopTopics": contract.community_stack_name(stage_name, "*"),
            "MovedStopTopics": f"{contract.PREFIX}-{stage_name}-cost-StopTopic*",
            "MovedBlockTopics": f"{contract.PREFIX}-{stage_name}-cost-BlockTopic*",
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


def _reach_statements(
    stack: Stack, legacy_queues: Sequence[str], jobs_block_policy_arns: Sequence[str]
) -> list[iam.PolicyStatement]:
    """Tag the product roles (the budget-blocked tag only), turn the legacy job queues off and
    on, and rewrite the pattern communities' block policies and the jobs block policies."""
    statements = [
        iam.PolicyStatement(
            sid="FindProductRoles",
            actions=["iam:ListRoles"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="ReadProductRoleTags",
            actions=["iam:ListRoleTags"],
            resources=[product_roles_arn(stack)],
        ),
        iam.PolicyStatement(
            sid="BudgetBlockedTagOnProductRolesOnly",
            actions=["iam:TagRole", "iam:UntagRole"],
            resources=[product_roles_arn(stack)],
            conditions={
                "ForAllValues:StringEquals": {"aws:TagKeys": [contract.BUDGET_BLOCKED_TAG]},
                "Null": {"aws:TagKeys": "false"},
            },
        ),
    ]
    if legacy_queues:
        statements += [
            iam.PolicyStatement(
                sid="ReadJobQueues", actions=["batch:DescribeJobQueues"], resources=["*"]
            ),
            iam.PolicyStatement(
                sid="TurnCommunityQueuesOffAndOn",
                actions=["batch:UpdateJobQueue"],
                resources=[
                    stack.format_arn(
                        service="batch",
                        resource="job-queue",
                        resource_name=contract.job_queue_name(community, spot=spot),
                    )
                    for community in sorted(legacy_queues)
                    for spot in (False, True)
                ],
            ),
        ]
    statements.append(
        iam.PolicyStatement(
            sid="RewriteBlockPolicies",
            actions=[
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:ListPolicyVersions",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicyVersion",
            ],
            resources=[
                # Every pattern community's (fixed names): one ARN each would grow with the
                # stage's communities.
                stack.format_arn(
                    service="iam",
                    region="",
                    resource="policy",
                    resource_name=contract.launch_block_policy_name("*"),
                ),
                *jobs_block_policy_arns,
            ],
        )
    )
    return statements


def _fingerprint(stack: Stack) -> str:
    """Changes when what a block denies changes (token-free, stable)."""
    rules = [
        (s.sid, sorted(s.actions))
        for s in [*launch_block_statements(stack), jobs_block_statement(stack, [])]
    ]
    return hashlib.sha256(json.dumps([rules, JOBS_BLOCK_PATTERNS_PER_POLICY]).encode()).hexdigest()
