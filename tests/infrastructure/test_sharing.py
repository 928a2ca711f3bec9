"""Sharing portfolios across the organization, role-pattern principals and version guidance,
synthesized from a config that uses them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.infrastructure.templates import violations
from tests.synth import EXAMPLE_CONFIG_DIR, load_example

REPO_ROOT = Path(__file__).resolve().parents[2]
PATTERN = "aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataChallenge_*"


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


@pytest.fixture(scope="module")
def shared_catalog(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from aws_cdk import App

    from catalog_app import CDK_JSON_CONTEXT, _add_nag, build_stage
    from config.loader import load_config

    config_dir = tmp_path_factory.mktemp("config")
    for path in EXAMPLE_CONFIG_DIR.glob("*.yaml"):
        shutil.copy(path, config_dir / path.name)
    shipped_sharing = '    sharing:\n      accounts: ["444444444444"]\n'
    dev = (config_dir / "dev.yaml").read_text()
    assert shipped_sharing in dev
    dev = dev.replace(shipped_sharing, "")
    # The example organisation's challenge community already has a role pattern.
    assert f"        - {PATTERN}\n" in dev
    dev = dev.replace(
        "    manager_email: challenge-organizers@example.org\n",
        "    manager_email: challenge-organizers@example.org\n"
        "    sharing:\n"
        '      accounts: ["444444444444"]\n'
        "      organizational_units: [ou-ab12-cdef3456]\n"
        "      organization: o-a1b2c3d4e5\n",
    )
    # The OU and organization shares reach this member account (spokes: in dev.yaml).
    dev += '  member_accounts: ["555555555555"]\n'
    assert "role_patterns" in dev and "sharing" in dev and "member_accounts" in dev
    (config_dir / "dev.yaml").write_text(dev)
    config = load_config("dev", config_dir)

    app = App(
        context={**CDK_JSON_CONTEXT, "@aws-cdk/core:failSynthOnValidationErrors": False},
        outdir=str(tmp_path_factory.mktemp("cdk-sharing")),
    )
    build_stage(app, config)
    _add_nag(app)
    assembly = app.synth()
    report = Path(assembly.directory) / "validation-report.json"
    catalog = assembly.get_stack_by_name("research-catalog-dev-catalog").template
    # The communities' portfolios are in stacks of their own; here they count as the catalog.
    for stack in assembly.stacks:
        if stack.stack_name.startswith("research-catalog-dev-community-"):
            for logical_id, resource in stack.template["Resources"].items():
                catalog["Resources"][f"{stack.stack_name}.{logical_id}"] = resource
    return {
        "catalog": catalog,
        "communities": {
            stack.stack_name: stack.template
            for stack in assembly.stacks
            if stack.stack_name.startswith("research-catalog-dev-community-")
        },
        "shared": assembly.get_stack_by_name("research-catalog-dev-shared").template,
        "report": json.loads(report.read_text()) if report.exists() else {},
    }


def test_role_patterns_become_iam_pattern_principals(shared_catalog: dict[str, Any]) -> None:
    associations = _resources(
        shared_catalog["catalog"], "AWS::ServiceCatalog::PortfolioPrincipalAssociation"
    )
    patterns = [
        a["Properties"] for a in associations if a["Properties"]["PrincipalType"] == "IAM_PATTERN"
    ]
    assert [p["PrincipalARN"] for p in patterns] == [f"arn:aws:iam:::role/{PATTERN}"]


def test_shares_go_through_the_custom_resource_with_every_target(
    shared_catalog: dict[str, Any],
) -> None:
    shares = _resources(shared_catalog["catalog"], "Custom::PortfolioShare")
    assert sorted((s["Properties"]["Type"], s["Properties"]["Value"]) for s in shares) == [
        ("ACCOUNT", "444444444444"),
        ("ORGANIZATION", "o-a1b2c3d4e5"),
        ("ORGANIZATIONAL_UNIT", "ou-ab12-cdef3456"),
    ]
    # No CloudFormation share: it cannot share principals, so patterns would not apply there.
    assert not _resources(shared_catalog["catalog"], "AWS::ServiceCatalog::PortfolioShare")


def test_superseded_versions_get_guidance_from_the_newest_published(
    shared_catalog: dict[str, Any],
) -> None:
    from products.registry import PRODUCTS

    dev = load_example("dev")
    guidances = _resources(shared_catalog["catalog"], "Custom::VersionGuidance")
    # One per published product, naming that product's newest published version.
    assert sorted(g["Properties"]["CurrentVersionName"] for g in guidances) == sorted(
        dev.published_versions(key)[-1] for key in PRODUCTS
    )
    for guidance in guidances:
        assert "Fn::GetAtt" in guidance["Properties"]["ProvisioningArtifactIds"]


def test_admin_role_may_only_touch_its_products_and_portfolios(
    shared_catalog: dict[str, Any],
) -> None:
    [policy] = [
        p
        for p in _resources(shared_catalog["catalog"], "AWS::IAM::ManagedPolicy")
        if p["Properties"].get("Description", "").startswith("Catalog admin handler")
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "servicecatalog:DeleteProduct" not in actions
    assert "servicecatalog:DeleteProvisioningArtifact" not in actions
    for statement in statements:
        if statement["Resource"] == "*":
            assert statement["Sid"] == "ShareStatusAndOrganization"


def test_a_community_stack_lets_the_admin_function_share_its_own_portfolio_only(
    shared_catalog: dict[str, Any],
) -> None:
    """The share rights the admin function's role gets in a community's stack name that
    community's portfolio; the role is the one the Catalog stack publishes. A community that
    shares nothing grants nothing."""
    from catalog_constructs import contract

    communities = shared_catalog["communities"]
    assert not _resources(
        communities["research-catalog-dev-community-biomedical"], "AWS::IAM::Policy"
    )
    template = communities["research-catalog-dev-community-challenge"]
    [policy] = _resources(template, "AWS::IAM::Policy")
    [role] = policy["Properties"]["Roles"]
    assert template["Parameters"][role["Ref"]]["Default"] == contract.CATALOG_ADMIN_ROLE_PARAMETER
    [portfolio] = [
        k for k, r in template["Resources"].items() if r["Type"] == "AWS::ServiceCatalog::Portfolio"
    ]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert set(statements) == {"ShareThisPortfolio", "ShareStatusAndOrganization"}
    share = statements["ShareThisPortfolio"]
    assert share["Resource"]["Fn::Join"][1][-1] == {"Ref": portfolio}
    assert ":portfolio/" in share["Resource"]["Fn::Join"][1][-2]
    assert all(a.startswith("servicecatalog:") for a in share["Action"])
    read_only = statements["ShareStatusAndOrganization"]
    assert read_only["Resource"] == "*"
    assert all(a.split(":")[1].startswith(("Describe", "List")) for a in read_only["Action"])
    # Every share waits for the policy that allows it.
    for share_resource in _resources(template, "Custom::PortfolioShare"):
        [dependency] = share_resource["DependsOn"]
        assert template["Resources"][dependency] is policy


def _document(value: Any) -> dict[str, Any]:
    """An SSM parameter's JSON value, references replaced by placeholders."""
    if isinstance(value, dict):
        ((_, parts),) = value.items()  # Fn::Join
        text = "".join(p if isinstance(p, str) else "<reference>" for p in parts[1])
    else:
        text = value
    return dict(json.loads(text))


def test_product_context_maps_pattern_roles_to_their_community(
    shared_catalog: dict[str, Any],
) -> None:
    """The community's document (read by the product-context function) lists its roles and the
    pattern's name part (STS omits paths), and has the keys the config's size rule counts."""
    from config.rules.communities import community_document

    [value] = [
        p["Properties"]["Value"]
        for p in _resources(shared_catalog["catalog"], "AWS::SSM::Parameter")
        if p["Properties"]["Name"] == "/research-catalog/communities/challenge"
    ]
    document = _document(value)
    assert document["roles"] == ["DataChallengeParticipants", "AWSReservedSSO_DataChallenge_*"]
    assert document["stop_topic_arn"] == document["report_topic_arn"] == "<reference>"
    expected = community_document(load_example("dev").communities["challenge"])
    # A null owner_email_template is left out of the JSON.
    assert set(document) | {"owner_email_template"} == set(expected)


def test_no_unacknowledged_findings_with_sharing(shared_catalog: dict[str, Any]) -> None:
    assert violations(shared_catalog["report"]) == []
