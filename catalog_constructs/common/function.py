"""The catalog's own Lambda functions: one shape for every shared handler."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import (
    RemovalPolicy,
    aws_iam as iam,
    aws_kms as kms,
    aws_lambda as lambda_,
    aws_logs as logs,
)
from constructs import Construct

from catalog_constructs.common.nag import acknowledge, acknowledge_wildcard_resources


@dataclass(frozen=True, kw_only=True)
class ControlPlaneReasons:
    """Why a function runs outside the VPC, without a dead-letter queue and without reserved
    concurrency: the three HIPAA/NIST findings every catalog function is acknowledged for."""

    outside_vpc: str
    no_dead_letter_queue: str
    no_reserved_concurrency: str


class CatalogFunction(Construct):
    """A Python function on arm64 with the newest runtime, its own KMS-encrypted log group
    (one year, retained), and its own role whose managed policy starts with writing those logs.

    The function is the L1 resource on purpose: the L2 Function adds a DependsOn on its role
    next to the GetAtt of the role's ARN, which cfn-lint reports as redundant (W3005).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code_directory: Path,
        handler: str,
        description: str,
        role_description: str,
        policy_description: str,
        logs_key: kms.IKey,
        reasons: ControlPlaneReasons,
        timeout_seconds: int,
        function_name: str | None = None,
        environment: Mapping[str, str] | None = None,
        statements: Sequence[iam.PolicyStatement] = (),
        wildcard_reason: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=logs_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=role_description,
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            statements=[
                iam.PolicyStatement(
                    sid="WriteOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                ),
                *statements,
            ],
            roles=[self.role],
            description=policy_description,
        )
        if statements:
            acknowledge_wildcard_resources(self.policy, statements, wildcard_reason or "")
        code = lambda_.Code.from_asset(str(code_directory), exclude=["__pycache__", "*.pyc"]).bind(
            self
        )
        assert code.s3_location is not None
        self.function = lambda_.CfnFunction(
            self,
            "Function",
            function_name=function_name,
            description=description,
            runtime=lambda_.Runtime.PYTHON_3_14.name,
            architectures=[lambda_.Architecture.ARM_64.name],
            handler=handler,
            code=lambda_.CfnFunction.CodeProperty(
                s3_bucket=code.s3_location.bucket_name, s3_key=code.s3_location.object_key
            ),
            timeout=timeout_seconds,
            memory_size=256,
            role=self.role.role_arn,
            logging_config=lambda_.CfnFunction.LoggingConfigProperty(
                log_group=self.log_group.log_group_name, log_format="JSON"
            ),
            environment=(
                lambda_.CfnFunction.EnvironmentProperty(variables=dict(environment))
                if environment is not None
                else None
            ),
        )
        acknowledge(
            self.function,
            ["HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC"],
            reasons.outside_vpc,
        )
        acknowledge(
            self.function,
            ["HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ"],
            reasons.no_dead_letter_queue,
        )
        acknowledge(
            self.function,
            ["HIPAA.Security-LambdaConcurrency", "NIST.800.53.R5-LambdaConcurrency"],
            reasons.no_reserved_concurrency,
        )

    def grant(self, statements: Sequence[iam.PolicyStatement], wildcard_reason: str) -> None:
        """Permissions known only after the function exists (they name other resources)."""
        self.policy.add_statements(*statements)
        acknowledge_wildcard_resources(self.policy, statements, wildcard_reason)
