"""The image pipelines (Images stack, dev builds) and the launch roles' access to the images
products launch from (how a product picks its image: tests/infrastructure/products/)."""

import json
from typing import Any

import pytest

from amis.images import IMAGES
from catalog_constructs import contract
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage, load_example


@pytest.fixture
def images(synthesized: dict[str, SynthesizedStage]) -> dict[str, Any]:
    return synthesized["dev"].stacks["Images"]


def test_only_the_building_stage_has_pipelines(synthesized: dict[str, SynthesizedStage]) -> None:
    assert "Images" in synthesized["dev"].stacks
    assert "Images" not in synthesized["prod"].stacks


def test_one_pipeline_per_image_and_architecture(images: dict[str, Any]) -> None:
    names = {
        p["Properties"]["Name"]
        for p in resources(images, "AWS::ImageBuilder::ImagePipeline").values()
    }
    assert names == {
        "research-catalog-linux-docker-x86_64",
        "research-catalog-linux-docker-arm64",
        "research-catalog-linux-docker-ubuntu-x86_64",
        "research-catalog-linux-docker-ubuntu-arm64",
        "research-catalog-notebook-x86_64",
        "research-catalog-windows-x86_64",
    }


def test_build_instances_require_imdsv2(images: dict[str, Any]) -> None:
    configurations = resources(images, "AWS::ImageBuilder::InfrastructureConfiguration")
    assert len(configurations) == 6
    for configuration in configurations.values():
        properties = configuration["Properties"]
        assert properties["InstanceMetadataOptions"]["HttpTokens"] == "required"
        assert properties["TerminateInstanceOnFailure"] is True
        assert properties["SnsTopicArn"]


