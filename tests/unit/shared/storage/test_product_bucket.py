"""``Custom::ProductBucket``: the bucket policy, Synapse's owner.txt and CORS, and the archive
on Delete, through the bucket-access entry point against moto's S3."""

import json
from collections.abc import Callable
from typing import Any

from catalog_constructs.shared.storage.handler.storage_handlers import (
    dispatch,
    policies,
    settings,
)

EventMaker = Callable[..., dict[str, Any]]


def test_create_writes_owner_only_tls_only_policy(
    s3: Any, buckets: Any, example: Any, lambda_context: Any, captured: Any, event: EventMaker
) -> None:
    buckets.product_bucket("alice-data")
    dispatch.handler(event("Create", "alice-data"), lambda_context, send=captured)

    assert captured.only["Status"] == "SUCCESS"
    assert captured.only["PhysicalResourceId"] == "alice-data"
    policy = buckets.statements("alice-data")
    tls = policy["ResearchCatalogDenyInsecureTransport"]
    assert tls["Effect"] == "Deny" and tls["Action"] == "s3:*"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    owner = policy["ResearchCatalogOwner"]
    assert owner["Effect"] == "Allow"
    assert owner["Condition"]["StringEquals"] == {
        "aws:userid": example.owner,
        "aws:PrincipalAccount": example.account,
    }
    assert "s3:DeleteObjectVersion" not in owner["Action"]
    others = policy["ResearchCatalogDenyEveryoneElse"]
    assert others["Effect"] == "Deny"
    assert others["Condition"]["StringNotEquals"] == {"aws:userid": example.owner}
    exempt = others["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert example.admin in exempt and example.environ["PRODUCT_ROLE_PATTERN"] in exempt
    instances = policy["ResearchCatalogDenyOtherOwnersInstances"]["Condition"]
    assert instances["StringNotEquals"] == {
        f"aws:PrincipalTag/{settings.OWNER_USERID_TAG}": example.owner
    }
    # Product roles are not denied when they carry the owner's tag, but granted nothing: they
    # reach the bucket only through their own policy (test_bucket_policy_evaluation.py).
    assert [s for s in policy.values() if s["Effect"] == "Allow"] == [owner]
    assert not any("Synapse" in sid or "Region" in sid for sid in policy)


def test_region_restriction_denies_downloads_outside_the_catalogs_vpc(
    s3: Any, buckets: Any, lambda_context: Any, capture: Any, event: EventMaker
) -> None:
    buckets.product_bucket("alice-data")
    dispatch.handler(
        event("Create", "alice-data", RestrictDownloadsToRegion="true"),
        lambda_context,
        send=capture(),
    )
    restriction = buckets.statements("alice-data")["ResearchCatalogDownloadsOnlyInNetwork"]
    assert restriction["Effect"] == "Deny"
    assert restriction["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert restriction["Condition"] == {
        "StringNotEquals": {"aws:SourceVpc": "vpc-0123456789abcdef0"}
    }


def test_synapse_bucket_gets_owner_file_cors_and_only_synapse_access(
    s3: Any, buckets: Any, lambda_context: Any, capture: Any, event: EventMaker
) -> None:
    buckets.product_bucket("alice-synapse", kind="synapse")
    dispatch.handler(
        event("Create", "alice-synapse", Kind="synapse", SynapseIds="3345678,3412345"),
        lambda_context,
        send=capture(),
    )
    body = s3.get_object(Bucket="alice-synapse", Key="owner.txt")["Body"].read()
    assert body == b"3345678,3412345"
    object_tags = s3.get_object_tagging(Bucket="alice-synapse", Key="owner.txt")["TagSet"]
    assert {"Key": settings.OWNER_FILE_TAG, "Value": "true"} in object_tags
    rules = s3.get_bucket_cors(Bucket="alice-synapse")["CORSRules"]
    assert [rule["AllowedOrigins"] for rule in rules] == [["https://www.synapse.org"]]
    policy = buckets.statements("alice-synapse")
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


def test_bad_synapse_ids_fail_with_a_clear_reason(
    s3: Any,
    buckets: Any,
    example: Any,
    lambda_context: Any,
    captured: Any,
    capture: Any,
    event: EventMaker,
) -> None:
    buckets.product_bucket("alice-synapse", kind="synapse")
    dispatch.handler(
        event("Create", "alice-synapse", Kind="synapse", SynapseIds="alice"),
        lambda_context,
        send=captured,
    )
    assert captured.only["Status"] == "FAILED"
    assert "numeric Synapse user or team IDs" in captured.only["Reason"]
    # The rollback retains the bucket; its Delete archives it so that the purge removes it.
    assert captured.only["PhysicalResourceId"] == "alice-synapse"
    dispatch.handler(
        event("Delete", "alice-synapse", Kind="synapse"),
        lambda_context,
        send=capture(),
        today=example.today,
    )
    assert buckets.tags("alice-synapse")[settings.ARCHIVED_TAG] == "2026-03-01"


def test_update_replaces_own_statements_and_keeps_administrators_additions(
    s3: Any, buckets: Any, example: Any, lambda_context: Any, capture: Any, event: EventMaker
) -> None:
    buckets.product_bucket("alice-data")
    dispatch.handler(event("Create", "alice-data"), lambda_context, send=capture())
    policy = json.loads(s3.get_bucket_policy(Bucket="alice-data")["Policy"])
    added = {"Sid": "MacieScan", "Effect": "Allow", "Principal": {"AWS": example.admin}}
    added |= {"Action": "s3:GetObject", "Resource": "arn:aws:s3:::alice-data/*"}
    policy["Statement"].append(added)
    s3.put_bucket_policy(Bucket="alice-data", Policy=json.dumps(policy))

    dispatch.handler(
        event("Update", "alice-data", RestrictDownloadsToRegion="true"),
        lambda_context,
        send=capture(),
    )
    after = json.loads(s3.get_bucket_policy(Bucket="alice-data")["Policy"])["Statement"]
    sids = [statement["Sid"] for statement in after]
    assert sids.count("ResearchCatalogOwner") == 1
    assert "MacieScan" in sids and "ResearchCatalogDownloadsOnlyInNetwork" in sids


def test_delete_archives_the_bucket(
    s3: Any,
    buckets: Any,
    example: Any,
    lambda_context: Any,
    captured: Any,
    capture: Any,
    event: EventMaker,
) -> None:
    buckets.product_bucket("alice-data")
    s3.put_object(Bucket="alice-data", Key="data.csv", Body=b"1,2")
    dispatch.handler(event("Create", "alice-data"), lambda_context, send=capture())
    dispatch.handler(
        event("Delete", "alice-data", RestrictDownloadsToRegion="true"),
        lambda_context,
        send=captured,
        today=example.today,
    )

    assert captured.only["Status"] == "SUCCESS"
    policy = buckets.statements("alice-data")
    assert set(policy) == {"ResearchCatalogDenyInsecureTransport", policies.ARCHIVED_SID}
    lock = policy[policies.ARCHIVED_SID]
    assert lock["Effect"] == "Deny" and lock["Action"] == "s3:*"
    assert lock["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
        example.admin,
        example.access_role,
        example.purge_role,
    ]
    current = buckets.tags("alice-data")
    assert current[settings.ARCHIVED_TAG] == "2026-03-01"
    assert current[settings.RESTRICT_TAG] == "true"
    assert current[settings.OWNER_USERID_TAG] == example.owner
    # Data is kept.
    assert s3.get_object(Bucket="alice-data", Key="data.csv")["Body"].read() == b"1,2"


def test_delete_of_a_bucket_already_gone_or_never_created_succeeds(
    s3: Any, lambda_context: Any, capture: Any, event: EventMaker
) -> None:
    for physical_id in ("gone-bucket", event("Create", "x")["StackId"]):
        captured = capture()
        request = event("Delete", "gone-bucket")
        request["PhysicalResourceId"] = physical_id
        dispatch.handler(request, lambda_context, send=captured)
        assert captured.only["Status"] == "SUCCESS"
        assert captured.only["PhysicalResourceId"] == physical_id


def test_renaming_moves_the_owner_policy_and_archives_the_old_bucket(
    s3: Any,
    buckets: Any,
    example: Any,
    lambda_context: Any,
    captured: Any,
    capture: Any,
    event: EventMaker,
) -> None:
    buckets.product_bucket("alice-old")
    buckets.product_bucket("alice-new")
    dispatch.handler(event("Create", "alice-old"), lambda_context, send=capture())
    update = event("Update", "alice-new")
    update["PhysicalResourceId"] = "alice-old"

    dispatch.handler(update, lambda_context, send=captured, today=example.today)
    # CloudFormation deletes the old physical resource after a replacement.
    dispatch.handler(
        event("Delete", "alice-old"), lambda_context, send=capture(), today=example.today
    )

    assert captured.only["PhysicalResourceId"] == "alice-new"
    assert "ResearchCatalogOwner" in buckets.statements("alice-new")
    assert policies.ARCHIVED_SID in buckets.statements("alice-old")
    assert buckets.tags("alice-old")[settings.ARCHIVED_TAG] == "2026-03-01"
    assert settings.ARCHIVED_TAG not in buckets.tags("alice-new")
