"""Fixtures of the bucket-function tests: an example account and the functions' settings in
it, moto's S3, and product buckets as the bucket products create them."""

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from catalog_constructs.shared.storage.handler.storage_handlers import (
    access,
    s3_calls,
    settings as bucket_settings,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/BreakGlass"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/research-catalog-bucket-access"
PURGE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/research-catalog-bucket-purge"
ENVIRON = {
    "ACCOUNT": ACCOUNT,
    "PARTITION": "aws",
    "REGION": REGION,
    "ADMIN_ROLE_ARNS": json.dumps([ADMIN]),
    "SERVICE_ROLE_ARNS": json.dumps([ACCESS_ROLE, PURGE_ROLE]),
    "LAUNCH_ROLE_PATTERN": f"arn:aws:iam::{ACCOUNT}:role/research-catalog-launch-storage",
    "PRODUCT_ROLE_PATTERN": f"arn:aws:iam::{ACCOUNT}:role/research-catalog/products/*",
    "SYNAPSE_ACCOUNT": "325565585839",
    "SYNAPSE_ORIGINS": json.dumps(["https://www.synapse.org"]),
    "VPC_ID": "vpc-0123456789abcdef0",
    "ARCHIVE_DAYS": "30",
    "NOTICE_DAYS": "7",
    "SENDER": "catalog@example.org",
    "OPERATORS_EMAIL": "ops@example.org",
    "DRY_RUN": "false",
}


@dataclass(frozen=True)
class Example:
    """The example account, its roles and the bucket functions' environment in it."""

    account: str = ACCOUNT
    region: str = REGION
    owner: str = "AROAEXAMPLEROLEID:alice"
    admin: str = ADMIN
    access_role: str = ACCESS_ROLE
    purge_role: str = PURGE_ROLE
    today: dt.date = dt.date(2026, 3, 1)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(ENVIRON))

    @property
    def settings(self) -> bucket_settings.Settings:
        return bucket_settings.Settings.from_environ(self.environ)


@pytest.fixture
def example() -> Example:
    return Example()


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch, aws_credentials: None, example: Example) -> Iterator[None]:
    for name, value in example.environ.items():
        monkeypatch.setenv(name, value)
    # moto applies bucket-policy Deny statements but ignores their conditions, so it would
    # deny the purge role the archive policy exempts. The policies are asserted statement by
    # statement instead; moto stores them and serves the data operations.
    monkeypatch.setattr(FakeBucket, "get_permission", lambda *_: PermissionResult.NEUTRAL)
    with mock_aws():
        yield


@pytest.fixture
def s3(example: Example) -> Any:
    return boto3.client("s3", region_name=example.region)


class Buckets:
    """Product buckets in moto's S3, and what the tests read back from them."""

    def __init__(self, s3: Any, example: Example) -> None:
        self.s3 = s3
        self.example = example

    def product_bucket(self, name: str, *, kind: str = "private") -> None:
        self.s3.create_bucket(Bucket=name)
        self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        self.s3.put_bucket_tagging(
            Bucket=name,
            Tagging={
                "TagSet": [
                    {"Key": bucket_settings.PRODUCT_TAG, "Value": f"{kind}-bucket"},
                    {"Key": bucket_settings.OWNER_USERID_TAG, "Value": self.example.owner},
                    {"Key": bucket_settings.OWNER_EMAIL_TAG, "Value": "alice@example.org"},
                ]
            },
        )

    def statements(self, bucket: str) -> dict[str, dict[str, Any]]:
        policy = json.loads(self.s3.get_bucket_policy(Bucket=bucket)["Policy"])
        return {statement.get("Sid", ""): statement for statement in policy["Statement"]}

    def tags(self, bucket: str) -> dict[str, str]:
        return s3_calls.bucket_tags(self.s3, bucket)

    def archived(self, bucket: str, *, on: dt.date, noticed: dt.date | None = None) -> None:
        access.archive(
            bucket, self.example.settings, self.s3, kind="private", restrict=False, today=on
        )
        if noticed is not None:
            current = self.tags(bucket)
            current[bucket_settings.NOTICE_TAG] = noticed.isoformat()
            s3_calls.put_bucket_tags(self.s3, bucket, current)

    def exists(self, bucket: str) -> bool:
        return s3_calls.bucket_exists(self.s3, bucket)


@pytest.fixture
def buckets(s3: Any, example: Example) -> Buckets:
    return Buckets(s3, example)


EventMaker = Callable[..., dict[str, Any]]


@pytest.fixture
def event(example: Any) -> EventMaker:
    """A request of the bucket products' ``Custom::ProductBucket`` for the example owner."""

    def make(request_type: str, bucket: str, **properties: Any) -> dict[str, Any]:
        account, region = example.account, example.region
        result: dict[str, Any] = {
            "RequestType": request_type,
            "ResponseURL": "https://example.com/signed",
            "StackId": f"arn:aws:cloudformation:{region}:{account}:stack/SC-{account}-pp-x/guid",
            "RequestId": "request",
            "LogicalResourceId": "StorageAccess",
            "ResourceType": "Custom::ProductBucket",
            "ResourceProperties": {
                "BucketName": bucket,
                "Kind": "private",
                "OwnerAwsUserId": example.owner,
                "RestrictDownloadsToRegion": "false",
                **properties,
            },
        }
        if request_type != "Create":
            result["PhysicalResourceId"] = bucket
        return result

    return make
