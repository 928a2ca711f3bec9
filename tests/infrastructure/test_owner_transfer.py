"""Change of owner is an operator's act (make transfer-owner): no researcher, colleague or code
on a product can move a product or rewrite its owner tags, and the newest workstation versions
keep a moved product with its new owner through every update."""

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from catalog_constructs import contract
from products.registry import PRODUCTS
from tests.infrastructure.templates import end_user_policies, resources
from tests.synth import SynthesizedStage

SNAPSHOTS = Path(__file__).resolve().parents[2] / "product-stack-snapshots"

OWNER_CHANGES = (
    "servicecatalog:UpdateProvisionedProductProperties",
    "tag:TagResources",
    "iam:TagRole",
)


def allowed_actions(template: dict[str, Any]) -> list[str]:
    actions: list[str] = []
    for policy in resources(template, "AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            found = statement.get("Action", [])
            actions += [found] if isinstance(found, str) else found
    return actions


def test_no_end_user_policy_can_change_an_owner(stage: SynthesizedStage) -> None:
    templates = [
        template
        for name, template in stage.stacks.items()
        if name.startswith(("Community-", "Spoke"))
    ]
    assert templates
    for template in templates:
        end_user = end_user_policies(template)
        assert end_user
        actions = allowed_actions({"Resources": end_user})
        for change in OWNER_CHANGES:
            assert not [a for a in actions if fnmatchcase(change.lower(), a.lower())], change


def _context(template: dict[str, Any]) -> dict[str, Any]:
    (context,) = resources(template, "Custom::ProductContext").values()
    return dict(context.get("Properties", {}))


def test_the_newest_workstations_resolve_the_owner_on_every_update(
    stage: SynthesizedStage,
) -> None:
    """CloudFormation sends a custom resource an Update only when its properties change: the
    product context carries the version and every launch parameter, so any update that
    changes the product asks it for the owner again, and it answers with the transfer record's
    (tests/unit/shared/product_context/test_owner_transfer.py)."""
    for key in ("linux-docker", "notebook", "windows"):
        template = stage.products[key]
        newest = PRODUCTS[key].versions[-1].name
        assert _context(template).get("ResolveOnUpdate") == {
            "Version": newest,
            "Parameters": {name: {"Ref": name} for name in sorted(template["Parameters"])},
        }, key


def test_released_workstation_versions_resolve_the_owner_at_launch_only() -> None:
    """What docs/operations.md says of them: released templates never change, and their product
    context has no properties, so it is asked once, at launch."""
    for key, released in (("linux-docker", "v5"), ("notebook", "v2"), ("windows", "v2")):
        (path,) = [
            path
            for path in SNAPSHOTS.glob(f"*.{released}.product.template.json")
            if _snapshot_key(path) == key
        ]
        assert "ResolveOnUpdate" not in _context(json.loads(path.read_text())), path.name


def _snapshot_key(path: Path) -> str:
    """``CatalogLinuxDockerHistory...`` -> ``linux-docker``."""
    stem = path.name.split("History", 1)[0].removeprefix("Catalog")
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in stem).lstrip("-")


def test_every_product_context_function_is_told_where_transfers_are_recorded(
    stage: SynthesizedStage,
) -> None:
    """The Shared stack's and each Spoke's function (a spoke has no transfer records: the
    function finds none and the launcher owns the product). Reading is within its
    ``/research-catalog/*`` grant; no role of the catalog may write there
    (test_security.py::test_no_role_of_the_catalog_may_write_its_ssm_parameters)."""
    checked = 0
    for name, template in stage.stacks.items():
        for function in resources(template, "AWS::Lambda::Function").values():
            properties = function["Properties"]
            if properties.get("FunctionName") != contract.PRODUCT_CONTEXT_FUNCTION_NAME:
                continue
            variables = properties["Environment"]["Variables"]
            assert (
                variables["OWNER_TRANSFERS_PARAMETER_PATH"]
                == contract.OWNER_TRANSFER_PARAMETER_ROOT
            ), name
            checked += 1
    assert checked == 1 + len([name for name in stage.stacks if name.startswith("Spoke")])
