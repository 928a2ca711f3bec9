"""The Linux Docker product (products/linux_docker/): a private instance with Docker, the
catalog's image by architecture, IMDSv2, encrypted disks, owner tags and idle stop."""

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from catalog_constructs import contract
from products._workstation.instance_types import GPU_TYPES
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


def test_every_instance_type_maps_to_an_image_of_its_architecture_and_gpu(
    product: dict[str, Any],
) -> None:
    """Issue 19: a Graviton type gets an arm64 image, a GPU type an image with the NVIDIA
    driver: the catalog's image (which carries it) or AWS's GPU base image, never the plain
    public image."""
    allowed = product["Parameters"]["InstanceType"]["AllowedValues"]
    types = product["Mappings"]["InstanceTypes"]
    distributions = product["Mappings"]["Distributions"]
    assert {types[name]["Arch"] for name in allowed} == {"x86", "arm64"}
    assert {name for name in allowed if types[name]["Gpu"] == "true"} == {t.name for t in GPU_TYPES}
    assert {name.split(".")[0] for name in allowed if types[name]["Gpu"] == "true"} == {
        "g4dn",
        "g5",
        "g6",
        "g6e",
        "g5g",
    }
    suffix = {"x86": "/x86_64", "arm64": "/arm64"}
    public_arch = {"x86": ("x86_64", "amd64"), "arm64": ("arm64",)}
    for name in allowed:
        architecture, gpu = types[name]["Arch"], types[name]["Gpu"] == "true"
        image, public = types[name]["Image"], types[name]["PublicImage"]
        assert image == architecture + ("Gpu" if gpu else "") and public == "Public" + image
        for distribution in distributions.values():
            assert distribution[image].startswith(contract.IMAGE_PARAMETER_ROOT + "/")
            assert distribution[image].endswith(suffix[architecture])
            fallback = distribution[public]
            assert fallback.startswith("/aws/service/")
            assert any(
                f"/{arch}/" in fallback or f"_{arch}" in fallback or fallback.endswith(f"-{arch}")
                for arch in public_arch[architecture]
            )
            assert ("base-oss-nvidia-driver-gpu" in fallback) == gpu, (name, fallback)


def test_idle_stop_watches_gpu_activity_on_gpu_types(product: dict[str, Any]) -> None:
    """A training job at low CPU keeps a GPU instance running: its alarm watches the activity
    the instance reports (the busier of CPU and GPU); a CPU type's alarm stays on EC2's CPU."""
    alarms = resources(product, "AWS::CloudWatch::Alarm")
    by_metric = {alarm["Properties"]["MetricName"]: alarm for alarm in alarms.values()}
    assert set(by_metric) == {"CPUUtilization", "Activity"}
    gpu_alarm = by_metric["Activity"]
    assert gpu_alarm["Properties"]["Namespace"] == "research-catalog/Workstations"
    assert [d["Name"] for d in gpu_alarm["Properties"]["Dimensions"]] == ["InstanceId"]
    conditions = product["Conditions"]
    gpu_condition = json.dumps(conditions[gpu_alarm["Condition"]])
    cpu_condition = json.dumps(conditions[by_metric["CPUUtilization"]["Condition"]])
    assert '"Condition": "HasGpu"' in gpu_condition and "Fn::Not" not in gpu_condition
    assert '{"Fn::Not": [{"Condition": "HasGpu"}]}' in cpu_condition
    assert conditions["HasGpu"] == {
        "Fn::Equals": [
            {"Fn::FindInMap": ["InstanceTypes", {"Ref": "InstanceType"}, "Gpu"]},
            "true",
        ]
    }


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
    # Issue 19: the patch group of the window the owner chose (the Shared stack's windows).
    assert tags[contract.PATCH_GROUP_TAG] == {
        "Fn::FindInMap": ["PatchWindows", {"Ref": "PatchWindow"}, "Group"]
    }
    assert product["Mappings"]["PatchWindows"] == {
        window: {"Group": contract.patch_group(window)} for window in contract.PATCH_WINDOWS
    }
    assert product["Parameters"]["PatchWindow"]["AllowedValues"] == list(contract.PATCH_WINDOWS)
    assert tags[contract.PRODUCT_TAG] == "linux-docker"
    assert instance["Properties"]["PropagateTagsToVolumeOnCreation"] is True


def test_idle_stop_alarm_stops_the_instance_and_can_be_turned_off(product: dict[str, Any]) -> None:
    alarms = resources(product, "AWS::CloudWatch::Alarm").values()
    assert len(alarms) == 2  # CPU types and GPU types, exactly one exists per launch
    for alarm in alarms:
        condition = product["Conditions"][alarm["Condition"]]
        assert {"Condition": "IdleStopEnabled"} in condition["Fn::And"]
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
    image_key = {"Fn::FindInMap": ["InstanceTypes", {"Ref": "InstanceType"}, "Image"]}
    public_key = {"Fn::FindInMap": ["InstanceTypes", {"Ref": "InstanceType"}, "PublicImage"]}
    assert properties["ImageParameter"] == {
        "Fn::FindInMap": ["Distributions", {"Ref": "LinuxDistribution"}, image_key]
    }
    assert properties["FallbackImageParameter"] == {
        "Fn::FindInMap": ["Distributions", {"Ref": "LinuxDistribution"}, public_key]
    }
    assert properties["Generation"] == {"Ref": "ImageGeneration"}
    distributions = product["Mappings"]["Distributions"]
    assert distributions["AmazonLinux2023"]["x86"] == contract.image_parameter(
        "linux-docker", "x86_64"
    )
    assert distributions["AmazonLinux2023"]["arm64"] == contract.image_parameter(
        "linux-docker", "arm64"
    )
    assert distributions["AmazonLinux2023"]["Publicarm64"].endswith("-arm64")
    # Ubuntu has its own catalog image now (issue 19).
    assert distributions["Ubuntu2404"]["x86"] == contract.image_parameter(
        "linux-docker-ubuntu", "x86_64"
    )
