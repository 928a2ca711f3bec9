"""Targeted assertions on the properties that keep researchers' resources safe."""

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog_constructs import contract
from products.registry import PRODUCTS
from tests.infrastructure.templates import FIXED_NAME_PROPERTIES, resources
from tests.synth import SynthesizedStage

ROOT = Path(__file__).resolve().parents[2]


def test_product_templates_contain_no_lambda_code(stage: SynthesizedStage) -> None:
    for key, template in stage.products.items():
        assert not resources(template, "AWS::Lambda::Function"), key


# --- the catalog ----------------------------------------------------------------------------


def test_every_portfolio_product_pair_has_a_launch_role(stage: SynthesizedStage) -> None:
    catalog = stage.merged("Catalog")
    pairs = {
        (json.dumps(r["Properties"]["PortfolioId"]), json.dumps(r["Properties"]["ProductId"]))
        for r in resources(catalog, "AWS::ServiceCatalog::PortfolioProductAssociation").values()
    }
    constrained = {
        (json.dumps(r["Properties"]["PortfolioId"]), json.dumps(r["Properties"]["ProductId"]))
        for r in resources(catalog, "AWS::ServiceCatalog::LaunchRoleConstraint").values()
    }
    tag_updates = {
        (json.dumps(r["Properties"]["PortfolioId"]), json.dumps(r["Properties"]["ProductId"]))
        for r in resources(catalog, "AWS::ServiceCatalog::ResourceUpdateConstraint").values()
    }
    assert pairs and pairs == constrained == tag_updates


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for resource_type in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::Role"):
        for resource in resources(template, resource_type).values():
            properties = resource["Properties"]
            documents = [properties.get("PolicyDocument")] + [
                policy["PolicyDocument"] for policy in properties.get("Policies", [])
            ]
            for document in filter(None, documents):
                found += [_unconditional(statement) for statement in document["Statement"]]
    return [statement for statement in found if statement is not None]


def _unconditional(statement: dict[str, Any]) -> dict[str, Any] | None:
    """The statement a template grants when its condition holds (Fn::If [c, s, NoValue])."""
    if "Fn::If" in statement:
        _, granted, otherwise = statement["Fn::If"]
        assert otherwise == {"Ref": "AWS::NoValue"}, statement
        return dict(granted)
    return statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_full_access_managed_policies_and_no_iam_wildcards(stage: SynthesizedStage) -> None:
    for name, template in stage.all_templates().items():
        for role in resources(template, "AWS::IAM::Role").values():
            for arn in role["Properties"].get("ManagedPolicyArns", []):
                assert "FullAccess" not in json.dumps(arn), name
        for statement in _statements(template):
            if statement["Effect"] != "Allow":
                continue
            actions = _as_list(statement["Action"])
            assert not any(action in ("*", "iam:*") for action in actions), (name, statement)
            if "iam:PassRole" in actions:
                assert "*" not in _as_list(statement["Resource"]), (name, statement)


def test_launch_role_creates_roles_only_with_the_boundary(stage: SynthesizedStage) -> None:
    catalog = stage.merged("Catalog")
    statements = [s for s in _statements(catalog) if "iam:CreateRole" in _as_list(s["Action"])]
    assert statements
    for statement in statements:
        assert "iam:PermissionsBoundary" in statement["Condition"]["StringEquals"]
        assert all(
            "research-catalog/products/" in json.dumps(r) for r in _as_list(statement["Resource"])
        )


def test_portfolios_and_products_carry_provider_and_support(stage: SynthesizedStage) -> None:
    catalog = stage.merged("Catalog")
    for portfolio in resources(catalog, "AWS::ServiceCatalog::Portfolio").values():
        assert portfolio["Properties"]["ProviderName"] and portfolio["Properties"]["Description"]
    for product in resources(catalog, "AWS::ServiceCatalog::CloudFormationProduct").values():
        properties = product["Properties"]
        for key in ("Owner", "Distributor", "SupportEmail", "SupportUrl", "Description"):
            assert properties.get(key), key
        for version in properties["ProvisioningArtifactParameters"]:
            assert version["Description"] and version["Name"]


