"""Every product template the catalog can publish, keyed like :data:`products.registry.PRODUCTS`:
the ``TEMPLATE`` of each product package's ``stack`` module."""

from importlib import import_module

from products.definition import ProductDefinition
from products.registry import PRODUCTS
from products.template import ProductTemplate


def _template(definition: ProductDefinition) -> ProductTemplate:
    module = f"products.{definition.package}.stack"
    template = import_module(module).TEMPLATE
    if not isinstance(template, ProductTemplate) or template.definition is not definition:
        raise TypeError(f"{module}.TEMPLATE is not the ProductTemplate of {definition.key}")
    return template


PRODUCT_TEMPLATES: dict[str, ProductTemplate] = {
    key: _template(definition) for key, definition in PRODUCTS.items()
}
