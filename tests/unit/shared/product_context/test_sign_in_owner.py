"""``Custom::ProductContext`` for members of sign-in communities: the owner's e-mail and name
come from what the sign-in service verified and recorded, not from a template of the session
name (a Synapse user ID makes no e-mail address)."""

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

ACCOUNT = "123456789012"
ROLE = "research-catalog-sign-in-consortium"
USERS_TABLE = "research-catalog-sign-in-users"
SUBNETS_PARAMETER = "/research-catalog/network/private-subnet-ids"
COMMUNITIES = {
    ROLE: {"community": "consortium", "owner_email_template": None, "sign_in": True},
    "ResearchUsers": {"community": "genomics", "owner_email_template": "{session}@example.org"},
}
TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
Run = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMUNITIES", json.dumps(COMMUNITIES))
    monkeypatch.setenv("SUBNETS_PARAMETER", SUBNETS_PARAMETER)
    monkeypatch.setenv("SIGN_IN_USERS_TABLE", USERS_TABLE)
    monkeypatch.setenv("OWNER_TRANSFERS_PARAMETER_PATH", "/research-catalog/owner-transfers")


@pytest.fixture
def account(aws: None) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    boto3.client("ssm").put_parameter(Name=SUBNETS_PARAMETER, Type="String", Value=subnet)
    iam = boto3.client("iam")
    for role in (ROLE, "ResearchUsers"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument="{}")


def users_table(*items: dict[str, Any]) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName=USERS_TABLE,
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for item in items:
        dynamodb.put_item(TableName=USERS_TABLE, Item=item)


def launch(role: str, session: str, run: Run, make_event: Callable[..., dict[str, Any]]) -> Any:
    principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"
    stack_id = boto3.client("cloudformation").create_stack(
        StackName="SC-123456789012-pp-signin",
        TemplateBody=TEMPLATE,
        Tags=[
            {"Key": "aws:servicecatalog:provisioningPrincipalArn", "Value": principal},
            {
                "Key": "aws:servicecatalog:provisionedProductArn",
                "Value": f"arn:aws:servicecatalog:us-east-1:{ACCOUNT}:stack/nb/pp-signin",
            },
        ],
    )["StackId"]
    return run(make_event(stack_id))


def test_a_sign_in_members_email_and_name_come_from_the_sign_in_record(
    account: None, run: Run, make_event: Callable[..., dict[str, Any]]
) -> None:
    users_table(
        {
            "user_id": {"S": "3345678"},
            "username": {"S": "jane.doe"},
            "email": {"S": "jane.doe@synapse.org"},
        }
    )
    response = launch(ROLE, "3345678", run, make_event)

    assert response["Status"] == "SUCCESS", response.get("Reason")
    data = response["Data"]
    assert data["Community"] == "consortium"
    assert data["OwnerUserId"] == "3345678"
    assert data["OwnerEmail"] == "jane.doe@synapse.org"
    assert data["OwnerName"] == "jane.doe"


def test_a_member_without_a_record_gets_no_email(
    account: None, run: Run, make_event: Callable[..., dict[str, Any]]
) -> None:
    users_table()
    data = launch(ROLE, "3345678", run, make_event)["Data"]
    assert (data["OwnerEmail"], data["OwnerName"]) == ("", "3345678")


def test_other_communities_keep_their_template(
    account: None, run: Run, make_event: Callable[..., dict[str, Any]]
) -> None:
    data = launch("ResearchUsers", "jdoe", run, make_event)["Data"]
    assert (data["OwnerEmail"], data["OwnerName"]) == ("jdoe@example.org", "jdoe")


def test_a_missing_table_fails_the_launch_with_a_reason(
    account: None, run: Run, make_event: Callable[..., dict[str, Any]]
) -> None:
    response = launch(ROLE, "3345678", run, make_event)
    assert response["Status"] == "FAILED"
    assert "deploy the stage's SignIn stack" in response["Reason"]
