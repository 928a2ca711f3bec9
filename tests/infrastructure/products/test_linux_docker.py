"""The Linux Docker product (products/linux_docker/): a private instance with Docker, the
catalog's image by architecture, IMDSv2, encrypted disks, owner tags and idle stop."""

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from catalog_constructs import contract
from products.linux_docker.definition import DEFINITION
from tests.infrastructure.templates import FIXED_NAME_PROPERTIES, resources
from tests.synth import SynthesizedStage


@pytest.fixture
def product(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].products[DEFINITION.key]


def test_instance_requires_imdsv2_through_its_launch_template(product: dict[str, Any]) -> None:
    template = Template.from_json(product)
    template.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": {
                "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"}
            }
        },
    )
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    (launch_template_id,) = resources(product, "AWS::EC2::LaunchTemplate")
    assert instance["Properties"]["LaunchTemplate"]["LaunchTemplateId"] == {
        "Ref": launch_template_id
    }


def test_disks_are_encrypted_with_the_catalog_key(product: dict[str, Any]) -> None:
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    for mapping in instance["Properties"]["BlockDeviceMappings"]:
        assert mapping["Ebs"]["Encrypted"] is True
        assert mapping["Ebs"]["KmsKeyId"] == f"{{{{resolve:ssm:{contract.EBS_KEY_ARN_PARAMETER}}}}}"


def test_no_public_ip_and_no_inbound_rule(product: dict[str, Any]) -> None:
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    properties = instance["Properties"]
    assert "NetworkInterfaces" not in properties
    assert "SubnetId" in properties and "Fn::GetAtt" in properties["SubnetId"]
    for group in resources(product, "AWS::EC2::SecurityGroup").values():
        assert "SecurityGroupIngress" not in group["Properties"]
    assert not resources(product, "AWS::EC2::SecurityGroupIngress")
    launch_data = next(iter(resources(product, "AWS::EC2::LaunchTemplate").values()))
    assert "NetworkInterfaces" not in launch_data["Properties"]["LaunchTemplateData"]


def test_outputs(product: dict[str, Any]) -> None:
    outputs = product["Outputs"]
    assert set(outputs) == {
        "ConnectionURI",
        "EC2ConsoleURI",
        "InstanceId",
        "PrivateIpAddress",
        "LogsURI",
        "Documentation",
    }
    assert all(output.get("Description") for output in outputs.values())
    assert "session-manager" in json.dumps(outputs["ConnectionURI"]["Value"])


def test_every_parameter_is_labelled_described_and_constrained(product: dict[str, Any]) -> None:
    parameters = product["Parameters"]
    interface = product["Metadata"]["AWS::CloudFormation::Interface"]
    grouped = [name for group in interface["ParameterGroups"] for name in group["Parameters"]]
    researcher_parameters = {name for name in parameters if name != "BootstrapVersion"}
    assert sorted(grouped) == sorted(researcher_parameters)
    for name in researcher_parameters:
        spec = parameters[name]
        assert spec["Description"] and spec["ConstraintDescription"], name
        assert interface["ParameterLabels"][name]["default"], name
        assert any(key in spec for key in ("AllowedValues", "AllowedPattern", "MinValue")), name


def test_parameter_ranges(product: dict[str, Any]) -> None:
    parameters = product["Parameters"]
    assert (parameters["DiskSize"]["MinValue"], parameters["DiskSize"]["MaxValue"]) == (30, 5000)
    assert (parameters["IdleStopHours"]["MinValue"], parameters["IdleStopHours"]["MaxValue"]) == (
        0,
        24,
    )
    assert parameters["LinuxDistribution"]["Default"] == "AmazonLinux2023"


def test_every_instance_type_maps_to_an_architecture_with_an_image(product: dict[str, Any]) -> None:
    allowed = product["Parameters"]["InstanceType"]["AllowedValues"]
    architectures = product["Mappings"]["InstanceTypes"]
    distributions = product["Mappings"]["Distributions"]
    assert {architectures[name]["Arch"] for name in allowed} == {"x86", "arm64"}
    public = {"x86": "PublicX86", "arm64": "PublicArm64"}
    suffix = {"x86": "/x86_64", "arm64": "/arm64"}
    for name in allowed:
        architecture = architectures[name]["Arch"]
        for distribution in distributions.values():
            assert distribution[architecture].startswith(contract.IMAGE_PARAMETER_ROOT + "/")
            assert distribution[architecture].endswith(suffix[architecture])
            assert distribution[public[architecture]].startswith("/aws/service/")


