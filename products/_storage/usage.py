"""Usage text every bucket product's page ends with: who can use the bucket, versions and
costs, downloads, termination (bucket_access.md)."""

from pathlib import Path

from catalog_constructs.product_template.bucket import NONCURRENT_VERSION_DAYS
from catalog_constructs.product_template.rendering import render_file

BUCKET_ACCESS = render_file(
    Path(__file__).with_name("bucket_access.md"),
    NONCURRENT_VERSION_DAYS=str(NONCURRENT_VERSION_DAYS),
)
