"""The product-context custom resource handler, against moto's CloudFormation, IAM, SSM and EC2."""

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from catalog_constructs.shared.product_context.handler import index

ACCOUNT = "123456789012"
REGION = "us-east-1"
SUBNETS_PARAMETER = "/research-catalog/network/private-subnet-ids"
COMMUNITIES = {
    "ResearchUsers": {"community": "genomics", "owner_email_template": "{session}@example.org"},
    "Visitors": {"community": "visitors", "owner_email_template": None},
    "Broken": {"community": "broken", "owner_email_template": "{session}"},
}
IMAGE_PARAMETER = "/research-catalog/images/linux-docker/al2023"
DOCUMENTATION_URL = "https://example.org/docs"
RESPONSE_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/signed"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:research-catalog-product-context"
CONTEXT = SimpleNamespace(log_stream_name="2025/01/01/[$LATEST]abc123")
TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
SETTINGS = index.Settings.from_environ(
    {
        "COMMUNITIES": json.dumps(COMMUNITIES),
        "SUBNETS_PARAMETER": SUBNETS_PARAMETER,
        "DOCUMENTATION_URL": DOCUMENTATION_URL,
    }
)


class Captured:
    """A fake sender that records the custom-resource responses."""

    def __init__(self) -> None:
        self.responses: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, body: bytes) -> None:
        self.responses.append((url, json.loads(body)))

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.responses) == 1
        return self.responses[0][1]