def test_cost_center_tag_options_follow_the_config(stage: SynthesizedStage) -> None:

    config = stage.config
    catalog = stage.merged("Catalog")
    options = resources(catalog, "AWS::ServiceCatalog::TagOption")
    values = sorted(option["Properties"]["Value"] for option in options.values())
    expected = sorted({value for c in config.communities.values() for value in c.cost_centers})
    assert values == expected
    assert {option["Properties"]["Key"] for option in options.values()} == {"CostCenter"}
    associations = resources(catalog, "AWS::ServiceCatalog::TagOptionAssociation")
    assert len(associations) == sum(len(c.cost_centers) for c in config.communities.values())


def test_start_stop_restart_actions_cover_every_ec2_product_version(
    stage: SynthesizedStage,
) -> None:
    catalog = stage.merged("Catalog")
    actions = resources(catalog, "AWS::ServiceCatalog::ServiceAction")
    documents = {
        next(p["Value"] for p in a["Properties"]["Definition"] if p["Key"] == "Name")
        for a in actions.values()
    }
    assert documents == {"AWS-StartEC2Instance", "AWS-StopEC2Instance", "AWS-RestartEC2Instance"}
    associations = resources(catalog, "AWS::ServiceCatalog::ServiceActionAssociation")

    config = stage.config
    versions = sum(
        len(config.published_versions(key))
        for key, definition in PRODUCTS.items()
        if definition.family == "ec2" and key in config.products
    )
    assert len(associations) == 3 * versions


def test_sessions_only_on_instances_the_caller_owns(stage: SynthesizedStage) -> None:
    catalog = stage.merged("Catalog")
    statements = [s for s in _statements(catalog) if "ssm:StartSession" in _as_list(s["Action"])]
    instance_statements = [s for s in statements if ":instance/" in json.dumps(s["Resource"])]
    assert instance_statements
    for statement in instance_statements:
        assert statement["Condition"] == {
            "StringEquals": {f"ssm:resourceTag/{contract.OWNER_USERID_TAG}": "${aws:userid}"}
        }


def test_provisioned_product_calls_are_limited_to_own_products(stage: SynthesizedStage) -> None:
    catalog = stage.merged("Catalog")
    for statement in _statements(catalog):
        actions = _as_list(statement["Action"])
        if "servicecatalog:TerminateProvisionedProduct" in actions:
            assert statement["Condition"] == {"StringEquals": {"servicecatalog:userLevel": "self"}}


def test_end_user_policy_attached_to_every_community_role(stage: SynthesizedStage) -> None:

    config = stage.config
    catalog = stage.merged("Catalog")
    attached = {
        role
        for policy in resources(catalog, "AWS::IAM::ManagedPolicy").values()
        if "End users" in policy["Properties"].get("Description", "")
        or "end users" in policy["Properties"].get("Description", "")
        for role in policy["Properties"].get("Roles", [])
    }
    expected = {name for c in config.communities.values() for name in c.role_names_resolved()}
    assert attached == expected


# --- the shared stack -----------------------------------------------------------------------


def test_shared_stack_publishes_the_contract(stage: SynthesizedStage) -> None:
    shared = stage.stacks["Shared"]
    names = {p["Properties"]["Name"] for p in resources(shared, "AWS::SSM::Parameter").values()}
    assert names == {
        contract.VPC_ID_PARAMETER,
        contract.PRIVATE_SUBNETS_PARAMETER,
        contract.EBS_KEY_ARN_PARAMETER,
        contract.LOGS_KEY_ARN_PARAMETER,
        contract.CREDENTIALS_KEY_ARN_PARAMETER,
        contract.NOTEBOOK_GATEWAY_PARAMETER,
        contract.JOBS_KEY_ARN_PARAMETER,
        contract.JOB_SUBMIT_API_URL_PARAMETER,
        contract.BUCKET_KEY_ARN_PARAMETER,
        contract.SYNAPSE_BUCKET_KEY_ARN_PARAMETER,
        contract.ACCESS_LOG_BUCKET_PARAMETER,
        contract.STUDIO_TEAM_BUDGET_LIMIT_PARAMETER,
    }
    functions = resources(shared, "AWS::Lambda::Function")
    assert {
        contract.PRODUCT_CONTEXT_FUNCTION_NAME,
        contract.BUCKET_ACCESS_FUNCTION_NAME,
        contract.BUCKET_PURGE_FUNCTION_NAME,
    } <= {f["Properties"].get("FunctionName") for f in functions.values()}
    documents = resources(shared, "AWS::SSM::Document")
    assert {d["Properties"]["Name"] for d in documents.values()} == {
        contract.CLOUDWATCH_AGENT_DOCUMENT_NAME,
        contract.SHELL_SESSION_DOCUMENT_NAME,
    }