def test_image_is_resolved_once_per_launch_not_on_every_update(product: dict[str, Any]) -> None:
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    image_id = instance["Properties"]["ImageId"]
    (image_resource,) = resources(product, "Custom::MachineImage")
    assert image_id == {"Fn::GetAtt": [image_resource, "ImageId"]}


def test_product_roles_carry_the_boundary_under_the_products_path(product: dict[str, Any]) -> None:
    roles = resources(product, "AWS::IAM::Role")
    assert roles
    for role in roles.values():
        assert role["Properties"]["Path"] == contract.PRODUCT_ROLE_PATH
        assert contract.PRODUCT_ROLE_BOUNDARY_NAME in json.dumps(
            role["Properties"]["PermissionsBoundary"]
        )
    for profile in resources(product, "AWS::IAM::InstanceProfile").values():
        assert profile["Properties"]["Path"] == contract.PRODUCT_ROLE_PATH


def test_product_has_no_fixed_physical_names(product: dict[str, Any]) -> None:
    for logical_id, resource in product["Resources"].items():
        named = FIXED_NAME_PROPERTIES & set(resource.get("Properties", {}))
        assert not named, f"{logical_id} sets {named}: the product could launch only once"


def test_resources_carry_owner_and_community_tags(product: dict[str, Any]) -> None:
    (instance,) = resources(product, "AWS::EC2::Instance").values()
    tags = {tag["Key"]: tag["Value"] for tag in instance["Properties"]["Tags"]}
    (context,) = resources(product, "Custom::ProductContext")
    assert tags[contract.OWNER_USERID_TAG] == {"Fn::GetAtt": [context, "OwnerAwsUserId"]}
    assert tags[contract.OWNER_TAG] == {"Fn::GetAtt": [context, "OwnerUserId"]}
    assert tags[contract.OWNER_EMAIL_TAG] == {"Fn::GetAtt": [context, "OwnerEmail"]}
    assert tags[contract.COMMUNITY_TAG] == {"Fn::GetAtt": [context, "Community"]}
    assert tags[contract.PATCH_GROUP_TAG] == contract.PATCH_GROUP
    assert tags[contract.PRODUCT_TAG] == "linux-docker"
    assert instance["Properties"]["PropagateTagsToVolumeOnCreation"] is True


def test_idle_stop_alarm_stops_the_instance_and_can_be_turned_off(product: dict[str, Any]) -> None:
    (alarm,) = resources(product, "AWS::CloudWatch::Alarm").values()
    assert alarm["Condition"] == "IdleStopEnabled"
    assert alarm["Properties"]["EvaluationPeriods"] == {"Ref": "IdleStopHours"}
    assert "ec2:stop" in json.dumps(alarm["Properties"]["AlarmActions"])
    assert product["Conditions"]["IdleStopEnabled"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "IdleStopHours"}, 0]}]
    }


def test_setup_completion_is_awaited(product: dict[str, Any]) -> None:
    (wait,) = resources(product, "AWS::CloudFormation::WaitCondition").values()
    (instance_id,) = resources(product, "AWS::EC2::Instance")
    assert (
        instance_id in wait["DependsOn"]
        if isinstance(wait["DependsOn"], list)
        else wait["DependsOn"] == instance_id
    )
    user_data = json.dumps(
        resources(product, "AWS::EC2::Instance")[instance_id]["Properties"]["UserData"]
    )
    assert "docker compose version" in user_data


def test_linux_docker_reads_the_catalog_image_by_architecture_with_public_fallback(
    product: dict[str, Any],
) -> None:
    (image,) = resources(product, "Custom::MachineImage").values()
    properties = image["Properties"]
    architecture = {"Fn::FindInMap": ["InstanceTypes", {"Ref": "InstanceType"}, "Arch"]}
    assert properties["ImageParameter"] == {
        "Fn::FindInMap": ["Distributions", {"Ref": "LinuxDistribution"}, architecture]
    }
    assert properties["FallbackImageParameter"]["Fn::FindInMap"][2] == {
        "Fn::FindInMap": ["PublicImageKeys", architecture, "Key"]
    }
    assert properties["Generation"] == {"Ref": "ImageGeneration"}
    distributions = product["Mappings"]["Distributions"]
    assert distributions["AmazonLinux2023"]["x86"] == contract.image_parameter(
        "linux-docker", "x86_64"
    )
    assert distributions["AmazonLinux2023"]["arm64"] == contract.image_parameter(
        "linux-docker", "arm64"
    )
    assert distributions["AmazonLinux2023"]["PublicArm64"].endswith("-arm64")
