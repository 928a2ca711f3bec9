"""Custom::NotebookRoute: a notebook's own host name on the shared gateway, without priority
races."""

import json
import threading
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


def event(
    gateway: dict[str, Any], request: str = "Create", routing: str | None = "host", **extra: Any
) -> dict[str, Any]:
    """A request of notebook v2 (``Routing: host``), or of v1 with ``routing=None``."""
    properties = {
        "RouteId": ROUTE_ID,
        "InstanceId": gateway["instances"][0],
        "SecurityGroupId": gateway["product_group"],
        "LocalUrl": LOCAL_URL,
    }
    if routing:
        properties["Routing"] = routing
    return {
        "RequestType": request,
        "StackId": STACK_ID,
        "ResourceType": "Custom::NotebookRoute",
        "ResourceProperties": properties,
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
    found = notebook_route.listener_rules(aws.elbv2, gateway["listener_arn"])
    return [rule for rule in found if not rule["IsDefault"]]


def conditions(rule: dict[str, Any]) -> dict[str, list[str]]:
    return {
        condition["Field"]: condition.get("Values")
        or next(v["Values"] for k, v in condition.items() if k.endswith("Config"))
        for condition in rule["Conditions"]
    }


def test_create_routes_the_notebooks_own_host_through_sign_in_to_the_instance(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    physical_id, data = ensure(aws, event(gateway))
    assert data == {"Url": f"https://{ROUTE_ID}.notebooks.example.org/", "Gateway": "enabled"}
    (rule,) = rules(aws, gateway)
    assert rule["RuleArn"] == physical_id
    # The host alone: no path rule that could match on another notebook's host.
    assert conditions(rule) == {"host-header": [f"{ROUTE_ID}.notebooks.example.org"]}
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
    start = notebook_route.start_priority(ROUTE_ID)
    priorities = sorted(int(rule["Priority"]) for rule in rules(aws, gateway))
    assert priorities == sorted({start, start % notebook_route.MAX_PRIORITY + 1})


def test_two_notebooks_get_distinct_spread_out_priorities(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    other = "99999999-2222-3333-4444-555555555555"
    ensure(aws, event(gateway))
    second = event(gateway)
    second["ResourceProperties"] = {**second["ResourceProperties"], "RouteId": other}
    ensure(aws, second)
    priorities = sorted(int(rule["Priority"]) for rule in rules(aws, gateway))
    assert priorities == sorted(
        {notebook_route.start_priority(ROUTE_ID), notebook_route.start_priority(other)}
    )


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


def test_notebook_v1_keeps_its_path_but_only_on_the_gateways_own_host(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    _, data = ensure(aws, event(gateway, routing=None))
    assert data["Url"] == f"https://notebooks.example.org/{ROUTE_ID}/"
    (rule,) = rules(aws, gateway)
    assert conditions(rule) == {
        "host-header": ["notebooks.example.org"],
        "path-pattern": [f"/{ROUTE_ID}/*"],
    }


def test_path_rules_made_before_host_names_are_confined_to_the_gateways_host(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    """A path rule without a host condition matches on every notebook's host: its owner could
    serve pages from another notebook's origin. Any route call confines such rules."""
    target_group = aws.elbv2.create_target_group(
        Name="nb-legacy", Protocol="HTTPS", Port=443, VpcId=gateway["vpc_id"]
    )["TargetGroups"][0]["TargetGroupArn"]
    legacy = aws.elbv2.create_rule(
        ListenerArn=gateway["listener_arn"],
        Priority=7,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/legacy/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )["Rules"][0]["RuleArn"]
    ensure(aws, event(gateway))
    (confined,) = [rule for rule in rules(aws, gateway) if rule["RuleArn"] == legacy]
    assert conditions(confined) == {
        "path-pattern": ["/legacy/*"],
        "host-header": ["notebooks.example.org"],
    }


def test_updating_a_v1_notebook_to_v2_moves_its_route_to_its_host_name(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    physical_id, _ = ensure(aws, event(gateway, routing=None))
    same_id, data = ensure(aws, event(gateway, "Update", PhysicalResourceId=physical_id))
    assert same_id == physical_id
    assert data["Url"] == f"https://{ROUTE_ID}.notebooks.example.org/"
    (rule,) = rules(aws, gateway)
    assert conditions(rule) == {"host-header": [f"{ROUTE_ID}.notebooks.example.org"]}


class LockStepElbv2:
    """Many launches at once, as badly interleaved as possible: every launch still running
    reads the listener's rules, and none writes before all of them have read (each round of
    reads sees the same rules). Calls reach moto one at a time; a simulated clock per launch
    advances by each pause, so the deadline is the Lambda's, not the test's."""

    def __init__(self, real: Any, launches: int) -> None:
        self.real = real
        self.active = launches
        self.readers = 0
        self.round = 0
        self.lock = threading.Lock()
        self.turn = threading.Condition()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.real, name)

        def call(**kwargs: Any) -> Any:
            with self.lock:
                return method(**kwargs)

        return call

    def describe_rules(self, **kwargs: Any) -> Any:
        with self.lock:
            page = self.real.describe_rules(**kwargs)
        if "ListenerArn" in kwargs:
            self._wait_for_the_others()
        return page

    def _wait_for_the_others(self) -> None:
        with self.turn:
            self.readers += 1
            this_round = self.round
            self._next_round_if_all_read()
            self.turn.wait_for(lambda: self.round != this_round, timeout=30)

    def _next_round_if_all_read(self) -> None:
        if self.active and self.readers >= self.active:
            self.readers = 0
            self.round += 1
            self.turn.notify_all()

    def leave(self) -> None:
        with self.turn:
            self.active -= 1
            self._next_round_if_all_read()


@pytest.mark.parametrize("launches", [45])
def test_simultaneous_launches_all_get_a_route_before_the_deadline(
    aws: Aws, gateway: dict[str, Any], launches: int
) -> None:
    """Before, every launch took the lowest free priority and gave up after ten tries: in such
    rounds only one launch wins per round, so 35 of these 45 failed (and 50 of 60, 80 of 90
    in the same harness)."""
    racing = LockStepElbv2(aws.elbv2, launches)
    failures: list[BaseException] = []

    def launch(number: int) -> None:
        clock = [0.0]
        request = event(gateway)
        request["ResourceProperties"]["RouteId"] = f"{number:08d}-2222-3333-4444-555555555555"
        try:
            notebook_route.ensure_route(
                request,
                ssm=aws.ssm,
                elbv2=racing,
                ec2=aws.ec2,
                secrets=aws.secrets,
                sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds),
                seconds_left=lambda: 840 - clock[0],
            )
        except BaseException as error:
            failures.append(error)
        finally:
            racing.leave()

    threads = [threading.Thread(target=launch, args=(n,)) for n in range(launches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    priorities = [rule["Priority"] for rule in rules(aws, gateway)]
    assert len(priorities) == len(set(priorities)) == launches


def test_a_launch_that_cannot_claim_a_priority_fails_before_the_deadline(
    aws: Aws, gateway: dict[str, Any]
) -> None:
    class AlwaysTaken:
        def __init__(self, real: Any) -> None:
            self.real = real
            self.tries = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

        def create_rule(self, **kwargs: Any) -> Any:
            from botocore.exceptions import ClientError

            self.tries += 1
            raise ClientError({"Error": {"Code": "PriorityInUse"}}, "CreateRule")

    clock = [0.0]
    taken = AlwaysTaken(aws.elbv2)
    with pytest.raises(notebook_route.RouteError, match="in time"):
        notebook_route.ensure_route(
            event(gateway),
            ssm=aws.ssm,
            elbv2=taken,
            ec2=aws.ec2,
            secrets=aws.secrets,
            sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds),
            seconds_left=lambda: 60 - clock[0],
        )
    assert taken.tries > 10 and clock[0] <= 60
    assert aws.elbv2.describe_target_groups()["TargetGroups"] == []
