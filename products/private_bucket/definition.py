"""S3 Private Encrypted Bucket: identity, released versions and smoke test. No CDK import."""

from products._storage.definition import SMOKE_TEST_OUTPUTS
from products.definition import ProductDefinition, ProductVersion, SmokeTest

DEFINITION = ProductDefinition(
    key="private-bucket",
    family="storage",
    display_name="S3 Private Encrypted Bucket",
    description=(
        "An encrypted, versioned S3 bucket for your research data that only you and your own "
        "workstations can read or write. Kept for 30 days after you terminate the product."
    ),
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
        ProductVersion(
            name="v2",
            description=(
                "Your workstations, jobs and Studio teams reach the bucket only where you gave it "
                "to them (bucket mounts, Studio training data), no longer all of them; restricted "
                "downloads only through the catalog's own network. Updating from v1 rewrites the "
                "bucket policy and keeps the data."
            ),
        ),
    ),
    # The smoke test's bucket is archived on terminate like any other and purged later.
    smoke_test=SmokeTest(
        parameters={"RestrictSameRegionDownload": "false"},
        outputs=SMOKE_TEST_OUTPUTS,
    ),
)
