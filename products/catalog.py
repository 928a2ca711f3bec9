"""Every product template the catalog can publish, keyed like :data:`products.registry.PRODUCTS`."""

from products import linux_docker, scheduled_job
from products.template import ProductTemplate

PRODUCT_TEMPLATES: dict[str, ProductTemplate] = {
    template.key: template for template in (linux_docker.TEMPLATE, scheduled_job.TEMPLATE)
}
