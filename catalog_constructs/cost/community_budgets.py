"""A community's budget with its alerts and launch block, and its members' budgets. What the
block denies is in :mod:`catalog_constructs.cost.launch_block`."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack, aws_budgets as budgets, aws_iam as iam, aws_sns as sns
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.cost.notifications import from_this_accounts_budgets
from config.sections.budgets import MemberBudgets, budget_name
from config.sections.communities import Community
from config.sections.stage import StageConfig


def _tag_filter(key: str, values: Sequence[str]) -> list[str]:
    # AWS Budgets' notation for user-defined cost-allocation tags.
    return [f"user:{key}${value}" for value in values]


def _unique(addresses: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.casefold(), address)
    return list(seen.values())


class CommunityBudgets(Construct):
    """A community's budget with its alerts and block action, and its members' budgets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        community: Community,
        stage_name: str,
        stage: StageConfig,
        operators_email: str,
        block_policy: iam.IManagedPolicy,
        block_topic: sns.ITopic | None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        settings = community.budget
        self.budget_name = budget_name(stage_name, name)
        self.amount_usd = settings.amount_usd
        recipients = community.budget_recipients()
        block = settings.block_launches_at

        notifications = []
        for kind, threshold in settings.notification_thresholds():
            subscribers = [
                budgets.CfnBudget.SubscriberProperty(address=address, subscription_type="EMAIL")
                for address in recipients
            ]
            # The enforcement function hears the block threshold there, to extend the block
            # at once beyond what Budgets attaches (and to stop instances).
            if block_topic is not None and (kind, threshold) == ("ACTUAL", block):
                subscribers.append(
                    budgets.CfnBudget.SubscriberProperty(
                        address=block_topic.topic_arn, subscription_type="SNS"
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
                stage=stage,
                threshold=block,
                block_policy=block_policy,
                subscribers=_unique([*recipients, operators_email]),
            )

        if settings.member_budgets is not None:
            self._member_budgets(name, community, stage_name, stage, settings.member_budgets)

    def _member_budgets(
        self,
        name: str,
        community: Community,
        stage_name: str,
        stage: StageConfig,
        members: MemberBudgets,
    ) -> None:
        region = Stack.of(self).region
        for member in members.members:
            budgets.CfnBudget(
                self,
                # Keyed by member, not position: removing a member must not rename the others'
                # budgets (a named budget cannot be replaced in place).
                f"Member-{member}",
                budget=_budget_data(
                    budget_name(stage_name, name, member),
                    amount=members.amount_for(member),
                    period=members.period,
                    # The member's sessions in this community's roles only: a member budget
                    # cannot watch another community's role (or a namesake elsewhere).
                    tag_filter=_tag_filter(
                        contract.OWNER_PRINCIPAL_TAG,
                        community.member_principal_arns(member, stage.account, stage.partition),
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
        stage: StageConfig,
        threshold: int,
        block_policy: iam.IManagedPolicy,
        subscribers: list[str],
    ) -> budgets.CfnBudgetsAction:
        stack = Stack.of(self)
        role_arns = community.role_arns_in(stage.account, stage.partition)
        execution_role = iam.Role(
            self,
            "BlockExecutionRole",
            assumed_by=iam.ServicePrincipal(
                "budgets.amazonaws.com",
                conditions=from_this_accounts_budgets(stack),
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
