"""The delivery pipeline: one commit goes to each stage in order, is smoke-tested there, and
reaches the next stage only after that (and a manual approval where configured)."""

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import (
    Duration,
    Stack,
    aws_codebuild as codebuild,
    aws_codepipeline as codepipeline,
    aws_iam as iam,
    aws_s3 as s3,
    pipelines,
)
from constructs import Construct

from catalog_constructs.common.nag import acknowledge, render_finding_resource
from config.models import CatalogConfig
from config.sections.delivery import DeliveryConfig
from stacks.stage import CatalogStage, CommunitiesStage

# Ubuntu 24.04 with Python, npm and make: what `make install` needs, as on a developer machine.
# The make targets run the CDK CLI on the Node.js 24 package-lock.json pins; the steps CDK
# Pipelines generates (self-mutation, asset publishing) install the CLI globally and run it on
# the image's Node.js, chosen here as a supported LTS rather than the image's default.
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_8_0
RUNTIME_VERSIONS = {"nodejs": "22", "python": "3.12"}
SYNTH_COMMANDS = ("make test", "make synth-pipeline")
# Two actions per stack (change set, execute) and at most 50 actions per CodePipeline stage.
COMMUNITIES_PER_WAVE = 25


class PipelineStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        delivery: DeliveryConfig,
        stage_configs: Sequence[CatalogConfig],
        cli_version: str,
        stage_placeholders: Mapping[str, Sequence[str]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        source = pipelines.CodePipelineSource.connection(
            delivery.repository, delivery.branch, connection_arn=delivery.connection_arn
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=delivery.pipeline_name,
            pipeline_type=codepipeline.PipelineType.V2,
            # Stages live in other accounts: artifacts are encrypted with a KMS key they can use.
            cross_account_keys=True,
            enable_key_rotation=True,
            self_mutation=True,
            cli_version=cli_version,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE),
                partial_build_spec=codebuild.BuildSpec.from_object(
                    {"phases": {"install": {"runtime-versions": RUNTIME_VERSIONS}}}
                ),
            ),
            synth=pipelines.ShellStep(
                "Synth",
                input=source,
                # The same entry points developers use: uv.lock and package-lock.json decide
                # the Python environment and the CDK CLI.
                install_commands=["make install"],
                commands=list(SYNTH_COMMANDS),
                primary_output_directory="cdk.out",
            ),
        )

        self.stages: list[CatalogStage] = []
        self.community_waves: dict[str, list[CommunitiesStage]] = {}
        for config in stage_configs:
            placeholders = (stage_placeholders or {}).get(config.stage_name, ())
            stage = CatalogStage(
                self,
                config.stage_name.capitalize(),
                config=config,
                placeholders=placeholders,
            )
            self.stages.append(stage)
            smoke_role_arn = (
                f"arn:{config.stage.partition}:iam::{config.stage.account}:role/"
                f"{delivery.smoke_test.role_name}"
            )
            pre: list[pipelines.Step] = []
            if config.stage_name in delivery.approval_before:
                pre.append(
                    pipelines.ManualApprovalStep(
                        f"Approve-{config.stage_name}",
                        comment=(
                            f"Promote this commit to {config.stage_name}: the previous stage "
                            "deployed it and passed its smoke test."
                        ),
                    )
                )
            # CodePipeline allows 50 actions per stage and CDK Pipelines gives each stack two
            # (prepare, deploy): community stacks follow in waves of COMMUNITIES_PER_WAVE.
            names = list(config.communities)
            waves = [
                CommunitiesStage(
                    self,
                    f"{config.stage_name.capitalize()}Communities{index + 1}",
                    config=config,
                    names=names[start : start + COMMUNITIES_PER_WAVE],
                    placeholders=placeholders,
                )
                for index, start in enumerate(range(0, len(names), COMMUNITIES_PER_WAVE))
            ]
            smoke = pipelines.CodeBuildStep(
                f"SmokeTest-{config.stage_name}",
                input=source,
                install_commands=["make install"],
                commands=[f"make smoke STAGE={config.stage_name} SMOKE_ROLE_ARN={smoke_role_arn}"],
                # Launches run in parallel; then terminations, each with its limit.
                timeout=Duration.minutes(2 * delivery.smoke_test.timeout_minutes + 20),
                role_policy_statements=[
                    iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[smoke_role_arn])
                ],
            )
            self.pipeline.add_stage(stage, pre=pre, post=[] if waves else [smoke])
            for index, wave in enumerate(waves):
                self.pipeline.add_stage(wave, post=[smoke] if index == len(waves) - 1 else [])
            self.community_waves[config.stage_name] = waves

        self.pipeline.build_pipeline()
        self._acknowledge_generated_findings()
        self._satisfy_cfn_lint()

    def _satisfy_cfn_lint(self) -> None:
        """Two details of the generated pipeline that cfn-lint flags (no rule is ignored)."""
        cfn_pipeline = self.pipeline.pipeline.node.default_child
        assert isinstance(cfn_pipeline, codepipeline.CfnPipeline)
        # W3005: the role's DependsOn next to a GetAtt of its ARN; the policy one is needed.
        policy = self.pipeline.pipeline.role.node.find_child("DefaultPolicy").node.default_child
        assert isinstance(policy, iam.CfnPolicy)
        cfn_pipeline.add_override("DependsOn", [policy.logical_id])
        # E3703: action role ARNs as Fn::Join with an empty delimiter; Fn::Sub says the same.
        for stage_index, stage in enumerate(self.resolve(cfn_pipeline.stages)):
            # Resolving the L1 property gives its camelCase (jsii) keys.
            for action_index, action in enumerate(stage["actions"]):
                role_arn = (action.get("configuration") or {}).get("RoleArn")
                if isinstance(role_arn, dict) and "Fn::Join" in role_arn:
                    cfn_pipeline.add_property_override(
                        f"Stages.{stage_index}.Actions.{action_index}.Configuration.RoleArn",
                        {"Fn::Sub": _join_as_sub(role_arn)},
                    )

    def _acknowledge_generated_findings(self) -> None:
        """Findings on resources CDK Pipelines generates (roles, artifact bucket, projects)."""
        for construct in self.pipeline.node.find_all():
            if isinstance(construct, iam.Policy):
                acknowledge(
                    construct,
                    sorted(_wildcard_findings(self.resolve(construct.document.to_json()))),
                    "Generated by CDK Pipelines for its own roles: wildcards are limited to the "
                    "pipeline's artifact bucket and key, its CodeBuild projects' log groups and "
                    "report groups, and the CDK bootstrap roles the self-mutation and asset "
                    "steps assume; object-level S3 and KMS actions have no narrower form.",
                )
                acknowledge(
                    construct,
                    ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
                    "CDK Pipelines attaches each step role's policy inline; it lives and dies "
                    "with its role and is not reusable.",
                )
            elif isinstance(construct, s3.CfnBucket):
                acknowledge(
                    construct,
                    [
                        "AwsSolutions-S1",
                        "HIPAA.Security-S3BucketLoggingEnabled",
                        "HIPAA.Security-S3BucketReplicationEnabled",
                        "HIPAA.Security-S3BucketVersioningEnabled",
                        "NIST.800.53.R5-S3BucketLoggingEnabled",
                        "NIST.800.53.R5-S3BucketReplicationEnabled",
                        "NIST.800.53.R5-S3BucketVersioningEnabled",
                    ],
                    "The pipeline's artifact bucket holds transient build outputs, reproducible "
                    "from the repository; it is KMS-encrypted, TLS-only and blocks public "
                    "access. CloudTrail records who reads it.",
                )
            elif isinstance(construct, codebuild.CfnProject):
                acknowledge(
                    construct,
                    ["HIPAA.Security-CodeBuildProjectSourceRepoUrl"],
                    "The projects take their source from the pipeline's artifacts (via the "
                    "CodeConnections connection), never from a repository URL with credentials.",
                )


def _join_as_sub(value: dict[str, Any]) -> str:
    separator, parts = value["Fn::Join"]
    assert separator == "", value
    return "".join(part if isinstance(part, str) else "${" + part["Ref"] + "}" for part in parts)


def _wildcard_findings(document: Any) -> set[str]:
    """The AwsSolutions-IAM5 finding ids of every wildcard action and resource in a policy."""
    findings: set[str] = set()
    for statement in document.get("Statement", []):
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        for action in [actions] if isinstance(actions, str) else actions:
            if "*" in action:
                findings.add(f"AwsSolutions-IAM5[Action::{action}]")
        for resource in [resources] if isinstance(resources, str | dict) else resources:
            rendered = render_finding_resource(resource)
            if "*" in rendered:
                findings.add(f"AwsSolutions-IAM5[Resource::{rendered}]")
    return findings
