"""``Custom::NotebookRoute``: a notebook workstation's own host name on the shared gateway.

The gateway (an HTTPS load balancer in the shared stack, present only where the stage
configures one) publishes its settings in one SSM parameter. Where it is enabled, this creates
the product's target group (HTTPS to the instance's nginx), registers the instance, lets the
gateway's security group reach the instance on 443 and adds a listener rule: host
``<route id>.<gateway domain>``, sign in with the OIDC provider, forward. Where it is disabled,
nothing is created and the notebook's local (port-forwarded) URL is returned.

Each notebook has its own host name, so its own web origin: a page one owner serves from their
notebook cannot script another owner's notebook, and the load balancer's session cookie of one
notebook is never sent to another. Templates released before host names (notebook v1) send no
``Routing`` property and keep a path route (``/<route id>/*``), confined to the gateway's own
host name: a path rule without a host condition would match on every notebook's host and serve
its owner's pages from that notebook's origin, so every call also confines such legacy rules.

Listener rules need a priority unique in the listener. Each route starts from its own point
(a hash of the route ID, spread over the whole range) and takes the first free priority from
there; two launches at once then rarely want the same one, and when the load balancer refuses
one (``PriorityInUse``) it reads again and retries until the Lambda's deadline.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

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
HOST = "host"
PATH = "path"
# Time one more claim may take (a read of every rule, a write, a pause), kept back from the
# deadline so that the answer to CloudFormation is never late.
CLAIM_SECONDS = 5.0


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


def listener_rules(elbv2: Any, listener_arn: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    marker: str | None = None
    while True:
        page = elbv2.describe_rules(
            ListenerArn=listener_arn, **({"Marker": marker} if marker else {})
        )
        rules += page["Rules"]
        marker = page.get("NextMarker")
        if not marker:
            return rules


def start_priority(route_id: str) -> int:
    """Where this route starts looking: spread evenly over the range, the same at each try."""
    digest = hashlib.sha256(route_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % MAX_PRIORITY + 1


def free_priority(rules: list[dict[str, Any]], route_id: str) -> int:
    used = {int(rule["Priority"]) for rule in rules if str(rule["Priority"]).isdigit()}
    start = start_priority(route_id)
    for offset in range(MAX_PRIORITY):
        priority = (start - 1 + offset) % MAX_PRIORITY + 1
        if priority not in used:
            return priority
    raise RouteError("the notebook gateway's listener has no free rule priority")


def gateway_domain(settings: Mapping[str, Any]) -> str:
    """The gateway's own host name (``notebooks.example.org``), from its base URL."""
    domain = urlsplit(str(settings["base_url"])).hostname
    if not domain:
        raise RouteError(f"{GATEWAY_PARAMETER} has no base_url host; redeploy the Shared stack")
    return domain


def route_conditions(routing: str, route_id: str, domain: str) -> list[dict[str, Any]]:
    if routing == HOST:
        return [{"Field": "host-header", "HostHeaderConfig": {"Values": [f"{route_id}.{domain}"]}}]
    return [
        {"Field": "host-header", "HostHeaderConfig": {"Values": [domain]}},
        {"Field": "path-pattern", "PathPatternConfig": {"Values": [f"/{route_id}/*"]}},
    ]


def route_url(routing: str, route_id: str, domain: str) -> str:
    return f"https://{route_id}.{domain}/" if routing == HOST else f"https://{domain}/{route_id}/"


def _fields(rule: Mapping[str, Any]) -> set[str]:
    return {str(condition.get("Field")) for condition in rule.get("Conditions", [])}


def _as_request(condition: Mapping[str, Any]) -> dict[str, Any]:
    """A described condition as ModifyRule takes it: ``Values`` or its ``*Config``, not both."""
    has_config = any(key.endswith("Config") for key in condition)
    return {k: v for k, v in condition.items() if not (has_config and k == "Values")}


def confine_path_rules(elbv2: Any, rules: list[dict[str, Any]], domain: str) -> None:
    """Path rules without a host condition (made before host names) match on every host: give
    each the gateway's own host name, so they never serve on a notebook's host."""
    for rule in rules:
        fields = _fields(rule)
        if rule.get("IsDefault") or "path-pattern" not in fields or "host-header" in fields:
            continue
        conditions = [_as_request(condition) for condition in rule["Conditions"]]
        conditions.append({"Field": "host-header", "HostHeaderConfig": {"Values": [domain]}})
        elbv2.modify_rule(RuleArn=rule["RuleArn"], Conditions=conditions)


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
    conditions: list[dict[str, Any]],
    actions: list[Any],
    tags: list[dict[str, str]],
    sleep: Callable[[float], None],
    seconds_left: Callable[[], float],
) -> str:
    while True:
        priority = free_priority(listener_rules(elbv2, settings["listener_arn"]), route_id)
        try:
            response = elbv2.create_rule(
                ListenerArn=settings["listener_arn"],
                Priority=priority,
                Conditions=conditions,
                Actions=actions,
                Tags=tags,
            )
        except ClientError as error:
            if error_code(error) == "PriorityInUse":
                # Another notebook took it between our read and our write: read again, while
                # there is time to answer CloudFormation afterwards.
                if seconds_left() < CLAIM_SECONDS:
                    raise RouteError(
                        "could not claim a listener rule priority in time (many notebooks "
                        "launching at once); try the launch again"
                    ) from error
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
    seconds_left: Callable[[], float] = lambda: 600.0,
) -> tuple[str, dict[str, str]]:
    """Create/Update: the route exists, matches this notebook's host name (or, for templates
    without ``Routing``, its path on the gateway's host) and points at the current instance;
    returns its URL."""
    properties = event["ResourceProperties"]
    route_id = str(properties["RouteId"])
    instance = str(properties["InstanceId"])
    routing = HOST if str(properties.get("Routing", PATH)) == HOST else PATH
    settings = gateway_settings(ssm)
    if not settings.get("enabled"):
        return f"{event['StackId']}/notebook-route/{DISABLED}", {
            "Url": str(properties["LocalUrl"]),
            "Gateway": DISABLED,
        }
    domain = gateway_domain(settings)
    confine_path_rules(elbv2, listener_rules(elbv2, settings["listener_arn"]), domain)
    _allow_gateway(ec2, str(properties["SecurityGroupId"]), settings["security_group_id"])
    conditions = route_conditions(routing, route_id, domain)
    data = {"Url": route_url(routing, route_id, domain), "Gateway": "enabled"}
    existing = str(event.get("PhysicalResourceId", ""))
    if event["RequestType"] == "Update" and existing.startswith("arn:"):
        target_group = _target_group_of(elbv2, existing)
        if target_group:
            # Moves a v1 path route to its host name when the product is updated to v2.
            elbv2.modify_rule(RuleArn=existing, Conditions=conditions)
            _register_only(elbv2, target_group, instance)
            return existing, data
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
            elbv2,
            settings,
            route_id=route_id,
            conditions=conditions,
            actions=actions,
            tags=tags,
            sleep=sleep,
            seconds_left=seconds_left,
        )
    except Exception:
        # A failed create reports no rule, so Delete could not find this group later.
        elbv2.delete_target_group(TargetGroupArn=target_group)
        raise
    return rule, data


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
