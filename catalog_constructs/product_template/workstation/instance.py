"""One EC2 workstation owned by one researcher, reachable only through Session Manager."""

import json
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
    aws_cloudwatch as cloudwatch,
    aws_ec2 as ec2,
    aws_iam as iam,
    aws_logs as logs,
    aws_ssm as ssm,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge, acknowledge_wildcard_resources
from catalog_constructs.contract import resolve_ssm
from catalog_constructs.product_template.context import (
    ProductContext,
    product_context_service_token,
)
from catalog_constructs.product_template.owner_credential import OwnerCredential
from catalog_constructs.product_template.workstation import windows_setup
from catalog_constructs.product_template.workstation.bucket_mounts import (
    LINUX_SETUP as BUCKETS_LINUX_SETUP,
    WINDOWS_SETUP as BUCKETS_WINDOWS_SETUP,
    BucketMounts,
)

SETUP_LOG = "/var/log/research-catalog-setup.log"
IDLE_CPU_PERCENT = 5
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
# Setting up Docker on a fresh Ubuntu instance takes two to five minutes; the margin covers
# slow package mirrors. The product fails (and is rolled back) rather than hanging past it.
SETUP_TIMEOUT_SECONDS = 1200
DATA_DEVICE = "/dev/sdf"
SESSION_MANAGER_URL = (
    "https://${AWS::Region}.console.aws.amazon.com/systems-manager/session-manager/${Id}"
    "?region=${AWS::Region}"
)
FLEET_MANAGER_RDP_URL = (
    "https://${AWS::Region}.console.aws.amazon.com/systems-manager/managed-instances/"
    "rdp-connect?instances=${Id}&region=${AWS::Region}"
)
DATA_MOUNT = "/data"
# Finds the data volume by its ID (NVMe names do not follow the attachment's device name),
# formats it only if it has no file system yet, and mounts it by UUID. Runs at every first boot,
# so a replacement instance mounts the same data.
LINUX_DATA_VOLUME = f"""
volume_serial=$(echo '${{DataVolumeId}}' | tr -d -)
volume_device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$volume_serial"
for attempt in $(seq 1 120); do
  [ -e "$volume_device" ] && break
  [ -e {DATA_DEVICE} ] && volume_device={DATA_DEVICE} && break
  sleep 5
done
[ -e "$volume_device" ] || {{ echo "data volume ${{DataVolumeId}} never appeared"; false; }}
# ext4: its tools are on every distribution the catalog offers, and it grows while mounted.
blkid "$volume_device" >/dev/null || mkfs.ext4 -q -L research-data "$volume_device"
uuid=$(blkid -s UUID -o value "$volume_device")
mkdir -p {DATA_MOUNT}
grep -q "UUID=$uuid" /etc/fstab ||
  echo "UUID=$uuid {DATA_MOUNT} ext4 defaults,nofail 0 2" >> /etc/fstab
mount -a
# A larger DataVolumeSize reaches the file system at the next boot (or Restart action).
cat > /etc/systemd/system/research-catalog-grow-data.service <<UNIT
[Unit]
Description=Grow the /data file system to the size of its volume
After=local-fs.target
[Service]
Type=oneshot
ExecStart=/sbin/resize2fs /dev/disk/by-uuid/$uuid
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable research-catalog-grow-data.service
# Session Manager signs the owner in as ssm-user, who owns the data directory.
id ssm-user >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ssm-user
echo 'ssm-user ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ssm-agent-users
chmod 0440 /etc/sudoers.d/ssm-agent-users
chown ssm-user:ssm-user {DATA_MOUNT}
"""


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
    # products.workstation_form.idle_stop_condition: false when the hours are 0.
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
    # The launch form's bucket lists (bucket_mounts.FORM_GROUP), if offered.
    buckets: BucketLists | None = None


