"""``Custom::ProductContext``: the owner, community and placement of a product, against moto's
CloudFormation, IAM, SSM and EC2."""

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    owner_transfer,
    product_context,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
SUBNETS_PARAMETER = "/research-catalog/network/private-subnet-ids"
COMMUNITIES = {
    "ResearchUsers": {"community": "genomics", "owner_email_template": "{session}@example.org"},
    "Visitors": {"community": "visitors", "owner_email_template": None},
    "Broken": {"community": "broken", "owner_email_template": "{session}"},
}
DOCUMENTATION_URL = "https://example.org/docs"
TRANSFERS_PATH = "/research-catalog/owner-transfers"
TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
SETTINGS = product_context.Settings.from_environ(
    {
        "COMMUNITIES": json.dumps(COMMUNITIES),
        "SUBNETS_PARAMETER": SUBNETS_PARAMETER,
        "OWNER_TRANSFERS_PARAMETER_PATH": TRANSFERS_PATH,
        "DOCUMENTATION_URL": DOCUMENTATION_URL,
    }
)
Run = Callable[[dict[str, Any]], dict[str, Any]]
MakeEvent = Callable[..., dict[str, Any]]


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The function's configuration, as the Shared stack sets it."""
    monkeypatch.setenv("COMMUNITIES", json.dumps(COMMUNITIES))
    monkeypatch.setenv("SUBNETS_PARAMETER", SUBNETS_PARAMETER)
    monkeypatch.setenv("OWNER_TRANSFERS_PARAMETER_PATH", TRANSFERS_PATH)
    # Trailing slash on purpose: templates append "/products/<page>".
    monkeypatch.setenv("DOCUMENTATION_URL", DOCUMENTATION_URL + "/")


@pytest.fixture
def subnets(aws: None) -> dict[str, str]:
    """Three private subnets in three AZs, published in the SSM parameter; id -> AZ."""
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    placed = {}
    for number, zone in enumerate(("us-east-1a", "us-east-1b", "us-east-1c")):
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.0.{number}.0/24", AvailabilityZone=zone
        )["Subnet"]
        placed[subnet["SubnetId"]] = zone
    boto3.client("ssm").put_parameter(Name=SUBNETS_PARAMETER, Type="String", Value=",".join(placed))
    return placed


