"""S3 buckets a workstation's owner mounts as directories: checked, granted, mounted.

The owner lists bucket names in two launch parameters (read-only, read-write). A custom
resource on the shared product-context function refuses any bucket that is neither the owner's
nor shared with their community (``Custom::BucketMounts``, see
:mod:`catalog_constructs.shared.product_context`); only then does the instance
role get a policy naming exactly those buckets. On Linux, Mountpoint for Amazon S3 mounts each
under ``/data/buckets/<name>``; on Windows, the product's sync script (``Sync-Buckets.ps1``)
copies each to ``D:\\buckets\\<name>`` (and back, for read-write buckets).

The lists travel in the instance's user data, which the instance re-reads at every boot: a
changed list changes the user data, which makes CloudFormation stop and start the instance, so
an update reaches the mounts without replacing the instance or its data volume.
"""

from pathlib import Path

import yaml
from aws_cdk import Aws, CfnCondition, CustomResource, Fn, aws_iam as iam
from constructs import Construct

from amis.images import COMPONENT_DIRECTORY
from catalog_constructs.common.nag import acknowledge
from catalog_constructs.contract import WINDOWS_DATA_ROOT
from catalog_constructs.product_template.context import (
    ProductContext,
    product_context_service_token,
)
from catalog_constructs.product_template.rendering import render_file

SCRIPTS = Path(__file__).with_name("scripts")
LINUX_MOUNT_ROOT = "/data/buckets"
WINDOWS_SYNC_ROOT = "D:\\buckets"


def _mountpoint_parameter(name: str) -> str:
    """A default of the component the catalog's images install Mountpoint with (its release,
    its signing keys), used where an image lacks Mountpoint."""
    component = COMPONENT_DIRECTORY / "mountpoint-s3.yaml"
    document = yaml.safe_load(component.read_text(encoding="utf-8"))
    for parameter in document["parameters"]:
        if name in parameter:
            return str(parameter[name]["default"])
    raise ValueError(f"{component}: no {name} parameter")


MOUNTPOINT_VERSION = _mountpoint_parameter("MountpointVersion")
MOUNTPOINT_SIGNING_KEYS = _mountpoint_parameter("SigningKeys")

# User-data parts (scripts/linux_bucket_mounts.sh, scripts/windows_bucket_sync.ps1). Each
# installs a script that reads the lists from the user data again at every boot (Linux) or
# every run of its scheduled task (Windows).
LINUX_SETUP = render_file(
    SCRIPTS / "linux_bucket_mounts.sh",
    LINUX_MOUNT_ROOT=LINUX_MOUNT_ROOT,
    MOUNT_SCRIPT=render_file(
        SCRIPTS / "mount_buckets.sh",
        LINUX_MOUNT_ROOT=LINUX_MOUNT_ROOT,
        MOUNTPOINT_VERSION=MOUNTPOINT_VERSION,
        MOUNTPOINT_SIGNING_KEYS=MOUNTPOINT_SIGNING_KEYS,
    ),
)
# Windows: the product installs its own synchronisation (scripts/Sync-Buckets.ps1); the record of
# what was synchronised lives on D: with the files.
WINDOWS_SYNC_SCRIPT = f"{WINDOWS_DATA_ROOT}\\Sync-Buckets.ps1"
WINDOWS_SYNC_STATE = f"{WINDOWS_SYNC_ROOT}\\.sync-state"
WINDOWS_SYNC = render_file(
    SCRIPTS / "Sync-Buckets.ps1", SYNC_ROOT=WINDOWS_SYNC_ROOT, STATE_ROOT=WINDOWS_SYNC_STATE
)
WINDOWS_SETUP = render_file(
    SCRIPTS / "windows_bucket_sync.ps1",
    SYNC_SCRIPT=WINDOWS_SYNC_SCRIPT,
    # Without its indentation, which PowerShell does not need: user data holds at most 16 KB.
    SYNC_BUCKETS="\n".join(line.lstrip() for line in WINDOWS_SYNC.splitlines()),
)


class BucketMounts(Construct):
    """The check and the instance-role policy for the buckets named in the launch form.

    The policy exists only after the check accepted every bucket (it reads the check's
    results); the instance depends on ``policy``, so it boots with its grants in place.
    ``sub_variables`` feed the workstation's user data (``LINUX_SETUP`` or ``WINDOWS_SETUP``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        read_only: list[str],
        read_write: list[str],
        context: ProductContext,
        role: iam.IRole,
    ) -> None:
        super().__init__(scope, construct_id)
        has_read_only = CfnCondition(
            self,
            "HasReadOnly",
            expression=Fn.condition_not(Fn.condition_equals(Fn.join("", read_only), "")),
        )
        has_read_write = CfnCondition(
            self,
            "HasReadWrite",
            expression=Fn.condition_not(Fn.condition_equals(Fn.join("", read_write), "")),
        )
        check = CustomResource(
            self,
            "Check",
            service_token=product_context_service_token(),
            resource_type="Custom::BucketMounts",
            properties={
                "ReadOnlyBuckets": read_only,
                "ReadWriteBuckets": read_write,
                "OwnerAwsUserId": context.owner_aws_user_id,
                "Community": context.community,
            },
        )

        no = Fn.ref("AWS::NoValue")
        # Only buckets of this account: a checked name that later belongs to another account
        # (a purged bucket claimed from outside) is not reachable with these grants.
        in_this_account = {"StringEquals": {"s3:ResourceAccount": Aws.ACCOUNT_ID}}

        def arns(attribute: str) -> list[str]:
            return Fn.split(",", check.get_att_string(attribute))

        read_statements = [
            iam.PolicyStatement(
                sid="ListMountedBuckets",
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=arns("ReadOnlyBucketArns"),
                conditions=in_this_account,
            ),
            iam.PolicyStatement(
                sid="ReadMountedBuckets",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=arns("ReadOnlyObjectArns"),
                conditions=in_this_account,
            ),
        ]
        write_statements = [
            iam.PolicyStatement(
                sid="ListWritableBuckets",
                actions=["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
                resources=arns("ReadWriteBucketArns"),
                conditions=in_this_account,
            ),
            iam.PolicyStatement(
                sid="ReadWriteWritableBuckets",
                actions=[
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                ],
                resources=arns("ReadWriteObjectArns"),
                conditions=in_this_account,
            ),
        ]
        # Always present, so the instance can depend on it: with no bucket listed, only the
        # Deny remains.
        keep_buckets_intact = iam.PolicyStatement(
            sid="NeverReconfigureBuckets",
            effect=iam.Effect.DENY,
            actions=["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
            resources=[Fn.sub("arn:${AWS::Partition}:s3:::*")],
        )
        self.policy = iam.CfnPolicy(
            self,
            "Access",
            policy_name="mounted-buckets",
            roles=[role.role_name],
            policy_document={
                "Version": "2012-10-17",
                "Statement": [
                    keep_buckets_intact.to_statement_json(),
                    *(
                        Fn.condition_if(condition.logical_id, statement.to_statement_json(), no)
                        for condition, statements in (
                            (has_read_only, read_statements),
                            (has_read_write, write_statements),
                        )
                        for statement in statements
                    ),
                ],
            },
        )
        acknowledge(
            self.policy,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "The bucket grants live and die with the instance role of one provisioned product.",
        )
        self.sub_variables = {
            "ReadOnlyBuckets": Fn.join(",", read_only),
            "ReadWriteBuckets": Fn.join(",", read_write),
        }
