"""Cost governance of a stage: budgets per community (and member), the launch block at the
limit, cost-allocation tag activation, and the weekly report to community managers.

Everything here runs in the stage's own stack and reads only the stage configuration; product
templates are untouched: the budgets watch the tags every product already applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import (
    CustomResource,
    Stack,
    aws_budgets as budgets,
    aws_events as events,
    aws_iam as iam,
    aws_kms as kms,
    aws_lambda as lambda_,
    aws_sns as sns,
    aws_sns_subscriptions as subscriptions,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.portfolio import COST_CENTER_KEY
from catalog_constructs.common.encryption import catalog_key
from catalog_constructs.common.function import CatalogFunction, ControlPlaneReasons
from config.models import CatalogConfig
from config.sections.budgets import MemberBudgets
from config.sections.communities import Community

HANDLER_DIRECTORY = Path(__file__).parent / "handler"

# Activated as cost-allocation tags: what budgets filter on and reports group by.
COST_ALLOCATION_TAG_KEYS = (
    contract.COMMUNITY_TAG,
    contract.OWNER_TAG,
    contract.OWNER_EMAIL_TAG,
    COST_CENTER_KEY,
    contract.PRODUCT_TAG,
    contract.OWNER_PRINCIPAL_TAG,
)

# What a blocked community can no longer do. An update can raise cost as easily as lower it
# (instance type, disk size) and IAM cannot tell the two apart; stopping (a self-service
# action) and terminating reduce cost and stay allowed.
BLOCKED_ACTIONS = ("servicecatalog:ProvisionProduct", "servicecatalog:UpdateProvisionedProduct")

WEEKLY_REPORT_SCHEDULE = "cron(0 6 ? * MON *)"  # Mondays 06:00 UTC
TAG_RETRY_SCHEDULE = "cron(0 5 * * ? *)"  # daily 05:00 UTC
# Budgets refreshes spending about three times a day; a freed community waits at most this.
BLOCK_RELEASE_SCHEDULE = "rate(3 hours)"


def _tag_filter(key: str, values: Sequence[str]) -> list[str]:
    # AWS Budgets' notation for user-defined cost-allocation tags.
    return [f"user:{key}${value}" for value in values]


def _unique(addresses: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.casefold(), address)
    return list(seen.values())


class NotificationsKey(Construct):
    """The key of the cost topics. AWS Budgets can publish only to topics encrypted with a
    customer-managed key whose policy lets it use the key."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = catalog_key(
            self,
            "Key",
            description="Research catalog: budget notifications and cost reports (SNS)",
            holds_data=False,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="BudgetsPublishesToCostTopics",
                principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )

    def topic(self, scope: Construct, construct_id: str, *, display_name: str) -> sns.Topic:
        return sns.Topic(
            scope,
            construct_id,
            display_name=display_name[:100],
            master_key=self.key,
            enforce_ssl=True,
        )


