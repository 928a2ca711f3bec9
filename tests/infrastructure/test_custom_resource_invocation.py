"""The shared custom-resource functions act on the IDs and names they are sent (volumes,
instances, Studio domains, buckets); launch roles may invoke them only through CloudFormation,
so nobody holding a launch role can send them another product's IDs directly.

Decided as IAM would (tests/iam_eval.py). That CloudFormation's calls carry
``aws:CalledVia`` = ``cloudformation.amazonaws.com`` (forward access sessions) is AWS's
documented behaviour, which no offline test can show; docs/security.md says so.
"""

from typing import Any

import pytest

from catalog_constructs import contract
from tests.iam_eval import ALLOW, IMPLICIT_DENY, Request, decide, resolve
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage

ACCOUNT = "111111111111"
FUNCTIONS = {
    "InvokeProductContext": contract.PRODUCT_CONTEXT_FUNCTION_NAME,
    "InvokeBucketAccess": contract.BUCKET_ACCESS_FUNCTION_NAME,
}


def _invoke_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for resource_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy in resources(template, resource_type).values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if statement.get("Sid") in FUNCTIONS:
                    found.append(statement)
    return found


@pytest.mark.parametrize(
    ("via", "expected"), [(["cloudformation.amazonaws.com"], ALLOW), ([], IMPLICIT_DENY)]
)
def test_launch_roles_invoke_the_shared_functions_only_through_cloudformation(
    stage: SynthesizedStage, via: list[str], expected: str
) -> None:
    statements = _invoke_statements(stage.stacks["Catalog"])
    assert {statement["Sid"] for statement in statements} == set(FUNCTIONS)
    refs = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": ACCOUNT}
    resolved = [resolve(statement, refs) for statement in statements]
    role = f"arn:aws:iam::{ACCOUNT}:role/{contract.launch_role_name('ec2')}"
    for statement in resolved:
        (function,) = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        assert function.endswith(f":function:{FUNCTIONS[statement['Sid']]}")
        context: dict[str, Any] = {"aws:PrincipalArn": role}
        if via:
            context["aws:CalledVia"] = via
        request = Request(
            action="lambda:InvokeFunction",
            resource=function,
            principal_arn=role,
            account=ACCOUNT,
            resource_account=ACCOUNT,
            context=context,
        )
        assert decide(request, identity=resolved) == expected, function
