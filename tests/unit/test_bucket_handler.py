"""The bucket-access custom resource, the restore command and the purge, against moto's S3."""

import datetime as dt
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from catalog_constructs.shared.storage.handler import index

ACCOUNT = "123456789012"
REGION = "us-east-1"
OWNER = "AROAEXAMPLEROLEID:alice"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/BreakGlass"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/research-catalog-bucket-access"
PURGE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/research-catalog-bucket-purge"
TODAY = dt.date(2026, 3, 1)
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
    "ARCHIVE_DAYS": "30",
    "NOTICE_DAYS": "7",
    "SENDER": "catalog@example.org",
    "OPERATORS_EMAIL": "ops@example.org",
    "DRY_RUN": "false",
}
SETTINGS = index.Settings.from_environ(ENVIRON)
CONTEXT = SimpleNamespace(log_stream_name="stream")


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name, value in ENVIRON.items():
        monkeypatch.setenv(name, value)
    # moto applies bucket-policy Deny statements but ignores their conditions, so it would
    # deny the purge role the archive policy exempts. The policies are asserted statement by
    # statement instead; moto stores them and serves the data operations.
    monkeypatch.setattr(FakeBucket, "get_permission", lambda *_: PermissionResult.NEUTRAL)
    with mock_aws():
        yield


@pytest.fixture
def s3() -> Any:
    return boto3.client("s3", region_name=REGION)