def _from_this_accounts_budgets(stack: Stack) -> dict[str, dict[str, str]]:
    # Confused-deputy protection as AWS Budgets documents it: the source ARN must be given as
    # budget/* (https://docs.aws.amazon.com/cost-management/latest/userguide/
    # cross-service-confused-deputy-prevention.html).
    return {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:budgets::{stack.account}:budget/*"},
    }


def allow_budgets_to_publish(topic: sns.Topic) -> None:
    stack = Stack.of(topic)
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="BudgetsOfThisAccount",
            principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions=_from_this_accounts_budgets(stack),
        )
    )


class CostFunction(CatalogFunction):
    """One function of the cost handlers' asset, with its log group and least-privilege role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        statements: list[iam.PolicyStatement],
        wildcard_reason: str,
        environment: Mapping[str, str],
        logs_key: kms.IKey,
        timeout_minutes: int = 1,
        async_retries: int | None = None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            code_directory=HANDLER_DIRECTORY,
            handler=handler,
            description=description,
            role_description=description,
            policy_description=description,
            logs_key=logs_key,
            timeout_seconds=timeout_minutes * 60,
            environment=environment,
            statements=statements,
            wildcard_reason=wildcard_reason,
            reasons=ControlPlaneReasons(
                outside_vpc="It calls only AWS billing and control-plane APIs (Cost Explorer and "
                "Budgets have no VPC endpoint) and touches no research data.",
                no_dead_letter_queue="Invocations are CloudFormation requests (answered with the "
                "outcome), schedules that repeat on their own, or SNS deliveries Lambda retries; "
                "every failure is logged and counted in the function's Errors metric.",
                no_reserved_concurrency="Reserved concurrency would fail to deploy in accounts "
                "with the default quota of 10 and is not needed: a few invocations a day.",
            ),
        )
        if async_retries is not None:
            lambda_.CfnEventInvokeConfig(
                self,
                "AsyncRetries",
                function_name=self.function.ref,
                qualifier="$LATEST",
                maximum_retry_attempts=async_retries,
            )

    def schedule(self, construct_id: str, expression: str, description: str) -> None:
        rule = events.CfnRule(
            self,
            construct_id,
            description=description,
            schedule_expression=expression,
            targets=[events.CfnRule.TargetProperty(arn=self.function.attr_arn, id="Function")],
        )
        lambda_.CfnPermission(
            self,
            f"{construct_id}Permission",
            action="lambda:InvokeFunction",
            function_name=self.function.attr_arn,
            principal="events.amazonaws.com",
            source_arn=rule.attr_arn,
        )

    def custom_resource(
        self, scope: Construct, construct_id: str, *, resource_type: str, properties: dict
    ) -> CustomResource:
        resource = CustomResource(
            scope,
            construct_id,
            service_token=self.function.attr_arn,
            resource_type=resource_type,
            properties=properties,
        )
        # The function must hold its permissions before CloudFormation calls it.
        resource.node.add_dependency(self.policy)
        return resource


class LaunchBlockPolicy(Construct):
    """The deny policy AWS Budgets attaches to a community's roles when its budget is spent."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=(
                "Research catalog: attached by AWS Budgets to a community whose budget is spent; "
                "no new launches or updates until the next period or a higher budget"
            ),
            statements=[
                iam.PolicyStatement(
                    sid="BudgetSpentNoNewLaunches",
                    effect=iam.Effect.DENY,
                    actions=list(BLOCKED_ACTIONS),
                    # Every product of the account: a spent budget is spent whatever is launched.
                    resources=["*"],
                )
            ],
        )


class CommunityBudgets(Construct):
    """A community's budget with its alerts and block action, and its members' budgets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        community: Community,
        config: CatalogConfig,
        block_policy: iam.IManagedPolicy,
        stop_topic: sns.ITopic | None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        settings = community.budget
        self.budget_name = config.budget_name(name)
        self.amount_usd = settings.amount_usd
        recipients = community.budget_recipients()
        block = settings.block_launches_at

        notifications = []
        for kind, threshold in settings.notification_thresholds():
            subscribers = [
                budgets.CfnBudget.SubscriberProperty(address=address, subscription_type="EMAIL")
                for address in recipients
            ]
            if stop_topic is not None and (kind, threshold) == ("ACTUAL", block):
                subscribers.append(
                    budgets.CfnBudget.SubscriberProperty(
                        address=stop_topic.topic_arn, subscription_type="SNS"
                    )
                )
            notifications.append(_notification(kind, threshold, subscribers))
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=_budget_data(
                self.budget_name,
                amount=settings.amount_usd,
                period=settings.period,
                tag_filter=_tag_filter(contract.COMMUNITY_TAG, [name]),
                region=stack.region,
            ),
            notifications_with_subscribers=notifications,
        )

        self.block_action: budgets.CfnBudgetsAction | None = None
        if block is not None:
            self.block_action = self._block_action(
                name=name,
                community=community,
                config=config,
                threshold=block,
                block_policy=block_policy,
                subscribers=_unique([*recipients, config.operators.notification_email]),
            )

        if settings.member_budgets is not None:
            self._member_budgets(name, community, config, settings.member_budgets)

    def _member_budgets(
        self, name: str, community: Community, config: CatalogConfig, members: MemberBudgets
    ) -> None:
        region = Stack.of(self).region
        for member in members.members:
            budgets.CfnBudget(
                self,
                # Keyed by member, not position: removing a member must not rename the others'
                # budgets (a named budget cannot be replaced in place).
                f"Member-{member}",
                budget=_budget_data(
                    config.budget_name(name, member),
                    amount=members.amount_for(member),
                    period=members.period,
                    # The member's sessions in this community's roles only: a member budget
                    # cannot watch another community's role (or a namesake elsewhere).
                    tag_filter=_tag_filter(
                        contract.OWNER_PRINCIPAL_TAG, config.member_principal_arns(name, member)
                    ),
                    region=region,
                ),
                notifications_with_subscribers=[
                    _notification(
                        kind,
                        threshold,
                        [
                            budgets.CfnBudget.SubscriberProperty(
                                address=address, subscription_type="EMAIL"
                            )
                            for address in community.member_alert_recipients(member, threshold)
                        ],
                    )
                    for kind, thresholds in (
                        ("ACTUAL", members.alerts.actual),
                        ("FORECASTED", members.alerts.forecasted),
                    )
                    for threshold in sorted(thresholds)
                ],
            )

    def _block_action(
        self,
        *,
        name: str,
        community: Community,
        config: CatalogConfig,
        threshold: int,
        block_policy: iam.IManagedPolicy,
        subscribers: list[str],
    ) -> budgets.CfnBudgetsAction:
        stack = Stack.of(self)
        role_arns = community.role_arns_in(config.stage.account, config.stage.partition)
        execution_role = iam.Role(
            self,
            "BlockExecutionRole",
            assumed_by=iam.ServicePrincipal(
                "budgets.amazonaws.com",
                conditions=_from_this_accounts_budgets(stack),
            ),
            description=f"AWS Budgets: attaches and detaches the launch block of {name}",
        )
        execution_policy = iam.ManagedPolicy(
            self,
            "BlockExecutionPolicy",
            roles=[execution_role],
            description=f"Attach or detach the launch block, on the roles of {name} only",
            statements=[
                iam.PolicyStatement(
                    sid="LaunchBlockOnCommunityRolesOnly",
                    actions=["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                    resources=role_arns,
                    conditions={"ArnEquals": {"iam:PolicyARN": block_policy.managed_policy_arn}},
                )
            ],
        )
        action = budgets.CfnBudgetsAction(
            self,
            "BlockLaunches",
            budget_name=self.budget.ref,
            notification_type="ACTUAL",
            action_type="APPLY_IAM_POLICY",
            action_threshold=budgets.CfnBudgetsAction.ActionThresholdProperty(
                type="PERCENTAGE", value=threshold
            ),
            approval_model="AUTOMATIC",
            execution_role_arn=execution_role.role_arn,
            definition=budgets.CfnBudgetsAction.DefinitionProperty(
                iam_action_definition=budgets.CfnBudgetsAction.IamActionDefinitionProperty(
                    policy_arn=block_policy.managed_policy_arn,
                    roles=community.role_names_resolved(),
                )
            ),
            subscribers=[
                budgets.CfnBudgetsAction.SubscriberProperty(address=address, type="EMAIL")
                for address in subscribers
            ],
        )
        # The role must hold its permissions before Budgets can ever run the action.
        action.node.add_dependency(execution_policy)
        return action


def _budget_data(
    budget_name: str, *, amount: float, period: str, tag_filter: list[str], region: str
) -> budgets.CfnBudget.BudgetDataProperty:
    return budgets.CfnBudget.BudgetDataProperty(
        budget_name=budget_name,
        budget_type="COST",
        time_unit=period,
        budget_limit=budgets.CfnBudget.SpendProperty(amount=amount, unit="USD"),
        # Tags of the catalog's products, in the stage's region: another stage of the account
        # (another region) has its own budgets.
        cost_filters={"TagKeyValue": tag_filter, "Region": [region]},
        # Research credits would hide real spending until they run out.
        cost_types=budgets.CfnBudget.CostTypesProperty(include_credit=False, include_refund=False),
    )


def _notification(
    kind: str, threshold: int, subscribers: list[budgets.CfnBudget.SubscriberProperty]
) -> budgets.CfnBudget.NotificationWithSubscribersProperty:
    return budgets.CfnBudget.NotificationWithSubscribersProperty(
        notification=budgets.CfnBudget.NotificationProperty(
            notification_type=kind,
            comparison_operator="GREATER_THAN",
            threshold=threshold,
            threshold_type="PERCENTAGE",
        ),
        subscribers=subscribers,
    )


class CostAllocationTags(Construct):
    """``Custom::CostAllocationTags``: activates the catalog's tag keys, on deploy and daily
    until AWS accepts them all (keys appear in billing data up to a day after first use)."""

    def __init__(self, scope: Construct, construct_id: str, *, logs_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        tag_keys = list(COST_ALLOCATION_TAG_KEYS)
        statements = [
            iam.PolicyStatement(
                sid="ActivateCostAllocationTags",
                actions=["ce:UpdateCostAllocationTagsStatus"],
                resources=["*"],
            )
        ]
        self.handler = CostFunction(
            self,
            "Handler",
            handler="cost_handlers.tags.handler",
            description="Activates the catalog's cost-allocation tags",
            statements=statements,
            wildcard_reason="ce:UpdateCostAllocationTagsStatus supports no resource scoping.",
            environment={"TAG_KEYS": Stack.of(self).to_json_string(tag_keys)},
            logs_key=logs_key,
        )
        self.handler.schedule(
            "DailyRetry", TAG_RETRY_SCHEDULE, "Retry activating the catalog's cost-allocation tags"
        )
        self.resource = self.handler.custom_resource(
            self,
            "Resource",
            resource_type="Custom::CostAllocationTags",
            properties={"TagKeys": tag_keys},
        )


class BudgetEnforcement(Construct):
    """Lifts launch blocks whose reason is gone (on deploy and on a schedule) and stops the
    instances of communities with ``stop_instances`` when their block threshold is crossed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        block_budgets: Mapping[str, CommunityBudgets],
        stop_topics: Mapping[str, sns.ITopic],
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        budget_arns = [
            stack.format_arn(
                service="budgets", region="", resource="budget", resource_name=b.budget_name
            )
            for b in block_budgets.values()
        ]
        statements = [
            iam.PolicyStatement(
                sid="ReadAndReverseBlockActions",
                actions=[
                    "budgets:ViewBudget",
                    "budgets:DescribeBudgetActionsForBudget",
                    "budgets:ExecuteBudgetAction",
                ],
                resources=[*budget_arns, *(f"{arn}/action/*" for arn in budget_arns)],
            )
        ]
        if stop_topics:
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
                            f"aws:ResourceTag/{contract.COMMUNITY_TAG}": sorted(stop_topics)
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
            wildcard_reason="Actions of this stage's budgets only (action IDs are generated); "
            "instances are limited to catalog instances of communities with stop_instances; "
            "ec2:DescribeInstances supports no resource scoping.",
            environment={
                "ACCOUNT_ID": stack.account,
                "BLOCK_BUDGETS": stack.to_json_string(
                    sorted(b.budget_name for b in block_budgets.values())
                ),
                "STOP_TOPICS": stack.to_json_string(
                    {topic.topic_arn: name for name, topic in stop_topics.items()}
                ),
            },
            logs_key=logs_key,
            timeout_minutes=5,
        )
        self.handler.schedule(
            "ReleaseCheck",
            BLOCK_RELEASE_SCHEDULE,
            "Lift launch blocks whose budget is no longer spent",
        )
        # On every deploy, so that raising a budget in the config lifts its block right away.
        release = self.handler.custom_resource(
            self,
            "ReleaseOnDeploy",
            resource_type="Custom::BudgetBlockRelease",
            properties={"Budgets": {name: str(b.amount_usd) for name, b in block_budgets.items()}},
        )
        for community_budgets in block_budgets.values():
            if community_budgets.block_action is not None:
                release.node.add_dependency(community_budgets.block_action)
        for name, topic in stop_topics.items():
            sns.CfnSubscription(
                self,
                f"Stop-{name}",
                protocol="lambda",
                endpoint=self.handler.function.attr_arn,
                topic_arn=topic.topic_arn,
            )
            lambda_.CfnPermission(
                self,
                f"Stop-{name}-Permission",
                action="lambda:InvokeFunction",
                function_name=self.handler.function.attr_arn,
                principal="sns.amazonaws.com",
                source_arn=topic.topic_arn,
            )


class WeeklyCostReport(Construct):
    """Every Monday, each community manager (and the extra recipients) receives the community's
    spending per owner and product and its longest-running instances, by email through the
    community's report topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        notifications: NotificationsKey,
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.topics: dict[str, sns.Topic] = {}
        for name, community in config.communities.items():
            topic = notifications.topic(
                self, f"Topic-{name}", display_name=f"{community.display_name} cost report"
            )
            for address in community.budget_recipients():
                topic.add_subscription(subscriptions.EmailSubscription(address))
            self.topics[name] = topic
        statements = [
            iam.PolicyStatement(
                sid="ReadCosts",
                actions=["ce:GetCostAndUsage", "ce:ListCostAllocationTags"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="FindRunningInstances", actions=["ec2:DescribeInstances"], resources=["*"]
            ),
            iam.PolicyStatement(
                sid="PublishReports",
                actions=["sns:Publish"],
                resources=[topic.topic_arn for topic in self.topics.values()],
            ),
            iam.PolicyStatement(
                sid="EncryptReports",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[notifications.key.key_arn],
            ),
        ]
        self.handler = CostFunction(
            self,
            "Handler",
            handler="cost_handlers.report.handler",
            description="Weekly cost report of each community to its manager",
            statements=statements,
            wildcard_reason="Cost Explorer reads and ec2:DescribeInstances support no resource "
            "scoping.",
            environment={
                "REPORT_REGION": stack.region,
                "TAG_KEYS": stack.to_json_string(list(COST_ALLOCATION_TAG_KEYS)),
                "COMMUNITIES": stack.to_json_string(
                    {
                        name: {
                            "display_name": community.display_name,
                            "topic_arn": self.topics[name].topic_arn,
                            "budget_usd": community.budget.amount_usd,
                            "period": community.budget.period,
                        }
                        for name, community in config.communities.items()
                    }
                ),
            },
            logs_key=logs_key,
            timeout_minutes=5,
            # A retried run would mail again the communities that had received their report.
            async_retries=0,
        )
        self.handler.schedule("Weekly", WEEKLY_REPORT_SCHEDULE, "Weekly community cost reports")
