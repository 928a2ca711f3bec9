"""S3 Synapse Bucket: identity, released versions and smoke test. No CDK import."""

from products._storage.definition import SMOKE_TEST_OUTPUTS
from products.definition import ProductDefinition, ProductVersion, SmokeTest

DEFINITION = ProductDefinition(
    key="synapse-bucket",
    family="storage",
    display_name="S3 Synapse Bucket",
    description=(
        "An encrypted, versioned S3 bucket that a Synapse project uses as its storage location: "
        "files you upload through Synapse are stored in your bucket, shared through Synapse's "
        "permissions. Kept for 30 days after you terminate the product."
    ),
    versions=(
        ProductVersion(
            name="v1",
            description=(
                "First release: the private bucket plus owner.txt with the owners' Synapse "
                "IDs, access for the Synapse service account, CORS for Synapse's web "
                "origins and registration steps."
            ),
        ),
        ProductVersion(
            name="v2",
            description=(
                "Your workstations, jobs and Studio teams reach the bucket only where you gave it "
                "to them (bucket mounts), no longer all of them; restricted downloads only through "
                "the catalog's own network, owner.txt excepted, which only the catalog may write. "
                "Updating from v1 rewrites the bucket policy and keeps the data."
            ),
        ),
    ),
    smoke_test=SmokeTest(
        parameters={"SynapseIds": "3407239"},
        outputs={**SMOKE_TEST_OUTPUTS, "SynapseRegistration": r"(?s).+"},
    ),
)
