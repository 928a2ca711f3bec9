"""``Custom::ProductContext`` after ``make transfer-owner``: the transfer record, written where
only operators can write, names the owner on every Create and Update, and anything doubtful
about it fails the request (moto's CloudFormation, IAM, SSM and EC2; botocore's Stubber for
SSM's refusals).

That CloudFormation sends the resource an Update whenever the product's version or a launch
parameter changes follows from its properties (``ResolveOnUpdate``, tested on the templates
in ``tests/infrastructure/test_owner_transfer.py``); that Service Catalog tags the stack with
``aws:servicecatalog:provisionedProductArn`` is AWS behaviour no offline test can show."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from catalog_constructs import contract
from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    owner_transfer,
    product_context,
)
from delivery import owners

ACCOUNT = "123456789012"
REGION = "us-east-1"
PRODUCT_ID = "pp-abcdefghijklm"
SUBNETS_PARAMETER = "/research-catalog/network/private-subnet-ids"
COMMUNITIES = {
    "ResearchUsers": {"community": "genomics", "owner_email_template": "{session}@example.org"},
    "GenomicsAdmins": {"community": "genomics", "owner_email_template": "{session}@example.org"},
    "Visitors": {"community": "visitors", "owner_email_template": None},
}
RECORD = contract.owner_transfer_parameter(PRODUCT_ID)
Run = Callable[[dict[str, Any]], dict[str, Any]]
MakeEvent = Callable[..., dict[str, Any]]


def arn(role: str, session: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMUNITIES", json.dumps(COMMUNITIES))
    monkeypatch.setenv("SUBNETS_PARAMETER", SUBNETS_PARAMETER)
    monkeypatch.setenv("OWNER_TRANSFERS_PARAMETER_PATH", contract.OWNER_TRANSFER_PARAMETER_ROOT)


@pytest.fixture
def launched(aws: None) -> str:
    """jdoe's product: roles, a subnet, and the stack Service Catalog provisioned."""
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    boto3.client("ssm").put_parameter(Name=SUBNETS_PARAMETER, Type="String", Value=subnet)
    for role in COMMUNITIES:
        boto3.client("iam").create_role(RoleName=role, AssumeRolePolicyDocument="{}")
    tags = {
        product_context.PRINCIPAL_TAG: arn("ResearchUsers", "jdoe"),
        owner_transfer.PRODUCT_TAG: (
            f"arn:aws:servicecatalog:{REGION}:{ACCOUNT}:stack/my-workstation/{PRODUCT_ID}"
        ),
    }
    return str(
        boto3.client("cloudformation").create_stack(
            StackName=f"SC-{ACCOUNT}-{PRODUCT_ID}",
            TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}),
            Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
        )["StackId"]
    )


def transfer_to(role: str, session: str) -> None:
    """What ``make transfer-owner`` records (its own writer, against moto's SSM)."""
    owners._record(
        boto3.client("ssm"),
        PRODUCT_ID,
        owners.Owner("aws", ACCOUNT, role, session),
        owners.Owner("aws", ACCOUNT, "ResearchUsers", "jdoe"),
        f"arn:aws:iam::{ACCOUNT}:user/operator",
        1_800_000_000.0,
    )


def test_an_update_after_a_transfer_keeps_the_new_owner(
    launched: str, run: Run, make_event: MakeEvent
) -> None:
    created = run(make_event(launched))
    assert created["Data"]["OwnerUserId"] == "jdoe"
    transfer_to("GenomicsAdmins", "asmith")

    updated = run(make_event(launched, "Update", PhysicalResourceId=created["PhysicalResourceId"]))

    assert updated["Status"] == "SUCCESS", updated.get("Reason")
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    role_id = boto3.client("iam").get_role(RoleName="GenomicsAdmins")["Role"]["RoleId"]
    assert updated["Data"] == {
        **created["Data"],
        "PrincipalArn": arn("GenomicsAdmins", "asmith"),
        "OwnerUserId": "asmith",
        "OwnerAwsUserId": f"{role_id}:asmith",
        "OwnerRoleName": "GenomicsAdmins",
        "OwnerEmail": "asmith@example.org",
        "OwnerName": "asmith",
    }


def test_a_product_moved_back_belongs_to_its_launcher_again(
    launched: str, run: Run, make_event: MakeEvent
) -> None:
    created = run(make_event(launched))
    transfer_to("ResearchUsers", "asmith")
    transfer_to("ResearchUsers", "jdoe")

    updated = run(make_event(launched, "Update", PhysicalResourceId="product-context-1"))

    assert updated["Data"] == created["Data"]


