"""The Windows product (products/windows/): D: data disk, a credential only its owner reads,
Fleet Manager and RDP port forwarding."""

import json
import re
from typing import Any

import pytest

from catalog_constructs import contract
from catalog_constructs.product_template.workstation import windows_setup
from products._workstation.form import INSTANCE_ARCHITECTURES
from products.windows import stack
from products.windows.definition import DEFINITION
from tests.iam_eval import ALLOW, EXPLICIT_DENY, Request, decide, resolve
from tests.infrastructure.templates import (
    WORST_CASE_USER_DATA_VALUES,
    resources,
    user_data,
    user_data_size_at_worst,
)
from tests.synth import SynthesizedStage

ACCOUNT = "111111111111"


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products[DEFINITION.key]


def test_windows_server_2022_from_the_catalog_image_or_aws(product: dict[str, Any]) -> None:
    (image,) = resources(product, "Custom::MachineImage").values()
    assert image["Properties"]["ImageParameter"] == contract.image_parameter("windows", "x86_64")
    assert "Windows_Server-2022" in image["Properties"]["FallbackImageParameter"]
    allowed = product["Parameters"]["InstanceType"]["AllowedValues"]
    assert allowed and all(INSTANCE_ARCHITECTURES[name] == "x86" for name in allowed)
    assert "t3.small" not in allowed


def test_data_volume_becomes_d_without_reformatting(product: dict[str, Any]) -> None:
    script, variables = user_data(product)
    assert script.startswith("<powershell>") and script.rstrip().endswith("</powershell>")
    (volume_id,) = resources(product, "AWS::EC2::Volume")
    assert variables["DataVolumeId"] == {"Ref": volume_id}
    # Only a raw disk is initialised: a replacement instance finds the same files.
    assert re.search(r"if \(\$disk.PartitionStyle -eq 'RAW'\) \{\s+Initialize-Disk", script)
    assert "-NewDriveLetter D" in script
    assert "Resize-Partition -DriveLetter D" in script
    (attachment,) = resources(product, "Custom::DataVolumeAttachment").values()
    assert attachment["Properties"]["Device"] == windows_setup.DATA_DEVICE


def test_setup_waits_long_enough_for_a_windows_first_boot(product: dict[str, Any]) -> None:
    (condition,) = resources(product, "AWS::CloudFormation::WaitCondition").values()
    assert int(condition["Properties"]["Timeout"]) >= 30 * 60
    script, _ = user_data(product)
    assert "Send-Signal 'SUCCESS'" in script and "Send-Signal 'FAILURE'" in script


def test_sign_in_password_is_generated_and_only_owner_and_instance_read_it(
    product: dict[str, Any],
) -> None:
    ((secret_id, secret),) = resources(product, "AWS::SecretsManager::Secret").items()
    properties = secret["Properties"]
    assert "SecretString" not in properties
    generated = properties["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]) == {"username": stack.SIGN_IN_USERNAME}
    assert generated["PasswordLength"] >= 20 and generated["RequireEachIncludedType"] is True
    assert contract.CREDENTIALS_KEY_ARN_PARAMETER in properties["KmsKeyId"]

    (policy,) = resources(product, "AWS::SecretsManager::ResourcePolicy").values()
    deny, _lock = policy["Properties"]["ResourcePolicy"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == (
        "Deny",
        "*",
        "secretsmanager:GetSecretValue",
    )
    readers = json.dumps(deny["Condition"]["StringNotLike"]["aws:userid"])
    (context_id,) = resources(product, "Custom::ProductContext")
    (role_id,) = [
        logical_id
        for logical_id, role in resources(product, "AWS::IAM::Role").items()
        if "ec2.amazonaws.com" in json.dumps(role["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert f'["{context_id}", "OwnerAwsUserId"]' in readers
    assert f'["{role_id}", "RoleId"]' in readers

    script, variables = user_data(product)
    assert variables["CredentialSecretArn"] == {"Ref": secret_id}
    assert "Get-SECSecretValue -SecretId '${CredentialSecretArn}'" in script
    assert "Add-LocalGroupMember -Group 'Administrators'" in script
    assert "KeyName" not in json.dumps(product)


def test_outputs_tell_how_to_connect(product: dict[str, Any]) -> None:
    outputs = product["Outputs"]
    for key in (
        "ConnectionURI",
        "EC2ConsoleURI",
        "InstanceId",
        "PrivateIpAddress",
        "LogsURI",
        "Documentation",
        "ConnectionInstructions",
        "PortForwardingCommand",
        "SignInCredential",
    ):
        assert key in outputs, key
    assert "rdp-connect" in json.dumps(outputs["ConnectionURI"]["Value"])
    instructions = json.dumps(outputs["ConnectionInstructions"]["Value"])
    assert "5-15 minutes" in instructions
    assert "AWS-StartPortForwardingSession" in instructions
    assert "portNumber=3389" in json.dumps(outputs["PortForwardingCommand"]["Value"])
    assert "5 to 15 minutes" in product["Description"]


@pytest.mark.parametrize(
    "action",
    [
        "secretsmanager:PutResourcePolicy",
        "secretsmanager:DeleteResourcePolicy",
        "secretsmanager:UpdateSecret",
        "secretsmanager:PutSecretValue",
    ],
)
def test_only_cloudformation_changes_the_credentials_policy_key_or_value(
    product: dict[str, Any], action: str
) -> None:
    """Decided as IAM would (tests/iam_eval.py): a colleague whose own policy allows every
    Secrets Manager action is denied by the secret's policy; the ec2 launch role is not."""
    (policy,) = resources(product, "AWS::SecretsManager::ResourcePolicy").values()
    statements = resolve(
        policy["Properties"]["ResourcePolicy"]["Statement"],
        {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT},
    )
    everything = [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]

    def decision(role: str) -> str:
        arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
        request = Request(
            action=action,
            resource=f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:SC-x-sign-in-AbCdEf",
            principal_arn=arn,
            account=ACCOUNT,
            resource_account=ACCOUNT,
            context={"aws:PrincipalArn": arn, "aws:userid": "AROAOTHER:bob"},
        )
        return decide(request, identity=everything, resource=statements)

    assert decision("Researchers") == EXPLICIT_DENY
    assert decision(contract.launch_role_name("ec2")) == ALLOW


def test_user_data_fits_ec2s_16_kb_with_every_value_at_its_longest(product: dict[str, Any]) -> None:
    """EC2 refuses user data over 16 KB (before base64); the instance, and so the product,
    would fail to launch. The bucket synchronisation is the largest part."""
    script, _ = user_data(product)
    size, unknown = user_data_size_at_worst(script, WORST_CASE_USER_DATA_VALUES)
    assert not unknown, unknown
    assert size <= 16 * 1024, size
