"""Launch-form fields every bucket product offers."""

from catalog_constructs.product_template.bucket import BUCKET_NAME_CONSTRAINT, BUCKET_NAME_PATTERN
from catalog_constructs.product_template.launch_form import FormParameter

BUCKET_NAME = FormParameter(
    name="BucketName",
    label="Bucket name (optional)",
    description=(
        "A name for the bucket, unique across all of AWS. Leave empty and a unique name is "
        "generated for you (recommended). Changing it later creates a new, empty bucket and "
        "archives the old one."
    ),
    constraint_description=BUCKET_NAME_CONSTRAINT,
    default="",
    allowed_pattern=BUCKET_NAME_PATTERN,
    max_length=63,
)
RESTRICT_DOWNLOADS = FormParameter(
    name="RestrictSameRegionDownload",
    label="Allow downloads only inside this region",
    description=(
        "true: files can be downloaded only from workstations in this region (through the "
        "catalog network's S3 endpoint), not from your own computer or the internet. Uploads "
        "and listing work from anywhere you are signed in."
    ),
    constraint_description="Choose true or false.",
    default="false",
    allowed_values=("false", "true"),
)
