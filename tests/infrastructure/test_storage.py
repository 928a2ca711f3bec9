"""The bucket of both bucket products (ProductBucket) and the shared storage services:
retention, encryption, owner-only access and no stage configuration in product templates.
Each product's own outputs and fields: tests/infrastructure/products/."""

import json
import re
from typing import Any

import pytest

from catalog_constructs import contract
from catalog_constructs.product_template.bucket import BUCKET_NAME_PATTERN
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage, load_example

BUCKET_PRODUCTS = {"private-bucket": "private", "synapse-bucket": "synapse"}


def only(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = resources(template, resource_type).values()
    return resource


@pytest.fixture(params=sorted(BUCKET_PRODUCTS))
def bucket_product(
    request: pytest.FixtureRequest, synthesized: dict[str, SynthesizedStage]
) -> tuple[str, dict[str, Any]]:
    return request.param, synthesized["dev"].products[request.param]


def test_bucket_is_retained_on_deletion_and_replacement(
    bucket_product: tuple[str, dict[str, Any]],
) -> None:
    _, template = bucket_product
    bucket = only(template, "AWS::S3::Bucket")
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["UpdateReplacePolicy"] == "Retain"


def test_bucket_is_encrypted_with_the_catalog_key_of_its_kind(
    bucket_product: tuple[str, dict[str, Any]],
) -> None:
    key, template = bucket_product
    (rule,) = only(template, "AWS::S3::Bucket")["Properties"]["BucketEncryption"][
        "ServerSideEncryptionConfiguration"
    ]
    parameter = {
        "private": contract.BUCKET_KEY_ARN_PARAMETER,
        "synapse": contract.SYNAPSE_BUCKET_KEY_ARN_PARAMETER,
    }[BUCKET_PRODUCTS[key]]
    assert rule == {
        "BucketKeyEnabled": True,
        "ServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": f"{{{{resolve:ssm:{parameter}}}}}",
        },
    }


def test_bucket_is_private_versioned_tiered_and_logged(
    bucket_product: tuple[str, dict[str, Any]],
) -> None:
    _, template = bucket_product
    properties = only(template, "AWS::S3::Bucket")["Properties"]
    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    assert properties["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert rules["IntelligentTiering"]["Transitions"][0]["StorageClass"] == "INTELLIGENT_TIERING"
    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"]
    assert properties["LoggingConfiguration"]["DestinationBucketName"] == (
        f"{{{{resolve:ssm:{contract.ACCESS_LOG_BUCKET_PARAMETER}}}}}"
    )
    assert "CorsConfiguration" not in properties


def test_policy_belongs_to_the_shared_function_with_the_owner_from_the_context(
    bucket_product: tuple[str, dict[str, Any]],
) -> None:
    key, template = bucket_product
    # A template-owned policy and the function's would overwrite each other.
    assert not resources(template, "AWS::S3::BucketPolicy")
    access = only(template, "Custom::ProductBucket")["Properties"]
    assert access["ServiceToken"]["Fn::Sub"].endswith(
        f":function:{contract.BUCKET_ACCESS_FUNCTION_NAME}"
    )
    (bucket_id,) = resources(template, "AWS::S3::Bucket")
    (context_id,) = resources(template, "Custom::ProductContext")
    assert access["BucketName"] == {"Ref": bucket_id}
    assert access["OwnerAwsUserId"] == {"Fn::GetAtt": [context_id, "OwnerAwsUserId"]}
    assert access["Kind"] == BUCKET_PRODUCTS[key]
    assert access["RestrictDownloadsToRegion"] == {"Ref": "RestrictSameRegionDownload"}
    tags = {
        tag["Key"]: tag["Value"] for tag in only(template, "AWS::S3::Bucket")["Properties"]["Tags"]
    }
    assert tags[contract.OWNER_USERID_TAG] == {"Fn::GetAtt": [context_id, "OwnerAwsUserId"]}
    assert tags[contract.PRODUCT_TAG] == key


def test_no_stage_configuration_in_bucket_templates(
    bucket_product: tuple[str, dict[str, Any]],
) -> None:
    _, template = bucket_product
    config = load_example("prod")
    text = json.dumps(template)
    for value in (
        config.storage.synapse_account_id,
        config.operators.notification_email,
        config.stage.account,
        *config.operators.admin_role_arns,
        *config.storage.synapse_origins,
    ):
        assert value not in text


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("", True),
        ("abc", True),
        ("oncology-lab-2026", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("ab", False),
        ("My-Bucket", False),
        ("lab.data", False),
        ("-lab", False),
        ("lab-", False),
        ("lab_data", False),
        ("xn--lab", False),
        ("sthree-lab", False),
        ("amzn-s3-demo-lab", False),
        ("lab-s3alias", False),
        ("lab--ol-s3", False),
        ("lab--x-s3", False),
        ("lab--table-s3", False),
    ],
)
def test_bucket_name_validation(name: str, valid: bool) -> None:
    assert bool(re.fullmatch(BUCKET_NAME_PATTERN, name)) is valid


# --- shared stack -------------------------------------------------------------------------


