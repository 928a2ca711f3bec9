"""Image pipelines of a stage that builds the catalog's AMIs (config ``images.build``)."""

import jsii
from aws_cdk import (
    Stack,
    Tags,
    aws_ec2 as ec2,
    aws_events as events,
    aws_iam as iam,
    aws_sns as sns,
    aws_sns_subscriptions as subscriptions,
)
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from amis.images import IMAGES
from amis.pipeline import CatalogImageComponents, ImagePipeline, PipelineSettings
from catalog_constructs import contract
from catalog_constructs.common.encryption import (
    DATA_KEY_USE,
    allow_use_through_service,
    catalog_key,
)
from catalog_constructs.common.nag import acknowledge
from catalog_constructs.shared.resources import SharedResources
from config.models import CatalogConfig


class AmiStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        shared: SharedResources,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        target_accounts = tuple(target.account for target in config.images.distribute_to)
        using_accounts = [self.account, *target_accounts]

        images_key = catalog_key(
            self, "ImagesKey", description="Research catalog: AMIs built by the image pipelines"
        )
        Tags.of(images_key).add(contract.IMAGES_KEY_TAG, contract.IMAGES_KEY_TAG_VALUE)
        # Image Builder (through its service-linked role), and launch roles in every account
        # that receives the images, use the key only through EC2.
        allow_use_through_service(
            images_key,
            sid="UseThroughEc2InStageAccounts",
            service="ec2",
            actions=[*DATA_KEY_USE, "kms:CreateGrant"],
            accounts=using_accounts,
        )

        topic_key = catalog_key(
            self,
            "NotificationsKey",
            description="Research catalog: image pipeline notifications",
            holds_data=False,
        )
        topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PublishFromEventBridge",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                # Only for this account's rules (confused-deputy protection).
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        # Image Builder publishes with its service-linked role, which may not exist before
        # the first build; a condition on the caller avoids naming it as a principal.
        allow_use_through_service(
            topic_key,
            sid="PublishFromImageBuilder",
            service="sns",
            actions=["kms:GenerateDataKey*", "kms:Decrypt"],
        )
        self.topic = sns.Topic(
            self,
            "Notifications",
            display_name="Research catalog image pipelines",
            master_key=topic_key,
            enforce_ssl=True,
        )
        self.topic.add_subscription(
            subscriptions.EmailSubscription(config.operators.notification_email)
        )
        rules = [
            events.Rule(
                self,
                "FailedBuilds",
                description="An image build of the research catalog failed",
                event_pattern=events.EventPattern(
                    source=["aws.imagebuilder"],
                    detail_type=["EC2 Image Builder Image State Change"],
                    detail={"state": {"status": ["FAILED"]}},
                ),
                targets=[_TopicTarget(self.topic)],
            ),
            events.Rule(
                self,
                "VulnerabilityFindings",
                description="Enhanced scanning found CVEs in a research catalog image",
                event_pattern=events.EventPattern(
                    source=["aws.imagebuilder"], detail_type=["EC2 Image Builder CVE Detected"]
                ),
                targets=[_TopicTarget(self.topic)],
            ),
        ]
        # EventBridge may publish for these two rules only (targets.SnsTopic would allow any
        # rule of any account that names the topic).
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PublishFromTheseRules",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": [rule.rule_arn for rule in rules]},
                    "StringEquals": {"aws:SourceAccount": self.account},
                },
            )
        )

        build_role = iam.Role(
            self,
            "BuildInstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="Image Builder build and test instances of the research catalog",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore"),
                iam.ManagedPolicy.from_aws_managed_policy_name("EC2InstanceProfileForImageBuilder"),
            ],
        )
        acknowledge(
            build_role,
            [
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "AmazonSSMManagedInstanceCore]",
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "EC2InstanceProfileForImageBuilder]",
            ],
            "The two AWS-maintained policies Image Builder documents for its build instances "
            "(agent, component download and logging); AWS keeps them in step with the service.",
        )
        profile = iam.CfnInstanceProfile(self, "BuildInstanceProfile", roles=[build_role.role_name])
        lifecycle_role = iam.Role(
            self,
            "LifecycleRole",
            assumed_by=iam.ServicePrincipal("imagebuilder.amazonaws.com"),
            description="Deletes research catalog images beyond the newest few",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/EC2ImageBuilderLifecycleExecutionPolicy"
                )
            ],
        )
        acknowledge(
            lifecycle_role,
            [
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "EC2ImageBuilderLifecycleExecutionPolicy]"
            ],
            "The AWS-maintained execution policy Image Builder lifecycle policies require.",
        )
        security_group = ec2.CfnSecurityGroup(
            self,
            "BuildSecurityGroup",
            group_description="Image Builder instances: no inbound access",
            vpc_id=shared.vpc_id,
            security_group_egress=[
                ec2.CfnSecurityGroup.EgressProperty(
                    ip_protocol="-1",
                    cidr_ip="0.0.0.0/0",
                    description="Base packages, pinned releases and AWS APIs",
                )
            ],
        )
        acknowledge(
            security_group,
            ["HIPAA.Security-EC2RestrictedCommonPorts", "NIST.800.53.R5-EC2RestrictedCommonPorts"],
            "The group has no inbound rule at all; the rule flags the open egress.",
        )

        settings = PipelineSettings(
            schedule=config.images.schedule,
            keep_last=config.images.keep_last,
            target_accounts=target_accounts,
            instance_profile_name=profile.ref,
            security_group_id=security_group.attr_group_id,
            subnet_id=shared.private_subnet_ids[0],
            topic_arn=self.topic.topic_arn,
            images_key=images_key,
            lifecycle_role=lifecycle_role,
        )
        components = CatalogImageComponents(self, "Components")
        self.pipelines: dict[str, ImagePipeline] = {}
        for image in IMAGES.values():
            for architecture in image.parents:
                pipeline_id = f"{image.key}-{architecture}"
                self.pipelines[pipeline_id] = ImagePipeline(
                    self,
                    "".join(part.capitalize() for part in pipeline_id.replace("_", "-").split("-")),
                    image=image,
                    architecture=architecture,
                    components=components,
                    settings=settings,
                )


@jsii.implements(events.IRuleTarget)
class _TopicTarget:
    """An SNS topic as a rule target, leaving its publish permission to the topic's own
    policy statement (with the rules' ARNs as its condition)."""

    def __init__(self, topic: sns.ITopic) -> None:
        self._topic = topic

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(arn=self._topic.topic_arn)
