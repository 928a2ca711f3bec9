"""S3 Private Encrypted Bucket: the product template and its docs page's usage text."""

from pathlib import Path

from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.product_template.bucket import PRIVATE, ProductBucket
from catalog_constructs.product_template.context import ProductContext
from catalog_constructs.product_template.launch_form import LaunchForm
from catalog_constructs.product_template.rendering import render_file
from products._storage.form import BUCKET_NAME, RESTRICT_DOWNLOADS
from products._storage.usage import BUCKET_ACCESS
from products.private_bucket.definition import DEFINITION
from products.private_bucket.form import FORM
from products.template import ProductTemplate


class PrivateBucketProduct(servicecatalog.ProductStack):
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
            kind=PRIVATE,
            bucket_name=form.value(BUCKET_NAME.name),
            restrict_downloads=form.value(RESTRICT_DOWNLOADS.name),
        )
        bucket.add_standard_outputs(documentation_page=f"{DEFINITION.key}.md", context=context)


USAGE = render_file(Path(__file__).with_name("usage.md"), BUCKET_ACCESS=BUCKET_ACCESS)

TEMPLATE = ProductTemplate(
    definition=DEFINITION, stack_class=PrivateBucketProduct, form=FORM, usage=USAGE
)