class Untouchable:
    """A client that fails the test if anything calls AWS through it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected AWS call: {name}")


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COMMUNITIES", json.dumps(COMMUNITIES))
    monkeypatch.setenv("SUBNETS_PARAMETER", SUBNETS_PARAMETER)
    # Trailing slash on purpose: templates append "/products/<page>".
    monkeypatch.setenv("DOCUMENTATION_URL", DOCUMENTATION_URL + "/")


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


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


def create_stack(name: str = "SC-123456789012-pp-abcdef", principal: str | None = None) -> str:
    tags = [{"Key": "aws:servicecatalog:productArn", "Value": "arn:aws:catalog:::product/prod-1"}]
    if principal is not None:
        tags.append({"Key": index.PRINCIPAL_TAG, "Value": principal})
    cloudformation = boto3.client("cloudformation")
    return str(
        cloudformation.create_stack(StackName=name, TemplateBody=TEMPLATE, Tags=tags)["StackId"]
    )


def make_event(stack_id: str, request_type: str = "Create", **extra: str) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": RESPONSE_URL,
        "StackId": stack_id,
        "RequestId": "5d478078-13e9-baf0-464a-7ef285ecc786",
        "LogicalResourceId": "ProductContext",
        "ResourceType": "Custom::ProductContext",
        "ResourceProperties": {"ServiceToken": SERVICE_TOKEN},
        **extra,
    }


def run(event: dict[str, Any]) -> dict[str, Any]:
    """Run the Lambda entry point with real (moto) clients; return the response it sent."""
    captured = Captured()
    index.handler(event, CONTEXT, send=captured)
    assert [url for url, _ in captured.responses] == [RESPONSE_URL]
    return captured.only


def resolve(stack_id: str, settings: index.Settings = SETTINGS) -> dict[str, str]:
    _, data = index.resolve(
        make_event(stack_id),
        cloudformation=boto3.client("cloudformation"),
        iam=boto3.client("iam"),
        ssm=boto3.client("ssm"),
        ec2=boto3.client("ec2"),
        settings=settings,
    )
    return data


def test_create_resolves_owner_community_and_placement(
    subnets: dict[str, str], role_id: str
) -> None:
    principal = assumed_role("ResearchUsers", "jdoe")
    stack_id = create_stack(principal=principal)

    response = run(make_event(stack_id))

    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == index.physical_resource_id(stack_id)
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
        "Community": "genomics",
        "SubnetId": data["SubnetId"],
        "AvailabilityZone": subnets[data["SubnetId"]],
        # Every private subnet, for products spanning AZs (Studio domains): Fn::Split input.
        "SubnetIds": ",".join(sorted(subnets)),
        "DocumentationUrl": DOCUMENTATION_URL,
    }
    assert all(isinstance(value, str) for value in data.values())


def test_update_keeps_physical_id_and_placement(subnets: dict[str, str], role_id: str) -> None:
    stack_id = create_stack(principal=assumed_role("ResearchUsers", "jdoe"))
    created = run(make_event(stack_id))

    updated = run(make_event(stack_id, "Update", PhysicalResourceId=created["PhysicalResourceId"]))

    assert updated["Status"] == "SUCCESS"
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert updated["Data"] == created["Data"]


def test_stack_without_principal_tag_fails_with_clear_reason(
    subnets: dict[str, str], role_id: str
) -> None:
    stack_id = create_stack(name="launched-by-hand")

    response = run(make_event(stack_id))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        "stack launched-by-hand has no aws:servicecatalog:provisioningPrincipalArn tag: "
        "launch this product from AWS Service Catalog, not directly with CloudFormation"
    )
    assert response["Data"] == {}
    assert response["PhysicalResourceId"] == index.physical_resource_id(stack_id)


def test_iam_user_principal(subnets: dict[str, str], role_id: str) -> None:
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


def test_iam_user_named_like_an_email(subnets: dict[str, str], role_id: str) -> None:
    boto3.client("iam").create_user(UserName="jane.doe@example.org")
    data = resolve(create_stack(principal=f"arn:aws:iam::{ACCOUNT}:user/jane.doe@example.org"))

    assert data["OwnerUserId"] == "jane.doe@example.org"
    assert data["OwnerEmail"] == "jane.doe@example.org"


def test_unknown_role_is_unaffiliated_without_email(subnets: dict[str, str], role_id: str) -> None:
    data = resolve(create_stack(principal=assumed_role("Outsiders", "jdoe")))

    assert data["Community"] == "unaffiliated"
    assert data["OwnerEmail"] == ""
    assert data["OwnerRoleName"] == "Outsiders"
    assert data["OwnerUserId"] == "jdoe"


def test_session_name_that_is_an_email(subnets: dict[str, str], role_id: str) -> None:
    data = resolve(create_stack(principal=assumed_role("Outsiders", "jane.doe@example.org")))

    assert data["Community"] == "unaffiliated"
    assert data["OwnerEmail"] == "jane.doe@example.org"
    assert data["OwnerUserId"] == "jane.doe@example.org"


def test_community_without_template_uses_email_session(
    subnets: dict[str, str], role_id: str
) -> None:
    by_email = resolve(create_stack("a", principal=assumed_role("Visitors", "ann@uni.example")))
    by_name = resolve(create_stack("b", principal=assumed_role("Visitors", "ann")))

    assert (by_email["Community"], by_email["OwnerEmail"]) == ("visitors", "ann@uni.example")
    assert (by_name["Community"], by_name["OwnerEmail"]) == ("visitors", "")


def test_template_producing_a_non_email_gives_empty_email(
    subnets: dict[str, str], role_id: str
) -> None:
    data = resolve(create_stack(principal=assumed_role("Broken", "jdoe")))

    assert data["Community"] == "broken"
    assert data["OwnerEmail"] == ""


def test_role_name_matches_case_insensitively(subnets: dict[str, str], role_id: str) -> None:
    settings = index.Settings(
        communities={"researchusers": index.Community("genomics")},
        subnets_parameter=SUBNETS_PARAMETER,
    )
    data = resolve(create_stack(principal=assumed_role("ResearchUsers", "jdoe")), settings)

    assert data["Community"] == "genomics"


def test_same_stack_always_lands_in_the_same_subnet(subnets: dict[str, str], role_id: str) -> None:
    stack_id = create_stack(principal=assumed_role("ResearchUsers", "jdoe"))

    resolved = [resolve(stack_id) for _ in range(5)]

    placements = {(data["SubnetId"], data["AvailabilityZone"]) for data in resolved}

    assert len(placements) == 1
    # crc32 is fixed, unlike hash(): the same id maps to the same subnet in every process.
    assert index.pick_subnet(stack_id, list(subnets)) == placements.pop()[0]


def test_different_stacks_spread_over_subnets() -> None:
    subnet_ids = ["subnet-aaa", "subnet-bbb", "subnet-ccc"]
    stack_ids = [
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-{ACCOUNT}-pp-{n:04d}/uuid-{n}"
        for n in range(20)
    ]

    picked = {index.pick_subnet(stack_id, subnet_ids) for stack_id in stack_ids}

    assert len(picked) > 1
    # The order in the parameter does not matter, so reordering it moves no product.
    assert all(
        index.pick_subnet(s, subnet_ids) == index.pick_subnet(s, subnet_ids[::-1])
        for s in stack_ids
    )


def test_missing_subnet_parameter_fails_naming_it(aws: None, role_id: str) -> None:
    stack_id = create_stack(principal=assumed_role("ResearchUsers", "jdoe"))

    response = run(make_event(stack_id))

    assert response["Status"] == "FAILED"
    assert SUBNETS_PARAMETER in response["Reason"]
    assert "does not exist" in response["Reason"]


def test_empty_subnet_parameter_fails_naming_it(aws: None, role_id: str) -> None:
    boto3.client("ssm").put_parameter(Name=SUBNETS_PARAMETER, Type="String", Value=" , ")
    stack_id = create_stack(principal=assumed_role("ResearchUsers", "jdoe"))

    response = run(make_event(stack_id))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        f"SSM parameter {SUBNETS_PARAMETER} holds no subnet IDs: "
        "set it to comma-separated private subnet IDs"
    )


@pytest.mark.parametrize("resource_type", ["Custom::ProductContext", "Custom::MachineImage"])
def test_delete_succeeds_without_touching_aws(
    monkeypatch: pytest.MonkeyPatch, resource_type: str
) -> None:
    # Even a broken configuration must not block deleting a product.
    monkeypatch.setenv("COMMUNITIES", "not json")
    monkeypatch.delenv("SUBNETS_PARAMETER")
    captured = Captured()

    def no_clients(service: str) -> Any:
        return Untouchable()

    event = make_event(
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/gone/uuid",
        "Delete",
        PhysicalResourceId="product-context-0badf00d",
        ResourceType=resource_type,
    )
    index.handler(event, CONTEXT, send=captured, client=no_clients)

    assert captured.only["Status"] == "SUCCESS"
    assert captured.only["PhysicalResourceId"] == "product-context-0badf00d"
    assert captured.only["Data"] == {}


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
    subnets: dict[str, str], role_id: str, principal: str
) -> None:
    response = run(make_event(create_stack(principal=principal)))

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(
        f"cannot derive an owner from provisioning principal {principal!r}"
    )
    assert response["Data"] == {}


def test_deleted_role_fails_with_reason(subnets: dict[str, str], role_id: str) -> None:
    response = run(make_event(create_stack(principal=assumed_role("Retired", "jdoe"))))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == (
        f"IAM role Retired of provisioning principal {assumed_role('Retired', 'jdoe')} "
        "does not exist"
    )


def test_session_name_unfit_for_tags_fails(subnets: dict[str, str], role_id: str) -> None:
    # A rewritten aws:userid would never match the owner-only conditions.
    response = run(make_event(create_stack(principal=assumed_role("ResearchUsers", "doe,j"))))

    assert response["Status"] == "FAILED"
    assert "cannot be stored in a tag" in response["Reason"]


def test_tag_values_are_restricted() -> None:
    assert index.tag_safe("jdoe+lab=1:a@b/c d-e_f.g") == "jdoe+lab=1:a@b/c d-e_f.g"
    assert index.tag_safe("doe,j;<x>") == "doe_j__x_"
    assert len(index.tag_safe("x" * 300)) == 256
    assert index.as_email("jdoe@example.org") == "jdoe@example.org"
    assert index.as_email("jdoe") == ""
    assert index.as_email("a@b@example.org") == ""
    assert index.as_email(f"{'x' * 250}@example.org") == ""


def test_misconfigured_communities_fail_for_the_operator(
    monkeypatch: pytest.MonkeyPatch, subnets: dict[str, str], role_id: str
) -> None:
    monkeypatch.setenv("COMMUNITIES", json.dumps({"ResearchUsers": {"owner_email": "x"}}))
    response = run(make_event(create_stack(principal=assumed_role("ResearchUsers", "jdoe"))))

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith("product-context function is misconfigured: COMMUNITIES")


def test_unexpected_error_points_at_the_log_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = Captured()

    def broken_clients(service: str) -> Any:
        raise RuntimeError("no endpoint")

    index.handler(make_event("arn:stack"), CONTEXT, send=captured, client=broken_clients)

    assert captured.only["Status"] == "FAILED"
    assert "RuntimeError: no endpoint" in captured.only["Reason"]
    assert CONTEXT.log_stream_name in captured.only["Reason"]
    assert captured.only["PhysicalResourceId"] == index.physical_resource_id("arn:stack")


def test_logs_resolution_but_not_the_response_url(
    capsys: pytest.CaptureFixture[str], subnets: dict[str, str], role_id: str
) -> None:
    run(make_event(create_stack(principal=assumed_role("ResearchUsers", "jdoe"))))

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["message"] == "resolved"
    assert lines[-1]["data"]["OwnerUserId"] == "jdoe"
    assert all(RESPONSE_URL not in json.dumps(line) for line in lines)


def test_respond_sends_the_custom_resource_body() -> None:
    captured = Captured()
    event = make_event("arn:aws:cloudformation:us-east-1:123456789012:stack/s/uuid")

    index.respond(event, CONTEXT, "SUCCESS", {"Community": "genomics"}, "", "pid-1", send=captured)

    url, body = captured.responses[0]
    assert url == RESPONSE_URL
    assert body == {
        "Status": "SUCCESS",
        "Reason": f"see CloudWatch log stream {CONTEXT.log_stream_name}",
        "PhysicalResourceId": "pid-1",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": "ProductContext",
        "Data": {"Community": "genomics"},
    }


def test_respond_truncates_long_reasons() -> None:
    captured = Captured()
    index.respond(make_event("arn:stack"), CONTEXT, "FAILED", {}, "x" * 5000, "p", send=captured)

    assert len(captured.only["Reason"]) == 1000


def test_send_response_puts_json_without_content_type(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = []

    class Response:
        def __enter__(self) -> "Response":
            return self

        def __exit__(self, *args: object) -> None:
            pass

        def read(self) -> bytes:
            return b""

    def fake_urlopen(request: Any, timeout: float) -> Response:
        requests.append(request)
        return Response()

    monkeypatch.setattr(index.urllib.request, "urlopen", fake_urlopen)
    body = json.dumps({"Status": "SUCCESS"}).encode()

    index.send_response(RESPONSE_URL, body)

    (request,) = requests
    assert request.full_url == RESPONSE_URL
    assert request.get_method() == "PUT"
    assert request.data == body
    assert request.get_header("Content-type") == ""
    assert request.get_header("Content-length") == str(len(body))


def image_event(parameter: str | None = IMAGE_PARAMETER, **extra: str) -> dict[str, Any]:
    properties = {"ServiceToken": SERVICE_TOKEN}
    if parameter is not None:
        properties["ImageParameter"] = parameter
    return make_event(
        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-{ACCOUNT}-pp-abc/uuid",
        ResourceType="Custom::MachineImage",
        LogicalResourceId="Image",
        **extra,
    ) | {"ResourceProperties": properties}


# moto serves AWS's public Amazon Linux parameters, so the tests resolve the very names the
# Linux Docker product uses, with the AMI IDs moto publishes for them.
PUBLIC_X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
PUBLIC_ARM64 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"


def published(name: str) -> str:
    return str(boto3.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])


def test_machine_image_reads_the_ami_from_ssm(aws: None) -> None:
    expected = published(PUBLIC_X86)

    response = run(image_event(PUBLIC_X86))

    assert response["Status"] == "SUCCESS"
    assert expected.startswith("ami-")
    assert response["PhysicalResourceId"] == expected
    assert response["Data"] == {"ImageId": expected, "ImageParameter": PUBLIC_X86}


def test_machine_image_update_reads_the_new_parameter(aws: None) -> None:
    previous = published(PUBLIC_X86)
    expected = published(PUBLIC_ARM64)
    assert previous != expected

    response = run(image_event(PUBLIC_ARM64, RequestType="Update", PhysicalResourceId=previous))

    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"ImageId": expected, "ImageParameter": PUBLIC_ARM64}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, f"SSM parameter {IMAGE_PARAMETER} (the product's machine image) does not exist"),
        ("subnet-123", f"SSM parameter {IMAGE_PARAMETER} holds 'subnet-123', not an AMI ID"),
    ],
)
def test_machine_image_fails_naming_the_parameter(
    aws: None, value: str | None, reason: str
) -> None:
    if value is not None:
        boto3.client("ssm").put_parameter(Name=IMAGE_PARAMETER, Type="String", Value=value)

    response = run(image_event())

    assert response["Status"] == "FAILED"
    assert response["Reason"].startswith(reason)
    assert response["Data"] == {}


def test_machine_image_without_parameter_property_fails(aws: None) -> None:
    response = run(image_event(parameter=None))

    assert response["Status"] == "FAILED"
    assert response["Reason"] == "Custom::MachineImage needs an ImageParameter property"


def fallback_event(parameter: str, fallback: str, **extra: str) -> dict[str, Any]:
    event = image_event(parameter, **extra)
    event["ResourceProperties"]["FallbackImageParameter"] = fallback
    return event


def test_machine_image_prefers_the_catalog_image_when_published(aws: None) -> None:
    catalog_image = published(PUBLIC_ARM64)
    boto3.client("ssm").put_parameter(Name=IMAGE_PARAMETER, Type="String", Value=catalog_image)

    response = run(fallback_event(IMAGE_PARAMETER, PUBLIC_X86))

    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"ImageId": catalog_image, "ImageParameter": IMAGE_PARAMETER}


def test_machine_image_falls_back_to_the_public_image(aws: None) -> None:
    response = run(fallback_event(IMAGE_PARAMETER, PUBLIC_X86))

    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"ImageId": published(PUBLIC_X86), "ImageParameter": PUBLIC_X86}


def test_machine_image_fails_when_neither_parameter_exists(aws: None) -> None:
    response = run(fallback_event(IMAGE_PARAMETER, "/aws/service/none/such"))

    assert response["Status"] == "FAILED"
    assert IMAGE_PARAMETER in response["Reason"]
    assert "/aws/service/none/such" in response["Reason"]


def test_role_name_patterns_map_identity_center_roles_to_a_community() -> None:
    settings = index.Settings(
        communities={
            "AWSReservedSSO_Researchers_*": index.Community("genomics"),
            "AWSReservedSSO_Researchers_Admin": index.Community("admins"),
        },
        subnets_parameter=SUBNETS_PARAMETER,
    )

    community = settings.community_for("awsreservedsso_researchers_0123abcd")
    assert community is not None and community.name == "genomics"
    exact = settings.community_for("AWSReservedSSO_Researchers_Admin")
    assert exact is not None and exact.name == "admins"  # an exact name wins over a pattern
    assert settings.community_for("AWSReservedSSO_Visitors_0123abcd") is None
