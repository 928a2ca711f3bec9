"""The scheduled-job product (products/scheduled_job/): its secret, schedule, limits, roles,
failure alerts and outputs; no compute and no stage-specific value of its own."""

import json
import re
from typing import Any

import pytest

from catalog_constructs import contract
from products.scheduled_job.definition import DEFINITION
from tests.infrastructure.templates import resources
from tests.synth import STAGES, SynthesizedStage, load_example


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products[DEFINITION.key]


def only(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = resources(template, resource_type).values()
    return resource["Properties"]


def test_the_product_owns_no_compute_and_names_no_community_or_stage(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    for stage_name in STAGES:
        template = synthesized[stage_name].products[DEFINITION.key]
        assert not [
            r for r in template["Resources"].values() if r["Type"].startswith("AWS::Batch::")
        ]
        text = json.dumps(template)
        config = load_example(stage_name)
        for name in config.communities:
            assert f'"{name}"' not in text and f"-{name}-" not in text
        assert config.stage.account not in text


def test_secret_has_no_value_and_only_the_job_and_owner_may_read_it(
    product: dict[str, Any],
) -> None:
    secret = only(product, "AWS::SecretsManager::Secret")
    assert secret["SecretString"] == "{}"
    assert secret["KmsKeyId"] == f"{{{{resolve:ssm:{contract.JOBS_KEY_ARN_PARAMETER}}}}}"
    for name, parameter in product["Parameters"].items():
        assert "secret" not in str(parameter.get("Default", "")).lower(), name
    policy = only(product, "AWS::SecretsManager::ResourcePolicy")
    assert policy["BlockPublicPolicy"] is True
    statement, lock = policy["ResourcePolicy"]["Statement"]
    # Policy and key changes only by the jobs launch role (CloudFormation); the owner keeps
    # setting the values.
    assert lock["Effect"] == "Deny" and "secretsmanager:PutResourcePolicy" in lock["Action"]
    assert "secretsmanager:PutSecretValue" not in lock["Action"]
    assert contract.launch_role_name("jobs") in json.dumps(lock["Condition"])
    assert (statement["Effect"], statement["Action"]) == ("Deny", "secretsmanager:GetSecretValue")
    readers = json.dumps(statement["Condition"]["StringNotLike"]["aws:userid"])
    assert "ExecutionRole" in readers and "OwnerAwsUserId" in readers
    (job,) = resources(product, "Custom::BatchJob").values()
    assert job["Properties"]["SecretArn"] == {"Ref": "JobSecrets"}


def test_schedule_state_expression_and_time_zone_come_from_the_form(
    product: dict[str, Any],
) -> None:
    schedule = only(product, "AWS::Scheduler::Schedule")
    assert schedule["State"] == {"Ref": "ScheduleState"}
    assert product["Parameters"]["ScheduleState"]["AllowedValues"] == ["ENABLED", "DISABLED"]
    assert schedule["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "ScheduleTimezone"}
    target = schedule["Target"]
    assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:batch:submitJob"
    assert contract.JOB_SCHEDULER_ROLE_NAME in json.dumps(target["RoleArn"])
    (parts,) = target["Input"]["Fn::Join"][1:]
    rendered = "".join(part if isinstance(part, str) else "<value>" for part in parts)
    assert json.loads(rendered) == {
        "JobName": "scheduled",
        "JobQueue": "<value>",
        "JobDefinition": "<value>",
        "ShareIdentifier": "<value>",
    }
    assert {"Ref": "Job"} in parts
    assert {"Fn::GetAtt": ["Job", "ShareIdentifier"]} in parts


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("TimeoutSeconds", 60, 3600), ("Attempts", 1, 5), ("EphemeralStorageGiB", 21, 200)],
)
def test_limits(product: dict[str, Any], name: str, low: int, high: int) -> None:
    parameter = product["Parameters"][name]
    assert (parameter["Type"], parameter["MinValue"], parameter["MaxValue"]) == (
        "Number",
        low,
        high,
    )
    assert parameter["ConstraintDescription"]
    (job,) = resources(product, "Custom::BatchJob").values()
    assert {"Ref": name} in job["Properties"].values()


def test_sizes_are_exactly_fargates_combinations(product: dict[str, Any]) -> None:
    sizes = product["Parameters"]["JobSize"]["AllowedValues"]
    assert len(sizes) == 74 and "0.25 vCPU, 0.5 GiB" in sizes and "16 vCPU, 120 GiB" in sizes
    assert "0.25 vCPU, 4 GiB" not in sizes


def test_job_role_starts_without_permissions(product: dict[str, Any]) -> None:
    roles = resources(product, "AWS::IAM::Role")
    assert set(roles) == {
        next(k for k in roles if k.startswith(p)) for p in ("JobRole", "ExecutionRole")
    }
    job_role = next(k for k in roles if k.startswith("JobRole"))
    policies = resources(product, "AWS::IAM::Policy")
    assert all({"Ref": job_role} not in p["Properties"]["Roles"] for p in policies.values())
    assert "Policies" not in roles[job_role]["Properties"]
    assert "ManagedPolicyArns" not in roles[job_role]["Properties"]
    for role in roles.values():
        assert role["Properties"]["Path"] == contract.PRODUCT_ROLE_PATH
        assert contract.PRODUCT_ROLE_BOUNDARY_NAME in json.dumps(
            role["Properties"]["PermissionsBoundary"]
        )


def test_failed_runs_reach_the_topic_and_the_owners_email(product: dict[str, Any]) -> None:
    rule = only(product, "AWS::Events::Rule")
    assert rule["EventPattern"]["detail"]["status"] == ["FAILED"]
    assert rule["EventPattern"]["detail-type"] == ["Batch Job State Change"]
    assert rule["Targets"][0]["Arn"] == {"Ref": "AlertTopic"}
    topic = only(product, "AWS::SNS::Topic")
    assert topic["KmsMasterKeyId"] == f"{{{{resolve:ssm:{contract.JOBS_KEY_ARN_PARAMETER}}}}}"
    (subscription,) = resources(product, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == {"Fn::GetAtt": ["Job", "AlertEmail"]}
    assert subscription["Condition"] == "EmailAlerts"


def test_outputs(product: dict[str, Any]) -> None:
    assert {
        "SubmitJobApi",
        "JobSecretsArn",
        "Jobs",
        "JobQueue",
        "JobDefinition",
        "Logs",
        "Documentation",
    } <= set(product["Outputs"])
    assert all(output.get("Description") for output in product["Outputs"].values())


def test_logs_are_kept_after_termination(product: dict[str, Any]) -> None:
    (group,) = resources(product, "AWS::Logs::LogGroup").values()
    assert group["DeletionPolicy"] == "Retain"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize(
    ("parameter", "good", "bad"),
    [
        (
            "ScheduleExpression",
            ["rate(1 day)", "rate(30 minutes)", "rate(12 hours)", "cron(0 7 ? * MON-FRI *)"],
            ["rate(1 days)", "rate(0 minutes)", "rate(5 minute)", "daily", "cron()"],
        ),
        (
            "Image",
            [
                "python:3.12-slim",
                "rocker/r-ver:4.4.1",
                "public.ecr.aws/docker/library/python:3.12-slim",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/tools/aligner:2.1",
                "ghcr.io/org/tool@sha256:" + "a" * 64,
            ],
            ["Python:3", "python 3", "python:", "-python", ""],
        ),
        ("AlertEmail", ["", "none", "lab@example.org"], ["lab", "a@b", "x y@example.org"]),
    ],
)
def test_launch_patterns(
    product: dict[str, Any], parameter: str, good: list[str], bad: list[str]
) -> None:
    pattern = re.compile(product["Parameters"][parameter]["AllowedPattern"])
    assert [value for value in good if not pattern.fullmatch(value)] == []
    assert [value for value in bad if pattern.fullmatch(value)] == []
