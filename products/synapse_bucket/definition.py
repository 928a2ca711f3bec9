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
    ),
    smoke_test=SmokeTest(
        parameters={"SynapseIds": "3407239"},
        outputs={**SMOKE_TEST_OUTPUTS, "SynapseRegistration": r"(?s).+"},
    ),
)
