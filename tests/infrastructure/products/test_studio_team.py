"""The studio-team product (products/studio_team/): VPC-only domain, idle shutdown, execution
role scope, teardown."""

import json
import re
from typing import Any

import pytest

from catalog_constructs import contract
from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    studio_team as team_handler,
)
from products.studio_team.definition import DEFINITION
from products.studio_team.form import MAX_MEMBERS
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products[DEFINITION.key]


def only(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = resources(template, resource_type).items()
    return logical_id, resource


def role_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    statements = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in statements}


def test_domain_is_vpc_only_with_iam_auth_and_team_key(product: dict[str, Any]) -> None:
    _, domain = only(product, "AWS::SageMaker::Domain")
    props = domain["Properties"]
    assert props["AppNetworkAccessType"] == "VpcOnly"
    assert props["AuthMode"] == "IAM"
    key_id, _ = only(product, "AWS::KMS::Key")
    assert props["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert contract.VPC_ID_PARAMETER in json.dumps(props["VpcId"])
    # All private subnets, from the shared function: split at launch, never a parameter.
    assert props["SubnetIds"]["Fn::Split"][0] == ","
    assert props["SubnetIds"]["Fn::Split"][1]["Fn::GetAtt"][1] == "SubnetIds"
    assert props["DefaultUserSettings"]["StudioWebPortal"] == "ENABLED"
    assert props["DomainSettings"]["ExecutionRoleIdentityConfig"] == "USER_PROFILE_NAME"


def test_idle_shutdown_and_space_storage_come_from_parameters(product: dict[str, Any]) -> None:
    _, domain = only(product, "AWS::SageMaker::Domain")
    settings = domain["Properties"]["DefaultUserSettings"]
    for app in ("JupyterLabAppSettings", "CodeEditorAppSettings"):
        idle = settings[app]["AppLifecycleManagement"]["IdleSettings"]
        assert idle["LifecycleManagement"] == "ENABLED"
        assert idle["IdleTimeoutInMinutes"] == {"Ref": "IdleShutdownMinutes"}
    ebs = settings["SpaceStorageSettings"]["DefaultEbsStorageSettings"]
    assert ebs["DefaultEbsVolumeSizeInGb"] == {"Ref": "SpaceStorageGiB"}
    assert product["Parameters"]["IdleShutdownMinutes"]["MinValue"] == 60


def test_security_group_admits_only_itself(product: dict[str, Any]) -> None:
    group_id, group = only(product, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in group["Properties"]
    (ingress,) = resources(product, "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    assert "CidrIp" not in ingress["Properties"]


def test_execution_role_is_bounded_and_scoped(product: dict[str, Any]) -> None:
    _, role = only(product, "AWS::IAM::Role")
    assert role["Properties"]["Path"] == contract.PRODUCT_ROLE_PATH
    assert contract.PRODUCT_ROLE_BOUNDARY_NAME in json.dumps(
        role["Properties"]["PermissionsBoundary"]
    )
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"
    }
    statements = by_sid(role_statements(product))
    bucket_id, _ = only(product, "AWS::S3::Bucket")
    scratch = statements["ScratchReadWrite"]
    assert json.dumps(scratch["Resource"]).count(bucket_id) == 2
    studio = statements["StudioInThisDomain"]
    assert all("DomainId" in json.dumps(resource) for resource in studio["Resource"])
    # Nothing beyond S3 on the scratch bucket and Studio in this domain.
    allowed = {s["Sid"] for s in statements.values() if s["Effect"] == "Allow"}
    assert allowed == {
        "ScratchReadWrite",
        "StudioInThisDomain",
        "DescribeThisDomain",
        "StudioLists",
        "StudioLogs",
    }
    for statement in statements.values():
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert not any(action.endswith("*") for action in actions)


def test_training_data_is_read_only_and_only_when_given(product: dict[str, Any]) -> None:
    (policy,) = resources(product, "AWS::IAM::RolePolicy").values()
    assert policy["Condition"] == "HasTrainingData"
    statements = by_sid(policy["Properties"]["PolicyDocument"]["Statement"])
    actions = {
        action
        for statement in statements.values()
        if statement["Effect"] == "Allow"
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    assert actions == {
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "kms:Decrypt",
    }
    assert statements["TrainingDataDecrypt"]["Condition"]["StringEquals"]["kms:ViaService"]


def test_training_data_passes_the_bucket_mount_check_first(product: dict[str, Any]) -> None:
    """The bucket named in the form is granted only as the shared check returns it: the
    owner's own or shared with their community, in this account (as workstation mounts)."""
    (check_id, check), *others = [
        (logical_id, resource)
        for logical_id, resource in resources(product, "Custom::BucketMounts").items()
    ]
    assert not others and check["Condition"] == "HasTrainingData"
    properties = check["Properties"]
    assert properties["ReadOnlyBuckets"] == [{"Ref": "TrainingDataBucket"}]
    assert properties["ReadWriteBuckets"] == []
    (context_id,) = resources(product, "Custom::ProductContext")
    assert properties["OwnerAwsUserId"] == {"Fn::GetAtt": [context_id, "OwnerAwsUserId"]}
    assert properties["Community"] == {"Fn::GetAtt": [context_id, "Community"]}
    assert properties["ResolveKeys"] == "true"
    (policy,) = resources(product, "AWS::IAM::RolePolicy").values()
    statements = by_sid(policy["Properties"]["PolicyDocument"]["Statement"])
    text = json.dumps(statements)
    assert "TrainingDataBucket" not in text, "the form's value is never granted unchecked"
    for sid in ("TrainingDataList", "TrainingDataRead"):
        assert statements[sid]["Condition"] == {
            "StringEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}
        }
        assert check_id in json.dumps(statements[sid]["Resource"])
    # Decrypt names only the key(s) the check found on that bucket, not every key.
    assert statements["TrainingDataDecrypt"]["Resource"] == {
        "Fn::Split": [",", {"Fn::GetAtt": [check_id, "ReadOnlyKeyArns"]}]
    }


def test_instance_types_outside_the_allowed_list_are_denied(product: dict[str, Any]) -> None:
    deny = by_sid(role_statements(product))["OnlyAllowedInstanceTypes"]
    assert deny["Effect"] == "Deny"
    assert deny["Action"] == "sagemaker:CreateApp"
    allowed = deny["Condition"]["ForAnyValue:StringNotLike"]["sagemaker:InstanceTypes"]
    assert {"Ref": "AllowedInstanceTypes"} in allowed["Fn::Split"][1]["Fn::Join"][1][0]["Fn::Join"]
    assert "system" in allowed["Fn::Split"][1]["Fn::Join"][1]
    parameter = product["Parameters"]["AllowedInstanceTypes"]
    assert parameter["Type"] == "CommaDelimitedList"
    assert "ml.g5.xlarge" in parameter["AllowedValues"]
    assert not [t for t in parameter["AllowedValues"] if t.endswith(("12xlarge", "24xlarge"))]


def test_member_and_team_names_are_validated(product: dict[str, Any]) -> None:
    members = product["Parameters"]["Members"]
    pattern = re.compile(members["AllowedPattern"])
    assert pattern.fullmatch("jdoe,jane.doe@example.org")
    assert not pattern.fullmatch("jdoe, jane")
    assert not pattern.fullmatch("")
    assert not pattern.fullmatch(",".join(["ab"] * (MAX_MEMBERS + 1)))
    team = re.compile(product["Parameters"]["TeamName"]["AllowedPattern"])
    assert team.fullmatch("team-alpha") and not team.fullmatch("Team_Alpha")
    assert (
        members["ConstraintDescription"]
        and product["Parameters"]["TeamName"]["ConstraintDescription"]
    )


def test_teardown_custom_resource_runs_before_domain_and_role_go(product: dict[str, Any]) -> None:
    ((_, team),) = [
        (logical_id, resource)
        for logical_id, resource in product["Resources"].items()
        if resource["Type"] == team_handler.RESOURCE_TYPE
    ]
    domain_id, _ = only(product, "AWS::SageMaker::Domain")
    role_id, _ = only(product, "AWS::IAM::Role")
    assert team["Properties"]["DomainId"] == {"Fn::GetAtt": [domain_id, "DomainId"]}
    assert contract.PRODUCT_CONTEXT_FUNCTION_NAME in json.dumps(team["Properties"]["ServiceToken"])
    # CloudFormation deletes in reverse dependency order: the team first.
    assert role_id in team.get("DependsOn", [])


def test_scratch_bucket_and_key_are_retained(product: dict[str, Any]) -> None:
    for resource_type in ("AWS::S3::Bucket", "AWS::KMS::Key"):
        _, resource = only(product, resource_type)
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
    (access,) = [r for r in product["Resources"].values() if r["Type"] == "Custom::ProductBucket"]
    assert access["Properties"]["Kind"] == "private"


def test_outputs(product: dict[str, Any]) -> None:
    assert set(product["Outputs"]) == {
        "DomainId",
        "StudioConsoleURI",
        "ScratchBucket",
        "TrainingDataBucket",
        "UserProfiles",
        "Documentation",
    }
