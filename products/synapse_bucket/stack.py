"""S3 Synapse Bucket: the product template and its docs page's usage text."""

from pathlib import Path

from aws_cdk import CfnOutput, Fn, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.product_template.bucket import SYNAPSE, ProductBucket
from catalog_constructs.product_template.context import ProductContext
from catalog_constructs.product_template.launch_form import LaunchForm
from catalog_constructs.product_template.rendering import render_file
from products._storage.form import BUCKET_NAME, RESTRICT_DOWNLOADS
from products._storage.usage import BUCKET_ACCESS
from products.synapse_bucket.definition import DEFINITION
from products.synapse_bucket.form import FORM, SYNAPSE_IDS
from products.template import ProductTemplate

REGISTRATION_STEPS = (
    "In Synapse open your project, then Project Tools > Project Settings > Project Storage "
    "Location > Add Storage Location. Choose 'Amazon S3 Bucket', enter bucket ${Name} (leave "
    "Base Key empty) and save. Synapse checks ${Name}/owner.txt, which already lists your IDs."
)


class SynapseBucketProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope, construct_id, description=f"{DEFINITION.display_name}: {DEFINITION.description}"
        )
        form = LaunchForm(self, "Form", groups=FORM)
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=DEFINITION.key)
        bucket = ProductBucket(
            self,
            "Storage",
            context=context,
            kind=SYNAPSE,
            bucket_name=form.value(BUCKET_NAME.name),
            restrict_downloads=form.value(RESTRICT_DOWNLOADS.name),
            synapse_ids=form.value(SYNAPSE_IDS.name),
        )
        bucket.add_standard_outputs(documentation_page=f"{DEFINITION.key}.md", context=context)
        CfnOutput(
            self,
            "SynapseRegistration",
            key="SynapseRegistration",
            description="How to register the bucket as a Synapse storage location",
            value=Fn.sub(REGISTRATION_STEPS, {"Name": bucket.bucket.ref}),
        )


USAGE = render_file(Path(__file__).with_name("usage.md"), BUCKET_ACCESS=BUCKET_ACCESS)

TEMPLATE = ProductTemplate(
    definition=DEFINITION, stack_class=SynapseBucketProduct, form=FORM, usage=USAGE
)
