"""SageMaker Studio in the Catalog stack: members open only their own profile; the studio
launch role passes only product roles to SageMaker."""

import json
from typing import Any

from catalog_constructs import contract
from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    studio_team as team_handler,
)
from tests.infrastructure.templates import end_user_policies, resources
from tests.synth import SynthesizedStage


def by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in statements}


def test_members_open_only_their_own_profile(stage: SynthesizedStage) -> None:
    policies = [p["Properties"] for p in end_user_policies(stage.merged("Catalog")).values()]
    assert policies
    for policy in policies:
        if policy["Description"].endswith("Studio lookups"):  # the workflows companion
            assert "CreatePresignedDomainUrl" not in json.dumps(policy["PolicyDocument"])
            continue
        statements = by_sid(policy["PolicyDocument"]["Statement"])
        presign = statements["OpenOwnStudioProfile"]
        assert presign["Action"] == "sagemaker:CreatePresignedDomainUrl"
        assert presign["Condition"] == {
            "StringEquals": {f"aws:ResourceTag/{contract.STUDIO_MEMBER_TAG}": "${aws:userid}"}
        }
        assert not [
            s
            for s in policy["PolicyDocument"]["Statement"]
            if "CreatePresignedDomainUrl" in json.dumps(s["Action"]) and s is not presign
        ]
    # The shared function tags profiles with the same key the policy compares.
    assert team_handler.MEMBER_USERID_TAG == contract.STUDIO_MEMBER_TAG


def test_studio_launch_role_passes_only_product_roles_to_sagemaker(stage: SynthesizedStage) -> None:
    policies = [
        policy["Properties"]
        for policy in resources(stage.merged("Catalog"), "AWS::IAM::ManagedPolicy").values()
        if "build studio products" in policy["Properties"].get("Description", "")
    ]
    # The launch role's statements, in as many managed policies as IAM's size limit needs.
    assert policies
    statements = by_sid([s for p in policies for s in p["PolicyDocument"]["Statement"]])
    passing = statements["PassExecutionRolesToSageMaker"]
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    assert contract.PRODUCT_ROLE_PATH.strip("/") in json.dumps(passing["Resource"])
