"""The shared jobs platform scheduled-job products run on: the stage's pooled Fargate and
Fargate Spot compute with fair-share queues (and the per-community queues kept for jobs launched
before the pool), the SigV4 submit API (Shared stack), and what the Catalog and community stacks
let owners and the jobs launch role do."""

import json
from pathlib import Path
from typing import Any

from catalog_constructs import contract
from products.registry import JOBS_PRODUCT_KEY
from tests.infrastructure.templates import end_user_policies, end_user_statements, resources
from tests.synth import SynthesizedStage

DEPLOYED = Path(__file__).resolve().parents[1] / "example_org" / "deployed" / "prod"


def only(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = resources(template, resource_type).values()
    return resource["Properties"]


def test_no_api_method_without_iam_authorization(stage: SynthesizedStage) -> None:
    """Every API method requires SigV4, except the sign-in service's: that is where
    researchers authenticate (tests/infrastructure/test_sign_in.py checks its methods)."""
    methods = {
        (name, logical_id): method["Properties"]
        for name, template in stage.all_templates().items()
        if name != "SignIn"
        for logical_id, method in resources(template, "AWS::ApiGateway::Method").items()
    }
    assert methods
    assert {key: m.get("AuthorizationType") for key, m in methods.items()} == {
        key: "AWS_IAM" for key in methods
    }


def _submit_methods(shared: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The API's POST methods by their request parameters (without the prefix)."""
    return {
        ",".join(sorted(p.rsplit(".", 1)[-1] for p in m["Properties"]["RequestParameters"])): m[
            "Properties"
        ]
        for m in resources(shared, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST"
    }


def test_submit_api_calls_batch_with_the_callers_own_credentials(stage: SynthesizedStage) -> None:
    """Two forms: /jobs/{queue}/{name}/{revision}/{share} for the pooled queues (the share
    identifier of the job's community and owner, which Batch checks against the caller's
    policy), and the form without a share for products launched before the pool (their share
    was the job definition's name on their community's queue)."""
    methods = _submit_methods(stage.stacks["Shared"])
    assert set(methods) == {"name,queue,revision", "name,queue,revision,share"}
    for parameters, method in methods.items():
        integration = method["Integration"]
        assert integration["Type"] == "AWS"
        assert integration["Credentials"] == f"arn:{stage.config.stage.partition}:iam::*:user/*"
        assert ":batch:path/v1/submitjob" in json.dumps(integration["Uri"])
        assert integration["PassthroughBehavior"] == "NEVER"
        template = integration["RequestTemplates"]["application/json"]
        # The revision must reach Batch, or it would not evaluate the owner tag.
        assert (
            '"jobDefinition": "$name:$util.escapeJavaScript($path.get(\'revision\'))"' in template
        )
        assert all(method["RequestParameters"].values())  # required, and validated
        assert method["RequestValidatorId"]
        share = (
            '"shareIdentifier": "$util.escapeJavaScript($path.get(\'share\'))"'
            if parameters.endswith("share")
            else '"shareIdentifier": "$name"'
        )
        assert share in template


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
    policies = [p["Properties"] for p in end_user_policies(stage.merged("Catalog")).values()]
    with_jobs = {n for n, c in config.communities.items() if JOBS_PRODUCT_KEY in c.products}
    assert with_jobs
    for policy in policies:
        statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
        community = policy["Description"].split(" of the ")[1].removesuffix(" community")
        if community not in with_jobs:
            assert "SubmitOwnJobDefinitions" not in statements
            continue
        submit = statements["SubmitOwnJobDefinitions"]
        assert submit["Action"] == "batch:SubmitJob"
        owner = {"StringEquals": {f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": "${aws:userid}"}}
        # The submission's share must be the definition's own (test_owner_only.py evaluates it).
        assert submit["Condition"] == {
            "StringEquals": {
                **owner["StringEquals"],
                "batch:ShareIdentifier": f"${{aws:ResourceTag/{contract.SHARE_IDENTIFIER_TAG}}}",
            }
        }
        # ":*" forces a revision: Batch ignores job-definition tags without one.
        assert submit["Resource"].endswith(f":job-definition/{contract.JOB_DEFINITION_PREFIX}*:*")
        assert statements["OwnJobSecrets"]["Condition"] == owner


def test_one_pooled_fargate_and_spot_queue_with_fair_share_for_every_community(
    stage: SynthesizedStage,
) -> None:
    """Two compute environments for the stage whatever the number of communities (the region
    has 50), plus a pair per community still listed in ``jobs.legacy_queues``."""
    jobs = stage.config.jobs
    shared = stage.stacks["Shared"]
    environments = resources(shared, "AWS::Batch::ComputeEnvironment")
    kinds = sorted(e["Properties"]["ComputeResources"]["Type"] for e in environments.values())
    assert kinds == sorted(["FARGATE", "FARGATE_SPOT"] * (1 + len(jobs.legacy_queues)))
    for environment in environments.values():
        compute = environment["Properties"]["ComputeResources"]
        assert compute["Subnets"] and compute["SecurityGroupIds"]
        assert environment["Properties"]["Type"] == "MANAGED"
    queues = {
        q["Properties"]["JobQueueName"]: q["Properties"]
        for q in resources(shared, "AWS::Batch::JobQueue").values()
    }
    pooled = {contract.pooled_job_queue_name(spot=spot): spot for spot in (False, True)}
    legacy = {
        contract.job_queue_name(name, spot=spot)
        for name in jobs.legacy_queues
        for spot in (False, True)
    }
    assert set(queues) == set(pooled) | legacy
    policies = resources(shared, "AWS::Batch::SchedulingPolicy")
    assert len(policies) == 1 + len(jobs.legacy_queues)
    pool_policies = set()
    for name, spot in pooled.items():
        queue = queues[name]
        (order,) = queue["ComputeEnvironmentOrder"]
        environment = environments[order["ComputeEnvironment"]["Fn::GetAtt"][0]]
        compute = environment["Properties"]["ComputeResources"]
        assert compute["Type"] == ("FARGATE_SPOT" if spot else "FARGATE")
        assert compute["MaxvCpus"] == jobs.max_vcpus
        pool_policies.add(queue["SchedulingPolicyArn"]["Fn::GetAtt"][0])
    (pool_policy,) = pool_policies
    fair_share = policies[pool_policy]["Properties"]["FairsharePolicy"]
    assert fair_share["ShareDecaySeconds"] > 0
    # Weights apply to every share identifier of the community (its owners).
    assert fair_share.get("ShareDistribution", []) == [
        {"ShareIdentifier": contract.job_share_prefix(name) + "*", "WeightFactor": weight}
        for name, weight in sorted(jobs.weights.items())
    ]
    for name in legacy:
        assert queues[name]["SchedulingPolicyArn"]["Fn::GetAtt"][0] != pool_policy


def test_legacy_queues_keep_the_identity_they_were_deployed_with(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    """A community in ``jobs.legacy_queues`` keeps the compute environments, queues and
    scheduling policy of the per-community layout under the same logical IDs and names, so
    deploying the pool replaces none of what its earlier scheduled jobs submit to."""
    prod = synthesized["prod"]
    assert prod.config.jobs.legacy_queues == ["biomedical"]
    deployed = json.loads(
        (DEPLOYED / "research-catalog-prod-shared.batch-resources.json").read_text()
    )
    shared = prod.stacks["Shared"]["Resources"]
    kept = {
        logical_id: resource
        for logical_id, resource in deployed["Resources"].items()
        if logical_id.startswith("Jobsbiomedical")
    }
    assert len(kept) == 5  # two environments, two queues, one scheduling policy
    for logical_id, resource in kept.items():
        assert shared[logical_id] == resource


def test_members_submit_to_the_pool_only_under_their_communitys_share_prefix(
    stage: SynthesizedStage,
) -> None:
    for name, community in stage.config.communities.items():
        template = stage.stacks[f"Community-{name}"]
        statements = {s.get("Sid"): s for s in end_user_statements(template)}
        if JOBS_PRODUCT_KEY not in community.products:
            assert "ToPooledQueuesAsOwnCommunity" not in statements
            continue
        pooled = statements["ToPooledQueuesAsOwnCommunity"]
        assert pooled["Action"] == "batch:SubmitJob"
        assert pooled["Condition"] == {
            "StringLike": {"batch:ShareIdentifier": contract.job_share_prefix(name) + "*"}
        }
        queues = sorted(pooled["Resource"])
        assert len(queues) == 2
        for spot, queue in zip((False, True), queues, strict=True):
            assert queue.endswith(f":job-queue/{contract.pooled_job_queue_name(spot=spot)}")
        # No other statement lets members submit to the pool without that condition.
        for sid, statement in statements.items():
            if sid != "ToPooledQueuesAsOwnCommunity":
                assert "research-catalog-jobs-" not in json.dumps(statement.get("Resource")), sid


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
    assert pass_role["Resource"].endswith(f":role/{contract.JOB_SCHEDULER_ROLE_NAME}")
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }
