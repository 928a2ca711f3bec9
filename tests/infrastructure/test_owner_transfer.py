"""Change of owner is an operator's act (make transfer-owner): no researcher, colleague or code
on a product can move a product or rewrite its owner tags."""

from fnmatch import fnmatchcase
from typing import Any

from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage

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
        end_user = {
            logical_id: policy
            for logical_id, policy in resources(template, "AWS::IAM::ManagedPolicy").items()
            if "end users" in policy["Properties"].get("Description", "")
        }
        assert end_user
        actions = allowed_actions({"Resources": end_user})
        for change in OWNER_CHANGES:
            assert not [a for a in actions if fnmatchcase(change.lower(), a.lower())], change
