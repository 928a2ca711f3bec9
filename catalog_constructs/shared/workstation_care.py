"""Stage-wide care of workstation products: weekly patching and data-disk snapshots (issue 19).

Product templates are launched many times and cannot hold a schedule; they carry tags instead
(``PatchGroup``: the owner's patch window; ``research-catalog:product``: the workstation kind),
and this construct, in the Shared stack and each spoke, acts on every instance so tagged.
"""

from aws_cdk import Stack, aws_dlm as dlm, aws_iam as iam, aws_kms as kms, aws_ssm as ssm
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge
from config.sections.workstations import BackupsConfig, PatchingConfig

# The products whose instances carry a data disk (the disk outside the root volume).
WORKSTATION_PRODUCTS = ("linux-docker", "notebook", "windows")
PATCH_DOCUMENT = "AWS-RunPatchBaseline"
# Each window: three hours to start the run on every instance, none started in the last hour.
WINDOW_HOURS = 3
WINDOW_CUTOFF_HOURS = 1
SCAN_SCHEDULE = "rate(1 day)"


class WorkstationPatching(Construct):
    """Patch baselines for the catalog's three operating systems, registered with every patch
    group; one maintenance window per patch window of the launch form, installing approved
    updates on the instances of its group; and a daily scan of all of them, so compliance is
    current in Patch Manager even between windows.

    The maintenance windows run with Systems Manager's service-linked role (no role here). A
    window reaches only running instances: a stopped workstation is patched at the first window
    it is running in, and reported as not scanned meanwhile."""

    def __init__(self, scope: Construct, construct_id: str, *, patching: PatchingConfig) -> None:
        super().__init__(scope, construct_id)
        groups = [contract.patch_group(window) for window in contract.PATCH_WINDOWS]
        days = patching.approve_after_days
        self.baselines = [
            ssm.CfnPatchBaseline(
                self,
                "AmazonLinux2023",
                name="research-catalog-amazon-linux-2023",
                description="Research workstations on Amazon Linux 2023: security and bug fixes",
                operating_system="AMAZON_LINUX_2023",
                patch_groups=groups,
                approval_rules=_rules(
                    [("CLASSIFICATION", ["Security", "Bugfix"]), ("SEVERITY", ["*"])], days
                ),
            ),
            # Ubuntu publishes no release dates Patch Manager could delay by: approved on release.
            ssm.CfnPatchBaseline(
                self,
                "Ubuntu",
                name="research-catalog-ubuntu",
                description="Research workstations on Ubuntu: updates of every priority",
                operating_system="UBUNTU",
                patch_groups=groups,
                approval_rules=_rules(
                    [
                        ("PRODUCT", ["*"]),
                        ("SECTION", ["*"]),
                        ("PRIORITY", ["Required", "Important", "Standard", "Optional", "Extra"]),
                    ],
                    None,
                ),
            ),
            ssm.CfnPatchBaseline(
                self,
                "Windows",
                name="research-catalog-windows",
                description="Research workstations on Windows: critical and security updates",
                operating_system="WINDOWS",
                patch_groups=groups,
                approval_rules=_rules(
                    [
                        ("CLASSIFICATION", ["CriticalUpdates", "SecurityUpdates"]),
                        ("MSRC_SEVERITY", ["*"]),
                    ],
                    days,
                ),
            ),
        ]
        self.windows: dict[str, ssm.CfnMaintenanceWindow] = {}
        for window, schedule in contract.PATCH_WINDOWS.items():
            self.windows[window] = self._add_window(
                window, schedule, contract.patch_group(window), patching
            )
        self.scan = ssm.CfnAssociation(
            self,
            "DailyScan",
            association_name="research-catalog-workstation-patch-scan",
            name=PATCH_DOCUMENT,
            parameters={"Operation": ["Scan"]},
            schedule_expression=SCAN_SCHEDULE,
            compliance_severity="HIGH",
            targets=[
                ssm.CfnAssociation.TargetProperty(
                    key=f"tag:{contract.PATCH_GROUP_TAG}", values=groups
                )
            ],
        )

    def _add_window(
        self, window: str, schedule: str, group: str, patching: PatchingConfig
    ) -> ssm.CfnMaintenanceWindow:
        resource = ssm.CfnMaintenanceWindow(
            self,
            window.replace("-", ""),
            name=f"research-catalog-patch-{window.lower()}",
            description=(
                f"Installs approved updates on research workstations of patch group {group}"
            ),
            schedule=schedule,
            schedule_timezone=patching.timezone,
            duration=WINDOW_HOURS,
            cutoff=WINDOW_CUTOFF_HOURS,
            allow_unassociated_targets=False,
        )
        target = ssm.CfnMaintenanceWindowTarget(
            self,
            f"{window.replace('-', '')}Target",
            window_id=resource.ref,
            resource_type="INSTANCE",
            targets=[
                ssm.CfnMaintenanceWindowTarget.TargetsProperty(
                    key=f"tag:{contract.PATCH_GROUP_TAG}", values=[group]
                )
            ],
        )
        ssm.CfnMaintenanceWindowTask(
            self,
            f"{window.replace('-', '')}Install",
            window_id=resource.ref,
            task_type="RUN_COMMAND",
            task_arn=PATCH_DOCUMENT,
            priority=1,
            # A quarter at a time; an instance that fails does not stop the others.
            max_concurrency="25%",
            max_errors="100%",
            targets=[
                ssm.CfnMaintenanceWindowTask.TargetProperty(
                    key="WindowTargetIds", values=[target.ref]
                )
            ],
            task_invocation_parameters=ssm.CfnMaintenanceWindowTask.TaskInvocationParametersProperty(
                maintenance_window_run_command_parameters=ssm.CfnMaintenanceWindowTask.MaintenanceWindowRunCommandParametersProperty(
                    comment=f"research-catalog patch window {window}",
                    parameters={"Operation": ["Install"], "RebootOption": [patching.reboot]},
                    timeout_seconds=600,
                )
            ),
        )
        return resource


