"""What the catalog and the docs generator need to know about one product."""

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import aws_servicecatalog as servicecatalog

from catalog_constructs.product_template.launch_form import FormGroup

# Output check of a smoke test: an https URL that parses, instead of a regular expression.
HTTPS_URL = "https-url"


@dataclass(frozen=True, kw_only=True)
class SmokeTest:
    """How the post-deploy smoke test (delivery/smoke.py) launches and checks the product."""

    # Launch parameters: the smallest, cheapest valid values (unset ones keep their default).
    parameters: Mapping[str, str]
    # Output key -> HTTPS_URL or a regular expression the whole value must match.
    outputs: Mapping[str, str]


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
    # None only while a product is being written: the smoke test fails for it.
    smoke_test: SmokeTest | None = None
