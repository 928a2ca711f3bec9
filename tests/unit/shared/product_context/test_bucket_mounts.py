"""Custom::BucketMounts: an owner mounts only their own buckets and those shared with them."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from catalog_constructs import contract
from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    bucket_mounts,
    dispatch,
)

REGION = "us-east-1"
STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abc/"
    "11111111-2222-3333-4444-555555555555"
)
OWNER = "AROAEXAMPLEOWNER:alice"
OTHER = "AROAEXAMPLEOWNER:bob"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        buckets = {
            "alice-data": {bucket_mounts.OWNER_USERID_TAG: OWNER},
            "bob-data": {bucket_mounts.OWNER_USERID_TAG: OTHER},
            "study-reference": {bucket_mounts.MOUNTABLE_BY_TAG: "genomics imaging"},
            "study-results": {bucket_mounts.WRITABLE_BY_TAG: "genomics"},
            "untagged": {},
        }
        for name, tags in buckets.items():
            client.create_bucket(Bucket=name)
            if tags:
                client.put_bucket_tagging(
                    Bucket=name,
                    Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]},
                )
        yield client


def event(read_only: object = "", read_write: object = "", **extra: str) -> dict[str, Any]:
    return {
        "RequestType": "Create",
        "StackId": STACK_ID,
        "ResourceType": "Custom::BucketMounts",
        "ResourceProperties": {
            "ReadOnlyBuckets": read_only,
            "ReadWriteBuckets": read_write,
            "OwnerAwsUserId": OWNER,
            "Community": "genomics",
            **extra,
        },
    }


def test_own_and_shared_buckets_are_granted_by_arn(s3: Any) -> None:
    physical_id, data = bucket_mounts.check_mounts(
        event(["study-reference", "alice-data"], ["study-results"]), s3=s3
    )
    assert physical_id == f"{STACK_ID}/bucket-mounts"
    assert data == {
        "ReadOnlyBucketArns": "arn:aws:s3:::study-reference,arn:aws:s3:::alice-data",
        "ReadOnlyObjectArns": "arn:aws:s3:::study-reference/*,arn:aws:s3:::alice-data/*",
        "ReadWriteBucketArns": "arn:aws:s3:::study-results",
        "ReadWriteObjectArns": "arn:aws:s3:::study-results/*",
    }


def test_empty_lists_grant_nothing(s3: Any) -> None:
    # CloudFormation passes an empty CommaDelimitedList as [""].
    _, data = bucket_mounts.check_mounts(event([""], [""]), s3=s3)
    assert set(data.values()) == {""}


def test_another_owners_bucket_is_refused(s3: Any) -> None:
    with pytest.raises(bucket_mounts.MountRefused, match="bob-data is neither yours nor shared"):
        bucket_mounts.check_mounts(event(["bob-data"]), s3=s3)


def test_untagged_and_missing_buckets_are_refused_together(s3: Any) -> None:
    with pytest.raises(bucket_mounts.MountRefused) as refused:
        bucket_mounts.check_mounts(event(["untagged", "no-such-bucket"]), s3=s3)
    message = str(refused.value)
    assert "untagged is neither yours nor shared" in message
    assert "no-such-bucket does not exist" in message
    assert bucket_mounts.MOUNTABLE_BY_TAG in message


def test_read_only_share_cannot_be_mounted_read_write(s3: Any) -> None:
    with pytest.raises(bucket_mounts.MountRefused, match="shared with the genomics community read"):
        bucket_mounts.check_mounts(event(read_write=["study-reference"]), s3=s3)


def test_share_with_another_community_is_refused(s3: Any) -> None:
    with pytest.raises(bucket_mounts.MountRefused, match="shared with the proteomics community"):
        bucket_mounts.check_mounts(event(["study-reference"], Community="proteomics"), s3=s3)


def test_own_bucket_may_be_written(s3: Any) -> None:
    _, data = bucket_mounts.check_mounts(event(read_write=["alice-data"]), s3=s3)
    assert data["ReadWriteBucketArns"] == "arn:aws:s3:::alice-data"


def test_bucket_in_both_lists_is_refused(s3: Any) -> None:
    with pytest.raises(bucket_mounts.MountRefused, match="both read-only and read-write: alice"):
        bucket_mounts.check_mounts(event(["alice-data"], ["alice-data"]), s3=s3)


@pytest.mark.parametrize("name", ["Upper", "ab", "has_underscore", "s3://alice-data", "a..b"])
def test_malformed_names_are_refused_before_any_call(name: str) -> None:
    with pytest.raises(bucket_mounts.MountRefused, match="not S3 bucket names"):
        bucket_mounts.check_mounts(event([name]), s3=None)


def test_too_many_buckets_are_refused() -> None:
    names = [f"bucket-{number:02d}" for number in range(bucket_mounts.MAX_MOUNTS + 1)]
    with pytest.raises(bucket_mounts.MountRefused, match="at most 10"):
        bucket_mounts.check_mounts(event(names), s3=None)


def test_duplicates_are_mounted_once(s3: Any) -> None:
    _, data = bucket_mounts.check_mounts(event(["alice-data", " alice-data "]), s3=s3)
    assert data["ReadOnlyBucketArns"] == "arn:aws:s3:::alice-data"


def test_handler_answers_failed_with_the_refusal(s3: Any, captured: Any) -> None:
    request = {
        **event(["bob-data"]),
        "ResponseURL": "https://cloudformation-custom-resource-response.example/x",
        "RequestId": "1",
        "LogicalResourceId": "BucketMounts",
    }
    dispatch.handler(
        request,
        None,
        send=captured,
        client=lambda service: s3,
    )
    assert [response["Status"] for response in captured.bodies] == ["FAILED"]
    assert "bob-data is neither yours nor shared" in captured.bodies[0]["Reason"]


def test_the_sharing_tags_are_the_contracts() -> None:
    # The handler is a self-contained Lambda asset with its own copy of the names; the docs and
    # the operator guide tell operators the contract's.
    assert bucket_mounts.MOUNTABLE_BY_TAG == contract.MOUNTABLE_BY_TAG
    assert bucket_mounts.WRITABLE_BY_TAG == contract.WRITABLE_BY_TAG


class ForeignBucketS3:
    """moto's S3 plus one bucket of another account (999999999999) whose policy lets anyone
    read its tags and which carries the owner's tag.

    moto keeps every bucket in one account and ignores ``ExpectedBucketOwner``; this wrapper
    answers as S3 documents it: AccessDenied when the named owner is not the bucket's. Whether
    real S3 refuses in exactly this way is not something an offline test can show."""

    FOREIGN = "foreign-data"
    FOREIGN_ACCOUNT = "999999999999"

    def __init__(self, real: Any) -> None:
        self.real = real
        self.expected_owners: list[str | None] = []

    def get_bucket_tagging(self, **kwargs: Any) -> Any:
        self.expected_owners.append(kwargs.get("ExpectedBucketOwner"))
        if kwargs["Bucket"] != self.FOREIGN:
            return self.real.get_bucket_tagging(**kwargs)
        if kwargs.get("ExpectedBucketOwner", self.FOREIGN_ACCOUNT) != self.FOREIGN_ACCOUNT:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDenied"}}, "GetBucketTagging")
        return {"TagSet": [{"Key": bucket_mounts.OWNER_USERID_TAG, "Value": OWNER}]}


def test_a_bucket_of_another_account_with_the_owners_tag_is_refused(s3: Any) -> None:
    foreign = ForeignBucketS3(s3)
    with pytest.raises(bucket_mounts.MountRefused, match="foreign-data is not a bucket of this"):
        bucket_mounts.check_mounts(event(read_write=[foreign.FOREIGN]), s3=foreign)
    assert foreign.expected_owners == ["123456789012"]


def test_every_tag_read_names_the_stacks_account(s3: Any) -> None:
    recording = ForeignBucketS3(s3)
    bucket_mounts.check_mounts(event(["alice-data", "study-reference"]), s3=recording)
    assert recording.expected_owners == ["123456789012", "123456789012"]


def test_a_request_without_an_account_in_its_stack_id_is_refused(s3: Any) -> None:
    with pytest.raises(bucket_mounts.MountRefused, match="names no account"):
        bucket_mounts.check_mounts({**event(["alice-data"]), "StackId": "not-an-arn"}, s3=s3)


def test_studio_training_data_gets_exactly_its_buckets_default_key(s3: Any) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/study", TargetKeyId=key["KeyId"])
    encrypted = {"alice-data": key["Arn"], "study-reference": "alias/study"}
    for name, key_id in encrypted.items():
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key_id,
                        }
                    }
                ]
            },
        )
    for name in encrypted:
        _, data = bucket_mounts.check_mounts(event([name], ResolveKeys="true"), s3=s3, kms=kms)
        assert data["ReadOnlyKeyArns"] == key["Arn"], name


def test_a_bucket_without_a_customer_key_gets_a_key_arn_that_names_none(s3: Any) -> None:
    _, data = bucket_mounts.check_mounts(
        event(["study-reference"], ResolveKeys="true"), s3=s3, kms=None
    )
    assert data["ReadOnlyKeyArns"] == "arn:aws:kms:us-east-1:123456789012:key/none"


def test_workstation_mounts_resolve_no_keys(s3: Any) -> None:
    _, data = bucket_mounts.check_mounts(event(["alice-data"]), s3=s3, kms=None)
    assert "ReadOnlyKeyArns" not in data
