"""Windows EC2: identity, released versions and smoke test. No CDK import."""

from products._workstation.definition import STANDARD_OUTPUT_CHECKS
from products.definition import HTTPS_URL, ProductDefinition, ProductVersion, SmokeTest

DEFINITION = ProductDefinition(
    key="windows",
    family="ec2",
    display_name="Windows EC2",
    description=(
        "A Windows Server 2022 desktop for Windows-only tools. Private network, no public "
        "address: you open it in your browser (Fleet Manager Remote Desktop) or forward RDP to "
        "your own computer, signing in with a password generated for you alone. The first "
        "start takes 5 to 15 minutes. Stops itself when idle."
    ),
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
        ProductVersion(
            name="v2",
            description=(
                "Read-write buckets keep your edits: a file you changed is uploaded and never "
                "overwritten by an older bucket copy (changed on both sides, the bucket's copy "
                "is kept beside yours); files you delete in D:\\buckets are deleted in the "
                "bucket, and files deleted in the bucket are deleted here; failures are logged. "
                "Synchronisation no longer needs the catalog's Windows image. Synchronised "
                "buckets reach only buckets of this account (a bucket of another account, or a "
                "deleted bucket's name claimed from outside, is refused). Your sign-in "
                "credential's policy, key and value can be changed only by the catalog. "
                "Updating from v1 keeps the instance and D:."
            ),
        ),
        ProductVersion(
            name="v3",
            description=(
                "The form says that bucket folders are synchronised at every start and every 15 "
                "minutes, and that at most 10 buckets can be listed. "
                "Weekly Windows updates (critical and security) in a patch window you choose "
                "(PatchWindow; Windows may restart) and scheduled snapshots of D:. A desktop "
                "the operators moved to you stays yours through every update. Updating "
                "from v2 keeps the instance, its image and D:."
            ),
        ),
    ),
    smoke_test=SmokeTest(
        parameters={"InstanceType": "t3.medium", "DataVolumeSize": "10", "IdleStopHours": "1"},
        outputs={
            **STANDARD_OUTPUT_CHECKS,
            "SignInCredential": HTTPS_URL,
            "PortForwardingCommand": r"aws ssm start-session --region [a-z0-9-]+ --target "
            r"i-[0-9a-f]{8,17} .*localPortNumber=13389",
        },
    ),
)