class Workstation(Construct):
    """A private EC2 instance: no public IP, no inbound rule, IMDSv2 only, encrypted disk,
    CloudWatch agent, patch-group tag, idle auto-stop, and a role with nothing but what the
    agents need. Owner-only access comes from the owner tags the product stack applies and
    the end-user policy, which allows Session Manager only on instances tagged with the
    caller's own ``aws:userid``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, props: WorkstationProps) -> None:
        super().__init__(scope, construct_id)

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=LOG_RETENTION,
            encryption_key=None,
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_group_resource = self.log_group.node.default_child
        assert isinstance(log_group_resource, logs.CfnLogGroup)
        log_group_resource.kms_key_id = resolve_ssm(contract.LOGS_KEY_ARN_PARAMETER)

        # No inbound rule here; a notebook's route admits only the notebook gateway's group.
        self.security_group = security_group = ec2.CfnSecurityGroup(
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

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            path=contract.PRODUCT_ROLE_PATH,
            permissions_boundary=iam.ManagedPolicy.from_managed_policy_name(
                self, "Boundary", contract.PRODUCT_ROLE_BOUNDARY_NAME
            ),
            description="Research workstation: Session Manager, CloudWatch agent",
        )
        self._grant_agents()
        self.windows = props.windows
        self.setup_variables = dict(props.setup_variables)
        self.credential = (
            OwnerCredential(
                self,
                "SignIn",
                purpose="sign-in",
                username=props.sign_in_username,
                context=props.context,
                reader=self.role,
            )
            if props.sign_in_username
            else None
        )
        self.bucket_mounts = (
            BucketMounts(
                self,
                "BucketMounts",
                read_only=props.buckets.read_only,
                read_write=props.buckets.read_write,
                context=props.context,
                role=self.role,
            )
            if props.buckets
            else None
        )

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

        self.data_volume = ec2.CfnVolume(
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
        self.data_volume.cfn_options.deletion_policy = CfnDeletionPolicy.SNAPSHOT
        self.data_volume.cfn_options.update_replace_policy = CfnDeletionPolicy.SNAPSHOT
        acknowledge(
            self.data_volume,
            ["HIPAA.Security-EC2EBSInBackupPlan", "NIST.800.53.R5-EC2EBSInBackupPlan"],
            "The data volume is snapshotted whenever it would be lost (termination, "
            "replacement); scheduled backups are a stage-wide AWS Backup decision that cannot "
            "live in a product template launched many times.",
        )
        wait_handle = CfnWaitConditionHandle(self, "SetupHandle")
        self.instance = ec2.CfnInstance(
            self,
            "Instance",
            image_id=props.image_id,
            instance_type=props.instance_type,
            subnet_id=props.context.subnet_id,
            security_group_ids=[security_group.attr_group_id],
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
            user_data=Fn.base64(self._user_data(props.setup_script, wait_handle.ref)),
            tags=[{"key": contract.PATCH_GROUP_TAG, "value": contract.PATCH_GROUP}],
        )

        if self.bucket_mounts:
            self.instance.add_resource_dependency(self.bucket_mounts.policy)

        self.data_volume_attachment = CustomResource(
            self,
            "DataVolumeAttachment",
            service_token=product_context_service_token(),
            resource_type="Custom::DataVolumeAttachment",
            properties={
                "VolumeId": self.data_volume.ref,
                "InstanceId": self.instance.ref,
                "Device": windows_setup.DATA_DEVICE if props.windows else DATA_DEVICE,
            },
        )

        setup = CfnWaitCondition(
            self,
            "SetupComplete",
            handle=wait_handle.ref,
            timeout=str(
                windows_setup.SETUP_TIMEOUT_SECONDS if props.windows else SETUP_TIMEOUT_SECONDS
            ),
            count=1,
        )
        setup.add_resource_dependency(self.instance)

        ssm.CfnAssociation(
            self,
            "CloudWatchAgent",
            name=contract.CLOUDWATCH_AGENT_DOCUMENT_NAME,
            targets=[
                ssm.CfnAssociation.TargetProperty(key="InstanceIds", values=[self.instance.ref])
            ],
        )

        alarm = cloudwatch.CfnAlarm(
            self,
            "IdleStop",
            alarm_description=(
                f"Stops the instance when its average CPU stays below {IDLE_CPU_PERCENT}% "
                "for the number of hours the owner chose"
            ),
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions=[
                cloudwatch.CfnAlarm.DimensionProperty(name="InstanceId", value=self.instance.ref)
            ],
            statistic="Average",
            period=3600,
            evaluation_periods=props.idle_stop_hours,
            datapoints_to_alarm=props.idle_stop_hours,
            threshold=IDLE_CPU_PERCENT,
            comparison_operator="LessThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[Fn.sub("arn:${AWS::Partition}:automate:${AWS::Region}:ec2:stop")],
        )
        alarm.cfn_options.condition = props.idle_stop_enabled

        acknowledge(
            self.instance,
            ["HIPAA.Security-EC2EBSOptimizedInstance", "NIST.800.53.R5-EC2EBSOptimizedInstance"],
            "EbsOptimized is true; the rule cannot evaluate an instance type chosen at launch.",
        )
        acknowledge(
            self.instance,
            ["AwsSolutions-EC29", "HIPAA.Security-EC2InstanceTerminationProtection"],
            "A researcher's workstation is meant to be terminated from Service Catalog; "
            "termination protection would make Terminate fail.",
        )

    def _grant_agents(self) -> None:
        statements = [
            iam.PolicyStatement(
                sid="SessionManagerAndStateManager",
                actions=[
                    "ssm:UpdateInstanceInformation",
                    "ssm:ListAssociations",
                    "ssm:ListInstanceAssociations",
                    "ssm:DescribeAssociation",
                    "ssm:GetDocument",
                    "ssm:DescribeDocument",
                    "ssm:PutConfigurePackageResult",
                    "ssm:PutComplianceItems",
                    "ssm:PutInventory",
                    "ssm:UpdateAssociationStatus",
                    "ssm:UpdateInstanceAssociationStatus",
                    "ssm:GetManifest",
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                    "ec2messages:AcknowledgeMessage",
                    "ec2messages:DeleteMessage",
                    "ec2messages:FailMessage",
                    "ec2messages:GetEndpoint",
                    "ec2messages:GetMessages",
                    "ec2messages:SendReply",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="ShipLogsToOwnGroup",
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[self.log_group.log_group_arn, f"{self.log_group.log_group_arn}:*"],
            ),
            iam.PolicyStatement(
                sid="AgentMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": "CWAgent"}},
            ),
            iam.PolicyStatement(
                sid="AgentDimensions",
                actions=["ec2:DescribeTags", "ec2:DescribeVolumes", "ec2:DescribeInstances"],
                resources=["*"],
            ),
        ]
        for statement in statements:
            self.role.add_to_policy(statement)
        acknowledge_wildcard_resources(
            self.role,
            statements,
            "The Session Manager and State Manager agent APIs, cloudwatch:PutMetricData (limited "
            "by namespace) and the EC2 Describe calls support no resource scoping; log streams "
            "are those of the product's own log group.",
        )
        acknowledge(
            self.role,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "The instance policy is created and deleted with its role inside one provisioned "
            "product and shared with nothing; an inline policy keeps that lifecycle and spares "
            "the launch role the right to create managed policies.",
        )

    def _user_data(self, setup_script: str, wait_handle_url: str) -> str:
        variables = {
            "WaitHandle": wait_handle_url,
            "LogGroupName": self.log_group.log_group_name,
            "DataVolumeId": self.data_volume.ref,
            **(self.bucket_mounts.sub_variables if self.bucket_mounts else {}),
            **({"CredentialSecretArn": self.credential.secret.ref} if self.credential else {}),
            **self.setup_variables,
        }
        if self.windows:
            script = windows_setup.user_data(
                setup_script=setup_script,
                extra=[BUCKETS_WINDOWS_SETUP] if self.bucket_mounts else [],
            )
            return Fn.sub(script, variables)
        agent_config = {
            "agent": {"metrics_collection_interval": 60, "run_as_user": "root"},
            "logs": {
                "logs_collected": {
                    "files": {
                        "collect_list": [
                            {
                                "file_path": path,
                                "log_group_name": "${LogGroupName}",
                                "log_stream_name": "{instance_id}/" + stream,
                            }
                            for path, stream in (
                                ("/var/log/cloud-init-output.log", "cloud-init-output"),
                                ("/var/log/cloud-init.log", "cloud-init"),
                                (SETUP_LOG, "research-catalog-setup"),
                                ("/var/log/messages", "messages"),
                                ("/var/log/syslog", "syslog"),
                            )
                        ]
                    }
                }
            },
            "metrics": {
                "namespace": "CWAgent",
                "append_dimensions": {"InstanceId": "${!aws:InstanceId}"},
                "metrics_collected": {
                    "mem": {"measurement": ["mem_used_percent"]},
                    "disk": {"measurement": ["used_percent"], "resources": ["/"]},
                },
            },
        }
        script = "\n".join(
            [
                "#!/bin/bash",
                "set -euo pipefail",
                f"exec >> {SETUP_LOG} 2>&1",
                "signal() {",
                "  curl -fsS -X PUT -H 'Content-Type:' --data-binary "
                '"{\\"Status\\":\\"$1\\",\\"Reason\\":\\"$2\\",'
                '\\"UniqueId\\":\\"setup\\",\\"Data\\":\\"$2\\"}" '
                "'${WaitHandle}'",
                "}",
                "trap 'signal FAILURE \"setup failed at line $LINENO; see the "
                "research-catalog-setup log stream\"' ERR",
                "mkdir -p /opt/research-catalog",
                f"cat > {contract.LINUX_CLOUDWATCH_AGENT_CONFIG_PATH} <<'JSON'",
                json.dumps(agent_config, indent=1),
                "JSON",
                LINUX_DATA_VOLUME.strip(),
                setup_script.strip(),
                *([BUCKETS_LINUX_SETUP.strip()] if self.bucket_mounts else []),
                "signal SUCCESS 'workstation ready'",
                "",
            ]
        )
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
