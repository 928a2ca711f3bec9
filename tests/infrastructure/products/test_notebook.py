"""The notebook product (products/notebook/): servers on localhost with their own sign-in, the
owner check on the instance, the gateway route and the port-forwarding fallback."""

import json
import re
from typing import Any

import pytest

from catalog_constructs import contract
from products._workstation.form import INSTANCE_ARCHITECTURES
from products.notebook import stack
from products.notebook.definition import DEFINITION
from tests.infrastructure.templates import resources, user_data
from tests.synth import SynthesizedStage


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products[DEFINITION.key]


def test_only_the_catalog_notebook_image_on_x86(product: dict[str, Any]) -> None:
    (image,) = resources(product, "Custom::MachineImage").values()
    assert image["Properties"]["ImageParameter"] == contract.image_parameter("notebook", "x86_64")
    # No public fallback: a plain Ubuntu image would need installs from the internet at boot.
    assert "FallbackImageParameter" not in image["Properties"]
    allowed = product["Parameters"]["InstanceType"]["AllowedValues"]
    assert allowed and all(INSTANCE_ARCHITECTURES[name] == "x86" for name in allowed)
    assert product["Parameters"]["NotebookType"]["AllowedValues"] == ["RStudio", "JupyterLab"]


def test_servers_listen_on_localhost_with_their_own_sign_in(product: dict[str, Any]) -> None:
    script, variables = user_data(product)
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
    script, variables = user_data(product)
    assert variables["NotebookType"] == {"Ref": "NotebookType"}
    assert "\n# research-catalog-notebook-type: ${NotebookType}\n" in script
    assert "systemctl enable research-catalog-notebook.service" in script
    assert "sed -n 's/^# research-catalog-notebook-type: //p'" in script
    assert "systemctl disable --now rstudio-server" in script


def test_instance_checks_the_owner_before_proxying(product: dict[str, Any]) -> None:
    script, variables = user_data(product)
    (context_id,) = resources(product, "Custom::ProductContext")
    assert variables["OwnerUserId"] == {"Fn::GetAtt": [context_id, "OwnerUserId"]}
    assert variables["GatewayParameter"] == contract.NOTEBOOK_GATEWAY_PARAMETER
    # The notebook is served only under its own host name, every request asks the owner
    # check first, bound to that host; the default server answers the health check and 404.
    servers = re.findall(r"\nserver \{(.*?)\n\}", script, re.S)
    default, notebook = servers
    assert "listen 443 ssl default_server;" in default and "proxy_pass" not in default
    assert "server_name NOTEBOOK_HOST;" in notebook
    location = re.search(r"  location / \{(.*?)\n  \}", notebook, re.S)
    assert location and "auth_request /research-catalog-owner-check;" in location.group(1)
    assert "proxy_set_header X-Original-Host $host;" in notebook
    assert "proxy_pass http://127.0.0.1:9099;" in script
    assert '"owner": sys.argv[2]' in script and '"host": sys.argv[3]' in script
    assert "systemctl enable --now research-catalog-owner-check" in script


def test_the_notebook_never_receives_the_load_balancers_tokens(product: dict[str, Any]) -> None:
    """The access token is the signed-in user's token at the identity provider: the notebook
    server (and whatever runs in it) must not see it, nor the other identity headers."""
    script, _ = user_data(product)
    location = re.search(r"server_name NOTEBOOK_HOST;.*?  location / \{(.*?)\n  \}", script, re.S)
    assert location
    for header in ("x-amzn-oidc-accesstoken", "x-amzn-oidc-identity", "x-amzn-oidc-data"):
        assert f'proxy_set_header {header} "";' in location.group(1)


def test_the_route_asks_for_the_notebooks_own_host_name(product: dict[str, Any]) -> None:
    (route,) = resources(product, "Custom::NotebookRoute").values()
    assert route["Properties"]["Routing"] == "host"


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


def test_usage_explains_the_three_checks() -> None:
    for phrase in ("The gateway", "Your machine", "The notebook", "PortForwardingCommand"):
        assert phrase in stack.USAGE
