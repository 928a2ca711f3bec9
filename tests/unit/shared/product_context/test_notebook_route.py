"""Custom::NotebookRoute: a notebook's rule on the shared gateway, without priority races."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    dispatch,
    notebook_route,
)

REGION = "us-east-1"
STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-abc/"
    "11111111-2222-3333-4444-555555555555"
)
ROUTE_ID = "11111111-2222-3333-4444-555555555555"
LOCAL_URL = "http://localhost:8888/11111111-2222-3333-4444-555555555555/lab"


class Aws:
    def __init__(self) -> None:
        self.ssm = boto3.client("ssm", region_name=REGION)
        self.elbv2 = boto3.client("elbv2", region_name=REGION)
        self.ec2 = boto3.client("ec2", region_name=REGION)
        self.secrets = boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def aws() -> Iterator[Aws]:
    with mock_aws():
        yield Aws()


def publish(aws: Aws, settings: dict[str, Any]) -> None:
    aws.ssm.put_parameter(
        Name=notebook_route.GATEWAY_PARAMETER, Type="String", Value=json.dumps(settings)
    )


@pytest.fixture
def gateway(aws: Aws) -> dict[str, Any]:
    """A load balancer with an HTTPS-like listener, a product instance and its group."""
    vpc = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        aws.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        for n, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    gateway_group = aws.ec2.create_security_group(
        GroupName="gateway", Description="gateway", VpcId=vpc
    )["GroupId"]
    product_group = aws.ec2.create_security_group(
        GroupName="product", Description="product", VpcId=vpc
    )["GroupId"]
    balancer = aws.elbv2.create_load_balancer(
        Name="gateway", Subnets=subnets, SecurityGroups=[gateway_group]
    )["LoadBalancers"][0]["LoadBalancerArn"]
    listener = aws.elbv2.create_listener(
        LoadBalancerArn=balancer,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    secret = aws.secrets.create_secret(Name="client", SecretString="s3cr3t")["ARN"]
    image = aws.ec2.describe_images()["Images"][0]["ImageId"]
    instances = [
        aws.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0])[
            "Instances"
        ][0]["InstanceId"]
        for _ in range(2)
    ]
    settings = {
        "enabled": True,
        "listener_arn": listener,
        "load_balancer_arn": balancer,
        "security_group_id": gateway_group,
        "vpc_id": vpc,
        "base_url": "https://notebooks.example.org",
        "client_secret_arn": secret,
        "oidc": {
            "issuer": "https://repo-prod.prod.sagebase.org/auth/v1",
            "authorization_endpoint": "https://signin.synapse.org",
            "token_endpoint": "https://repo-prod.prod.sagebase.org/auth/v1/oauth2/token",
            "user_info_endpoint": "https://repo-prod.prod.sagebase.org/auth/v1/oauth2/userinfo",
            "client_id": "100001",
            "scope": "openid",
            "extra_params": {"claims": "{}"},
        },
    }
    publish(aws, settings)
    return {**settings, "product_group": product_group, "instances": instances}


def event(gateway: dict[str, Any], request: str = "Create", **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": request,
        "StackId": STACK_ID,
        "ResourceType": "Custom::NotebookRoute",
        "ResourceProperties": {
            "RouteId": ROUTE_ID,
            "InstanceId": gateway["instances"][0],
            "SecurityGroupId": gateway["product_group"],
            "LocalUrl": LOCAL_URL,
        },
        **extra,
    }


def ensure(aws: Aws, request: dict[str, Any], elbv2: Any = None) -> tuple[str, dict[str, str]]:
    return notebook_route.ensure_route(
        request,
        ssm=aws.ssm,
        elbv2=elbv2 or aws.elbv2,
        ec2=aws.ec2,
        secrets=aws.secrets,
        sleep=lambda _: None,
    )


def rules(aws: Aws, gateway: dict[str, Any]) -> list[dict[str, Any]]:
    found = aws.elbv2.describe_rules(ListenerArn=gateway["listener_arn"])["Rules"]
    return [rule for rule in found if not rule["IsDefault"]]


def test_create_routes_the_path_through_sign_in_to_the_instance(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    physical_id, data = ensure(aws, event(gateway))
    assert data == {"Url": f"https://notebooks.example.org/{ROUTE_ID}/", "Gateway": "enabled"}
    (rule,) = rules(aws, gateway)
    assert rule["RuleArn"] == physical_id
    assert rule["Conditions"][0]["PathPatternConfig"]["Values"] == [f"/{ROUTE_ID}/*"]
    authenticate, forward = sorted(rule["Actions"], key=lambda action: action["Order"])
    assert authenticate["Type"] == "authenticate-oidc"
    assert authenticate["AuthenticateOidcConfig"]["Issuer"] == gateway["oidc"]["issuer"]
    target_group = forward["TargetGroupArn"]
    health = aws.elbv2.describe_target_health(TargetGroupArn=target_group)
    assert [t["Target"]["Id"] for t in health["TargetHealthDescriptions"]] == [
        gateway["instances"][0]
    ]
    (group,) = aws.ec2.describe_security_groups(GroupIds=[gateway["product_group"]])[
        "SecurityGroups"
    ]
    (permission,) = group["IpPermissions"]
    assert (permission["FromPort"], permission["ToPort"]) == (443, 443)
    assert [pair["GroupId"] for pair in permission["UserIdGroupPairs"]] == [
        gateway["security_group_id"]
    ]
    assert not permission["IpRanges"]


def test_a_priority_taken_meanwhile_is_retried_with_the_next(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    class RacingElbv2:
        """Another notebook claims the free priority between our read and our write."""

        def __init__(self, real: Any) -> None:
            self.real = real
            self.raced = False

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

        def create_rule(self, **kwargs: Any) -> Any:
            if not self.raced:
                self.raced = True
                self.real.create_rule(
                    **{
                        **kwargs,
                        "Conditions": [
                            {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/other/*"]}}
                        ],
                    }
                )
            return self.real.create_rule(**kwargs)

    racing = RacingElbv2(aws.elbv2)
    ensure(aws, event(gateway), elbv2=racing)
    assert racing.raced
    priorities = sorted(int(rule["Priority"]) for rule in rules(aws, gateway))
    assert priorities == [1, 2]


def test_two_notebooks_get_distinct_priorities(aws: Aws, gateway: dict[str, Any]) -> None:
    ensure(aws, event(gateway))
    second = event(gateway)
    second["ResourceProperties"] = {
        **second["ResourceProperties"],
        "RouteId": "99999999-2222-3333-4444-555555555555",
    }
    ensure(aws, second)
    assert sorted(int(rule["Priority"]) for rule in rules(aws, gateway)) == [1, 2]


def test_update_moves_the_route_to_a_replacement_instance(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    physical_id, _ = ensure(aws, event(gateway))
    update = event(gateway, "Update", PhysicalResourceId=physical_id)
    update["ResourceProperties"]["InstanceId"] = gateway["instances"][1]
    same_id, _ = ensure(aws, update)
    assert same_id == physical_id
    (rule,) = rules(aws, gateway)
    forward = next(a for a in rule["Actions"] if a["Type"] == "forward")
    health = aws.elbv2.describe_target_health(TargetGroupArn=forward["TargetGroupArn"])
    assert [t["Target"]["Id"] for t in health["TargetHealthDescriptions"]] == [
        gateway["instances"][1]
    ]


def test_delete_removes_rule_and_target_group(aws: Aws, gateway: dict[str, Any]) -> None:
    physical_id, _ = ensure(aws, event(gateway))
    notebook_route.delete_route(physical_id, elbv2=aws.elbv2, sleep=lambda _: None)
    assert rules(aws, gateway) == []
    assert aws.elbv2.describe_target_groups()["TargetGroups"] == []
    # Deleting again (CloudFormation retries) is not an error.
    notebook_route.delete_route(physical_id, elbv2=aws.elbv2, sleep=lambda _: None)


def test_without_a_gateway_nothing_is_created_and_the_local_url_returned(aws: Aws) -> None:
    publish(aws, {"enabled": False})
    request = {
        "RequestType": "Create",
        "StackId": STACK_ID,
        "ResourceProperties": {
            "RouteId": ROUTE_ID,
            "InstanceId": "i-0123456789abcdef0",
            "SecurityGroupId": "sg-0123456789abcdef0",
            "LocalUrl": LOCAL_URL,
        },
    }
    physical_id, data = ensure(aws, request)
    assert data == {"Url": LOCAL_URL, "Gateway": "disabled"}
    assert physical_id.endswith("/notebook-route/disabled")
    assert aws.elbv2.describe_target_groups()["TargetGroups"] == []
    notebook_route.delete_route(physical_id, elbv2=aws.elbv2, sleep=lambda _: None)


def test_missing_gateway_parameter_fails_with_a_clear_reason(
    aws: Aws, gateway: dict[str, Any], captured: Any
) -> None:
    aws.ssm.delete_parameter(Name=notebook_route.GATEWAY_PARAMETER)
    request = {
        **event(gateway),
        "ResponseURL": "https://cloudformation-custom-resource-response.example/x",
        "RequestId": "1",
        "LogicalResourceId": "Route",
    }
    clients = {
        "ssm": aws.ssm,
        "elbv2": aws.elbv2,
        "ec2": aws.ec2,
        "secretsmanager": aws.secrets,
    }
    dispatch.handler(
        request,
        None,
        send=captured,
        client=clients.__getitem__,
    )
    assert [response["Status"] for response in captured.bodies] == ["FAILED"]
    assert "deploy the catalog's Shared stack first" in captured.bodies[0]["Reason"]


def test_a_full_gateway_fails_clearly_and_leaves_no_target_group(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    class FullElbv2:
        def __init__(self, real: Any) -> None:
            self.real = real

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

        def create_rule(self, **kwargs: Any) -> Any:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "TooManyRules"}}, "CreateRule")

    with pytest.raises(notebook_route.RouteError, match=r"gateway is full .*raise the quota"):
        ensure(aws, event(gateway), elbv2=FullElbv2(aws.elbv2))
    assert aws.elbv2.describe_target_groups()["TargetGroups"] == []


def test_target_group_names_are_short_and_per_product() -> None:
    name = notebook_route.target_group_name(ROUTE_ID)
    assert len(name) <= 32 and name.startswith("nb-")
    assert name != notebook_route.target_group_name("99999999-2222-3333-4444-555555555555")
