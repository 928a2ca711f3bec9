"""What the catalog and the docs generator need to know about one product."""

from dataclasses import dataclass

from aws_cdk import aws_servicecatalog as servicecatalog

from catalog_constructs.launch_form import FormGroup


@dataclass(frozen=True, kw_only=True)
class ProductTemplate:
    key: str
    construct_id: str
    display_name: str
    description: str
    stack_class: type[servicecatalog.ProductStack]
    form: tuple[FormGroup, ...]
    # Markdown for the docs page: how to connect and use the product, beyond the tables.
    usage: str
