"""S3 Synapse Bucket: the launch form."""

from catalog_constructs.product_template.launch_form import FormGroup, FormParameter
from products._storage.form import BUCKET_NAME, RESTRICT_DOWNLOADS

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
