"""S3 Private Encrypted Bucket: the launch form."""

from catalog_constructs.product_template.launch_form import FormGroup
from products._storage.form import BUCKET_NAME, RESTRICT_DOWNLOADS

FORM = (FormGroup(label="Bucket", parameters=(BUCKET_NAME, RESTRICT_DOWNLOADS)),)