def _rules(
    filters: list[tuple[str, list[str]]], approve_after_days: int | None
) -> ssm.CfnPatchBaseline.RuleGroupProperty:
    return ssm.CfnPatchBaseline.RuleGroupProperty(
        patch_rules=[
            ssm.CfnPatchBaseline.RuleProperty(
                approve_after_days=approve_after_days,
                compliance_level="HIGH",
                patch_filter_group=ssm.CfnPatchBaseline.PatchFilterGroupProperty(
                    patch_filters=[
                        ssm.CfnPatchBaseline.PatchFilterProperty(key=key, values=values)
                        for key, values in filters
                    ]
                ),
            )
        ]
    )


class DataVolumeBackups(Construct):
    """A Data Lifecycle Manager policy that snapshots the data disk of every workstation, every
    version included: it selects instances by the ``research-catalog:product`` tag (which only
    templates set; researchers cannot change it) and snapshots their volumes other than the
    boot volume, copying the volumes' owner tags onto the snapshots. Snapshots are encrypted
    with the EBS key like their volumes; the policy's role may use that key only through EC2."""

    def __init__(
        self, scope: Construct, construct_id: str, *, backups: BackupsConfig, ebs_key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "dlm.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="Data Lifecycle Manager: snapshots of research workstation data disks",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSDataLifecycleManagerServiceRole"
                )
            ],
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="SnapshotEncryptedVolumes",
                actions=[
                    "kms:CreateGrant",
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                ],
                resources=[ebs_key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"ec2.{stack.region}.amazonaws.com"}
                },
            )
        )
        acknowledge(
            self.role,
            [
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSDataLifecycleManagerServiceRole]"
            ],
            "The AWS-maintained policy Data Lifecycle Manager documents for snapshot policies; "
            "AWS keeps it in step with the service.",
        )
        acknowledge(
            self.role,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "The key grant belongs to this role alone and lives and dies with it.",
        )
        hour, minute = backups.at.split(":")
        self.policy = dlm.CfnLifecyclePolicy(
            self,
            "Policy",
            description="research-catalog workstation data disks",
            execution_role_arn=self.role.role_arn,
            state="ENABLED" if backups.enabled else "DISABLED",
            policy_details=dlm.CfnLifecyclePolicy.PolicyDetailsProperty(
                policy_type="EBS_SNAPSHOT_MANAGEMENT",
                resource_types=["INSTANCE"],
                target_tags=[
                    {"key": contract.PRODUCT_TAG, "value": product}
                    for product in WORKSTATION_PRODUCTS
                ],
                parameters=dlm.CfnLifecyclePolicy.ParametersProperty(exclude_boot_volume=True),
                schedules=[
                    dlm.CfnLifecyclePolicy.ScheduleProperty(
                        name=f"Every {backups.every_hours} hours keep {backups.keep}",
                        create_rule=dlm.CfnLifecyclePolicy.CreateRuleProperty(
                            interval=backups.every_hours,
                            interval_unit="HOURS",
                            times=[f"{hour}:{minute}"],
                        ),
                        retain_rule=dlm.CfnLifecyclePolicy.RetainRuleProperty(count=backups.keep),
                        copy_tags=True,
                        tags_to_add=[{"key": "research-catalog:backup", "value": "scheduled"}],
                    )
                ],
            ),
        )