@pytest.fixture
def role_id(aws: None) -> str:
    iam = boto3.client("iam")
    trust = {"Version": "2012-10-17", "Statement": []}
    for name in ("ResearchUsers", "Visitors", "Broken", "Outsiders"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return str(iam.get_role(RoleName="ResearchUsers")["Role"]["RoleId"])


def assumed_role(role: str, session: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"


def product_arn(product_id: str) -> str:
    return f"arn:aws:servicecatalog:{REGION}:{ACCOUNT}:stack/my-workstation/{product_id}"


def create_stack(
    name: str = "SC-123456789012-pp-abcdef",
    principal: str | None = None,
    product_id: str | None = "pp-abcdef",
) -> str:
    tags = [{"Key": "aws:servicecatalog:productArn", "Value": "arn:aws:catalog:::product/prod-1"}]
    if product_id is not None:
        tags.append({"Key": owner_transfer.PRODUCT_TAG, "Value": product_arn(product_id)})
    if principal is not None:
        tags.append({"Key": product_context.PRINCIPAL_TAG, "Value": principal})
    cloudformation = boto3.client("cloudformation")
    return str(
        cloudformation.create_stack(StackName=name, TemplateBody=TEMPLATE, Tags=tags)["StackId"]
    )


@pytest.fixture
def resolve(make_event: MakeEvent) -> Callable[..., dict[str, str]]:
    def resolved(stack_id: str, settings: product_context.Settings = SETTINGS) -> dict[str, str]:
        _, data = product_context.resolve(
            make_event(stack_id),
            cloudformation=boto3.client("cloudformation"),
            iam=boto3.client("iam"),
            ssm=boto3.client("ssm"),
            ec2=boto3.client("ec2"),
            settings=settings,
        )
        return data

    return resolved


def test_create_resolves_owner_community_and_placement(
    subnets: dict[str, str], role_id: str, run: Run, make_event: MakeEvent
) -> None:
    principal = assumed_role("ResearchUsers", "jdoe")
    stack_id = create_stack(principal=principal)

    response = run(make_event(stack_id))

    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == product_context.physical_resource_id(stack_id)
    assert response["PhysicalResourceId"].startswith("product-context-")
    assert response["StackId"] == stack_id
    assert response["RequestId"] == "5d478078-13e9-baf0-464a-7ef285ecc786"
    assert response["LogicalResourceId"] == "ProductContext"
    data = response["Data"]
    assert data["SubnetId"] in subnets
    assert data == {
        "PrincipalArn": principal,
        "OwnerUserId": "jdoe",
        "OwnerAwsUserId": f"{role_id}:jdoe",
        "OwnerRoleName": "ResearchUsers",
        "OwnerEmail": "jdoe@example.org",
        "OwnerName": "jdoe",
        "Community": "genomics",
        "SubnetId": data["SubnetId"],
        "AvailabilityZone": subnets[data["SubnetId"]],
        # Every private subnet, for products spanning AZs (Studio domains): Fn::Split input.
        "SubnetIds": ",".join(sorted(subnets)),
        "DocumentationUrl": DOCUMENTATION_URL,
    }
    assert all(isinstance(value, str) for value in data.values())


def test_update_keeps_physical_id_and_placement(
    subnets: dict[str, str], role_id: str, run: Run, make_event: MakeEvent
) -> None:
    stack_id = create_stack(principal=assumed_role("ResearchUsers", "jdoe"))
    created = run(make_event(stack_id))

    updated = run(make_event(stack_id, "Update", PhysicalResourceId=created["PhysicalResourceId"]))

    assert updated["Status"] == "SUCCESS"
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert updated["Data"] == created["Data"]


def test_stack_without_principal_tag_fails_with_clear_reason(
    subnets: dict[str, str], role_id: str, run: Run, make_event: MakeEvent
) -> None:
    stack_id = create_stack(name="launched-by-hand")

    response = run(make_event(stack_id))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        "stack launched-by-hand has no aws:servicecatalog:provisioningPrincipalArn tag: "
        "launch this product from AWS Service Catalog, not directly with CloudFormation"
    )
    assert response["Data"] == {}
    assert response["PhysicalResourceId"] == product_context.physical_resource_id(stack_id)


def test_iam_user_principal(
    subnets: dict[str, str], role_id: str, resolve: Callable[..., dict[str, str]]
) -> None:
    iam = boto3.client("iam")
    user = iam.create_user(Path="/researchers/", UserName="jdoe")["User"]
    principal = f"arn:aws:iam::{ACCOUNT}:user/researchers/jdoe"

    data = resolve(create_stack(principal=principal))

    assert data["PrincipalArn"] == principal
    assert data["OwnerUserId"] == "jdoe"
    assert data["OwnerAwsUserId"] == user["UserId"]
    assert data["OwnerRoleName"] == ""
    assert data["Community"] == "unaffiliated"
    assert data["OwnerEmail"] == ""


def test_iam_user_named_like_an_email(
    subnets: dict[str, str], role_id: str, resolve: Callable[..., dict[str, str]]
) -> None:
    boto3.client("iam").create_user(UserName="jane.doe@example.org")
    data = resolve(create_stack(principal=f"arn:aws:iam::{ACCOUNT}:user/jane.doe@example.org"))

    assert data["OwnerUserId"] == "jane.doe@example.org"
    assert data["OwnerEmail"] == "jane.doe@example.org"


def test_unknown_role_is_unaffiliated_without_email(
    subnets: dict[str, str], role_id: str, resolve: Callable[..., dict[str, str]]
) -> None:
    data = resolve(create_stack(principal=assumed_role("Outsiders", "jdoe")))

    assert data["Community"] == "unaffiliated"
    assert data["OwnerEmail"] == ""
    assert data["OwnerRoleName"] == "Outsiders"
    assert data["OwnerUserId"] == "jdoe"


def test_session_name_that_is_an_email(
    subnets: dict[str, str], role_id: str, resolve: Callable[..., dict[str, str]]
) -> None:
    data = resolve(create_stack(principal=assumed_role("Outsiders", "jane.doe@example.org")))

    assert data["Community"] == "unaffiliated"
    assert data["OwnerEmail"] == "jane.doe@example.org"
    assert data["OwnerUserId"] == "jane.doe@example.org"


def test_community_without_template_uses_email_session(
    subnets: dict[str, str], role_id: str, resolve: Callable[..., dict[str, str]]
) -> None:
    by_email = resolve(create_stack("a", principal=assumed_role("Visitors", "ann@uni.example")))
    by_name = resolve(create_stack("b", principal=assumed_role("Visitors", "ann")))

    assert (by_email["Community"], by_email["OwnerEmail"]) == ("visitors", "ann@uni.example")
    assert (by_name["Community"], by_name["OwnerEmail"]) == ("visitors", "")


def test_template_producing_a_non_email_gives_empty_email(
    subnets: dict[str, str], role_id: str, resolve: Callable[..., dict[str, str]]
) -> None:
    data = resolve(create_stack(principal=assumed_role("Broken", "jdoe")))

    assert data["Community"] == "broken"
    assert data["OwnerEmail"] == ""


def test_role_name_matches_case_insensitively(
    subnets: dict[str, str], role_id: str, resolve: Callable[..., dict[str, str]]
) -> None:
    settings = product_context.Settings(
        communities={"researchusers": product_context.Community("genomics")},
        subnets_parameter=SUBNETS_PARAMETER,
        owner_transfers_path=TRANSFERS_PATH,
    )
    data = resolve(create_stack(principal=assumed_role("ResearchUsers", "jdoe")), settings)

    assert data["Community"] == "genomics"


def test_same_stack_always_lands_in_the_same_subnet(
    subnets: dict[str, str], role_id: str, resolve: Callable[..., dict[str, str]]
) -> None:
    stack_id = create_stack(principal=assumed_role("ResearchUsers", "jdoe"))

    resolved = [resolve(stack_id) for _ in range(5)]

    placements = {(data["SubnetId"], data["AvailabilityZone"]) for data in resolved}

    assert len(placements) == 1
    # crc32 is fixed, unlike hash(): the same id maps to the same subnet in every process.
    assert product_context.pick_subnet(stack_id, list(subnets)) == placements.pop()[0]


def test_different_stacks_spread_over_subnets() -> None:
    subnet_ids = ["subnet-aaa", "subnet-bbb", "subnet-ccc"]
    stack_ids = [
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-{ACCOUNT}-pp-{n:04d}/uuid-{n}"
        for n in range(20)
    ]

    picked = {product_context.pick_subnet(stack_id, subnet_ids) for stack_id in stack_ids}

    assert len(picked) > 1
    # The order in the parameter does not matter, so reordering it moves no product.
    assert all(
        product_context.pick_subnet(s, subnet_ids)
        == product_context.pick_subnet(s, subnet_ids[::-1])
        for s in stack_ids
    )


def test_missing_subnet_parameter_fails_naming_it(
    aws: None, role_id: str, run: Run, make_event: MakeEvent
) -> None:
    stack_id = create_stack(principal=assumed_role("ResearchUsers", "jdoe"))

    response = run(make_event(stack_id))

    assert response["Status"] == "FAILED"
    assert SUBNETS_PARAMETER in response["Reason"]
    assert "does not exist" in response["Reason"]


def test_empty_subnet_parameter_fails_naming_it(
    aws: None, role_id: str, run: Run, make_event: MakeEvent
) -> None:
    boto3.client("ssm").put_parameter(Name=SUBNETS_PARAMETER, Type="String", Value=" , ")
    stack_id = create_stack(principal=assumed_role("ResearchUsers", "jdoe"))

    response = run(make_event(stack_id))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        f"SSM parameter {SUBNETS_PARAMETER} holds no subnet IDs: "
        "set it to comma-separated private subnet IDs"
    )


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:iam::{ACCOUNT}:root",
        f"arn:aws:sts::{ACCOUNT}:federated-user/jdoe",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/ResearchUsers",
        "not-an-arn",
    ],
)
def test_unusable_principal_fails_with_reason(
    subnets: dict[str, str], role_id: str, principal: str, run: Run, make_event: MakeEvent
) -> None:
    response = run(make_event(create_stack(principal=principal)))

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(
        f"cannot derive an owner from provisioning principal {principal!r}"
    )
    assert response["Data"] == {}


