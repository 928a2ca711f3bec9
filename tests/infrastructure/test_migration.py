"""Moving a deployed stage to the community stacks (issue 16): the refactor plan of the example
organisation's stages as they were deployed before (``tests/example_org/deployed/``, the
Catalog and Cost templates of commit 30b30da) against the layout synthesized now.

What the assembly shows: which resource goes where, that each keeps the properties that make it
what it is, that no product moves, and that the refactor templates neither add, drop nor change
a resource. What it cannot show: physical IDs (fake here), and that CloudFormation accepts
each type for refactoring (its own validation does, docs/operations.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from delivery.refactor_identity import Address
from delivery.refactor_plan import (
    MAX_STACKS_PER_REFACTOR,
    Plan,
    load_assembly,
    main,
    plan_moves,
    refactor_templates,
)
from delivery.refactor_templates import RefactorState
from tests.synth import SynthesizedStage

DEPLOYED = Path(__file__).resolve().parents[1] / "example_org" / "deployed"
PORTFOLIO = "AWS::ServiceCatalog::Portfolio"
PRODUCT = "AWS::ServiceCatalog::CloudFormationProduct"
# The portfolio-level resources whose replacement a researcher would notice.
PER_PORTFOLIO = {
    "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
    "AWS::ServiceCatalog::PortfolioProductAssociation",
    "AWS::ServiceCatalog::LaunchRoleConstraint",
    "AWS::ServiceCatalog::ResourceUpdateConstraint",
    "AWS::ServiceCatalog::TagOptionAssociation",
    "Custom::PortfolioShare",
}


def deployed(stage: str) -> dict[str, dict[str, Any]]:
    return {
        path.name.removesuffix(".template.json"): json.loads(path.read_text())
        for path in sorted((DEPLOYED / stage).glob("*.template.json"))
    }


class Layouts:
    def __init__(self, stage: SynthesizedStage) -> None:
        self.old = deployed(stage.stage)
        self.new = load_assembly(stage.directory)
        self.catalog = f"research-catalog-{stage.stage}-catalog"
        self.config = stage.config
        self.plan: Plan = plan_moves(self.old, self.new)
        self.to = {m.source: m.destination for m in self.plan.moves}

    def old_resource(self, address: Address) -> dict[str, Any]:
        return dict(self.old[address.stack]["Resources"][address.logical_id])

    def new_resource(self, address: Address) -> dict[str, Any]:
        return dict(self.new[address.stack]["Resources"][address.logical_id])

    def moved_ref(self, stack: str, value: dict[str, str]) -> dict[str, str]:
        """An old Ref to a moved resource, as the new layout writes it."""
        return {"Ref": self.to[Address(stack, value["Ref"])].logical_id}

    def through_parameter(self, stack: str, value: dict[str, str]) -> Any:
        """What an SSM-typed parameter of a new stack stands for: the value of the SSM
        parameter of that name in the Catalog or Cost stack."""
        default = self.new[stack]["Parameters"][value["Ref"]]["Default"]
        (found,) = [
            r["Properties"]["Value"]
            for template in self.new.values()
            for r in template["Resources"].values()
            if r["Type"] == "AWS::SSM::Parameter" and r["Properties"]["Name"] == default
        ]
        return found


@pytest.fixture
def layouts(stage: SynthesizedStage) -> Layouts:
    return Layouts(stage)


def _same_portfolio_and_product(layouts: Layouts, source: Address, target: Address) -> None:
    old = layouts.old_resource(source)["Properties"]
    new = layouts.new_resource(target)["Properties"]
    assert new["PortfolioId"] == layouts.moved_ref(source.stack, old["PortfolioId"])
    # The same product resource of the Catalog stack, reached through its SSM parameter.
    assert layouts.through_parameter(target.stack, new["ProductId"]) == old["ProductId"]


def test_every_portfolio_and_what_hangs_on_it_moves_with_its_identity(layouts: Layouts) -> None:
    checked: dict[str, int] = {}
    for stack, template in layouts.old.items():
        for logical_id, resource in template["Resources"].items():
            kind = resource["Type"]
            if kind != PORTFOLIO and kind not in PER_PORTFOLIO:
                continue
            source = Address(stack, logical_id)
            target = layouts.to[source]  # exactly one destination: the mapping is a dict
            new = layouts.new_resource(target)
            assert new["Type"] == kind
            old_properties, new_properties = resource["Properties"], new["Properties"]
            checked[kind] = checked.get(kind, 0) + 1
            if kind == PORTFOLIO:
                for key in ("DisplayName", "ProviderName", "Description"):
                    assert new_properties[key] == old_properties[key]
                continue
            portfolio = old_properties.get("PortfolioId") or old_properties["ResourceId"]
            assert (new_properties.get("PortfolioId") or new_properties["ResourceId"]) == (
                layouts.moved_ref(stack, portfolio)
            )
            if kind == "AWS::ServiceCatalog::PortfolioPrincipalAssociation":
                for key in ("PrincipalARN", "PrincipalType"):
                    assert new_properties[key] == old_properties[key]
            elif kind == "AWS::ServiceCatalog::TagOptionAssociation":
                old_option = template["Resources"][old_properties["TagOptionId"]["Ref"]]
                ref = layouts.through_parameter(target.stack, new_properties["TagOptionId"])
                new_option = layouts.new[layouts.catalog]["Resources"][ref["Ref"]]
                assert new_option["Properties"] == old_option["Properties"]
            elif kind == "Custom::PortfolioShare":
                for key in ("Type", "Value"):
                    assert new_properties[key] == old_properties[key]
            else:
                _same_portfolio_and_product(layouts, source, target)
            if kind == "AWS::ServiceCatalog::LaunchRoleConstraint":
                role = template["Resources"][old_properties["LocalRoleName"]["Ref"]]
                assert new_properties["LocalRoleName"] == role["Properties"]["RoleName"]
            if kind == "AWS::ServiceCatalog::ResourceUpdateConstraint":
                key = "TagUpdateOnProvisionedProduct"
                assert new_properties[key] == old_properties[key]
    assert set(checked) >= {PORTFOLIO, *PER_PORTFOLIO} - {"Custom::PortfolioShare"}
    # Destinations are distinct: no two old resources become one.
    assert len(set(layouts.to.values())) == len(layouts.to)


def test_every_budget_moves_with_its_name_and_limits(layouts: Layouts) -> None:
    budgets = [
        Address(stack, logical_id)
        for stack, template in layouts.old.items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Budgets::Budget"
    ]
    assert budgets
    for source in budgets:
        target = layouts.to[source]
        old, new = layouts.old_resource(source), layouts.new_resource(target)
        assert new["Properties"]["Budget"] == old["Properties"]["Budget"]
        assert target.stack.startswith(f"{layouts.catalog.removesuffix('-catalog')}-community-")
    actions = [
        a for a in layouts.to if layouts.old_resource(a)["Type"] == "AWS::Budgets::BudgetsAction"
    ]
    for action in actions:
        budget = layouts.old_resource(action)["Properties"]["BudgetName"]
        # The action moves into the stack of its budget, next to it.
        target = layouts.to[action]
        assert layouts.new_resource(target)["Properties"]["BudgetName"] == (
            layouts.moved_ref(action.stack, budget)
        )


def test_no_product_moves_and_the_catalog_keeps_its_logical_ids(layouts: Layouts) -> None:
    old_catalog = layouts.old[layouts.catalog]["Resources"]
    new_catalog = layouts.new[layouts.catalog]["Resources"]
    products = [k for k, r in old_catalog.items() if r["Type"] == PRODUCT]
    assert products
    for logical_id in products:
        assert new_catalog[logical_id]["Type"] == PRODUCT
        assert Address(layouts.catalog, logical_id) not in layouts.to
    assert not [
        m for m in layouts.plan.moves if layouts.new_resource(m.destination)["Type"] == PRODUCT
    ]
    # What stays behind without a counterpart is deleted by the deploy: nothing researchers
    # hold (the per-topic invoke permissions of the stop and block topics, which three
    # stage-wide permissions of the Cost stack replace). The Cost stack's release on deploy
    # stays where it is.
    removed = sorted(layouts.old_resource(a)["Type"] for a in layouts.plan.removed)
    blocking = [n for n, c in layouts.config.communities.items() if c.budget.block_launches_at]
    assert removed == ["AWS::Lambda::Permission"] * len(blocking)


def _fake_physical_ids(old: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {stack: {k: f"physical-{k}" for k in t["Resources"]} for stack, t in old.items()}


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return [value["Ref"]]
        if set(value) == {"Fn::GetAtt"}:
            return [value["Fn::GetAtt"][0]]
        return [r for item in value.values() for r in _references(item)]
    if isinstance(value, list):
        return [r for item in value for r in _references(item)]
    return []


def test_refactor_templates_neither_add_drop_nor_change_a_resource(layouts: Layouts) -> None:
    physical = _fake_physical_ids(layouts.old)
    refactors = refactor_templates(layouts.old, layouts.plan, physical)
    final: dict[str, dict[str, Any]] = {}
    for templates in refactors:
        assert len(templates) <= MAX_STACKS_PER_REFACTOR
        for stack, template in templates.items():
            final[stack] = template
            names = set(template["Resources"]) | set(template.get("Parameters", {}))
            for resource in template["Resources"].values():
                refs = _references(resource.get("Properties", {}))
                assert {r for r in refs if not r.startswith("AWS::")} <= names, stack
                assert set(resource.get("DependsOn", [])) <= names
            if stack not in layouts.old:
                assert set(template) == {"AWSTemplateFormatVersion", "Description", "Resources"}
                assert "AWS::StackName" not in json.dumps(template)
    assert sum(len(t["Resources"]) for t in final.values()) == sum(
        len(t["Resources"]) for t in layouts.old.values()
    )
    # Each resource as deployed, references written as the values they resolve to.
    state = RefactorState(old=layouts.old, physical_ids=physical, moved=dict(layouts.to))
    for stack, template in layouts.old.items():
        for logical_id, resource in template["Resources"].items():
            origin = Address(stack, logical_id)
            here = layouts.to.get(origin, origin)
            placed = final[here.stack]["Resources"][here.logical_id]
            assert placed["Type"] == resource["Type"]
            for key in ("DeletionPolicy", "UpdateReplacePolicy"):
                assert placed.get(key) == resource.get(key)
            assert _placed_values(state, here.stack, placed.get("Properties", {})) == (
                _deployed_values(state, origin, here, resource.get("Properties", {}))
            )


def _reference(value: Any) -> tuple[str, str | None] | None:
    if isinstance(value, dict) and set(value) == {"Ref"} and not value["Ref"].startswith("AWS::"):
        return value["Ref"], None
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        name, attribute = value["Fn::GetAtt"]
        return name, attribute
    return None


def _deployed_values(state: RefactorState, origin: Address, here: Address, value: Any) -> Any:
    """A deployed resource's ``value``: a reference to a resource that ends up in the same
    stack as this one stays a reference (to that resource); any other, the value it has."""
    reference = _reference(value)
    if reference:
        target = Address(origin.stack, reference[0])
        if state.location(target).stack == here.stack:
            return ("reference", target, reference[1])
        if reference[1] is None:
            return state.physical_id(target)
        return state.physical_attribute(target, reference[1])
    if isinstance(value, dict):
        return {k: _deployed_values(state, origin, here, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deployed_values(state, origin, here, v) for v in value]
    return value


def _placed_values(state: RefactorState, stack: str, value: Any) -> Any:
    """A refactor template's ``value``, references named by the deployed resource they are."""
    inverse = {v: k for k, v in state.moved.items()}
    reference = _reference(value)
    if reference:
        address = Address(stack, reference[0])
        return ("reference", inverse.get(address, address), reference[1])
    if isinstance(value, dict):
        return {k: _placed_values(state, stack, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placed_values(state, stack, v) for v in value]
    return value


def _write_before(directory: Path, stage: str) -> None:
    directory.mkdir()
    for name, template in deployed(stage).items():
        (directory / f"{name}.template.json").write_text(json.dumps(template))
        rows = [
            {
                "LogicalResourceId": k,
                "PhysicalResourceId": f"physical-{k}",
                "ResourceType": r["Type"],
            }
            for k, r in template["Resources"].items()
        ]
        (directory / f"{name}.resources.json").write_text(
            json.dumps({"StackResourceSummaries": rows})
        )


def test_refactor_plan_command_writes_what_create_stack_refactor_takes(
    synthesized: dict[str, SynthesizedStage], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = synthesized["dev"]
    _write_before(tmp_path / "before", "dev")
    url = "https://example-bucket.s3.us-east-1.amazonaws.com/refactor"
    out = tmp_path / "plan"
    argv = ["--assembly", str(dev.directory), "--before", str(tmp_path / "before")]
    assert main([*argv, "--out", str(out), "--template-url", url]) == 0
    printed = capsys.readouterr().out
    assert "create-stack-refactor --enable-stack-creation" in printed
    assert "refactor-01 s3://example-bucket/refactor/refactor-01\n" in printed
    mappings = json.loads((out / "mappings.json").read_text())
    batch = json.loads((out / "refactor-01" / "resource-mappings.json").read_text())
    assert batch == mappings and mappings
    definitions = json.loads((out / "refactor-01" / "stack-definitions.json").read_text())
    for definition in definitions:
        stack = definition["StackName"]
        assert definition["TemplateURL"] == f"{url}/refactor-01/{stack}.template.json"
        assert (out / "refactor-01" / f"{stack}.template.json").exists()


def test_refactor_plan_refuses_a_portfolio_without_counterpart(
    synthesized: dict[str, SynthesizedStage], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tmp_path / "before"
    _write_before(before, "dev")
    path = before / "research-catalog-dev-catalog.template.json"
    template = json.loads(path.read_text())
    (portfolio,) = [
        k
        for k, r in template["Resources"].items()
        if r["Type"] == PORTFOLIO and r["Properties"]["DisplayName"] == "Data Challenge"
    ]
    template["Resources"][portfolio]["Properties"]["DisplayName"] = "Renamed since"
    path.write_text(json.dumps(template))
    argv = ["--assembly", str(synthesized["dev"].directory), "--before", str(before)]
    assert main([*argv, "--out", str(tmp_path / "plan")]) == 1
    error = capsys.readouterr().err
    assert f"research-catalog-dev-catalog:{portfolio} (AWS::ServiceCatalog::Portfolio)" in error
    assert "the deploy would delete it" in error
