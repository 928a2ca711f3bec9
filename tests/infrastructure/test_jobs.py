"""The scheduled-job product and the shared Batch compute, queues and submit API it runs on."""

import json
import re
from typing import Any

import pytest

from catalog_constructs import contract
from config.loader import load_config
from products.registry import JOBS_PRODUCT_KEY
from tests.conftest import STAGES, SynthesizedStage
from tests.infrastructure.test_security import resources


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products[JOBS_PRODUCT_KEY]


def only(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = resources(template, resource_type).values()
    return resource["Properties"]


# --- authenticated trigger -------------------------------------------------------------------


def test_no_api_method_without_iam_authorization(stage: SynthesizedStage) -> None:
    methods = {
        (name, logical_id): method["Properties"]
        for name, template in stage.all_templates().items()
        for logical_id, method in resources(template, "AWS::ApiGateway::Method").items()
    }
    assert methods
    assert {key: m.get("AuthorizationType") for key, m in methods.items()} == {
        key: "AWS_IAM" for key in methods
    }


def test_submit_api_calls_batch_with_the_callers_own_credentials(stage: SynthesizedStage) -> None:
    shared = stage.stacks["Shared"]
    (method,) = (
        m["Properties"]
        for m in resources(shared, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST"
    )
    integration = method["Integration"]
    assert integration["Type"] == "AWS"
    assert integration["Credentials"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::*:user/*"]]
    }
    assert ":batch:path/v1/submitjob" in json.dumps(integration["Uri"])
    assert integration["PassthroughBehavior"] == "NEVER"
    template = integration["RequestTemplates"]["application/json"]
    # The revision must reach Batch, or it would not evaluate the owner tag.
    assert '"jobDefinition": "$name:$util.escapeJavaScript($path.get(\'revision\'))"' in template
    assert '"shareIdentifier": "$name"' in template
    assert set(method["RequestParameters"]) == {
        "method.request.path.queue",
        "method.request.path.name",
        "method.request.path.revision",
    }


def test_submit_api_is_throttled_logged_and_limited_to_the_account(
    stage: SynthesizedStage,
) -> None:
    shared = stage.stacks["Shared"]
    stage_properties = only(shared, "AWS::ApiGateway::Stage")
    (settings,) = stage_properties["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert stage_properties["AccessLogSetting"]["DestinationArn"]
    (statement,) = only(shared, "AWS::ApiGateway::RestApi")["Policy"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "execute-api:Invoke")
    principal = json.dumps(statement["Principal"])
    assert f":iam::{load_config(stage.stage).stage.account}:root" in principal


def test_owners_may_submit_only_their_own_job_definitions(stage: SynthesizedStage) -> None:
    config = load_config(stage.stage)
    policies = [
        p["Properties"]
        for p in resources(stage.stacks["Catalog"], "AWS::IAM::ManagedPolicy").values()
        if "end users" in p["Properties"].get("Description", "")
    ]
    with_jobs = [c for c in config.communities.values() if JOBS_PRODUCT_KEY in c.products]
    assert with_jobs
    for policy in policies:
        statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
        submit = statements["SubmitOwnJobDefinitions"]
        assert submit["Action"] == "batch:SubmitJob"
        assert submit["Condition"] == {
            "StringEquals": {f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": "${aws:userid}"}
        }
        # ":*" forces a revision: Batch ignores job-definition tags without one.
        assert json.dumps(submit["Resource"]).endswith(f'{contract.JOB_DEFINITION_PREFIX}*:*"]]}}')
        assert statements["OwnJobSecrets"]["Condition"] == submit["Condition"]


# --- shared compute ----------------------------------------------------------------------------


def test_each_community_with_jobs_has_fargate_and_spot_queues_with_fair_share(
    stage: SynthesizedStage,
) -> None:
    config = load_config(stage.stage)
    shared = stage.stacks["Shared"]
    communities = [n for n, c in config.communities.items() if JOBS_PRODUCT_KEY in c.products]
    environments = resources(shared, "AWS::Batch::ComputeEnvironment")
    kinds = sorted(e["Properties"]["ComputeResources"]["Type"] for e in environments.values())
    assert kinds == sorted(["FARGATE", "FARGATE_SPOT"] * len(communities))
    for environment in environments.values():
        compute = environment["Properties"]["ComputeResources"]
        assert compute["Subnets"] and compute["SecurityGroupIds"]
    queues = resources(shared, "AWS::Batch::JobQueue")
    assert {q["Properties"]["JobQueueName"] for q in queues.values()} == {
        contract.job_queue_name(name, spot=spot) for name in communities for spot in (False, True)
    }
    policies = resources(shared, "AWS::Batch::SchedulingPolicy")
    assert len(policies) == len(communities)
    for queue in queues.values():
        assert queue["Properties"]["SchedulingPolicyArn"]["Fn::GetAtt"][0] in policies


def test_the_product_owns_no_compute_and_names_no_community_or_stage(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    for stage_name in STAGES:
        template = synthesized[stage_name].products[JOBS_PRODUCT_KEY]
        assert not [
            r for r in template["Resources"].values() if r["Type"].startswith("AWS::Batch::")
        ]
        text = json.dumps(template)
        config = load_config(stage_name)
        for name in config.communities:
            assert f'"{name}"' not in text and f"-{name}-" not in text
        assert config.stage.account not in text


# --- the product ---------------------------------------------------------------------------------


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
    (statement,) = policy["ResourcePolicy"]["Statement"]
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


def test_jobs_launch_role_passes_only_the_shared_scheduler_role(stage: SynthesizedStage) -> None:
    policies = [
        p["Properties"]
        for p in resources(stage.stacks["Catalog"], "AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("Description", "").endswith("build jobs products")
    ]
    (policy,) = policies
    passes = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if "iam:PassRole" in json.dumps(s["Action"])
    ]
    (pass_role,) = passes
    assert json.dumps(pass_role["Resource"]).endswith(
        f':role/{contract.JOB_SCHEDULER_ROLE_NAME}"]]}}'
    )
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }
