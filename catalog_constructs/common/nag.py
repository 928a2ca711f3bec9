"""Acknowledging cdk-nag findings with a reason a reviewer can check.

cdk-nag 3 reports through CDK's policy-validation plugins; an acknowledgement names the exact
finding id the tool prints (``AwsSolutions-IAM5[Action::ec2:Describe*]``) on the construct that
owns it. Keeping ids and reason together avoids repeating one reason for the three packs that
flag the same property.
"""

import re
from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations, aws_iam as iam
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule_ids: Iterable[str], reason: str) -> None:
    Validations.of(construct).acknowledge(
        *(Acknowledgment(id=rule_id, reason=reason) for rule_id in rule_ids)
    )


def acknowledge_wildcard_resources(
    construct: IConstruct, statements: Iterable[iam.PolicyStatement], reason: str
) -> None:
    """Acknowledge AwsSolutions-IAM5 for each wildcard resource the statements name, and only
    those: a wildcard added later without review still fails synth."""
    stack = Stack.of(construct)
    finding_ids = sorted(
        {
            f"AwsSolutions-IAM5[Resource::{rendered}]"
            for statement in statements
            for resource in statement.resources
            if "*" in (rendered := render_finding_resource(stack.resolve(resource)))
        }
    )
    acknowledge(construct, finding_ids, reason)


def render_finding_resource(value: Any) -> str:
    """Render a resolved CloudFormation value the way cdk-nag prints it in finding ids."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render_finding_resource(part) for part in parts)
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return re.sub(r"\$\{([^}]+)\}", r"<\1>", value["Fn::Sub"])
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding id")
