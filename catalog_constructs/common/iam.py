"""IAM names every stack agrees on, and IAM's size limit on managed policies."""

import json

from aws_cdk import Stack, aws_iam as iam

from catalog_constructs import contract


def product_roles_arn(stack: Stack) -> str:
    """Every role product templates create: they all live under the product path."""
    return stack.format_arn(
        service="iam",
        region="",
        resource="role",
        resource_name=contract.PRODUCT_ROLE_PATH.strip("/") + "/*",
    )


def read_parameters_by_path(stack: Stack, sid: str, path: str) -> iam.PolicyStatement:
    """``ssm:GetParametersByPath`` on one path of parameters (IAM matches the path the call
    names, so the grant is the path's own ARN, not a wildcard below it)."""
    return iam.PolicyStatement(
        sid=sid,
        actions=["ssm:GetParametersByPath"],
        resources=[
            stack.format_arn(service="ssm", resource="parameter", resource_name=path.lstrip("/"))
        ],
    )


# IAM refuses a managed policy over 6,144 characters, white space not counted.
MANAGED_POLICY_MAX_CHARS = 6144
# The document around the statements ({"Version":"2012-10-17","Statement":[...]}).
_ENVELOPE_CHARS = 64


def statements_per_policy(
    stack: Stack, statements: list[iam.PolicyStatement]
) -> list[list[iam.PolicyStatement]]:
    """``statements`` in order, grouped so that each group fits one managed policy. Sizes are
    measured on the synthesized JSON, whose intrinsics (Fn::Join of the partition, imported
    values) are longer than the ARNs IAM finally sees, so the estimate errs on the safe side."""
    groups: list[list[iam.PolicyStatement]] = [[]]
    used = _ENVELOPE_CHARS
    for statement in statements:
        size = len(json.dumps(stack.resolve(statement.to_statement_json()), separators=(",", ":")))
        if groups[-1] and used + size + 1 > MANAGED_POLICY_MAX_CHARS:
            groups.append([])
            used = _ENVELOPE_CHARS
        groups[-1].append(statement)
        used += size + 1
    return groups
