"""Every product template the catalog can publish, keyed like :data:`products.registry.PRODUCTS`."""

from products import (
    linux_docker,
    notebook,
    private_bucket,
    scheduled_job,
    studio_team,
    synapse_bucket,
    windows,
)
from products.template import ProductTemplate

PRODUCT_TEMPLATES: dict[str, ProductTemplate] = {
    template.key: template
    for template in (
        linux_docker.TEMPLATE,
        notebook.TEMPLATE,
        private_bucket.TEMPLATE,
        synapse_bucket.TEMPLATE,
        scheduled_job.TEMPLATE,
        studio_team.TEMPLATE,
        windows.TEMPLATE,
    )
}
