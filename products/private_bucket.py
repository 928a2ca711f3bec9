"""S3 Private Encrypted Bucket: a bucket only its owner (and the owner's workstations) can use."""

from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.product_template.bucket import (
    BUCKET_NAME_CONSTRAINT,
    BUCKET_NAME_PATTERN,
    NONCURRENT_VERSION_DAYS,
    PRIVATE,
    ProductBucket,
)
from catalog_constructs.product_template.context import ProductContext
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from products.template import HTTPS_URL, ProductTemplate, SmokeTest

PRODUCT_KEY = "private-bucket"
DISPLAY_NAME = "S3 Private Encrypted Bucket"
DESCRIPTION = (
    "An encrypted, versioned S3 bucket for your research data that only you and your own "
    "workstations can read or write. Kept for 30 days after you terminate the product."
)

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

FORM = (FormGroup(label="Bucket", parameters=(BUCKET_NAME, RESTRICT_DOWNLOADS)),)


class PrivateBucketProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description=f"{DISPLAY_NAME}: {DESCRIPTION}")
        form = LaunchForm(self, "Form", groups=FORM)
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=PRODUCT_KEY)
        bucket = ProductBucket(
            self,
            "Storage",
            context=context,
            kind=PRIVATE,
            bucket_name=form.value(BUCKET_NAME.name),
            restrict_downloads=form.value(RESTRICT_DOWNLOADS.name),
        )
        bucket.add_standard_outputs(documentation_page=f"{PRODUCT_KEY}.md", context=context)


ACCESS_USAGE = f"""
## Who can use the bucket

Only you: the bucket policy admits your own identity (the role and session you launched the
product with, `aws:userid`) and the instance roles of **your own** catalog workstations
(tagged with your identity when you launch them), and denies everyone else, other
researchers and their workstations included. Files are encrypted with the catalog's S3 key
and reachable only over TLS. Catalog administrators keep a break-glass path for incidents
(see the operator guide).

Open the bucket in the console with the `BucketUrl` output (the console's list of all
buckets stays empty: the catalog does not let you list other people's buckets), or use the
AWS CLI with your catalog credentials:

```bash
aws s3 cp results.csv s3://<BucketName>/project/
aws s3 ls s3://<BucketName>/project/
aws s3 sync s3://<BucketName>/project/ ./project/    # from a workstation
```

## Versions and costs

Versioning is on: an overwritten or deleted file can be recovered from its previous version
for {NONCURRENT_VERSION_DAYS} days, after which old versions expire. You cannot delete a
version permanently yourself. Files move to S3 Intelligent-Tiering, which lowers the price of
files you do not read; uploads left unfinished are removed after 7 days.

## Downloads only inside this region

With `RestrictSameRegionDownload` set to `true`, downloading files works only from
workstations in the catalog's network (their requests reach S3 through its VPC endpoint,
which serves only this region); downloads from your own computer, the console or the
internet are refused. Change it with **Update** on the provisioned product.

## When you terminate the product

The bucket is **not deleted**. It is archived: nobody can use it any more and it is tagged
with the archive date. After the archive period (30 days unless your catalog says
otherwise) it is deleted with every file and version in it. You get an email a week before
the deletion and after it. To get the bucket back before then, ask the catalog operators to
restore it: your access comes back as it was.
"""

# What the smoke test expects of every bucket product's outputs (delivery/smoke.py).
SMOKE_TEST_OUTPUTS = {
    "BucketName": r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    "BucketARN": r"arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    "BucketUrl": HTTPS_URL,
    "Documentation": HTTPS_URL,
}

TEMPLATE = ProductTemplate(
    key=PRODUCT_KEY,
    construct_id="PrivateBucket",
    display_name=DISPLAY_NAME,
    description=DESCRIPTION,
    stack_class=PrivateBucketProduct,
    form=FORM,
    usage=ACCESS_USAGE,
    # The smoke test's bucket is archived on terminate like any other and purged later.
    smoke_test=SmokeTest(
        parameters={"RestrictSameRegionDownload": "false"},
        outputs=SMOKE_TEST_OUTPUTS,
    ),
)
