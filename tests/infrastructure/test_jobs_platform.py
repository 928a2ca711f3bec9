"""The shared jobs platform scheduled-job products run on: per-community Fargate compute and
fair-share queues, the SigV4 submit API (Shared stack), and what the Catalog stack lets owners
and the jobs launch role do."""

import json
from typing import Any

from catalog_constructs import contract
from products.registry import JOBS_PRODUCT_KEY
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage


def only(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = resources(template, resource_type).values()
    return resource["Properties"]


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
    assert f":iam::{stage.config.stage.account}:root" in principal


def test_owners_may_submit_only_their_own_job_definitions(stage: SynthesizedStage) -> None:
    config = stage.config
    policies = [
        p["Properties"]
        for p in resources(stage.merged("Catalog"), "AWS::IAM::ManagedPolicy").values()
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


def test_each_community_with_jobs_has_fargate_and_spot_queues_with_fair_share(
    stage: SynthesizedStage,
) -> None:
    config = stage.config
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


def test_jobs_launch_role_passes_only_the_shared_scheduler_role(stage: SynthesizedStage) -> None:
    policies = [
        p["Properties"]
        for p in resources(stage.merged("Catalog"), "AWS::IAM::ManagedPolicy").values()
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
