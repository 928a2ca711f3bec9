"""Every product the catalog defines and its released versions, collected from the products'
own definitions (``products/<package>/definition.py``) without importing CDK.

Config validation reads this to reject unknown products and versions before any construct is
built; the Catalog stack builds each product's versions from the same entries. Adding a product
means adding its package to ``PACKAGES``.
"""

from importlib import import_module

from products.definition import ProductDefinition, ProductVersion
from products.scheduled_job.definition import DEFINITION as _SCHEDULED_JOB

__all__ = ["JOBS_PRODUCT_KEY", "PACKAGES", "PRODUCTS", "ProductDefinition", "ProductVersion"]

# One product package per line, in the order the Catalog stack builds the products.
PACKAGES = (
    "linux_docker",
    "scheduled_job",
    "private_bucket",
    "synapse_bucket",
    "studio_team",
    "windows",
    "notebook",
)


def _definition(package: str) -> ProductDefinition:
    module = f"products.{package}.definition"
    definition = import_module(module).DEFINITION
    if not isinstance(definition, ProductDefinition):
        raise TypeError(f"{module}.DEFINITION is not a ProductDefinition")
    if definition.package != package:
        raise ValueError(f"{module}: key {definition.key!r} does not name package {package!r}")
    if not (definition.display_name and definition.description and definition.versions):
        raise ValueError(f"{module}: a product needs a display name, a description and versions")
    return definition


PRODUCTS: dict[str, ProductDefinition] = {
    definition.key: definition for definition in map(_definition, PACKAGES)
}
# Communities with scheduled jobs get the shared jobs platform and the rights to submit jobs.
JOBS_PRODUCT_KEY = _SCHEDULED_JOB.key
