"""The notebook gateway (Shared stack, where `notebooks` is configured): sign-in before
anything, what each stage publishes, and the scoped rights of the route handler."""

import json
from typing import Any

from catalog_constructs import contract
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage


def _gateway_parameter(stack: dict[str, Any]) -> dict[str, Any]:
    (parameter,) = [
        p
        for p in resources(stack, "AWS::SSM::Parameter").values()
        if p["Properties"]["Name"] == contract.NOTEBOOK_GATEWAY_PARAMETER
    ]
    return dict(parameter["Properties"])


def test_dev_gateway_signs_users_in_before_anything(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    shared = synthesized["dev"].stacks["Shared"]
    (balancer,) = resources(shared, "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    assert balancer["Properties"]["Scheme"] == "internet-facing"
    attributes = {a["Key"]: a["Value"] for a in balancer["Properties"]["LoadBalancerAttributes"]}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["deletion_protection.enabled"] == "true"
    assert attributes["access_logs.s3.enabled"] == "true"
    listeners = {
        listener["Properties"]["Port"]: listener["Properties"]
        for listener in resources(shared, "AWS::ElasticLoadBalancingV2::Listener").values()
    }
    assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"
    https = listeners[443]
    assert https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    authenticate, not_found = sorted(https["DefaultActions"], key=lambda a: a["Order"])
    assert authenticate["Type"] == "authenticate-oidc"
    oidc = authenticate["AuthenticateOidcConfig"]
    assert oidc["Issuer"] == "https://repo-prod.prod.sagebase.org/auth/v1"
    assert oidc["ClientSecret"].startswith("{{resolve:secretsmanager:arn:")
    assert not_found["FixedResponseConfig"]["StatusCode"] == "404"
    value = json.dumps(_gateway_parameter(shared)["Value"])
    assert '\\"enabled\\":true' in value and "listener_arn" in value


def test_prod_has_no_gateway_and_says_so(synthesized: dict[str, SynthesizedStage]) -> None:
    shared = synthesized["prod"].stacks["Shared"]
    assert not resources(shared, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert json.loads(_gateway_parameter(shared)["Value"]) == {"enabled": False}


def test_route_permissions_are_scoped(synthesized: dict[str, SynthesizedStage]) -> None:
    shared = synthesized["dev"].stacks["Shared"]
    statements = {
        statement.get("Sid"): statement
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for policy in resources(shared, kind).values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    }
    ingress = statements["AdmitTheGatewayOnNotebooks"]
    assert ingress["Condition"] == {"Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}}
    assert ":targetgroup/nb-*/*" in json.dumps(statements["NotebookTargetGroups"]["Resource"])
    assert statements["ReadTheOidcClientSecret"]["Resource"].startswith(
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:"
    )
