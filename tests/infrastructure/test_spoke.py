"""Spoke stacks: what a recipient account needs so shared portfolios launch there."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog_constructs import contract
from products.registry import PRODUCTS
from tests.synth import SynthesizedStage, load_example

SPOKE = "444444444444"


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == kind}


def fixed_names(template: dict[str, Any]) -> set[tuple[str, str]]:
    """(type, name) of every resource with a physical name a product template may rely on."""
    keys = {
        "AWS::SSM::Parameter": "Name",
        "AWS::SSM::Document": "Name",
        "AWS::Lambda::Function": "FunctionName",
        "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
        "AWS::IAM::Role": "RoleName",
        "AWS::Batch::JobQueue": "JobQueueName",
    }
    return {
        (resource["Type"], resource["Properties"][key])
        for resource in template["Resources"].values()
        if (key := keys.get(resource["Type"])) and key in resource.get("Properties", {})
    }


@pytest.fixture
def dev(synthesized: dict[str, SynthesizedStage]) -> SynthesizedStage:
    return synthesized["dev"]


@pytest.fixture
def spoke(dev: SynthesizedStage) -> dict[str, Any]:
    return dev.stacks[f"Spoke{SPOKE}"]


def test_every_spoke_account_gets_a_stack_in_the_stage_region(dev: SynthesizedStage) -> None:
    config = load_example("dev")
    assert config.spoke_accounts() == [SPOKE]
    stack = dev.app.node.find_child(f"Spoke{SPOKE}")
    assert (stack.account, stack.region) == (SPOKE, config.stage.region)
    assert stack.stack_name == f"research-catalog-dev-spoke-{SPOKE}"
    assert [s for s in dev.stacks if s.startswith("Spoke")] == [f"Spoke{SPOKE}"]


def test_spoke_publishes_every_fixed_name_of_the_shared_stack(
    dev: SynthesizedStage, spoke: dict[str, Any]
) -> None:
    shared = fixed_names(dev.stacks["Shared"])
    assert ("AWS::SSM::Parameter", contract.VPC_ID_PARAMETER) in shared
    assert ("AWS::Lambda::Function", contract.PRODUCT_CONTEXT_FUNCTION_NAME) in shared
    assert shared <= fixed_names(spoke)
    names = {name for _, name in fixed_names(spoke)}
    for name in (
        contract.VPC_ID_PARAMETER,
        contract.PRIVATE_SUBNETS_PARAMETER,
        contract.EBS_KEY_ARN_PARAMETER,
        contract.LOGS_KEY_ARN_PARAMETER,
        contract.BUCKET_KEY_ARN_PARAMETER,
        contract.SYNAPSE_BUCKET_KEY_ARN_PARAMETER,
        contract.ACCESS_LOG_BUCKET_PARAMETER,
        contract.JOBS_KEY_ARN_PARAMETER,
        contract.JOB_SUBMIT_API_URL_PARAMETER,
        contract.CREDENTIALS_KEY_ARN_PARAMETER,
        contract.NOTEBOOK_GATEWAY_PARAMETER,
        contract.PRODUCT_CONTEXT_FUNCTION_NAME,
        contract.CLOUDWATCH_AGENT_DOCUMENT_NAME,
        contract.BUCKET_ACCESS_FUNCTION_NAME,
        contract.BUCKET_PURGE_FUNCTION_NAME,
        contract.PRODUCT_ROLE_BOUNDARY_NAME,
        contract.JOB_SCHEDULER_ROLE_NAME,
    ):
        assert name in names, name


def test_spoke_has_the_launch_roles_the_constraints_name(
    dev: SynthesizedStage, spoke: dict[str, Any]
) -> None:
    catalog = dev.merged("Catalog")
    hub_roles = resources(catalog, "AWS::IAM::Role")
    constraints = resources(catalog, "AWS::ServiceCatalog::LaunchRoleConstraint")
    assert constraints
    named = set()
    for constraint in constraints.values():
        assert "RoleArn" not in constraint
        role = constraint["LocalRoleName"]  # a literal name in the community stacks
        named.add(role if isinstance(role, str) else hub_roles[role["Ref"]]["RoleName"])
    families = {d.family for d in PRODUCTS.values()}
    assert named == {contract.launch_role_name(f) for f in families}
    spoke_roles = {r.get("RoleName"): r for r in resources(spoke, "AWS::IAM::Role").values()}
    for name in named:
        assert "Path" not in spoke_roles[name]
        principal = spoke_roles[name]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        assert "servicecatalog.amazonaws.com" in str(principal)


def _policy_sids(template: dict[str, Any], description: str) -> set[str]:
    """The statement IDs of the policy with ``description``, or of all its parts (a launch
    role's statements span as many managed policies as IAM's size limit needs)."""
    policies = [
        p
        for p in resources(template, "AWS::IAM::ManagedPolicy").values()
        if p.get("Description", "").startswith(description)
    ]
    assert policies
    return {s["Sid"] for p in policies for s in p["PolicyDocument"]["Statement"]}


@pytest.mark.parametrize("family", sorted({d.family for d in PRODUCTS.values()}))
def test_spoke_launch_roles_allow_what_the_hub_ones_do(
    dev: SynthesizedStage, spoke: dict[str, Any], family: str
) -> None:
    description = f"Everything Service Catalog needs to build {family} products"
    hub = _policy_sids(dev.merged("Catalog"), description)
    # The hub's asset bucket is not readable from a spoke: Service Catalog's copy is.
    assert hub - {"ReadProductTemplates"} == _policy_sids(spoke, description)
    assert "ReadServiceCatalogTemplates" in hub


def test_self_service_actions_run_as_their_caller_in_every_account(
    dev: SynthesizedStage, spoke: dict[str, Any]
) -> None:
    """No AssumeRole: the actions run with the caller's end-user policy, whichever account
    launched the product, and no launch role is handed to Automation."""
    actions = resources(dev.merged("Catalog"), "AWS::ServiceCatalog::ServiceAction")
    assert len(actions) == 3
    for action in actions.values():
        assert "AssumeRole" not in {p["Key"] for p in action["Definition"]}
    for template in (dev.merged("Catalog"), spoke):
        ec2 = next(
            r
            for r in resources(template, "AWS::IAM::Role").values()
            if r.get("RoleName") == contract.launch_role_name("ec2")
        )
        (statement,) = ec2["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "servicecatalog.amazonaws.com"}


def test_spoke_end_user_policy_matches_the_hub_one(
    dev: SynthesizedStage, spoke: dict[str, Any]
) -> None:
    description = "Research catalog end users of the challenge community"
    policies = [
        p
        for p in resources(spoke, "AWS::IAM::ManagedPolicy").values()
        if p.get("Description") == description
    ]
    assert [p["ManagedPolicyName"] for p in policies] == [
        contract.end_user_policy_name("challenge")
    ]
    # Nothing to attach to in a spoke: operators attach it or use it in a permission set.
    assert "Roles" not in policies[0]
    assert _policy_sids(spoke, description) == _policy_sids(dev.merged("Catalog"), description)
    # Only communities whose portfolio reaches the spoke.
    assert not any(
        "biomedical" in p.get("Description", "")
        for p in resources(spoke, "AWS::IAM::ManagedPolicy").values()
    )
    assert spoke["Outputs"]["EndUserPolicychallenge"]["Value"] == (
        contract.end_user_policy_name("challenge")
    )


def test_spoke_uses_its_own_network_config(spoke: dict[str, Any]) -> None:
    [vpc] = resources(spoke, "AWS::EC2::VPC").values()
    assert vpc["CidrBlock"] == "10.70.0.0/16"


def test_spoke_notebooks_use_port_forwarding(spoke: dict[str, Any]) -> None:
    """The stage's gateway certificate and client secret live in the stage account."""
    assert not resources(spoke, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    (gateway,) = [
        properties
        for properties in resources(spoke, "AWS::SSM::Parameter").values()
        if properties["Name"] == contract.NOTEBOOK_GATEWAY_PARAMETER
    ]
    assert json.loads(gateway["Value"]) == {"enabled": False}
