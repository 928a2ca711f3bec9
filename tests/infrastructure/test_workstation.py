"""The Workstation construct in every workstation product: a data volume that outlives its
instance, a private instance; and what the Shared and Catalog stacks give workstations."""

import json
from typing import Any

import pytest

from catalog_constructs import contract
from catalog_constructs.shared.product_context import function
from catalog_constructs.shared.product_context.handler.product_context_handlers import data_volume
from tests.infrastructure.templates import resources, user_data
from tests.synth import SynthesizedStage


@pytest.fixture
def product(workstation_product: dict[str, Any]) -> dict[str, Any]:
    return workstation_product


@pytest.fixture
def linux_product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products["linux-docker"]


def test_data_volume_survives_replacement_and_termination(product: dict[str, Any]) -> None:
    (volume,) = resources(product, "AWS::EC2::Volume").values()
    assert volume["DeletionPolicy"] == "Snapshot"
    assert volume["UpdateReplacePolicy"] == "Snapshot"


def test_data_volume_is_not_tied_to_the_instance(product: dict[str, Any]) -> None:
    ((volume_id, volume),) = resources(product, "AWS::EC2::Volume").items()
    (instance_id,) = resources(product, "AWS::EC2::Instance")
    (context_id,) = resources(product, "Custom::ProductContext")
    # Its properties come from the launch form and the product context only, so replacing
    # the instance never replaces the volume.
    assert instance_id not in json.dumps(volume)
    properties = volume["Properties"]
    assert properties["AvailabilityZone"] == {"Fn::GetAtt": [context_id, "AvailabilityZone"]}
    assert properties["Size"] == {"Ref": "DataVolumeSize"}
    assert properties["Encrypted"] is True
    assert properties["KmsKeyId"] == f"{{{{resolve:ssm:{contract.EBS_KEY_ARN_PARAMETER}}}}}"
    # A native VolumeAttachment would be created for the new instance while the old one still
    # holds the volume; the shared handler moves it instead.
    assert not resources(product, "AWS::EC2::VolumeAttachment")
    (attachment,) = resources(product, "Custom::DataVolumeAttachment").values()
    assert attachment["Properties"]["VolumeId"] == {"Ref": volume_id}
    assert attachment["Properties"]["InstanceId"] == {"Ref": instance_id}
    assert contract.PRODUCT_CONTEXT_FUNCTION_NAME in json.dumps(
        attachment["Properties"]["ServiceToken"]
    )


def test_instance_and_instance_placement_share_the_volume_zone(product: dict[str, Any]) -> None:
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    (context_id,) = resources(product, "Custom::ProductContext")
    assert instance["Properties"]["SubnetId"] == {"Fn::GetAtt": [context_id, "SubnetId"]}


def test_user_data_mounts_the_data_volume_without_reformatting(
    linux_product: dict[str, Any],
) -> None:
    script, variables = user_data(linux_product)
    (volume_id,) = resources(linux_product, "AWS::EC2::Volume")
    assert variables["DataVolumeId"] == {"Ref": volume_id}
    assert 'blkid "$volume_device" >/dev/null || mkfs.ext4' in script
    assert "/data ext4 defaults,nofail" in script
    # Growing the volume reaches the file system at the next boot.
    assert "ExecStart=/sbin/resize2fs /dev/disk/by-uuid/$uuid" in script


def test_data_volume_size_is_validated(product: dict[str, Any]) -> None:
    spec = product["Parameters"]["DataVolumeSize"]
    assert (spec["MinValue"], spec["MaxValue"]) == (10, 16384)
    assert spec["ConstraintDescription"]


def test_instance_is_private_with_imdsv2_and_encrypted_disks(product: dict[str, Any]) -> None:
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    properties = instance["Properties"]
    assert "NetworkInterfaces" not in properties  # no public address can be requested
    (template,) = resources(product, "AWS::EC2::LaunchTemplate").values()
    metadata = template["Properties"]["LaunchTemplateData"]["MetadataOptions"]
    assert metadata["HttpTokens"] == "required"
    for mapping in properties["BlockDeviceMappings"]:
        assert mapping["Ebs"]["Encrypted"] is True
    (group,) = resources(product, "AWS::EC2::SecurityGroup").values()
    assert "SecurityGroupIngress" not in group["Properties"]
    assert not resources(product, "AWS::EC2::SecurityGroupIngress")


# --- what the Shared and Catalog stacks give workstations ---------------------------------


def test_cloudwatch_agent_document_configures_windows_too(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    (document,) = resources(synthesized["dev"].stacks["Shared"], "AWS::SSM::Document").values()
    steps = {step["name"]: step for step in document["Properties"]["Content"]["mainSteps"]}
    windows_step = steps["ConfigureWindows"]
    assert windows_step["precondition"] == {"StringEquals": ["platformType", "Windows"]}
    assert contract.WINDOWS_CLOUDWATCH_AGENT_CONFIG_PATH in " ".join(
        windows_step["inputs"]["runCommand"]
    )


def test_owners_may_use_fleet_manager_remote_desktop(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    catalog = json.dumps(synthesized["dev"].merged("Catalog"))
    assert "ssm-guiconnect:StartConnection" in catalog


def test_data_volume_moves_touch_only_catalog_instances_and_their_own_mark(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    """The product-context function stops and starts instances to move a data volume (and
    starts one again after a rolled-back update, issue 17 item 9): only instances and volumes
    carrying the catalog's product tag, and the only tag it may write is its own mark."""
    statements = {
        statement["Sid"]: statement
        for policy in resources(
            synthesized["dev"].stacks["Shared"], "AWS::IAM::ManagedPolicy"
        ).values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") in ("MoveDataVolumes", "MarkInstancesAMoveStopped")
    }
    product_tag = {"Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}}
    assert statements["MoveDataVolumes"]["Condition"] == product_tag
    assert "ec2:StartInstances" in statements["MoveDataVolumes"]["Action"]
    mark = statements["MarkInstancesAMoveStopped"]
    assert sorted(mark["Action"]) == ["ec2:CreateTags", "ec2:DeleteTags"]
    assert mark["Condition"] == {
        "Null": {**product_tag["Null"], "aws:TagKeys": "false"},
        "ForAllValues:StringEquals": {"aws:TagKeys": [data_volume.STOPPED_FOR_MOVE_TAG]},
    }
    assert function.STOPPED_FOR_MOVE_TAG == data_volume.STOPPED_FOR_MOVE_TAG