def functions(stage: SynthesizedStage) -> dict[str, dict[str, Any]]:
    return {
        f["Properties"].get("FunctionName", logical_id): f["Properties"]
        for logical_id, f in resources(stage.stacks["Shared"], "AWS::Lambda::Function").items()
    }


def test_bucket_functions_get_the_stage_configuration(stage: SynthesizedStage) -> None:
    config = stage.config
    for name in (contract.BUCKET_ACCESS_FUNCTION_NAME, contract.BUCKET_PURGE_FUNCTION_NAME):
        variables = functions(stage)[name]["Environment"]["Variables"]
        assert json.loads(variables["ADMIN_ROLE_ARNS"]) == list(config.operators.admin_role_arns)
        assert variables["SYNAPSE_ACCOUNT"] == config.storage.synapse_account_id
        assert json.loads(variables["SYNAPSE_ORIGINS"]) == list(config.storage.synapse_origins)
        assert variables["ARCHIVE_DAYS"] == str(config.storage.archive_days)
        # The stage's partition is known: feature flag @aws-cdk/core:enablePartitionLiterals.
        assert variables["LAUNCH_ROLE_PATTERN"] == (
            f"arn:{config.stage.partition}:iam::{config.stage.account}:role/"
            f"{contract.launch_role_name('storage')}"
        )
    rule = only(stage.stacks["Shared"], "AWS::Events::Rule")["Properties"]
    assert rule["ScheduleExpression"] == config.storage.purge_schedule


def test_storage_launch_role_has_the_exempted_name(stage: SynthesizedStage) -> None:
    roles = resources(stage.stacks["Catalog"], "AWS::IAM::Role")
    names = {role["Properties"].get("RoleName"): role["Properties"] for role in roles.values()}
    assert "Path" not in names[contract.launch_role_name("storage")]


def statements_of(template: dict[str, Any], description_part: str) -> dict[str, set[str]]:
    """Sid -> actions of the managed policy whose description contains ``description_part``."""
    for policy in resources(template, "AWS::IAM::ManagedPolicy").values():
        if description_part in policy["Properties"].get("Description", ""):
            return {
                statement["Sid"]: set(
                    statement["Action"]
                    if isinstance(statement["Action"], list)
                    else [statement["Action"]]
                )
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            }
    raise AssertionError(f"no managed policy described with {description_part!r}")


def test_who_may_touch_bucket_data(stage: SynthesizedStage) -> None:
    launch = statements_of(stage.stacks["Catalog"], "build storage products")
    access = set().union(*statements_of(stage.stacks["Shared"], "writes bucket policies").values())
    purge = set().union(*statements_of(stage.stacks["Shared"], "purges archived buckets").values())
    # The launch role configures buckets but can neither read data nor change the policy.
    buckets = launch["ProductBuckets"]
    assert not {a for a in buckets if a.startswith(("s3:GetObject", "s3:PutObject", "s3:Delete"))}
    assert "s3:PutBucketPolicy" not in buckets
    assert launch["InvokeBucketAccess"] == {"lambda:InvokeFunction"}
    # Only the purge deletes, only the access function writes policies.
    assert {"s3:DeleteObjectVersion", "s3:DeleteBucket"} <= purge
    assert "s3:PutBucketPolicy" not in purge and "s3:PutBucketPolicy" in access
    assert not {a for a in access if a.startswith("s3:Delete")}


def key_policy(stage: SynthesizedStage, description_part: str) -> list[dict[str, Any]]:
    for key in resources(stage.stacks["Shared"], "AWS::KMS::Key").values():
        if description_part in key["Properties"]["Description"]:
            return list(key["Properties"]["KeyPolicy"]["Statement"])
    raise AssertionError(description_part)


def test_bucket_keys_work_only_through_s3_and_only_synapse_admits_synapse(
    stage: SynthesizedStage,
) -> None:
    synapse_account = stage.config.storage.synapse_account_id
    private = key_policy(stage, "private bucket products")
    synapse = key_policy(stage, "Synapse bucket products")
    assert synapse_account not in json.dumps(private)
    (synapse_use,) = [s for s in synapse if s.get("Sid") == "SynapseThroughS3"]
    assert synapse_account in json.dumps(synapse_use["Principal"])
    assert (
        synapse_use["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-east-1.amazonaws.com"
    )
    for statements in (private, synapse):
        (use,) = [s for s in statements if s.get("Sid") == "UseThroughS3InThisAccount"]
        assert use["Condition"]["StringEquals"]["kms:ViaService"].startswith("s3.")


def test_access_log_bucket_accepts_only_this_accounts_log_delivery(
    stage: SynthesizedStage,
) -> None:
    shared = stage.stacks["Shared"]
    (bucket_id, bucket) = next(
        (logical_id, b)
        for logical_id, b in resources(shared, "AWS::S3::Bucket").items()
        if logical_id.startswith("StorageAccessLogs")
    )
    assert bucket["DeletionPolicy"] == "Retain"
    policy = next(
        p
        for p in resources(shared, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (delivery,) = [s for s in statements if s.get("Sid") == "ServerAccessLogsOfThisAccount"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"] == {
        "StringEquals": {"aws:SourceAccount": stage.config.stage.account}
    }
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)
