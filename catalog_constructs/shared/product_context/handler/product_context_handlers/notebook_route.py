"""``Custom::NotebookRoute``: a notebook workstation's path on the shared notebook gateway.

The gateway (an HTTPS load balancer in the shared stack, present only where the stage
configures one) publishes its settings in one SSM parameter. Where it is enabled, this creates
the product's target group (HTTPS to the instance's nginx), registers the instance, lets the
gateway's security group reach the instance on 443 and adds a listener rule: path
``/<route id>/*``, sign in with the OIDC provider, forward. Where it is disabled, nothing is
created and the notebook's local (port-forwarded) URL is returned.

Listener rules need a priority unique in the listener. Two notebooks launched at once may pick
the same free one; the load balancer then refuses the second (``PriorityInUse``), which takes
the next free one. Priorities are never computed from anything two products could share.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from .common import ProductContextError, error_code

RESOURCE_TYPE = "Custom::NotebookRoute"
GATEWAY_PARAMETER = "/research-catalog/notebooks/gateway"
HEALTH_PATH = "/research-catalog-health"
PRODUCT_TAG = "research-catalog:product"
STACK_TAG = "research-catalog:stack-id"
SESSION_COOKIE = "research-catalog-notebook"
MAX_PRIORITY = 50_000
ATTEMPTS = 10
DISABLED = "disabled"


class RouteError(ProductContextError):
    """A route that cannot be made; the message tells the owner or the operators what to do."""


def gateway_settings(ssm: Any) -> dict[str, Any]:
    try:
        value = ssm.get_parameter(Name=GATEWAY_PARAMETER)["Parameter"]["Value"]
    except ClientError as error:
        if error_code(error) == "ParameterNotFound":
            raise RouteError(
                f"{GATEWAY_PARAMETER} is missing: deploy the catalog's Shared stack first"
            ) from error
        raise
    settings: dict[str, Any] = json.loads(value)
    return settings


def target_group_name(route_id: str) -> str:
    """At most 32 characters, unique per provisioned product (the route ID is its stack's)."""
    return "nb-" + route_id.replace("-", "")[:29]


def free_priority(elbv2: Any, listener_arn: str) -> int:
    used: set[int] = set()
    paginator_token: str | None = None
    while True:
        page = elbv2.describe_rules(
            ListenerArn=listener_arn, **({"Marker": paginator_token} if paginator_token else {})
        )
        used |= {int(rule["Priority"]) for rule in page["Rules"] if rule["Priority"].isdigit()}
        paginator_token = page.get("NextMarker")
        if not paginator_token:
            break
    for priority in range(1, MAX_PRIORITY + 1):
        if priority not in used:
            return priority
    raise RouteError("the notebook gateway's listener has no free rule priority")


def _rule_actions(settings: Mapping[str, Any], client_secret: str, target_group: str) -> list[Any]:
    oidc = settings["oidc"]
    authenticate: dict[str, Any] = {
        "Issuer": oidc["issuer"],
        "AuthorizationEndpoint": oidc["authorization_endpoint"],
        "TokenEndpoint": oidc["token_endpoint"],
        "UserInfoEndpoint": oidc["user_info_endpoint"],
        "ClientId": oidc["client_id"],
        "ClientSecret": client_secret,
        "Scope": oidc["scope"],
        "SessionCookieName": SESSION_COOKIE,
        "OnUnauthenticatedRequest": "authenticate",
    }
    if oidc.get("extra_params"):
        authenticate["AuthenticationRequestExtraParams"] = dict(oidc["extra_params"])
    return [
        {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": authenticate},
        {"Type": "forward", "Order": 2, "TargetGroupArn": target_group},
    ]


def _create_rule(
    elbv2: Any,
    settings: Mapping[str, Any],
    *,
    route_id: str,
    actions: list[Any],
    tags: list[dict[str, str]],
    sleep: Callable[[float], None],
) -> str:
    for _ in range(ATTEMPTS):
        priority = free_priority(elbv2, settings["listener_arn"])
        try:
            response = elbv2.create_rule(
                ListenerArn=settings["listener_arn"],
                Priority=priority,
                Conditions=[
                    {"Field": "path-pattern", "PathPatternConfig": {"Values": [f"/{route_id}/*"]}}
                ],
                Actions=actions,
                Tags=tags,
            )
        except ClientError as error:
            if error_code(error) == "PriorityInUse":
                # Another notebook took it between our read and our write: read again.
                sleep(random.uniform(0.2, 1.5))
                continue
            if error_code(error) in ("TooManyRules", "TooManyTargetGroups", "TooManyActions"):
                raise RouteError(
                    "the notebook gateway is full (load balancer quota "
                    f"{error_code(error)}); ask the catalog operators to raise the quota, or use "
                    "the port-forwarding output"
                ) from error
            raise
        return str(response["Rules"][0]["RuleArn"])
    raise RouteError("could not claim a listener rule priority; try the launch again")


def _target_group(elbv2: Any, settings: Mapping[str, Any], route_id: str, tags: Any) -> str:
    response = elbv2.create_target_group(
        Name=target_group_name(route_id),
        Protocol="HTTPS",
        Port=443,
        VpcId=settings["vpc_id"],
        TargetType="instance",
        HealthCheckProtocol="HTTPS",
        HealthCheckPath=HEALTH_PATH,
        Matcher={"HttpCode": "200"},
        Tags=tags,
    )
    return str(response["TargetGroups"][0]["TargetGroupArn"])


def _allow_gateway(ec2: Any, security_group: str, gateway_group: str) -> None:
    try:
        ec2.authorize_security_group_ingress(
            GroupId=security_group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "UserIdGroupPairs": [
                        {"GroupId": gateway_group, "Description": "Notebook gateway only"}
                    ],
                }
            ],
        )
    except ClientError as error:
        if error_code(error) != "InvalidPermission.Duplicate":
            raise


