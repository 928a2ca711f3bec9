"""The cost functions: one asset (``handler/cost_handlers``), one function per module."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import (
    CustomResource,
    aws_events as events,
    aws_iam as iam,
    aws_kms as kms,
    aws_lambda as lambda_,
)
from constructs import Construct

from catalog_constructs.common.function import CatalogFunction, ControlPlaneReasons

HANDLER_DIRECTORY = Path(__file__).parent / "handler"


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
