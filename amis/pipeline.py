"""One EC2 Image Builder pipeline per image and architecture, publishing to SSM parameters."""

from dataclasses import dataclass

from aws_cdk import Stack, aws_iam as iam, aws_imagebuilder as imagebuilder, aws_kms as kms
from constructs import Construct

from amis.images import COMPONENTS, ImageDefinition
from catalog_constructs import contract

BUILD_INSTANCE_TYPES = {"x86_64": "m7i.large", "arm64": "m7g.large"}
IMAGE_TAG = "research-catalog:image"
# Builds run when the schedule fires AND a newer base image or component version exists.
START_CONDITION = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
# AMIs launched within this many days are never deleted, whatever the keeper's tag says.
RECENTLY_LAUNCHED_DAYS = 30


@dataclass(frozen=True, kw_only=True)
class PipelineSettings:
    schedule: str
    keep_last: int
    # Accounts besides this one that receive every image and its SSM parameter, in this region.
    target_accounts: tuple[str, ...]
    instance_profile_name: str
    security_group_id: str
    subnet_id: str
    topic_arn: str
    images_key: kms.IKey
    lifecycle_role: iam.IRole


class CatalogImageComponents(Construct):
    """The catalog's own component documents (amis/components/*.yaml), created once."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.arns: dict[str, str] = {}
        for key, component in COMPONENTS.items():
            resource = imagebuilder.CfnComponent(
                self,
                _pascal(key),
                name=f"research-catalog-{key}",
                platform=component.platform,
                version=component.version,
                data=component.data(),
                description=f"research-catalog component {key} (amis/components/{key}.yaml)",
            )
            self.arns[key] = resource.attr_arn


class ImagePipeline(Construct):
    """Recipe, infrastructure, distribution, pipeline and lifecycle policy of one image and
    architecture. The distribution writes the new AMI ID to the image's SSM parameter in
    this account and every target account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        image: ImageDefinition,
        architecture: str,
        components: CatalogImageComponents,
        settings: PipelineSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        name = f"research-catalog-{image.key}-{architecture}"

        def aws_owned(kind: str, resource: str) -> str:
            return f"arn:{stack.partition}:imagebuilder:{stack.region}:aws:{kind}/{resource}/x.x.x"

        self.recipe = imagebuilder.CfnImageRecipe(
            self,
            "Recipe",
            name=name,
            version=image.recipe_version,
            description=image.description,
            parent_image=aws_owned("image", image.parents[architecture]),
            components=[
                imagebuilder.CfnImageRecipe.ComponentConfigurationProperty(
                    component_arn=aws_owned("component", component)
                )
                for component in image.aws_components
            ]
            + [
                imagebuilder.CfnImageRecipe.ComponentConfigurationProperty(
                    component_arn=components.arns[component]
                )
                for component in image.components
            ],
            block_device_mappings=[
                imagebuilder.CfnImageRecipe.InstanceBlockDeviceMappingProperty(
                    device_name=image.root_device,
                    ebs=imagebuilder.CfnImageRecipe.EbsInstanceBlockDeviceSpecificationProperty(
                        encrypted=True,
                        kms_key_id=settings.images_key.key_arn,
                        volume_size=image.root_volume_gib,
                        volume_type="gp3",
                        delete_on_termination=True,
                    ),
                )
            ],
            # Products rely on the SSM agent that the base image carries.
            additional_instance_configuration=imagebuilder.CfnImageRecipe.AdditionalInstanceConfigurationProperty(
                systems_manager_agent=imagebuilder.CfnImageRecipe.SystemsManagerAgentProperty(
                    uninstall_after_build=False
                )
            ),
        )

        infrastructure = imagebuilder.CfnInfrastructureConfiguration(
            self,
            "Infrastructure",
            name=name,
            description=f"Build and test instances of {name}",
            instance_profile_name=settings.instance_profile_name,
            instance_types=[BUILD_INSTANCE_TYPES[architecture]],
            subnet_id=settings.subnet_id,
            security_group_ids=[settings.security_group_id],
            instance_metadata_options=imagebuilder.CfnInfrastructureConfiguration.InstanceMetadataOptionsProperty(
                http_tokens="required", http_put_response_hop_limit=2
            ),
            sns_topic_arn=settings.topic_arn,
            terminate_instance_on_failure=True,
        )

        parameter = image.parameter_name(architecture)
        distribution = imagebuilder.CfnDistributionConfiguration(
            self,
            "Distribution",
            name=name,
            description=f"Publishes {name} to {parameter} in each stage account",
            distributions=[
                imagebuilder.CfnDistributionConfiguration.DistributionProperty(
                    region=stack.region,
                    ami_distribution_configuration={
                        "Name": f"{name}-{{{{imagebuilder:buildDate}}}}",
                        "Description": image.description,
                        "KmsKeyId": settings.images_key.key_arn,
                        "AmiTags": {IMAGE_TAG: f"{image.key}/{architecture}"},
                        **(
                            {"TargetAccountIds": list(settings.target_accounts)}
                            if settings.target_accounts
                            else {}
                        ),
                    },
                    ssm_parameter_configurations=[
                        imagebuilder.CfnDistributionConfiguration.SsmParameterConfigurationProperty(
                            parameter_name=parameter, data_type="aws:ec2:image"
                        ),
                        *(
                            imagebuilder.CfnDistributionConfiguration.SsmParameterConfigurationProperty(
                                parameter_name=parameter,
                                ami_account_id=account,
                                data_type="aws:ec2:image",
                            )
                            for account in settings.target_accounts
                        ),
                    ],
                )
            ],
        )

        self.pipeline = imagebuilder.CfnImagePipeline(
            self,
            "Pipeline",
            name=name,
            description=image.description,
            image_recipe_arn=self.recipe.attr_arn,
            infrastructure_configuration_arn=infrastructure.attr_arn,
            distribution_configuration_arn=distribution.attr_arn,
            schedule=imagebuilder.CfnImagePipeline.ScheduleProperty(
                schedule_expression=settings.schedule,
                pipeline_execution_start_condition=START_CONDITION,
            ),
            image_scanning_configuration=imagebuilder.CfnImagePipeline.ImageScanningConfigurationProperty(
                image_scanning_enabled=True
            ),
            image_tests_configuration=imagebuilder.CfnImagePipeline.ImageTestsConfigurationProperty(
                image_tests_enabled=True, timeout_minutes=120
            ),
            enhanced_image_metadata_enabled=True,
            image_tags={IMAGE_TAG: f"{image.key}/{architecture}"},
            status="ENABLED",
        )

        imagebuilder.CfnLifecyclePolicy(
            self,
            "KeepLast",
            name=name,
            description=(
                f"Keeps the newest {settings.keep_last} images of {name} and every AMI in use"
            ),
            execution_role=settings.lifecycle_role.role_arn,
            resource_type="AMI_IMAGE",
            policy_details=[
                imagebuilder.CfnLifecyclePolicy.PolicyDetailProperty(
                    action=imagebuilder.CfnLifecyclePolicy.ActionProperty(
                        type="DELETE",
                        include_resources=imagebuilder.CfnLifecyclePolicy.IncludeResourcesProperty(
                            amis=True, snapshots=True
                        ),
                    ),
                    filter=imagebuilder.CfnLifecyclePolicy.FilterProperty(
                        type="COUNT", value=settings.keep_last
                    ),
                    # Never an AMI a product still needs: the image keeper of each account
                    # tags AMIs that a catalog instance or image parameter references (a
                    # pinned product relaunches from its AMI when its instance is replaced);
                    # an AMI launched recently is kept too, until the keeper has seen it.
                    exclusion_rules=imagebuilder.CfnLifecyclePolicy.ExclusionRulesProperty(
                        amis=imagebuilder.CfnLifecyclePolicy.AmiExclusionRulesProperty(
                            tag_map={contract.IMAGE_IN_USE_TAG: contract.IMAGE_IN_USE_VALUE},
                            last_launched=imagebuilder.CfnLifecyclePolicy.LastLaunchedProperty(
                                unit="DAYS", value=RECENTLY_LAUNCHED_DAYS
                            ),
                        ),
                    ),
                )
            ],
            resource_selection=imagebuilder.CfnLifecyclePolicy.ResourceSelectionProperty(
                tag_map={IMAGE_TAG: f"{image.key}/{architecture}"}
            ),
        )


def _pascal(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("-"))
