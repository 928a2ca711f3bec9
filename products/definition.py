"""What a product is, without CDK: the types each ``products/<package>/definition.py`` fills in.

Config validation and the smoke test read product definitions before (or without) building any
construct, so neither this module nor any definition module imports CDK; the registry
(:mod:`products.registry`) collects the definitions.
"""

from collections.abc import Mapping
from dataclasses import dataclass

# Output check of a smoke test: an https URL that parses, instead of a regular expression.
HTTPS_URL = "https-url"


@dataclass(frozen=True, kw_only=True)
class ProductVersion:
    name: str
    # What changed, shown next to the version in Service Catalog and on the docs page.
    description: str


@dataclass(frozen=True, kw_only=True)
class SmokeTest:
    """How the post-deploy smoke test (delivery/smoke.py) launches and checks the product."""

    # Launch parameters: the smallest, cheapest valid values (unset ones keep their default).
    parameters: Mapping[str, str]
    # Output key -> HTTPS_URL or a regular expression the whole value must match.
    outputs: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class ProductDefinition:
    """A product's identity and released versions. The newest version is built from the
    product's code and locked against its committed snapshot; releasing a version means adding
    it here, beside the code that changed.

    ``display_name`` and ``description`` default to empty only so tests can build stand-in
    registries; the registry refuses a product package that leaves them empty.
    """

    key: str
    # Products of one family share a launch role (catalog_constructs/catalog/launch_role.py).
    family: str
    versions: tuple[ProductVersion, ...]
    display_name: str = ""
    description: str = ""
    # None only while a product is being written: the smoke test fails for it.
    smoke_test: SmokeTest | None = None

    @property
    def version_names(self) -> tuple[str, ...]:
        return tuple(version.name for version in self.versions)

    @property
    def package(self) -> str:
        """The product's package under products/: the key with underscores."""
        return self.key.replace("-", "_")

    @property
    def construct_id(self) -> str:
        """The product's construct ID in the Catalog stack (``linux-docker``: ``LinuxDocker``).
        It is part of the product's logical IDs and snapshot file names: like the key, it never
        changes once the product is deployed."""
        return "".join(word.capitalize() for word in self.key.split("-"))
