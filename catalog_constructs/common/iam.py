"""IAM names every stack agrees on."""

from aws_cdk import Stack

from catalog_constructs import contract


def product_roles_arn(stack: Stack) -> str:
    """Every role product templates create: they all live under the product path."""
    return stack.format_arn(
        service="iam",
        region="",
        resource="role",
        resource_name=contract.PRODUCT_ROLE_PATH.strip("/") + "/*",
    )
