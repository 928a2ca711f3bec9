"""Statement builders more than one family's launch role uses."""

from aws_cdk import Stack, aws_iam as iam, aws_kms as kms

from catalog_constructs import contract

# CloudFormation calls custom-resource functions with the launch role's credentials through
# forward access sessions, which carry aws:CalledVia
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-calledvia).
# ForAnyValue: Service Catalog may precede CloudFormation in the chain.
ONLY_THROUGH_CLOUDFORMATION = {
    "ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}
}


def arn(stack: Stack, service: str, resource: str, name: str, *, region: str | None = None) -> str:
    return stack.format_arn(service=service, resource=resource, resource_name=name, region=region)


def stack_secrets(stack: Stack, *, sid: str, key: kms.IKey) -> list[iam.PolicyStatement]:
    """Secrets a product template names after its stack ("SC-..."), encrypted with ``key``."""
    region_account = f"{stack.region}:{stack.account}"
    return [
        iam.PolicyStatement(
            sid=sid,
            actions=[
                "secretsmanager:CreateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:UpdateSecret",
                "secretsmanager:TagResource",
                "secretsmanager:UntagResource",
                "secretsmanager:PutResourcePolicy",
                "secretsmanager:DeleteResourcePolicy",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:ValidateResourcePolicy",
            ],
            resources=[
                f"arn:{stack.partition}:secretsmanager:{region_account}:secret:"
                f"{contract.PROVISIONED_STACK_PREFIX}*"
            ],
        ),
        iam.PolicyStatement(
            # CreateSecret encrypts the initial value with the key.
            sid=f"Encrypt{sid}",
            actions=["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
            resources=[key.key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"}
            },
        ),
    ]
