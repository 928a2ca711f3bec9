"""Every Lambda asset holds an identical copy of each module in
``catalog_constructs/common/handler_modules`` (CDK zips an asset directory as it is, so an
asset cannot import from outside it)."""

from pathlib import Path

import pytest

import catalog_constructs

ROOT = Path(catalog_constructs.__file__).parent
CANONICAL = ROOT / "common" / "handler_modules"
MODULES = sorted(path.name for path in CANONICAL.glob("*.py") if path.name != "__init__.py")
# The packaging convention: an asset is a handler/ directory with one uniquely named package.
ALL_PACKAGES = sorted(ROOT.glob("**/handler/*_handlers"))
# Packages that answer no CloudFormation request (an HTTP service) hold no custom-resource
# module, so no copy of cfn.py either.
NOT_CUSTOM_RESOURCES = {
    "sign_in/handler/sign_in_handlers",
    # A scheduled count that answers nobody; it stops paging before its time runs out.
    "shared/image_keeper/handler/image_keeper_handlers",
}
PACKAGES = [p for p in ALL_PACKAGES if p.relative_to(ROOT).as_posix() not in NOT_CUSTOM_RESOURCES]
# Modules only some assets need: the community documents are read by the product-context and
# cost functions.
ONLY_IN = {"communities.py": {"cost_handlers", "product_context_handlers"}}


def test_every_asset_package_is_found() -> None:
    assert [package.relative_to(ROOT).as_posix() for package in ALL_PACKAGES] == [
        "catalog/admin/handler/catalog_admin_handlers",
        "cost/handler/cost_handlers",
        "shared/image_keeper/handler/image_keeper_handlers",
        "shared/product_context/handler/product_context_handlers",
        "shared/storage/handler/storage_handlers",
        "sign_in/handler/sign_in_handlers",
    ]
    for name in NOT_CUSTOM_RESOURCES:
        assert not any((ROOT / name).glob("cfn.py"))
    assert MODULES == ["cfn.py", "communities.py", "deadline.py"]


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(
    "package", PACKAGES, ids=[package.relative_to(ROOT).as_posix() for package in PACKAGES]
)
def test_each_copy_is_identical_to_the_canonical_module(package: Path, module: str) -> None:
    canonical, copy = CANONICAL / module, package / module
    if module in ONLY_IN and package.name not in ONLY_IN[module]:
        assert not copy.exists()
        return
    assert copy.is_file(), f"missing: cp {canonical} {copy}"
    assert copy.read_bytes() == canonical.read_bytes(), (
        f"{copy} differs from {canonical}: edit the canonical module, then cp {canonical} {copy}"
    )