def test_deleted_role_fails_with_reason(
    subnets: dict[str, str], role_id: str, run: Run, make_event: MakeEvent
) -> None:
    response = run(make_event(create_stack(principal=assumed_role("Retired", "jdoe"))))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        f"IAM role Retired of provisioning principal {assumed_role('Retired', 'jdoe')} "
        "does not exist"
    )


def test_session_name_unfit_for_tags_fails(
    subnets: dict[str, str], role_id: str, run: Run, make_event: MakeEvent
) -> None:
    # A rewritten aws:userid would never match the owner-only conditions.
    response = run(make_event(create_stack(principal=assumed_role("ResearchUsers", "doe,j"))))

    assert response["Status"] == "FAILED"
    assert "cannot be stored in a tag" in response["Reason"]


def test_misconfigured_communities_fail_for_the_operator(
    monkeypatch: pytest.MonkeyPatch,
    subnets: dict[str, str],
    role_id: str,
    run: Run,
    make_event: MakeEvent,
) -> None:
    monkeypatch.setenv("COMMUNITIES", json.dumps({"ResearchUsers": {"owner_email": "x"}}))
    response = run(make_event(create_stack(principal=assumed_role("ResearchUsers", "jdoe"))))

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("product-context function is misconfigured: COMMUNITIES")


