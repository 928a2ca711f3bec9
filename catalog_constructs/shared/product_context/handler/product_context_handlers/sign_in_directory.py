"""The owner's verified user name and e-mail, for members of sign-in communities.

The sign-in service puts them in the owner's session as session tags, but nothing can read a
session's tags back after the fact (Service Catalog tags a provisioned stack with the session's
ARN only). So the service also records them, by user ID (the session name), in a table the
SignIn stack owns; this reads that record.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from .common import Client, ProductContextError, as_email, error_code


@dataclass(frozen=True)
class SignedInOwner:
    username: str
    email: str


def signed_in_owner(table: str, user_id: str, *, dynamodb: Client) -> SignedInOwner | None:
    """The record of ``user_id``, or None if the user never signed in through the service."""
    if not table:
        raise ProductContextError(
            "product-context function is misconfigured: SIGN_IN_USERS_TABLE is not set but a "
            "sign-in community launched a product"
        )
    try:
        item = dynamodb.get_item(
            TableName=table, Key={"user_id": {"S": user_id}}, ConsistentRead=True
        ).get("Item")
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        raise ProductContextError(
            f"the sign-in users table {table} does not exist: deploy the stage's SignIn stack"
        ) from error
    if not item:
        return None
    return SignedInOwner(
        username=str(item.get("username", {}).get("S", "")),
        email=as_email(str(item.get("email", {}).get("S", ""))),
    )
