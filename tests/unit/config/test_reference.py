"""docs/configuration.md lists every configuration key; it is generated, and a stale page or an
undocumented key fails the build."""

from config import reference
from config.models import INJECTED_FIELDS, CatalogConfig


def test_configuration_reference_is_current() -> None:
    assert reference.main(["--check"]) == 0, "run `make docs` and commit docs/configuration.md"


def test_every_key_has_a_description() -> None:
    undocumented = [
        f"{path or '(top level)'}.{name}"
        for path, model in reference._sections(CatalogConfig, "", frozenset({CatalogConfig}))
        for name, field in model.model_fields.items()
        if name not in INJECTED_FIELDS and not field.description
    ]
    assert undocumented == []


def test_the_notebook_gateway_keys_adopters_asked_about_are_documented() -> None:
    page = reference.render()
    notebooks = page.split("## `notebooks`", 1)[1].split("\n## ", 1)[0]
    assert "| `public_subnet_ids` |" in notebooks
    assert "| `allowed_cidrs` |" in notebooks