def test_images_are_encrypted_with_the_images_key(images: dict[str, Any]) -> None:
    (key_id,) = [
        logical_id
        for logical_id, key in resources(images, "AWS::KMS::Key").items()
        if "AMIs" in key["Properties"]["Description"]
    ]
    for recipe in resources(images, "AWS::ImageBuilder::ImageRecipe").values():
        for mapping in recipe["Properties"]["BlockDeviceMappings"]:
            assert mapping["Ebs"]["Encrypted"] is True
            assert mapping["Ebs"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    for distribution in resources(images, "AWS::ImageBuilder::DistributionConfiguration").values():
        for target in distribution["Properties"]["Distributions"]:
            assert target["AmiDistributionConfiguration"]["KmsKeyId"] == {
                "Fn::GetAtt": [key_id, "Arn"]
            }


def test_distribution_reaches_every_account_products_launch_in(images: dict[str, Any]) -> None:
    """dev distributes to prod (images.distribute_to) and to the spoke its challenge community
    shares every workstation product with (communities.challenge.sharing.accounts), which no
    images setting lists: distribution follows from where the products are published."""
    prod = load_example("prod").stage.account
    (spoke,) = load_example("dev").spoke_accounts()
    for distribution in resources(images, "AWS::ImageBuilder::DistributionConfiguration").values():
        (target,) = distribution["Properties"]["Distributions"]
        pipeline = distribution["Properties"]["Name"].removeprefix("research-catalog-")
        image, architecture = pipeline.rsplit("-", 1)
        parameter = contract.image_parameter(image, architecture)
        assert target["AmiDistributionConfiguration"]["TargetAccountIds"] == [prod, spoke]
        assert target["SsmParameterConfigurations"] == [
            {"DataType": "aws:ec2:image", "ParameterName": parameter},
            {"AmiAccountId": prod, "DataType": "aws:ec2:image", "ParameterName": parameter},
            {"AmiAccountId": spoke, "DataType": "aws:ec2:image", "ParameterName": parameter},
        ]


def test_the_images_key_is_usable_in_every_receiving_account(images: dict[str, Any]) -> None:
    (spoke,) = load_example("dev").spoke_accounts()
    (key,) = [
        key
        for key in resources(images, "AWS::KMS::Key").values()
        if "AMIs" in key["Properties"]["Description"]
    ]
    (statement,) = [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if statement.get("Sid") == "UseThroughEc2InStageAccounts"
    ]
    assert spoke in statement["Condition"]["StringEquals"]["kms:CallerAccount"]


def test_distribution_skips_accounts_where_no_product_of_the_image_launches() -> None:
    """An image goes only where a product launching from it is published: a spoke that
    receives only buckets gets no workstation image."""
    from stacks.ami_stack import image_target_accounts

    config = load_example("dev")
    challenge = config.communities["challenge"]
    buckets_only = config.model_copy(
        update={
            "communities": {
                **config.communities,
                "challenge": challenge.model_copy(update={"products": ["private-bucket"]}),
            }
        }
    )
    (spoke,) = config.spoke_accounts()
    assert spoke in image_target_accounts(config, "notebook")
    assert spoke not in image_target_accounts(buckets_only, "notebook")


def test_pipelines_rebuild_on_schedule_when_dependencies_change_and_scan(
    images: dict[str, Any],
) -> None:
    for pipeline in resources(images, "AWS::ImageBuilder::ImagePipeline").values():
        properties = pipeline["Properties"]
        assert properties["Schedule"] == {
            "ScheduleExpression": "cron(0 6 ? * MON *)",
            "PipelineExecutionStartCondition": "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
        }
        assert properties["ImageScanningConfiguration"] == {"ImageScanningEnabled": True}
        assert properties["ImageTestsConfiguration"]["ImageTestsEnabled"] is True


def test_recipes_patch_and_follow_the_newest_base_image(images: dict[str, Any]) -> None:
    for recipe in resources(images, "AWS::ImageBuilder::ImageRecipe").values():
        parent = json.dumps(recipe["Properties"]["ParentImage"])
        assert parent.endswith('/x.x.x"]]}') or "x.x.x" in parent
        components = json.dumps(recipe["Properties"]["Components"])
        assert (
            "component/update-linux/x.x.x" in components
            or "component/update-windows/x.x.x" in components
        )


def test_lifecycle_keeps_the_configured_number_of_images(images: dict[str, Any]) -> None:
    policies = resources(images, "AWS::ImageBuilder::LifecyclePolicy")
    assert len(policies) == 6
    for policy in policies.values():
        (detail,) = policy["Properties"]["PolicyDetails"]
        assert detail["Filter"] == {"Type": "COUNT", "Value": 3}
        assert detail["Action"]["IncludeResources"] == {"Amis": True, "Snapshots": True}


def test_lifecycle_never_deletes_an_image_in_use(images: dict[str, Any]) -> None:
    """The image keeper (tests/unit/shared/image_keeper) tags every AMI a catalog instance or
    image parameter references; each lifecycle policy excludes that tag, and AMIs launched in
    the last 30 days, from deletion. How Image Builder applies the exclusion is AWS behaviour
    no offline test can show."""
    for policy in resources(images, "AWS::ImageBuilder::LifecyclePolicy").values():
        (detail,) = policy["Properties"]["PolicyDetails"]
        assert detail["ExclusionRules"] == {
            "Amis": {
                "TagMap": {contract.IMAGE_IN_USE_TAG: contract.IMAGE_IN_USE_VALUE},
                "LastLaunched": {"Unit": "DAYS", "Value": 30},
            }
        }


def test_every_account_products_launch_in_runs_the_image_keeper(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    from catalog_constructs.shared.image_keeper.function import SCHEDULE

    dev = synthesized["dev"].stacks
    keeper_stacks = [name for name in dev if name in ("Shared",) or name.startswith("Spoke")]
    assert len(keeper_stacks) == 2
    for template in [*(dev[name] for name in keeper_stacks), synthesized["prod"].stacks["Shared"]]:
        functions = [
            function
            for function in resources(template, "AWS::Lambda::Function").values()
            if function["Properties"].get("Environment", {}).get("Variables", {}).get("IN_USE_TAG")
            == contract.IMAGE_IN_USE_TAG
        ]
        assert len(functions) == 1
        schedules = [
            rule["Properties"]["ScheduleExpression"]
            for rule in resources(template, "AWS::Events::Rule").values()
            if "AMI references" in rule["Properties"].get("Description", "")
        ]
        assert schedules == [SCHEDULE]
        policies = json.dumps(resources(template, "AWS::IAM::ManagedPolicy"))
        assert (
            '"ForAllValues:StringEquals": {"aws:TagKeys": ["research-catalog:image-in-use"]}'
            in (policies)
        )


def test_failures_and_cve_findings_reach_the_operators(images: dict[str, Any]) -> None:
    rules = resources(images, "AWS::Events::Rule").values()
    detail_types = {rule["Properties"]["EventPattern"]["detail-type"][0] for rule in rules}
    assert detail_types == {
        "EC2 Image Builder Image State Change",
        "EC2 Image Builder CVE Detected",
    }
    (topic_id,) = resources(images, "AWS::SNS::Topic")
    for rule in rules:
        assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": topic_id}
    (subscription,) = resources(images, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"


def test_every_registered_image_has_pipelines_for_its_architectures(images: dict[str, Any]) -> None:
    names = {
        p["Properties"]["Name"]
        for p in resources(images, "AWS::ImageBuilder::ImagePipeline").values()
    }
    for image in IMAGES.values():
        for architecture in image.parents:
            assert f"research-catalog-{image.key}-{architecture}" in names


def test_launch_roles_may_read_images_of_the_building_account(stage: SynthesizedStage) -> None:

    source = load_example("dev").stage.account
    catalog = json.dumps(stage.stacks["Catalog"])
    assert f":kms:us-east-1:{source}:key/*" in catalog
    assert (
        f'"aws:ResourceTag/{contract.IMAGES_KEY_TAG}": "{contract.IMAGES_KEY_TAG_VALUE}"' in catalog
    )


def test_gpu_capable_images_carry_the_nvidia_component(images: dict[str, Any]) -> None:
    """Issue 19: the images GPU types launch from (Linux Docker on both distributions and
    architectures, the notebook) install the NVIDIA driver and container toolkit at build
    time, after Docker where there is one, so nvidia-ctk can configure Docker's runtime."""
    from amis.images import IMAGES

    for key in ("linux-docker", "linux-docker-ubuntu", "notebook"):
        components = IMAGES[key].components
        assert "nvidia-gpu" in components, key
        for docker in ("docker-compose", "docker-ubuntu"):
            if docker in components:
                assert components.index(docker) < components.index("nvidia-gpu"), key
    assert "nvidia-gpu" not in IMAGES["windows"].components
