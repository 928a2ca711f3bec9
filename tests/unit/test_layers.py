"""Imports flow one way: product definitions need no CDK (config validation imports them), and
reusable constructs never import the products built from them."""

import ast
import subprocess
import sys
from pathlib import Path

from products.registry import PACKAGES

ROOT = Path(__file__).resolve().parents[2]


def test_product_definitions_import_no_cdk() -> None:
    modules = [
        "products.registry",
        *(f"products.{package}" for package in PACKAGES),
        *(f"products.{package}.definition" for package in PACKAGES),
    ]
    probe = (
        "import importlib, sys\n"
        f"for module in {modules!r}:\n"
        "    importlib.import_module(module)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aws_cdk', 'constructs', 'jsii'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_constructs_do_not_import_products() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imported(path) if name.split(".")[0] == "products"
        )
        for path in (ROOT / "catalog_constructs").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
