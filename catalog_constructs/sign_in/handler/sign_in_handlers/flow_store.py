"""Single-use state of the browser sign-in, in a DynamoDB table with TTL.

Why a table and not signed cookies alone: a signed cookie proves the service issued a value,
not that it was used only once. Here each sign-in is one item, keyed by a hash of its ``state``,
that the callback deletes *conditionally* and reads in the same call: of two callbacks with the
same state (a replayed or double-submitted response) exactly one gets the item. The item holds
the PKCE verifier, a hash of the nonce and a hash of the browser's binding cookie; the raw state
and nonce exist only in the browser and at the provider. Each verified ID token's nonce is then
recorded until the token expires, so a token cannot be used twice either. DynamoDB's TTL removes
items some time after ``expires_at``; the code checks the time itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

STATE_SECONDS = 600


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PendingSignIn:
    community: str
    nonce_hash: str
    verifier: str
    binding_hash: str
    expires_at: int


class FlowStore:
    def __init__(self, table: str, dynamodb: Any) -> None:
        self._table = table
        self._dynamodb = dynamodb

    def begin(self, *, state: str, pending: PendingSignIn) -> None:
        self._dynamodb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"state#{digest(state)}"},
                "community": {"S": pending.community},
                "nonce_hash": {"S": pending.nonce_hash},
                "verifier": {"S": pending.verifier},
                "binding_hash": {"S": pending.binding_hash},
                "expires_at": {"N": str(pending.expires_at)},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    def consume(self, state: str) -> PendingSignIn | None:
        """The pending sign-in of ``state``, removed; None if there is none (never issued,
        already used, or removed by TTL)."""
        try:
            answer = self._dynamodb.delete_item(
                TableName=self._table,
                Key={"pk": {"S": f"state#{digest(state)}"}},
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        item: Mapping[str, Any] = answer.get("Attributes") or {}
        return PendingSignIn(
            community=item["community"]["S"],
            nonce_hash=item["nonce_hash"]["S"],
            verifier=item["verifier"]["S"],
            binding_hash=item["binding_hash"]["S"],
            expires_at=int(item["expires_at"]["N"]),
        )

    def spend_nonce(self, nonce: str, *, expires_at: int) -> bool:
        """Record a verified token's nonce; False if it was already recorded (a replay)."""
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={"pk": {"S": f"nonce#{digest(nonce)}"}, "expires_at": {"N": str(expires_at)}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
