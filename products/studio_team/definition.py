"""SageMaker Studio Team: identity, released versions and smoke test. No CDK import."""

from products.definition import HTTPS_URL, ProductDefinition, ProductVersion, SmokeTest

DEFINITION = ProductDefinition(
    key="studio-team",
    family="studio",
    display_name="SageMaker Studio Team",
    description=(
        "A SageMaker Studio domain for your team in the catalog's private network: one user "
        "profile per member, a shared scratch bucket, read-only training data, allowed "
        "instance types only and idle apps shut down automatically."
    ),
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
        ProductVersion(
            name="v2",
            description=(
                "Training data only from your own catalog buckets or buckets shared with your "
                "community, in this account (the same check as workstation bucket mounts), "
                "decrypted only with that bucket's own key. The scratch bucket gets the current "
                "bucket policy. Updating from v1 keeps the domain, profiles and data; an update is "
                "refused while the training-data bucket is neither yours nor shared with your "
                "community."
            ),
        ),
    ),
    # One member, no training data, the cheapest instance type: the domain costs nothing
    # while no space runs.
    smoke_test=SmokeTest(
        parameters={
            "TeamName": "smoke-test",
            "Members": "smoke-test",
            "AllowedInstanceTypes": "ml.t3.medium",
        },
        outputs={
            "DomainId": r"d-[a-z0-9]{12}",
            "StudioConsoleURI": HTTPS_URL,
            "ScratchBucket": r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
            "TrainingDataBucket": "none",
            "UserProfiles": "smoke-test",
            "Documentation": HTTPS_URL,
        },
    ),
)
