"""The notebook product and the shared notebook gateway: who checks what, where."""

import json
import re
from typing import Any

import pytest

from catalog_constructs import contract
from products import notebook
from products.instance_types import INSTANCE_ARCHITECTURES
from tests.conftest import SynthesizedStage
from tests.infrastructure.test_security import resources


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products["notebook"]


def _user_data(product: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    script, variables = instance["Properties"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    return script, variables


def _gateway_parameter(stack: dict[str, Any]) -> dict[str, Any]:
    (parameter,) = [
        p
        for p in resources(stack, "AWS::SSM::Parameter").values()
        if p["Properties"]["Name"] == contract.NOTEBOOK_GATEWAY_PARAMETER
    ]
    return dict(parameter["Properties"])


def test_only_the_catalog_notebook_image_on_x86(product: dict[str, Any]) -> None:
    (image,) = resources(product, "Custom::MachineImage").values()
    assert image["Properties"]["ImageParameter"] == contract.image_parameter("notebook", "x86_64")
    # No public fallback: a plain Ubuntu image would need installs from the internet at boot.
    assert "FallbackImageParameter" not in image["Properties"]
    allowed = product["Parameters"]["InstanceType"]["AllowedValues"]
    assert allowed and all(INSTANCE_ARCHITECTURES[name] == "x86" for name in allowed)
    assert product["Parameters"]["NotebookType"]["AllowedValues"] == ["RStudio", "JupyterLab"]


def test_servers_listen_on_localhost_with_their_own_sign_in(product: dict[str, Any]) -> None:
    script, variables = _user_data(product)
    assert "www-address=127.0.0.1" in script
    assert '"ip": "127.0.0.1"' in script
    assert '"IdentityProvider": {"token": sys.argv[1]}' in script
    assert "chpasswd" in script
    (secret_id,) = resources(product, "AWS::SecretsManager::Secret")
    assert variables["CredentialSecretArn"] == {"Ref": secret_id}
    # Nothing at boot comes from a moving target.
    boot = script.replace("169.254.169.254/latest", "instance-metadata")
    for moving in ("latest", "pip install", "git clone", "raw.githubusercontent"):
        assert moving not in boot, moving


def test_notebook_type_is_applied_at_every_boot(product: dict[str, Any]) -> None:
    """A changed NotebookType changes only the user data (a restart, not a replacement), so
    the choice is read again from the user data at every boot."""
    script, variables = _user_data(product)
    assert variables["NotebookType"] == {"Ref": "NotebookType"}
    assert "\n# research-catalog-notebook-type: ${NotebookType}\n" in script
    assert "systemctl enable research-catalog-notebook.service" in script
    assert "sed -n 's/^# research-catalog-notebook-type: //p'" in script
    assert "systemctl disable --now rstudio-server" in script


def test_instance_checks_the_owner_before_proxying(product: dict[str, Any]) -> None:
    script, variables = _user_data(product)
    (context_id,) = resources(product, "Custom::ProductContext")
    assert variables["OwnerUserId"] == {"Fn::GetAtt": [context_id, "OwnerUserId"]}
    assert variables["GatewayParameter"] == contract.NOTEBOOK_GATEWAY_PARAMETER
    # Every proxied path asks the owner check first; the health path reveals nothing.
    location = re.search(r"location /ROUTE_ID/ \{(.*?)\}", script, re.S)
    assert location and "auth_request /research-catalog-owner-check;" in location.group(1)
    assert "proxy_pass http://127.0.0.1:9099;" in script
    assert '"owner": sys.argv[2]' in script and '"load_balancer_arn"' in script
    assert "systemctl enable --now research-catalog-owner-check" in script


def test_no_inbound_rule_in_the_template_the_route_admits_only_the_gateway(
    product: dict[str, Any],
) -> None:
    ((group_id, group),) = resources(product, "AWS::EC2::SecurityGroup").items()
    assert "SecurityGroupIngress" not in group["Properties"]
    assert not resources(product, "AWS::EC2::SecurityGroupIngress")
    (route,) = resources(product, "Custom::NotebookRoute").values()
    properties = route["Properties"]
    assert properties["SecurityGroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    assert contract.PRODUCT_CONTEXT_FUNCTION_NAME in json.dumps(properties["ServiceToken"])
    # The path is the provisioned stack's own UUID: unique and stable, never a fixed name.
    assert properties["RouteId"] == {
        "Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]
    }


def test_outputs_give_the_link_and_the_fallback(product: dict[str, Any]) -> None:
    outputs = product["Outputs"]
    (route_id,) = resources(product, "Custom::NotebookRoute")
    assert outputs["NotebookConnectionURI"]["Value"] == {"Fn::GetAtt": [route_id, "Url"]}
    command = json.dumps(outputs["PortForwardingCommand"]["Value"])
    assert "AWS-StartPortForwardingSession" in command and "localPortNumber=" in command
    assert "http://localhost:" in json.dumps(outputs["NotebookLocalURI"]["Value"])
    for key in ("ConnectionURI", "EC2ConsoleURI", "InstanceId", "PrivateIpAddress", "LogsURI"):
        assert key in outputs
    assert "SignInCredential" in outputs


def test_instance_role_reads_only_the_gateway_settings(product: dict[str, Any]) -> None:
    statements = [
        statement
        for policy in resources(product, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if isinstance(statement, dict) and "ssm:GetParameter" in json.dumps(statement)
    ]
    (statement,) = statements
    assert contract.NOTEBOOK_GATEWAY_PARAMETER in json.dumps(statement["Resource"])


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


def test_usage_explains_the_three_checks() -> None:
    for phrase in ("The gateway", "Your machine", "The notebook", "PortForwardingCommand"):
        assert phrase in notebook.USAGE
