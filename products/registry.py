"""Every product the catalog defines and its released versions, without importing CDK.

Config validation reads this to reject unknown products and versions before any construct
is built. Each product module builds its ProductStack history from the same entries.
"""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ProductVersion:
    name: str
    description: str


@dataclass(frozen=True, kw_only=True)
class ProductDefinition:
    key: str
    family: str
    versions: tuple[ProductVersion, ...]

    @property
    def version_names(self) -> tuple[str, ...]:
        return tuple(version.name for version in self.versions)


JOBS_PRODUCT_KEY = "scheduled-job"

PRODUCTS: dict[str, ProductDefinition] = {
    "linux-docker": ProductDefinition(
        key="linux-docker",
        family="ec2",
        versions=(
            ProductVersion(
                name="v1",
                description=(
                    "First release: Amazon Linux 2023 or Ubuntu LTS with Docker and the compose "
                    "plugin, private subnet, SSM-only owner access, IMDSv2, encrypted disk, "
                    "idle auto-stop."
                ),
            ),
            ProductVersion(
                name="v2",
                description=(
                    "Launches from the catalog's own Amazon Linux 2023 image (Docker, compose, "
                    "Mountpoint for S3 and the agents preinstalled, patched weekly) where its "
                    "pipeline has published one, else from AWS's public image; adds Image "
                    "generation to move to the newest image on purpose. Updating from v1 "
                    "replaces the instance and its disk."
                ),
            ),
            ProductVersion(
                name="v3",
                description=(
                    "Adds a separate encrypted data disk at /data that survives updates which "
                    "replace the instance (it moves to the new instance) and is snapshotted on "
                    "terminate. Updating from v1 or v2 replaces the instance: copy data off the "
                    "old disk first."
                ),
            ),
            ProductVersion(
                name="v4",
                description=(
                    "Adds bucket mounts: S3 buckets of your own or shared with your community, "
                    "listed at launch, appear read-only or read-write under /data/buckets/<name> "
                    "(Mountpoint for Amazon S3); the instance role reaches only those buckets. "
                    "Updating from v3 keeps the instance and /data."
                ),
            ),
        ),
    ),
    JOBS_PRODUCT_KEY: ProductDefinition(
        key=JOBS_PRODUCT_KEY,
        family="jobs",
        versions=(
            ProductVersion(
                name="v1",
                description=(
                    "First release: a container on AWS Batch Fargate on a schedule (rate or "
                    "cron, time zone, on/off) or through an IAM-authenticated API; command as a "
                    "JSON array, validated environment variables, secrets from Secrets Manager, "
                    "logs, failure alerts by e-mail."
                ),
            ),
        ),
    ),
    "private-bucket": ProductDefinition(
        key="private-bucket",
        family="storage",
        versions=(
            ProductVersion(
                name="v1",
                description=(
                    "First release: owner-only SSE-KMS bucket (owner and owner's workstations), "
                    "TLS only, versioning, Intelligent-Tiering, access logs, optional "
                    "in-region-only downloads; archived on terminate, purged after the archive "
                    "period."
                ),
            ),
        ),
    ),
    "synapse-bucket": ProductDefinition(
        key="synapse-bucket",
        family="storage",
        versions=(
            ProductVersion(
                name="v1",
                description=(
                    "First release: the private bucket plus owner.txt with the owners' Synapse "
                    "IDs, access for the Synapse service account, CORS for Synapse's web "
                    "origins and registration steps."
                ),
            ),
        ),
    ),
    "studio-team": ProductDefinition(
        key="studio-team",
        family="studio",
        versions=(
            ProductVersion(
                name="v1",
                description=(
                    "First release: VPC-only SageMaker Studio domain (IAM auth, team KMS key), "
                    "a user profile per member, scratch bucket, read-only training data, "
                    "allowed instance types, idle shutdown; apps, spaces and profiles deleted "
                    "on terminate, home file system and scratch bucket kept."
                ),
            ),
        ),
    ),
    "windows": ProductDefinition(
        key="windows",
        family="ec2",
        versions=(
            ProductVersion(
                name="v1",
                description=(
                    "First release: Windows Server 2022 in a private subnet, reached through "
                    "Fleet Manager Remote Desktop or RDP port forwarding, a generated password "
                    "only the owner can read, D: data disk that survives instance replacement, "
                    "bucket synchronisation, idle auto-stop."
                ),
            ),
        ),
    ),
    "notebook": ProductDefinition(
        key="notebook",
        family="ec2",
        versions=(
            ProductVersion(
                name="v1",
                description=(
                    "First release: RStudio Server or JupyterLab (pinned, from the catalog's "
                    "notebook image) behind the notebook gateway's OIDC sign-in and an owner "
                    "check on the instance, with their own password on; port forwarding as "
                    "the fallback; /data that survives instance replacement; bucket mounts; "
                    "idle auto-stop."
                ),
            ),
        ),
    ),
}
