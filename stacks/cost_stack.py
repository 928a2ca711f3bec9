"""Cost governance of one stage: the launch-block policy, the notifications key, tag activation,
the enforcement function and the weekly reports.

A stack of its own: budgets and their enforcement change with each community's money, not with
its portfolio, and deploy (or roll back) without touching the catalog. Each community's budgets
and topics are in its own stack (stacks/community_stack.py), which reads what it needs from
here through SSM parameters.
"""

from aws_cdk import Stack, aws_ssm as ssm
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.cost.allocation_tags import CostAllocationTags
from catalog_constructs.cost.enforcement import BudgetEnforcement
from catalog_constructs.cost.launch_block import JobsBlockPolicy, LaunchBlockPolicy
from catalog_constructs.cost.notifications import NotificationsKey
from catalog_constructs.cost.report import WeeklyCostReport
from catalog_constructs.shared.resources import SharedResources
from config.models import CatalogConfig


class CostStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        shared: SharedResources,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        notifications = NotificationsKey(self, "Notifications")
        block = LaunchBlockPolicy(self, "LaunchBlock")
        CostAllocationTags(self, "CostAllocationTags", logs_key=shared.logs_key)
        # The job scheduler role (Shared stack) submits every community's schedules.
        jobs_block = JobsBlockPolicy(self, "JobsBlock")
        enforcement = BudgetEnforcement(
            self,
            "Enforcement",
            stage_name=config.stage_name,
            stop_communities=[
                name for name, c in config.communities.items() if c.budget.stop_instances
            ],
            legacy_queues=config.jobs.legacy_queues,
            jobs_block_policy_arns=[p.managed_policy_arn for p in jobs_block.policies],
            logs_key=shared.logs_key,
        )
        report = WeeklyCostReport(
            self, "WeeklyReport", notifications=notifications, logs_key=shared.logs_key
        )
        for construct_id_, name, value in (
            (
                "LaunchBlockParameter",
                contract.LAUNCH_BLOCK_POLICY_PARAMETER,
                block.policy.managed_policy_arn,
            ),
            (
                "NotificationsKeyParameter",
                contract.NOTIFICATIONS_KEY_PARAMETER,
                notifications.key.key_arn,
            ),
            (
                "EnforcementParameter",
                contract.BUDGET_ENFORCEMENT_FUNCTION_PARAMETER,
                enforcement.handler.function.attr_arn,
            ),
            (
                "ReportRoleParameter",
                contract.COST_REPORT_ROLE_PARAMETER,
                report.handler.role.role_arn,
            ),
        ):
            ssm.StringParameter(
                self,
                construct_id_,
                parameter_name=name,
                string_value=value,
                description="Read by research-catalog community stacks",
            )
