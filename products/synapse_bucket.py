"""S3 Synapse Bucket: an owner-only bucket Synapse can use as a project's storage location."""

from aws_cdk import CfnOutput, Fn, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.product_template.bucket import SYNAPSE, ProductBucket
from catalog_constructs.product_template.context import ProductContext
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from products.private_bucket import (
    ACCESS_USAGE,
    BUCKET_NAME,
    RESTRICT_DOWNLOADS,
    SMOKE_TEST_OUTPUTS,
)
from products.template import ProductTemplate, SmokeTest

PRODUCT_KEY = "synapse-bucket"
DISPLAY_NAME = "S3 Synapse Bucket"
DESCRIPTION = (
    "An encrypted, versioned S3 bucket that a Synapse project uses as its storage location: "
    "files you upload through Synapse are stored in your bucket, shared through Synapse's "
    "permissions. Kept for 30 days after you terminate the product."
)

SYNAPSE_IDS = FormParameter(
    name="SynapseIds",
    label="Synapse user or team IDs",
    description=(
        "The numeric IDs of the Synapse users or teams allowed to register this bucket in "
        "Synapse, separated by commas: your user ID is the number in the address of your Synapse "
        "profile page (Profile:<ID>). They are written to owner.txt in the bucket."
    ),
    constraint_description=(
        "Enter one to 20 numeric Synapse user or team IDs separated by commas, without "
        "spaces, e.g. 3345678,3412345."
    ),
    allowed_pattern=r"^[0-9]{1,15}(,[0-9]{1,15}){0,19}$",
    max_length=400,
)

FORM = (
    FormGroup(label="Synapse", parameters=(SYNAPSE_IDS,)),
    FormGroup(label="Bucket", parameters=(BUCKET_NAME, RESTRICT_DOWNLOADS)),
)

REGISTRATION_STEPS = (
    "In Synapse open your project, then Project Tools > Project Settings > Project Storage "
    "Location > Add Storage Location. Choose 'Amazon S3 Bucket', enter bucket ${Name} (leave "
    "Base Key empty) and save. Synapse checks ${Name}/owner.txt, which already lists your IDs."
)


class SynapseBucketProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description=f"{DISPLAY_NAME}: {DESCRIPTION}")
        form = LaunchForm(self, "Form", groups=FORM)
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=PRODUCT_KEY)
        bucket = ProductBucket(
            self,
            "Storage",
            context=context,
            kind=SYNAPSE,
            bucket_name=form.value(BUCKET_NAME.name),
            restrict_downloads=form.value(RESTRICT_DOWNLOADS.name),
            synapse_ids=form.value(SYNAPSE_IDS.name),
        )
        bucket.add_standard_outputs(documentation_page=f"{PRODUCT_KEY}.md", context=context)
        CfnOutput(
            self,
            "SynapseRegistration",
            key="SynapseRegistration",
            description="How to register the bucket as a Synapse storage location",
            value=Fn.sub(REGISTRATION_STEPS, {"Name": bucket.bucket.ref}),
        )


USAGE = (
    """
## Linking the bucket to Synapse

Follow the `SynapseRegistration` output once the product is `Available`: in your Synapse
project, **Project Settings > Project Storage Location > Add Storage Location > Amazon S3
Bucket**, bucket name from `BucketName`, Base Key empty. Synapse accepts the bucket because
`owner.txt` at its root lists the IDs you entered (`SynapseIds`); change them with **Update**
and the file is rewritten. From then on files uploaded to the project land in your bucket.
Synapse docs: https://help.synapse.org/docs/Custom-Storage-Locations.2048327803.html

What Synapse may do: the Synapse service account (the catalog's configured Synapse AWS
account) may list the bucket and read and write files, nothing else: it cannot delete files
or change the bucket. Browser uploads and downloads are allowed only from Synapse's web
origins (CORS), not from any web site. Who sees the files through Synapse is decided by the
project's sharing settings in Synapse.
"""
    + ACCESS_USAGE
)

TEMPLATE = ProductTemplate(
    key=PRODUCT_KEY,
    construct_id="SynapseBucket",
    display_name=DISPLAY_NAME,
    description=DESCRIPTION,
    stack_class=SynapseBucketProduct,
    form=FORM,
    usage=USAGE,
    smoke_test=SmokeTest(
        parameters={"SynapseIds": "3407239"},
        outputs={**SMOKE_TEST_OUTPUTS, "SynapseRegistration": r"(?s).+"},
    ),
)