class Mailbox:
    """Stands in for SES v2 and keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_email(self, **kwargs: Any) -> dict[str, str]:
        self.sent.append(kwargs)
        return {"MessageId": str(len(self.sent))}

    @property
    def subjects(self) -> list[str]:
        return [mail["Content"]["Simple"]["Subject"]["Data"] for mail in self.sent]


class Captured:
    def __init__(self) -> None:
        self.responses: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes) -> None:
        self.responses.append(json.loads(body))

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.responses) == 1
        return self.responses[0]


def product_bucket(s3: Any, name: str, *, kind: str = "private") -> None:
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(
        Bucket=name,
        Tagging={
            "TagSet": [
                {"Key": index.PRODUCT_TAG, "Value": f"{kind}-bucket"},
                {"Key": index.OWNER_USERID_TAG, "Value": OWNER},
                {"Key": index.OWNER_EMAIL_TAG, "Value": "alice@example.org"},
            ]
        },
    )


def event(request_type: str, bucket: str, **properties: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": "https://example.com/signed",
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-{ACCOUNT}-pp-x/guid",
        "RequestId": "request",
        "LogicalResourceId": "StorageAccess",
        "ResourceType": "Custom::ProductBucket",
        "ResourceProperties": {
            "BucketName": bucket,
            "Kind": "private",
            "OwnerAwsUserId": OWNER,
            "RestrictDownloadsToRegion": "false",
            **properties,
        },
    }
    if request_type != "Create":
        result["PhysicalResourceId"] = bucket
    return result


def statements(s3: Any, bucket: str) -> dict[str, dict[str, Any]]:
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    return {statement.get("Sid", ""): statement for statement in policy["Statement"]}


def tags(s3: Any, bucket: str) -> dict[str, str]:
    return index.bucket_tags(s3, bucket)


def archived(s3: Any, bucket: str, *, on: dt.date, noticed: dt.date | None = None) -> None:
    index.archive(bucket, SETTINGS, s3, kind="private", restrict=False, today=on)
    if noticed is not None:
        current = tags(s3, bucket)
        current[index.NOTICE_TAG] = noticed.isoformat()
        index.put_bucket_tags(s3, bucket, current)


def exists(s3: Any, bucket: str) -> bool:
    return index.bucket_exists(s3, bucket)


# ---- custom resource


def test_create_writes_owner_only_tls_only_policy(s3: Any) -> None:
    product_bucket(s3, "alice-data")
    captured = Captured()
    index.handler(event("Create", "alice-data"), CONTEXT, send=captured)

    assert captured.only["Status"] == "SUCCESS"
    assert captured.only["PhysicalResourceId"] == "alice-data"
    policy = statements(s3, "alice-data")
    tls = policy["ResearchCatalogDenyInsecureTransport"]
    assert tls["Effect"] == "Deny" and tls["Action"] == "s3:*"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    owner = policy["ResearchCatalogOwner"]
    assert owner["Effect"] == "Allow"
    assert owner["Condition"]["StringEquals"] == {
        "aws:userid": OWNER,
        "aws:PrincipalAccount": ACCOUNT,
    }
    assert "s3:DeleteObjectVersion" not in owner["Action"]
    others = policy["ResearchCatalogDenyEveryoneElse"]
    assert others["Effect"] == "Deny"
    assert others["Condition"]["StringNotEquals"] == {"aws:userid": OWNER}
    exempt = others["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert ADMIN in exempt and ENVIRON["PRODUCT_ROLE_PATTERN"] in exempt
    instances = policy["ResearchCatalogDenyOtherOwnersInstances"]["Condition"]
    assert instances["StringNotEquals"] == {f"aws:PrincipalTag/{index.OWNER_USERID_TAG}": OWNER}
    own_instances = policy["ResearchCatalogOwnerInstances"]["Condition"]
    assert own_instances["ArnLike"] == {"aws:PrincipalArn": ENVIRON["PRODUCT_ROLE_PATTERN"]}
    assert not any("Synapse" in sid or "Region" in sid for sid in policy)


def test_region_restriction_denies_downloads_outside_vpc_endpoints(s3: Any) -> None:
    product_bucket(s3, "alice-data")
    index.handler(
        event("Create", "alice-data", RestrictDownloadsToRegion="true"), CONTEXT, send=Captured()
    )
    restriction = statements(s3, "alice-data")["ResearchCatalogDownloadsOnlyInRegion"]
    assert restriction["Effect"] == "Deny"
    assert restriction["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert restriction["Condition"]["Null"] == {"aws:SourceVpc": "true"}


def test_synapse_bucket_gets_owner_file_cors_and_only_synapse_access(s3: Any) -> None:
    product_bucket(s3, "alice-synapse", kind="synapse")
    index.handler(
        event("Create", "alice-synapse", Kind="synapse", SynapseIds="3345678,3412345"),
        CONTEXT,
        send=Captured(),
    )
    body = s3.get_object(Bucket="alice-synapse", Key="owner.txt")["Body"].read()
    assert body == b"3345678,3412345"
    object_tags = s3.get_object_tagging(Bucket="alice-synapse", Key="owner.txt")["TagSet"]
    assert {"Key": index.OWNER_FILE_TAG, "Value": "true"} in object_tags
    rules = s3.get_bucket_cors(Bucket="alice-synapse")["CORSRules"]
    assert [rule["AllowedOrigins"] for rule in rules] == [["https://www.synapse.org"]]
    policy = statements(s3, "alice-synapse")
    synapse_root = {"AWS": "arn:aws:iam::325565585839:root"}
    assert policy["ResearchCatalogSynapseObjects"]["Principal"] == synapse_root
    assert set(policy["ResearchCatalogSynapseObjects"]["Action"]) == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
    }
    assert policy["ResearchCatalogSynapseListBucket"]["Resource"] == "arn:aws:s3:::alice-synapse"
    deny = policy["ResearchCatalogDenyEveryoneElse"]["Condition"]["StringNotEquals"]
    assert deny["aws:PrincipalAccount"] == "325565585839"


def test_bad_synapse_ids_fail_with_a_clear_reason(s3: Any) -> None:
    product_bucket(s3, "alice-synapse", kind="synapse")
    captured = Captured()
    index.handler(
        event("Create", "alice-synapse", Kind="synapse", SynapseIds="alice"),
        CONTEXT,
        send=captured,
    )
    assert captured.only["Status"] == "FAILED"
    assert "numeric Synapse user or team IDs" in captured.only["Reason"]
    # The rollback retains the bucket; its Delete archives it so that the purge removes it.
    assert captured.only["PhysicalResourceId"] == "alice-synapse"
    index.handler(
        event("Delete", "alice-synapse", Kind="synapse"), CONTEXT, send=Captured(), today=TODAY
    )
    assert tags(s3, "alice-synapse")[index.ARCHIVED_TAG] == "2026-03-01"


def test_update_replaces_own_statements_and_keeps_administrators_additions(s3: Any) -> None:
    product_bucket(s3, "alice-data")
    index.handler(event("Create", "alice-data"), CONTEXT, send=Captured())
    policy = json.loads(s3.get_bucket_policy(Bucket="alice-data")["Policy"])
    added = {"Sid": "MacieScan", "Effect": "Allow", "Principal": {"AWS": ADMIN}}
    added |= {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::alice-data/*"}
    policy["Statement"].append(added)
    s3.put_bucket_policy(Bucket="alice-data", Policy=json.dumps(policy))

    index.handler(
        event("Update", "alice-data", RestrictDownloadsToRegion="true"), CONTEXT, send=Captured()
    )
    after = json.loads(s3.get_bucket_policy(Bucket="alice-data")["Policy"])["Statement"]
    sids = [statement["Sid"] for statement in after]
    assert sids.count("ResearchCatalogOwner") == 1
    assert "MacieScan" in sids and "ResearchCatalogDownloadsOnlyInRegion" in sids


def test_delete_archives_the_bucket(s3: Any) -> None:
    product_bucket(s3, "alice-data")
    s3.put_object(Bucket="alice-data", Key="data.csv", Body=b"1,2")
    index.handler(event("Create", "alice-data"), CONTEXT, send=Captured())
    captured = Captured()
    index.handler(
        event("Delete", "alice-data", RestrictDownloadsToRegion="true"),
        CONTEXT,
        send=captured,
        today=TODAY,
    )

    assert captured.only["Status"] == "SUCCESS"
    policy = statements(s3, "alice-data")
    assert set(policy) == {"ResearchCatalogDenyInsecureTransport", index.ARCHIVED_SID}
    lock = policy[index.ARCHIVED_SID]
    assert lock["Effect"] == "Deny" and lock["Action"] == "s3:*"
    assert lock["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [ADMIN, ACCESS_ROLE, PURGE_ROLE]
    current = tags(s3, "alice-data")
    assert current[index.ARCHIVED_TAG] == "2026-03-01"
    assert current[index.RESTRICT_TAG] == "true"
    assert current[index.OWNER_USERID_TAG] == OWNER
    # Data is kept.
    assert s3.get_object(Bucket="alice-data", Key="data.csv")["Body"].read() == b"1,2"


def test_delete_of_a_bucket_already_gone_or_never_created_succeeds(s3: Any) -> None:
    for physical_id in ("gone-bucket", event("Create", "x")["StackId"]):
        captured = Captured()
        request = event("Delete", "gone-bucket")
        request["PhysicalResourceId"] = physical_id
        index.handler(request, CONTEXT, send=captured)
        assert captured.only["Status"] == "SUCCESS"
        assert captured.only["PhysicalResourceId"] == physical_id


def test_renaming_moves_the_owner_policy_and_archives_the_old_bucket(s3: Any) -> None:
    product_bucket(s3, "alice-old")
    product_bucket(s3, "alice-new")
    index.handler(event("Create", "alice-old"), CONTEXT, send=Captured())
    update = event("Update", "alice-new")
    update["PhysicalResourceId"] = "alice-old"
    captured = Captured()

    index.handler(update, CONTEXT, send=captured, today=TODAY)
    # CloudFormation deletes the old physical resource after a replacement.
    index.handler(event("Delete", "alice-old"), CONTEXT, send=Captured(), today=TODAY)

    assert captured.only["PhysicalResourceId"] == "alice-new"
    assert "ResearchCatalogOwner" in statements(s3, "alice-new")
    assert index.ARCHIVED_SID in statements(s3, "alice-old")
    assert tags(s3, "alice-old")[index.ARCHIVED_TAG] == "2026-03-01"
    assert index.ARCHIVED_TAG not in tags(s3, "alice-new")


# ---- restore


def test_restore_puts_the_owner_policy_back(s3: Any) -> None:
    product_bucket(s3, "alice-data")
    index.archive("alice-data", SETTINGS, s3, kind="private", restrict=True, today=TODAY)

    result = index.handler({"Action": "restore", "Bucket": "alice-data"}, CONTEXT, today=TODAY)

    assert result["status"] == "restored" and result["owner"] == OWNER
    policy = statements(s3, "alice-data")
    assert index.ARCHIVED_SID not in policy
    assert policy["ResearchCatalogOwner"]["Condition"]["StringEquals"]["aws:userid"] == OWNER
    assert "ResearchCatalogDownloadsOnlyInRegion" in policy
    current = tags(s3, "alice-data")
    assert index.ARCHIVED_TAG not in current and current[index.RESTORED_TAG] == "2026-03-01"


def test_restore_refuses_buckets_that_are_not_archived(s3: Any) -> None:
    product_bucket(s3, "alice-data")
    with pytest.raises(index.BucketError, match="not archived"):
        index.handler({"Action": "restore", "Bucket": "alice-data"}, CONTEXT)
    with pytest.raises(index.BucketError, match="does not exist"):
        index.handler({"Action": "restore", "Bucket": "never-there"}, CONTEXT)


# ---- purge


def versioned_objects(s3: Any, bucket: str, count: int) -> int:
    """``count`` objects with two versions each, half of them deleted (delete markers)."""
    for number in range(count):
        key = f"data/{number:05d}.txt"
        s3.put_object(Bucket=bucket, Key=key, Body=b"v1")
        s3.put_object(Bucket=bucket, Key=key, Body=b"v2")
        if number % 2:
            s3.delete_object(Bucket=bucket, Key=key)
    return count * 2 + count // 2


def test_purge_deletes_every_version_of_a_large_bucket_after_the_period(s3: Any) -> None:
    product_bucket(s3, "old-data")
    expected = versioned_objects(s3, "old-data", 520)
    assert expected > 1000
    s3.create_multipart_upload(Bucket="old-data", Key="unfinished.bin")
    archived(s3, "old-data", on=TODAY - dt.timedelta(days=31), noticed=TODAY - dt.timedelta(8))
    mailbox = Mailbox()

    report = index.purge(SETTINGS, s3=s3, ses=mailbox, today=TODAY)

    assert report.purged == {"old-data": expected}
    assert not exists(s3, "old-data")
    assert mailbox.subjects == ["Archived bucket old-data was deleted"]
    assert mailbox.sent[0]["Destination"]["ToAddresses"] == ["alice@example.org"]
    assert mailbox.sent[0]["FromEmailAddress"] == "catalog@example.org"


def test_purge_notifies_before_and_waits_for_the_notice_period(s3: Any) -> None:
    product_bucket(s3, "old-data")
    # Archived 31 days ago but never announced (say SES was not set up): the owner still gets
    # the full notice period.
    archived(s3, "old-data", on=TODAY - dt.timedelta(days=31))
    mailbox = Mailbox()

    first = index.purge(SETTINGS, s3=s3, ses=mailbox, today=TODAY)
    assert tags(s3, "old-data")[index.NOTICE_TAG] == "2026-03-01"
    again = index.purge(SETTINGS, s3=s3, ses=mailbox, today=TODAY + dt.timedelta(days=6))
    last = index.purge(SETTINGS, s3=s3, ses=mailbox, today=TODAY + dt.timedelta(days=7))

    assert first.noticed == ["old-data"] and not first.purged
    assert mailbox.subjects[0] == "Archived bucket old-data will be deleted on 2026-03-08"
    assert not again.noticed and not again.purged
    assert last.purged == {"old-data": 0}
    assert mailbox.subjects[1] == "Archived bucket old-data was deleted"


def test_purge_leaves_restored_and_recent_and_foreign_buckets_alone(s3: Any) -> None:
    product_bucket(s3, "restored")
    archived(s3, "restored", on=TODAY - dt.timedelta(days=40), noticed=TODAY - dt.timedelta(9))
    index.restore("restored", SETTINGS, s3, today=TODAY - dt.timedelta(days=2))
    product_bucket(s3, "recent")
    archived(s3, "recent", on=TODAY - dt.timedelta(days=3))
    product_bucket(s3, "hand-tagged")
    current = tags(s3, "hand-tagged")
    current[index.ARCHIVED_TAG] = "2020-01-01"
    index.put_bucket_tags(s3, "hand-tagged", current)
    s3.create_bucket(Bucket="unrelated")
    mailbox = Mailbox()

    report = index.purge(SETTINGS, s3=s3, ses=mailbox, today=TODAY)

    assert not report.purged and not report.noticed and not mailbox.sent
    assert all(exists(s3, name) for name in ("restored", "recent", "hand-tagged", "unrelated"))


def test_purge_dry_run_changes_nothing(s3: Any) -> None:
    product_bucket(s3, "old-data")
    expected = versioned_objects(s3, "old-data", 5)
    archived(s3, "old-data", on=TODAY - dt.timedelta(days=60), noticed=TODAY - dt.timedelta(30))
    product_bucket(s3, "due-soon")
    archived(s3, "due-soon", on=TODAY - dt.timedelta(days=25))
    mailbox = Mailbox()
    dry = index.Settings(**{**SETTINGS.__dict__, "dry_run": True})

    report = index.purge(dry, s3=s3, ses=mailbox, today=TODAY)

    assert report.would_purge == {"old-data": expected} and report.noticed == ["due-soon"]
    assert not report.purged and not mailbox.sent
    assert exists(s3, "old-data") and index.NOTICE_TAG not in tags(s3, "due-soon")


class Flaky:
    """Delegates to a real client; chosen operations fail first (throttled, or bucket gone)."""

    def __init__(self, client: Any, failures: dict[str, list[str]]) -> None:
        self.client = client
        self.failures = failures
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.client, name)

        def wrapped(**kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            pending = self.failures.get(name, [])
            if pending:
                code = pending.pop(0)
                raise ClientError({"Error": {"Code": code, "Message": code}}, name)
            return operation(**kwargs)

        return wrapped

    def get_paginator(self, name: str) -> Any:
        return self.client.get_paginator(name)


def test_purge_retries_throttled_calls(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    product_bucket(s3, "old-data")
    expected = versioned_objects(s3, "old-data", 3)
    archived(s3, "old-data", on=TODAY - dt.timedelta(days=31), noticed=TODAY - dt.timedelta(8))
    flaky = Flaky(s3, {"delete_objects": ["SlowDown", "SlowDown"], "delete_bucket": ["503"]})
    naps: list[float] = []

    report = index.purge(SETTINGS, s3=flaky, ses=Mailbox(), today=TODAY, sleep=naps.append)

    assert report.purged == {"old-data": expected} and not report.failed
    assert flaky.calls["delete_objects"] == 3 and flaky.calls["delete_bucket"] == 2
    assert naps == [0.5, 1.0, 0.5]


def test_purge_treats_a_bucket_gone_meanwhile_as_done(s3: Any) -> None:
    product_bucket(s3, "old-data")
    archived(s3, "old-data", on=TODAY - dt.timedelta(days=31), noticed=TODAY - dt.timedelta(8))
    flaky = Flaky(s3, {"get_bucket_tagging": ["NoSuchBucket"]})

    report = index.purge(SETTINGS, s3=flaky, ses=Mailbox(), today=TODAY)

    assert report.already_gone == ["old-data"] and not report.failed


def test_purge_stops_before_the_time_limit_and_resumes(s3: Any) -> None:
    product_bucket(s3, "old-data")
    expected = versioned_objects(s3, "old-data", 600)
    assert expected == 1500
    archived(s3, "old-data", on=TODAY - dt.timedelta(days=31), noticed=TODAY - dt.timedelta(8))
    # Enough time for the first page of 1,000 versions, not for the second.
    budget = iter([10**6, 0])

    first = index.purge(
        SETTINGS, s3=s3, ses=Mailbox(), today=TODAY, time_left=lambda: next(budget, 0)
    )
    assert first.incomplete == ["old-data"] and not first.purged
    assert exists(s3, "old-data")

    second = index.purge(SETTINGS, s3=s3, ses=Mailbox(), today=TODAY)

    assert second.purged == {"old-data": expected - 1000}
    assert not exists(s3, "old-data")


def test_purge_handler_raises_when_a_bucket_fails(s3: Any) -> None:
    product_bucket(s3, "old-data")
    archived(s3, "old-data", on=TODAY - dt.timedelta(days=31), noticed=TODAY - dt.timedelta(8))

    def client(name: str) -> Any:
        return Flaky(s3, {"delete_bucket": ["AccessDenied"]}) if name == "s3" else Mailbox()

    with pytest.raises(RuntimeError, match="old-data"):
        index.purge_handler({}, CONTEXT, client=client, today=TODAY)
    dry = index.purge_handler({"DryRun": True}, CONTEXT, client=client, today=TODAY)
    assert dry["dry_run"] is True and dry["would_purge"] == {"old-data": 0}