def test_keys_rotate_and_are_retained(stage: SynthesizedStage) -> None:
    keys = resources(stage.stacks["Shared"], "AWS::KMS::Key")
    # EBS, logs, workstation credentials, scheduled jobs, private buckets, Synapse buckets.
    assert len(keys) == 6
    for key in keys.values():
        assert key["Properties"]["EnableKeyRotation"] is True
        assert key["DeletionPolicy"] == "Retain"


def test_log_groups_are_encrypted_and_expire(stage: SynthesizedStage) -> None:
    for name, template in stage.all_templates().items():
        for logical_id, group in resources(template, "AWS::Logs::LogGroup").items():
            assert group["Properties"].get("KmsKeyId"), (name, logical_id)
            assert group["Properties"].get("RetentionInDays"), (name, logical_id)


AMI_ID = re.compile(r"\bami-[0-9a-f]{8,17}\b")


def _repository_files(suffixes: tuple[str, ...]) -> Iterator[Path]:
    """The repository's files with these suffixes, outside installed and generated folders
    (pruned while walking: globbing through .venv and node_modules first took seconds)."""
    skipped = {".venv", "node_modules", "cdk.out", ".git", ".cache", ".tools", ".mypy_cache"}
    for folder, folders, names in os.walk(ROOT):
        folders[:] = [name for name in folders if name not in skipped]
        yield from (Path(folder) / name for name in names if name.endswith(suffixes))


def test_no_ami_id_literal_in_the_repository() -> None:
    sources = list(_repository_files((".py", ".yaml", ".md", ".json", ".sh", ".ps1")))
    assert sources
    offenders = [str(path) for path in sources if AMI_ID.search(path.read_text(errors="ignore"))]
    assert offenders == []


# Properties that name something other than the resource itself.
REFERENCE_NAMES = {("AWS::SSM::Association", "Name")}


@pytest.mark.parametrize("key", list(PRODUCTS))
def test_every_product_launches_many_times(
    synthesized: dict[str, SynthesizedStage], key: str
) -> None:
    """A physical name is absent, derived from the provisioned stack's own name, chosen by the
    owner at launch (a parameter) or a reference to another resource: never a constant."""
    product = synthesized["dev"].products[key]
    for logical_id, resource in product["Resources"].items():
        for name in (FIXED_NAME_PROPERTIES | {"Name", "DomainName"}) & set(
            resource.get("Properties", {})
        ):
            if (resource["Type"], name) in REFERENCE_NAMES:
                continue
            value = json.dumps(resource["Properties"][name])
            varies = ("AWS::StackName", "AWS::StackId", '"Ref"', "Fn::GetAtt")
            assert any(marker in value for marker in varies), (
                f"{key}: {logical_id}.{name} = {value} is the same in every launch"
            )


SSM_WRITES = (
    "ssm:PutParameter",
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:LabelParameterVersion",
)


def test_no_role_of_the_catalog_may_write_its_ssm_parameters(stage: SynthesizedStage) -> None:
    """The community documents (which roles belong to which community, which budgets and
    topics the cost functions act on) and the values community stacks read at deploy are SSM
    parameters: only CloudFormation, deploying as an administrator, writes them. No identity
    policy of any stack or product template allows writing a parameter. (The image pipelines'
    AMI parameters are written by Image Builder's distribution, not by a role of these
    templates.)"""
    import fnmatch

    for name, template in stage.all_templates().items():
        for statement in _statements(template):
            if statement.get("Effect") != "Allow" or "Action" not in statement:
                continue
            actions = _as_list(statement["Action"])
            granted = [
                write for write in SSM_WRITES if any(fnmatch.fnmatch(write, a) for a in actions)
            ]
            assert not granted, (name, statement.get("Sid"), granted)
