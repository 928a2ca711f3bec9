"""Linux Docker EC2: identity, released versions and smoke test. No CDK import."""

from products._workstation.definition import STANDARD_OUTPUT_CHECKS
from products.definition import ProductDefinition, ProductVersion, SmokeTest

DEFINITION = ProductDefinition(
    key="linux-docker",
    family="ec2",
    display_name="Linux Docker EC2",
    description=(
        "A Linux virtual machine with Docker and the compose plugin, for your own containers "
        "and tools. Private network, no public address: you connect from the browser through "
        "Session Manager, and only you can. Stops itself when idle."
    ),
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
                "Mountpoint for S3 and the agents preinstalled, patched weekly) where its pipeline "
                "has published one, else from AWS's public image; adds Image generation to move to "
                "the newest image on purpose. Updating from v1 replaces the instance and its disk."
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
        ProductVersion(
            name="v5",
            description=(
                "Bucket mounts reach only buckets of this account: the check names the account as "
                "the bucket's expected owner and the instance role's grants and Mountpoint require "
                "it, so a bucket of another account (or a deleted bucket's name claimed from "
                "outside) is refused. Updating from v4 keeps the instance and /data."
            ),
        ),
        ProductVersion(
            name="v6",
            description=(
                "The form says what an image update really does (the data disk moves to the new "
                "instance; the old text said to copy your data away) and that at most 10 buckets "
                "can be mounted. "
                "GPU instance types (NVIDIA T4, A10G, L4, L40S, and T4G on Graviton) with the "
                "NVIDIA driver and container toolkit, so docker run --gpus all works at first "
                "login; the form groups types by CPU and GPU with a rough hourly price; idle "
                "stop counts GPU activity. Nothing is installed at boot on the catalog's images "
                "(Ubuntu gets its own); weekly patching in a window you choose (PatchWindow, "
                "the instance may restart) and scheduled snapshots of /data. A workstation the "
                "operators moved to you stays yours through every update. Updating from v5 "
                "keeps the instance, its image and /data."
            ),
        ),
    ),
    smoke_test=SmokeTest(
        parameters={
            "InstanceType": "t4g.small",
            "LinuxDistribution": "AmazonLinux2023",
            "DiskSize": "30",
            "IdleStopHours": "1",
        },
        outputs={
            **STANDARD_OUTPUT_CHECKS,
        },
    ),
)
