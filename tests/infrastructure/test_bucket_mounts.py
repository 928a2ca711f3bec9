"""Bucket mounts: the instance role reaches only buckets the shared check accepted."""

import json
import re
from typing import Any

import pytest

from catalog_constructs import contract
from catalog_constructs.product_template.workstation import bucket_mounts
from products._workstation.form import READ_ONLY_PARAMETER, READ_WRITE_PARAMETER
from tests.iam_eval import ALLOW, IMPLICIT_DENY, Request, decide, resolve
from tests.infrastructure.templates import resources, user_data


@pytest.fixture
def product(workstation_product: dict[str, Any]) -> dict[str, Any]:
    return workstation_product


def _check(product: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ((check_id, check),) = resources(product, "Custom::BucketMounts").items()
    return check_id, check


def _policy(product: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, policy)
        for logical_id, policy in resources(product, "AWS::IAM::Policy").items()
        if policy["Properties"]["PolicyName"] == "mounted-buckets"
    ]
    return found


@pytest.mark.parametrize("name", [READ_ONLY_PARAMETER, READ_WRITE_PARAMETER])
def test_bucket_lists_are_validated_names(product: dict[str, Any], name: str) -> None:
    parameter = product["Parameters"][name]
    assert parameter["Type"] == "CommaDelimitedList"
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    for good in ("", "lab-data", "study.results-2026"):
        assert pattern.match(good), good
    for bad in ("s3://lab-data", "Lab", "ab", "lab data", "lab-data/"):
        assert not pattern.match(bad), bad
    assert "separated by commas" in parameter["ConstraintDescription"]


def test_the_shared_check_sees_both_lists_and_the_owner(product: dict[str, Any]) -> None:
    _, check = _check(product)
    (context_id,) = resources(product, "Custom::ProductContext")
    properties = check["Properties"]
    assert contract.PRODUCT_CONTEXT_FUNCTION_NAME in json.dumps(properties["ServiceToken"])
    assert properties["ReadOnlyBuckets"] == {"Ref": READ_ONLY_PARAMETER}
    assert properties["ReadWriteBuckets"] == {"Ref": READ_WRITE_PARAMETER}
    assert properties["OwnerAwsUserId"] == {"Fn::GetAtt": [context_id, "OwnerAwsUserId"]}
    assert properties["Community"] == {"Fn::GetAtt": [context_id, "Community"]}


def test_grants_name_only_checked_buckets(product: dict[str, Any]) -> None:
    check_id, _ = _check(product)
    _, policy = _policy(product)
    deny, *grants = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert "s3:PutBucketPolicy" in deny["Action"]
    assert len(grants) == 4
    for grant in grants:
        condition, statement, otherwise = grant["Fn::If"]
        assert otherwise == {"Ref": "AWS::NoValue"}
        assert statement["Effect"] == "Allow"
        # Every resource is an ARN the check returned: no wildcard bucket, no parameter.
        (attribute,) = re.findall(
            rf'"Fn::GetAtt": \["{check_id}", "(\w+)"\]', json.dumps(statement["Resource"])
        )
        writable = attribute.startswith("ReadWrite")
        assert ("HasReadWrite" if writable else "HasReadOnly") in condition
        if not writable:
            assert not {"s3:PutObject", "s3:DeleteObject"} & set(statement["Action"])


def test_the_instance_boots_after_its_grants(product: dict[str, Any]) -> None:
    policy_id, _ = _policy(product)
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    assert policy_id in instance["DependsOn"]


def test_user_data_mounts_at_every_boot(product: dict[str, Any]) -> None:
    script, variables = user_data(product)
    assert variables["ReadOnlyBuckets"] == {"Fn::Join": [",", {"Ref": READ_ONLY_PARAMETER}]}
    # The lists sit at the start of a line, where the boot-time script finds them again.
    assert "\n# research-catalog-read-write-buckets: ${ReadWriteBuckets}\n" in script
    if script.startswith("<powershell>"):
        assert "-TaskName 'research-catalog-bucket-sync'" in script
        assert "(New-ScheduledTaskTrigger -AtStartup)" in script
        assert bucket_mounts.WINDOWS_SYNC_SCRIPT in script
    else:
        assert "systemctl enable research-catalog-buckets.service" in script
        assert "--read-only" in script
        assert f"mount-s3-{bucket_mounts.MOUNTPOINT_VERSION}-" in script
        assert re.fullmatch(r"\d+\.\d+\.\d+", bucket_mounts.MOUNTPOINT_VERSION)


ACCOUNT = "111111111111"


@pytest.mark.parametrize(
    ("bucket_account", "expected"), [(ACCOUNT, ALLOW), ("999999999999", IMPLICIT_DENY)]
)
def test_grants_reach_only_buckets_of_this_account(
    product: dict[str, Any], bucket_account: str, expected: str
) -> None:
    """Decided as IAM would (tests/iam_eval.py): a checked bucket name that now belongs to
    another account (a purged bucket claimed from outside, a foreign bucket) is not reached,
    even where that account's bucket policy would let the instance role in."""
    check_id, _ = _check(product)
    _, policy = _policy(product)
    refs = {"AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}
    statements = []
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        granted = statement["Fn::If"][1] if "Fn::If" in statement else statement
        text = json.dumps(granted)
        # The check returned these ARNs for bucket "lab-data".
        for attribute, arn in (
            ("ReadWriteBucketArns", "arn:aws:s3:::lab-data"),
            ("ReadWriteObjectArns", "arn:aws:s3:::lab-data/*"),
            ("ReadOnlyBucketArns", "arn:aws:s3:::other"),
            ("ReadOnlyObjectArns", "arn:aws:s3:::other/*"),
        ):
            split = {"Fn::Split": [",", {"Fn::GetAtt": [check_id, attribute]}]}
            text = text.replace(json.dumps(split), json.dumps([arn]))
        statements.append(resolve(json.loads(text), refs))
    role = f"arn:aws:iam::{ACCOUNT}:role/research-catalog/products/SC-x-InstanceRole"
    foreign_bucket_policy = [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    ]
    request = Request(
        action="s3:PutObject",
        resource="arn:aws:s3:::lab-data/results.csv",
        principal_arn=role,
        account=ACCOUNT,
        resource_account=bucket_account,
        context={"s3:ResourceAccount": bucket_account, "aws:PrincipalArn": role},
    )
    decision = decide(request, identity=statements, resource=foreign_bucket_policy)
    assert decision == expected


def test_mountpoint_names_the_expected_bucket_owner(product: dict[str, Any]) -> None:
    script, _ = user_data(product)
    if script.startswith("<powershell>"):
        # Windows synchronises with the AWS CLI, which has no such option: the grants'
        # s3:ResourceAccount condition is its only pin (test above).
        assert "mount-s3" not in script
        return
    assert '--expected-bucket-owner "$account"' in script
    assert "dynamic/instance-identity/document" in script
