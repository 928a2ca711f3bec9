"""One EC2 workstation owned by one researcher, reachable only through Session Manager."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from aws_cdk import (
    CfnCondition,
    CfnDeletionPolicy,
    CfnOutput,
    CfnWaitCondition,
    CfnWaitConditionHandle,
    CustomResource,
    Fn,
    RemovalPolicy,
    aws_ec2 as ec2,
    aws_iam as iam,
    aws_logs as logs,
    aws_ssm as ssm,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge
from catalog_constructs.contract import resolve_ssm
from catalog_constructs.product_template.context import (
    ProductContext,
    product_context_service_token,
)
from catalog_constructs.product_template.owner_credential import OwnerCredential
from catalog_constructs.product_template.workstation import linux_setup, windows_setup
from catalog_constructs.product_template.workstation.bucket_mounts import (
    LINUX_SETUP as BUCKETS_LINUX_SETUP,
    WINDOWS_SETUP as BUCKETS_WINDOWS_SETUP,
    BucketMounts,
)
from catalog_constructs.product_template.workstation.idle_stop import add_idle_stop
from catalog_constructs.product_template.workstation.instance_role import instance_role

LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
SESSION_MANAGER_URL = (
    "https://${AWS::Region}.console.aws.amazon.com/systems-manager/session-manager/${Id}"
    "?region=${AWS::Region}"
)
FLEET_MANAGER_RDP_URL = (
    "https://${AWS::Region}.console.aws.amazon.com/systems-manager/managed-instances/"
    "rdp-connect?instances=${Id}&region=${AWS::Region}"
)


@dataclass(frozen=True, kw_only=True)
class BucketLists:
    read_only: list[str]
    read_write: list[str]


@dataclass(frozen=True, kw_only=True)
class WorkstationProps:
    product_key: str
    context: ProductContext
    image_id: str
    instance_type: str
    root_device_name: str
    # Numbers from CfnParameter.value_as_number tokens.
    root_volume_gib: float
    data_volume_gib: float
    idle_stop_hours: float
    # False when the owner chose 0 hours: no idle-stop alarm.
    idle_stop_enabled: CfnCondition
    # Run as root (bash) or SYSTEM (PowerShell, ``windows``) after the catalog's own
    # preparation; it must be idempotent.
    setup_script: str
    # Fn::Sub variables the setup script uses beyond the construct's own.
    setup_variables: Mapping[str, str] = field(default_factory=dict)
    windows: bool = False
    # A local account whose generated password only the owner can read (OwnerCredential); on
    # Windows it becomes the owner's administrator account.
    sign_in_username: str | None = None
    # The bucket lists of the launch form, where the product offers bucket mounts.
    buckets: BucketLists | None = None
    # Linux: what the image needs installed before the product's setup (MachineImage.setup:
    # the public image's installation, a comment for a catalog image); empty for none.
    image_setup: str = ""
    # True when the chosen instance type has an NVIDIA GPU: the idle stop then watches the
    # activity the instance reports (the busier of CPU and GPU). None: CPU types only.
    has_gpu: CfnCondition | None = None
    # The PatchGroup tag: the owner's patch window (contract.PATCH_WINDOWS).
    patch_group: str = contract.PATCH_GROUP


class Workstation(Construct):
    """A private EC2 instance: no public IP, no inbound rule, IMDSv2 only, encrypted disk,
    CloudWatch agent, patch-group tag, idle auto-stop, and a role with nothing but what the
    agents need. Owner-only access comes from the owner tags the product stack applies and
    the end-user policy, which allows Session Manager only on instances tagged with the
    caller's own ``aws:userid``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: WorkstationProps) -> None:
        super().__init__(scope, construct_id)
        self.windows = props.windows
        # Created in this order: it is the order of the resources in every locked template.
        self.log_group = self._add_log_group()
        self.security_group = self._add_security_group()
        self.role = instance_role(
            self, log_group=self.log_group, activity_namespace=linux_setup.ACTIVITY_NAMESPACE
        )
        self.credential = self._add_credential(props)
        self.bucket_mounts = self._add_bucket_mounts(props)
        profile, launch_template = self._add_launch_settings()
        self.data_volume = self._add_data_volume(props)
        wait_handle = CfnWaitConditionHandle(self, "SetupHandle")
        self.instance = self._add_instance(props, profile, launch_template, wait_handle)
        self.data_volume_attachment = self._attach_data_volume()
        self._await_setup(wait_handle)
        self._add_cloudwatch_agent()
        self._add_idle_stop(props)

    def _add_log_group(self) -> logs.LogGroup:
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=LOG_RETENTION,
            encryption_key=None,
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_group_resource = log_group.node.default_child
        assert isinstance(log_group_resource, logs.CfnLogGroup)
        log_group_resource.kms_key_id = resolve_ssm(contract.LOGS_KEY_ARN_PARAMETER)
        return log_group

    def _add_security_group(self) -> ec2.CfnSecurityGroup:
        # No inbound rule here; a notebook's route admits only the notebook gateway's group.
        security_group = ec2.CfnSecurityGroup(
            self,
            "SecurityGroup",
            group_description="Research workstation: no inbound access; Session Manager only",
            vpc_id=resolve_ssm(contract.VPC_ID_PARAMETER),
            security_group_egress=[
                ec2.CfnSecurityGroup.EgressProperty(
                    ip_protocol="-1",
                    cidr_ip="0.0.0.0/0",
                    description="Packages, container images and AWS APIs",
                )
            ],
        )
        acknowledge(
            security_group,
            ["HIPAA.Security-EC2RestrictedCommonPorts", "NIST.800.53.R5-EC2RestrictedCommonPorts"],
            "The group has no inbound rule at all; the rule flags the open egress.",
        )
        return security_group

    def _add_credential(self, props: WorkstationProps) -> OwnerCredential | None:
        if not props.sign_in_username:
            return None
        return OwnerCredential(
            self,
            "SignIn",
            purpose="sign-in",
            username=props.sign_in_username,
            context=props.context,
            reader=self.role,
        )

    def _add_bucket_mounts(self, props: WorkstationProps) -> BucketMounts | None:
        if not props.buckets:
            return None
        return BucketMounts(
            self,
            "BucketMounts",
            read_only=props.buckets.read_only,
            read_write=props.buckets.read_write,
            context=props.context,
            role=self.role,
        )

    def _add_launch_settings(self) -> tuple[iam.CfnInstanceProfile, ec2.CfnLaunchTemplate]:
        profile = iam.CfnInstanceProfile(
            self, "InstanceProfile", roles=[self.role.role_name], path=contract.PRODUCT_ROLE_PATH
        )
        launch_template = ec2.CfnLaunchTemplate(
            self,
            "LaunchTemplate",
            launch_template_data=ec2.CfnLaunchTemplate.LaunchTemplateDataProperty(
                metadata_options=ec2.CfnLaunchTemplate.MetadataOptionsProperty(
                    http_tokens="required",
                    http_endpoint="enabled",
                    # Two hops so containers on the Docker bridge can use the instance role.
                    http_put_response_hop_limit=2,
                ),
            ),
        )
        return profile, launch_template

    def _add_data_volume(self, props: WorkstationProps) -> ec2.CfnVolume:
        data_volume = ec2.CfnVolume(
            self,
            "DataVolume",
            availability_zone=props.context.availability_zone,
            size=props.data_volume_gib,
            volume_type="gp3",
            encrypted=True,
            kms_key_id=resolve_ssm(contract.EBS_KEY_ARN_PARAMETER),
        )
        # The data volume outlives any instance: an update that replaces the instance moves it
        # to the new one (DataVolumeAttachment); terminating the product or replacing the volume
        # itself leaves a snapshot.
        data_volume.cfn_options.deletion_policy = CfnDeletionPolicy.SNAPSHOT
        data_volume.cfn_options.update_replace_policy = CfnDeletionPolicy.SNAPSHOT
        acknowledge(
            data_volume,
            ["HIPAA.Security-EC2EBSInBackupPlan", "NIST.800.53.R5-EC2EBSInBackupPlan"],
            "The data volume is snapshotted whenever it would be lost (termination, "
            "replacement); scheduled backups are a stage-wide AWS Backup decision that cannot "
            "live in a product template launched many times.",
        )
        return data_volume

    def _add_instance(
        self,
        props: WorkstationProps,
        profile: iam.CfnInstanceProfile,
        launch_template: ec2.CfnLaunchTemplate,
        wait_handle: CfnWaitConditionHandle,
    ) -> ec2.CfnInstance:
        instance = ec2.CfnInstance(
            self,
            "Instance",
            image_id=props.image_id,
            instance_type=props.instance_type,
            subnet_id=props.context.subnet_id,
            security_group_ids=[self.security_group.attr_group_id],
            iam_instance_profile=profile.ref,
            launch_template=ec2.CfnInstance.LaunchTemplateSpecificationProperty(
                launch_template_id=launch_template.ref,
                version=launch_template.attr_latest_version_number,
            ),
            monitoring=True,
            ebs_optimized=True,
            propagate_tags_to_volume_on_creation=True,
            block_device_mappings=[
                ec2.CfnInstance.BlockDeviceMappingProperty(
                    device_name=props.root_device_name,
                    ebs=ec2.CfnInstance.EbsProperty(
                        volume_size=props.root_volume_gib,
                        volume_type="gp3",
                        encrypted=True,
                        kms_key_id=resolve_ssm(contract.EBS_KEY_ARN_PARAMETER),
                        delete_on_termination=True,
                    ),
                )
            ],
            user_data=Fn.base64(self._user_data(props, wait_handle.ref)),
            tags=[{"key": contract.PATCH_GROUP_TAG, "value": props.patch_group}],
        )
        if self.bucket_mounts:
            instance.add_resource_dependency(self.bucket_mounts.policy)
        acknowledge(
            instance,
            ["HIPAA.Security-EC2EBSOptimizedInstance", "NIST.800.53.R5-EC2EBSOptimizedInstance"],
            "EbsOptimized is true; the rule cannot evaluate an instance type chosen at launch.",
        )
        acknowledge(
            instance,
            ["AwsSolutions-EC29", "HIPAA.Security-EC2InstanceTerminationProtection"],
            "A researcher's workstation is meant to be terminated from Service Catalog; "
            "termination protection would make Terminate fail.",
        )
        return instance

    def _attach_data_volume(self) -> CustomResource:
        return CustomResource(
            self,
            "DataVolumeAttachment",
            service_token=product_context_service_token(),
            resource_type="Custom::DataVolumeAttachment",
            properties={
                "VolumeId": self.data_volume.ref,
                "InstanceId": self.instance.ref,
                "Device": windows_setup.DATA_DEVICE if self.windows else linux_setup.DATA_DEVICE,
            },
        )

    def _await_setup(self, wait_handle: CfnWaitConditionHandle) -> None:
        setup = CfnWaitCondition(
            self,
            "SetupComplete",
            handle=wait_handle.ref,
            timeout=str(
                windows_setup.SETUP_TIMEOUT_SECONDS
                if self.windows
                else linux_setup.SETUP_TIMEOUT_SECONDS
            ),
            count=1,
        )
        setup.add_resource_dependency(self.instance)

    def _add_cloudwatch_agent(self) -> None:
        ssm.CfnAssociation(
            self,
            "CloudWatchAgent",
            name=contract.CLOUDWATCH_AGENT_DOCUMENT_NAME,
            targets=[
                ssm.CfnAssociation.TargetProperty(key="InstanceIds", values=[self.instance.ref])
            ],
        )

    def _add_idle_stop(self, props: WorkstationProps) -> None:
        add_idle_stop(
            self,
            instance_id=self.instance.ref,
            hours=props.idle_stop_hours,
            enabled=props.idle_stop_enabled,
            has_gpu=props.has_gpu,
        )

    def _user_data(self, props: WorkstationProps, wait_handle_url: str) -> str:
        variables = {
            "WaitHandle": wait_handle_url,
            "LogGroupName": self.log_group.log_group_name,
            "DataVolumeId": self.data_volume.ref,
            **(self.bucket_mounts.sub_variables if self.bucket_mounts else {}),
            **({"CredentialSecretArn": self.credential.secret.ref} if self.credential else {}),
            **props.setup_variables,
        }
        if self.windows:
            script = windows_setup.user_data(
                setup_script=props.setup_script,
                bucket_sync=BUCKETS_WINDOWS_SETUP if self.bucket_mounts else "",
            )
        else:
            script = linux_setup.user_data(
                setup_script=props.setup_script,
                bucket_mounts=BUCKETS_LINUX_SETUP if self.bucket_mounts else "",
                image_setup="${ImageSetup}" if props.image_setup else "",
            )
            if props.image_setup:
                variables["ImageSetup"] = props.image_setup
        return Fn.sub(script, variables)

    def add_standard_outputs(self, *, documentation_page: str, context: ProductContext) -> None:
        instance_id = self.instance.ref
        CfnOutput(
            self,
            "ConnectionURI",
            key="ConnectionURI",
            description=(
                "Open the desktop in your browser (Fleet Manager Remote Desktop)"
                if self.windows
                else "Open a shell on the instance in your browser (Session Manager)"
            ),
            value=Fn.sub(
                FLEET_MANAGER_RDP_URL if self.windows else SESSION_MANAGER_URL, {"Id": instance_id}
            ),
        )
        CfnOutput(
            self,
            "EC2ConsoleURI",
            key="EC2ConsoleURI",
            description="The instance in the EC2 console",
            value=Fn.sub(
                "https://${AWS::Region}.console.aws.amazon.com/ec2/home?region=${AWS::Region}"
                "#InstanceDetails:instanceId=${Id}",
                {"Id": instance_id},
            ),
        )
        CfnOutput(
            self, "InstanceId", key="InstanceId", description="EC2 instance ID", value=instance_id
        )
        CfnOutput(
            self,
            "PrivateIpAddress",
            key="PrivateIpAddress",
            description="Private IP address (no public address exists)",
            value=self.instance.attr_private_ip,
        )
        CfnOutput(
            self,
            "LogsURI",
            key="LogsURI",
            description=(
                "Setup transcript and Windows event logs in CloudWatch"
                if self.windows
                else "Setup, cloud-init and system logs in CloudWatch"
            ),
            value=Fn.sub(
                "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}"
                "#logsV2:log-groups/log-group/${Group}",
                {"Group": self.log_group.log_group_name},
            ),
        )
        CfnOutput(
            self,
            "Documentation",
            key="Documentation",
            description="How to use this product",
            value=Fn.join("", [context.documentation_url, f"/products/{documentation_page}"]),
        )
