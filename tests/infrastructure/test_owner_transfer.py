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
    end_user = {
        f"{name}/{logical_id}": policy
        for name, template in stage.stacks.items()
        for logical_id, policy in resources(template, "AWS::IAM::ManagedPolicy").items()
        if "end users" in policy["Properties"].get("Description", "")
    }
    # One per community, in the stage account and in each spoke it reaches.
    assert len(end_user) >= len(stage.config.communities)
    actions = allowed_actions({"Resources": end_user})
    for change in OWNER_CHANGES:
        assert not [a for a in actions if fnmatchcase(change.lower(), a.lower())], change