def _register_only(elbv2: Any, target_group: str, instance: str) -> None:
    health = elbv2.describe_target_health(TargetGroupArn=target_group)
    stale = [
        {"Id": t["Target"]["Id"], "Port": t["Target"]["Port"]}
        for t in health["TargetHealthDescriptions"]
        if t["Target"]["Id"] != instance
    ]
    elbv2.register_targets(TargetGroupArn=target_group, Targets=[{"Id": instance, "Port": 443}])
    if stale:
        elbv2.deregister_targets(TargetGroupArn=target_group, Targets=stale)


def _target_group_of(elbv2: Any, rule_arn: str) -> str | None:
    try:
        (rule,) = elbv2.describe_rules(RuleArns=[rule_arn])["Rules"]
    except ClientError as error:
        if error_code(error) == "RuleNotFound":
            return None
        raise
    for action in rule["Actions"]:
        if action["Type"] == "forward":
            return str(action["TargetGroupArn"])
    return None


def ensure_route(
    event: Mapping[str, Any],
    *,
    ssm: Any,
    elbv2: Any,
    ec2: Any,
    secrets: Any,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, dict[str, str]]:
    """Create/Update: the route exists, points at the current instance; returns its URL."""
    properties = event["ResourceProperties"]
    route_id = str(properties["RouteId"])
    instance = str(properties["InstanceId"])
    settings = gateway_settings(ssm)
    if not settings.get("enabled"):
        return f"{event['StackId']}/notebook-route/{DISABLED}", {
            "Url": str(properties["LocalUrl"]),
            "Gateway": DISABLED,
        }
    _allow_gateway(ec2, str(properties["SecurityGroupId"]), settings["security_group_id"])
    url = f"{settings['base_url'].rstrip('/')}/{route_id}/"
    existing = str(event.get("PhysicalResourceId", ""))
    if event["RequestType"] == "Update" and existing.startswith("arn:"):
        target_group = _target_group_of(elbv2, existing)
        if target_group:
            _register_only(elbv2, target_group, instance)
            return existing, {"Url": url, "Gateway": "enabled"}
    tags = [
        {"Key": PRODUCT_TAG, "Value": str(properties.get("ProductKey", "notebook"))},
        {"Key": STACK_TAG, "Value": str(event["StackId"])},
    ]
    target_group = _target_group(elbv2, settings, route_id, tags)
    try:
        elbv2.register_targets(TargetGroupArn=target_group, Targets=[{"Id": instance, "Port": 443}])
        client_secret = secrets.get_secret_value(SecretId=settings["client_secret_arn"])
        actions = _rule_actions(settings, client_secret["SecretString"], target_group)
        rule = _create_rule(
            elbv2, settings, route_id=route_id, actions=actions, tags=tags, sleep=sleep
        )
    except Exception:
        # A failed create reports no rule, so Delete could not find this group later.
        elbv2.delete_target_group(TargetGroupArn=target_group)
        raise
    return rule, {"Url": url, "Gateway": "enabled"}


def delete_route(physical_id: str, *, elbv2: Any, sleep: Callable[[float], None]) -> None:
    """Delete: the rule, then its target group (which the load balancer frees shortly after).
    The dispatch table calls it only for an ARN: a create that failed answered otherwise."""
    target_group = _target_group_of(elbv2, physical_id)
    try:
        elbv2.delete_rule(RuleArn=physical_id)
    except ClientError as error:
        if error_code(error) != "RuleNotFound":
            raise
    if not target_group:
        return
    for attempt in range(ATTEMPTS):
        try:
            elbv2.delete_target_group(TargetGroupArn=target_group)
            return
        except ClientError as error:
            if error_code(error) == "TargetGroupNotFound":
                return
            if error_code(error) != "ResourceInUse" or attempt == ATTEMPTS - 1:
                raise
            sleep(2)