def test_a_record_naming_another_community_fails_the_update(
    launched: str, run: Run, make_event: MakeEvent
) -> None:
    transfer_to("Visitors", "mallory")

    response = run(make_event(launched, "Update", PhysicalResourceId="product-context-1"))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        f"{PRODUCT_ID} was moved to {arn('Visitors', 'mallory')}, whose role is in community "
        "'visitors', but it was launched in community 'genomics': a product belongs only to a "
        "member of the community it was launched in; ask the catalog's operators to move it again"
    )


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("not json", "is not what make transfer-owner writes"),
        (json.dumps(["pp-abcdefghijklm"]), "is not what make transfer-owner writes"),
        (json.dumps({"ProvisionedProductId": PRODUCT_ID}), "is not what make transfer-owner"),
        (
            json.dumps({"ProvisionedProductId": "pp-other", "OwnerArn": arn("ResearchUsers", "x")}),
            f'"ProvisionedProductId": "{PRODUCT_ID}"',
        ),
        (
            json.dumps(
                {"ProvisionedProductId": PRODUCT_ID, "OwnerArn": f"arn:aws:iam::{ACCOUNT}:user/x"}
            ),
            "not a role session",
        ),
    ],
)
def test_a_record_that_is_not_the_commands_fails_closed(
    launched: str, run: Run, make_event: MakeEvent, value: str, why: str
) -> None:
    boto3.client("ssm").put_parameter(Name=RECORD, Type="String", Value=value)

    response = run(make_event(launched, "Update", PhysicalResourceId="product-context-1"))

    assert response["Status"] == "FAILED"
    assert why in response["Reason"]
    assert response["Reason"].startswith(f"owner transfer record {RECORD} ")


@pytest.mark.parametrize("code", ["AccessDeniedException", "ThrottlingException"])
def test_a_record_that_cannot_be_read_fails_closed(
    launched: str, make_event: MakeEvent, code: str
) -> None:
    """Falling back to the launcher here would give a moved product back to them."""
    ssm = botocore.session.get_session().create_client(
        "ssm", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(ssm) as stubber:
        stubber.add_client_error("get_parameter", code, "no", expected_params={"Name": RECORD})
        with pytest.raises(product_context.ProductContextError) as info:
            product_context.resolve(
                make_event(launched, "Update"),
                cloudformation=boto3.client("cloudformation"),
                iam=boto3.client("iam"),
                ssm=ssm,
                ec2=boto3.client("ec2"),
                settings=product_context.Settings.from_environ(
                    {
                        "COMMUNITIES": json.dumps(COMMUNITIES),
                        "SUBNETS_PARAMETER": SUBNETS_PARAMETER,
                        "OWNER_TRANSFERS_PARAMETER_PATH": contract.OWNER_TRANSFER_PARAMETER_ROOT,
                    }
                ),
            )
        stubber.assert_no_pending_responses()
    assert str(info.value) == (
        f"cannot read the owner transfer record {RECORD} ({code}): the product's owner cannot "
        "be confirmed; retry the operation, or ask the catalog's operators"
    )


def test_a_stack_without_its_product_tag_fails(aws: None, run: Run, make_event: MakeEvent) -> None:
    stack_id = boto3.client("cloudformation").create_stack(
        StackName="by-hand",
        TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}),
        Tags=[{"Key": product_context.PRINCIPAL_TAG, "Value": arn("ResearchUsers", "jdoe")}],
    )["StackId"]

    response = run(make_event(stack_id))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        f"stack by-hand has no usable {owner_transfer.PRODUCT_TAG} tag (''): launch this product "
        "from AWS Service Catalog, not directly with CloudFormation"
    )


def test_the_function_without_the_record_path_is_misconfigured(
    launched: str, run: Run, make_event: MakeEvent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OWNER_TRANSFERS_PARAMETER_PATH")

    response = run(make_event(launched))

    assert response["Status"] == "FAILED"
    assert "OWNER_TRANSFERS_PARAMETER_PATH is not set" in response["Reason"]


def test_the_record_is_what_the_command_writes(aws: None) -> None:
    transfer_to("GenomicsAdmins", "asmith")

    value = boto3.client("ssm").get_parameter(Name=RECORD)["Parameter"]["Value"]

    assert json.loads(value) == {
        "ProvisionedProductId": PRODUCT_ID,
        "OwnerArn": arn("GenomicsAdmins", "asmith"),
        "PreviousOwnerArn": arn("ResearchUsers", "jdoe"),
        "TransferredAt": "2027-01-15T08:00:00+00:00",
        "TransferredBy": f"arn:aws:iam::{ACCOUNT}:user/operator",
    }
