"""Who the product-bucket policy lets in, decided the way IAM decides (``tests/iam_eval.py``):
the owner, the product roles whose own policy names the bucket, nobody else; and restricted
downloads only through the catalog's VPC.

The evaluator models identity and bucket policies of one account (see its docstring for what
it leaves out: boundaries, SCPs, KMS, and which keys AWS really puts into a request); the
request contexts below are the keys IAM documents for S3 requests by a role session.
"""

from typing import Any

import pytest

from catalog_constructs.shared.storage.handler.storage_handlers import policies, settings
from tests.iam_eval import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Request, decide

ACCOUNT = "123456789012"
OWNER = "AROAEXAMPLEROLEID:alice"
OWNER_TAG = f"aws:PrincipalTag/{settings.OWNER_USERID_TAG}"
PRODUCT_ROLES = f"arn:aws:iam::{ACCOUNT}:role/research-catalog/products/"
BUCKET = "alice-data"
OBJECT = f"arn:aws:s3:::{BUCKET}/results/run-1.csv"


def bucket_policy(example: Any, *, kind: str = "private", restrict: bool = False) -> list[Any]:
    spec = settings.BucketSpec(
        bucket=BUCKET,
        kind=kind,
        owner_user_id=OWNER,
        restrict_region=restrict,
        synapse_ids=("3345678",) if kind == "synapse" else (),
    )
    return policies.owner_statements(spec, example.settings)


def role_request(
    name: str, owner: str = OWNER, action: str = "s3:GetObject", resource: str = OBJECT, **more: Any
) -> Request:
    """A product role's session (``<RoleId>:<session>``), tagged with ``owner``."""
    return Request(
        action=action,
        resource=resource,
        principal_arn=PRODUCT_ROLES + name,
        account=ACCOUNT,
        resource_account=ACCOUNT,
        context={
            "aws:userid": f"AROA{name.upper().replace('-', '')}:i-0abc",
            "aws:PrincipalArn": PRODUCT_ROLES + name,
            "aws:PrincipalAccount": ACCOUNT,
            OWNER_TAG: owner,
            "aws:SecureTransport": "true",
            **more,
        },
    )


def owner_request(action: str = "s3:GetObject", resource: str = OBJECT, **more: Any) -> Request:
    principal = f"arn:aws:iam::{ACCOUNT}:role/Researchers"
    return Request(
        action=action,
        resource=resource,
        principal_arn=principal,
        account=ACCOUNT,
        resource_account=ACCOUNT,
        context={
            "aws:userid": OWNER,
            "aws:PrincipalArn": principal,
            "aws:PrincipalAccount": ACCOUNT,
            "aws:SecureTransport": "true",
            **more,
        },
    )


MOUNT_GRANT = [
    {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
]


def test_a_role_tagged_with_the_owner_but_given_no_bucket_is_not_let_in(example: Any) -> None:
    # A job role, a Studio team's shared role or a workstation that mounts other buckets.
    decision = decide(role_request("job-role"), resource=bucket_policy(example))
    assert decision == IMPLICIT_DENY


def test_a_role_given_the_bucket_by_its_own_policy_is_let_in(example: Any) -> None:
    decision = decide(
        role_request("workstation-role"), identity=MOUNT_GRANT, resource=bucket_policy(example)
    )
    assert decision == ALLOW


def test_another_owners_role_is_denied_even_with_a_grant(example: Any) -> None:
    request = role_request("bobs-workstation", owner="AROAEXAMPLEROLEID:bob")
    decision = decide(request, identity=MOUNT_GRANT, resource=bucket_policy(example))
    assert decision == EXPLICIT_DENY


def test_the_owner_is_let_in_by_the_bucket_policy_alone(example: Any) -> None:
    assert decide(owner_request(), resource=bucket_policy(example)) == ALLOW


def test_a_colleague_with_broad_s3_rights_is_denied(example: Any) -> None:
    colleague = owner_request()
    colleague = Request(
        **{
            **colleague.__dict__,
            "context": {**colleague.context, "aws:userid": "AROAEXAMPLEROLEID:bob"},
        }
    )
    broad = [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
    assert decide(colleague, identity=broad, resource=bucket_policy(example)) == EXPLICIT_DENY


VPC = "vpc-0123456789abcdef0"


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"aws:SourceVpc": VPC}, ALLOW),
        ({}, EXPLICIT_DENY),  # the internet, the console
        ({"aws:SourceVpc": "vpc-0fffffffffffffff0"}, EXPLICIT_DENY),  # another VPC's endpoint
    ],
    ids=["catalog-vpc", "internet", "other-vpc"],
)
def test_restricted_downloads_only_through_the_catalogs_vpc(
    example: Any, context: dict[str, str], expected: str
) -> None:
    assert example.settings.vpc_id == VPC
    policy = bucket_policy(example, restrict=True)
    assert decide(owner_request(**context), resource=policy) == expected


def test_tagging_an_object_as_the_owner_file_does_not_lift_the_restriction(
    example: Any,
) -> None:
    request = owner_request(**{f"s3:ExistingObjectTag/{settings.OWNER_FILE_TAG}": "true"})
    for kind in ("private", "synapse"):
        policy = bucket_policy(example, kind=kind, restrict=True)
        assert decide(request, resource=policy) == EXPLICIT_DENY, kind


def test_synapse_reads_owner_file_from_anywhere_but_nobody_else_writes_it(example: Any) -> None:
    policy = bucket_policy(example, kind="synapse", restrict=True)
    owner_file = f"arn:aws:s3:::{BUCKET}/{settings.OWNER_FILE}"
    synapse_root = "arn:aws:iam::325565585839:root"
    synapse = Request(
        action="s3:GetObject",
        resource=owner_file,
        principal_arn=synapse_root,
        account="325565585839",
        resource_account=ACCOUNT,
        context={"aws:PrincipalAccount": "325565585839", "aws:PrincipalArn": synapse_root},
    )
    synapse_grant = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    assert decide(synapse, identity=synapse_grant, resource=policy) == ALLOW
    overwrite = owner_request(action="s3:PutObject", resource=owner_file, **{"aws:SourceVpc": VPC})
    assert decide(overwrite, resource=policy) == EXPLICIT_DENY
    old_version = owner_request(action="s3:GetObjectVersion", resource=owner_file)
    assert decide(old_version, resource=policy) == EXPLICIT_DENY
    function = Request(
        action="s3:PutObject",
        resource=owner_file,
        principal_arn=example.access_role,
        account=ACCOUNT,
        resource_account=ACCOUNT,
        context={"aws:PrincipalArn": example.access_role, "aws:PrincipalAccount": ACCOUNT},
    )
    function_grant = [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]
    assert decide(function, identity=function_grant, resource=policy) == ALLOW