def test_logs_resolution_but_not_the_response_url(
    capsys: pytest.CaptureFixture[str],
    subnets: dict[str, str],
    role_id: str,
    run: Run,
    make_event: MakeEvent,
) -> None:
    event = make_event(create_stack(principal=assumed_role("ResearchUsers", "jdoe")))
    run(event)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["message"] == "resolved"
    assert lines[-1]["data"]["OwnerUserId"] == "jdoe"
    assert all(event["ResponseURL"] not in json.dumps(line) for line in lines)


def test_role_name_patterns_map_identity_center_roles_to_a_community() -> None:
    settings = product_context.Settings(
        communities={
            "AWSReservedSSO_Researchers_*": product_context.Community("genomics"),
            "AWSReservedSSO_Researchers_Admin": product_context.Community("admins"),
        },
        subnets_parameter=SUBNETS_PARAMETER,
        owner_transfers_path=TRANSFERS_PATH,
    )

    community = settings.community_for("awsreservedsso_researchers_0123abcd")
    assert community is not None and community.name == "genomics"
    exact = settings.community_for("AWSReservedSSO_Researchers_Admin")
    assert exact is not None and exact.name == "admins"  # an exact name wins over a pattern
    assert settings.community_for("AWSReservedSSO_Visitors_0123abcd") is None


COMMUNITIES_PATH = "/research-catalog/communities"


def _publish_documents(documents: dict[str, Any]) -> None:
    """What community stacks publish (stacks/community_stack.py), one parameter each."""
    for name, document in documents.items():
        value = document if isinstance(document, str) else json.dumps(document)
        boto3.client("ssm").put_parameter(
            Name=f"{COMMUNITIES_PATH}/{name}", Type="String", Value=value
        )


@pytest.fixture
def deployed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment the Shared stack gives the function: community documents in SSM, no
    list of communities of its own."""
    monkeypatch.delenv("COMMUNITIES")
    monkeypatch.setenv("COMMUNITIES_PARAMETER_PATH", COMMUNITIES_PATH)


def test_communities_come_from_the_documents_community_stacks_publish(
    deployed_environment: None,
    subnets: dict[str, str],
    role_id: str,
    run: Run,
    make_event: MakeEvent,
) -> None:
    _publish_documents(
        {
            f"team{index:02d}": {"roles": [f"Team{index:02d}Users"], "owner_email_template": None}
            for index in range(25)  # several pages of GetParametersByPath
        }
        | {
            "genomics": {
                "roles": ["ResearchUsers", "AWSReservedSSO_Genomics_*"],
                "owner_email_template": "{session}@example.org",
            }
        }
    )
    response = run(make_event(create_stack(principal=assumed_role("ResearchUsers", "jdoe"))))
    assert response["Status"] == "SUCCESS", response.get("Reason")
    assert response["Data"]["Community"] == "genomics"
    assert response["Data"]["OwnerEmail"] == "jdoe@example.org"
    settings = product_context.Settings.from_environ(
        {
            "SUBNETS_PARAMETER": SUBNETS_PARAMETER,
            "COMMUNITIES_PARAMETER_PATH": COMMUNITIES_PATH,
            "OWNER_TRANSFERS_PARAMETER_PATH": TRANSFERS_PATH,
        },
        boto3.client("ssm"),
    )
    pattern = settings.community_for("AWSReservedSSO_Genomics_0123abcd")
    assert pattern is not None and pattern.name == "genomics"
    team = settings.community_for("Team24Users")
    assert team is not None and team.name == "team24"


def test_a_broken_community_document_fails_launches_naming_it(
    deployed_environment: None,
    subnets: dict[str, str],
    role_id: str,
    run: Run,
    make_event: MakeEvent,
) -> None:
    _publish_documents({"genomics": {"roles": ["ResearchUsers"]}, "broken": "not json"})
    response = run(make_event(create_stack(principal=assumed_role("ResearchUsers", "jdoe"))))
    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(
        "product-context function is misconfigured: a community document below "
        f"{COMMUNITIES_PATH} is not what community stacks publish"
    )
    assert f"{COMMUNITIES_PATH}/broken is not JSON" in response["Reason"]
