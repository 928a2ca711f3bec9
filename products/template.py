"""What the Catalog stack and the docs generator need of a product beyond its definition."""

from dataclasses import dataclass

from aws_cdk import aws_servicecatalog as servicecatalog

from catalog_constructs.product_template.launch_form import FormGroup
from products.definition import ProductDefinition


@dataclass(frozen=True, kw_only=True)
class ProductTemplate:
    """Exported as ``TEMPLATE`` by every ``products/<package>/stack.py``."""

    definition: ProductDefinition
    stack_class: type[servicecatalog.ProductStack]
    form: tuple[FormGroup, ...]
    # Markdown for the docs page (the package's usage.md, rendered): how to connect and use
    # the product, beyond the tables of parameters and outputs.
    usage: str
