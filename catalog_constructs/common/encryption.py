"""Customer-managed KMS keys the catalog's products encrypt with."""

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack, aws_iam as iam, aws_kms as kms
from constructs import Construct

# What a principal needs to encrypt and decrypt data at rest through an AWS service.
DATA_KEY_USE = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
)


def catalog_key(
    scope: Construct, construct_id: str, *, description: str, holds_data: bool = True
) -> kms.Key:
    """A rotating customer-managed key. A key that protects data at rest is retained, with the
    longest deletion window: deleting it makes everything encrypted with it unreadable. A key
    that protects messages in flight only is deleted with its stack."""
    return kms.Key(
        scope,
        construct_id,
        description=description,
        enable_key_rotation=True,
        removal_policy=RemovalPolicy.RETAIN if holds_data else RemovalPolicy.DESTROY,
        pending_window=Duration.days(30 if holds_data else 7),
    )


def allow_use_through_service(
    key: kms.IKey,
    *,
    sid: str,
    service: str,
    actions: Sequence[str] = DATA_KEY_USE,
    accounts: Sequence[str] | None = None,
) -> None:
    """Let any principal of ``accounts`` (default: this one) use ``key``, but only through
    ``service`` in this region: IAM and the service's own resource policies decide who may
    reach the data; the key policy only keeps the key from being used anywhere else."""
    stack = Stack.of(key)
    callers: str | list[str] = list(accounts) if accounts is not None else stack.account
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=sid,
            principals=[iam.AnyPrincipal()],
            actions=list(actions),
            resources=["*"],
            conditions={
                "StringEquals": {
                    "kms:CallerAccount": callers,
                    "kms:ViaService": f"{service}.{stack.region}.amazonaws.com",
                }
            },
        )
    )
