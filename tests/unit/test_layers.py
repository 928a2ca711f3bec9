"""Imports flow one way: pure modules -> catalog_constructs -> products -> stacks -> app.

Read from the source with ``ast``, so the test sees function-level imports too (they hide
cycles as well as module-level ones do) and imports nothing it checks.

- **pure**: config, the contract of fixed names, product definitions, image definitions. No
  CDK: config validation, the smoke test and the command-line tools use them without synth.
- **constructs**: ``catalog_constructs`` (grouped by where code runs: ``common``, then
  ``product_template`` (inside product templates), ``shared`` (Shared and spoke stacks),
  ``catalog`` (Catalog stack), ``cost`` (Cost stack)) and the image pipelines in ``amis``.
- **products**: a product's form and ProductStack.
- **stacks**, then the **app** (``app.py``, ``catalog_app.py``).
- **tools**: ``delivery`` and ``catalog_cli`` run against a deployed stage: pure modules and
  each other (``catalog_cli.aws`` explains AWS errors to both), never CDK.
- **lambda**: the handler packages are Lambda assets, zipped as they are: they import nothing
  of the repository outside their own asset directory.
"""

import ast
import functools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from products.registry import PACKAGES as PRODUCT_PACKAGES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "catalog_app", "amis", "catalog_cli", "catalog_constructs", "config")
PACKAGES += ("delivery", "products", "stacks")

RANKS = {"pure": 0, "constructs": 1, "products": 2, "stacks": 3, "app": 4}
# Inside catalog_constructs: which groups each group may import.
CONSTRUCT_GROUPS = {
    "common": {"common"},
    "product_template": {"common", "product_template"},
    "shared": {"common", "shared"},
    "catalog": {"common", "shared", "catalog"},
    "cost": {"common", "shared", "cost"},
    "sign_in": {"common", "sign_in"},
}
# Pure modules outside config: the names stacks agree on, product and image definitions.
PURE_MODULES = {"catalog_constructs.contract", "products", "products.registry", "amis.images"}
# Handler modules a product template imports too: standard-library tables the launch form lists
# and the handler validates, so both sides read one source (synth never imports boto3).
SHARED_WITH_TEMPLATES = {
    "catalog_constructs.shared.product_context.handler.product_context_handlers.fargate",
}
# Config sections a construct may take; never the whole config (constructs take the values
# they use, so a construct can be reused without a stage's configuration).
CONSTRUCT_CONFIG_PREFIX = "config.sections"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def repository_modules() -> dict[str, Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    modules = {}
    for name in tracked:
        path = ROOT / name
        if path.exists() and path.parts[len(ROOT.parts)] in {*PACKAGES, "app.py", "catalog_app.py"}:
            modules[module_name(path)] = path
    return modules


MODULES = repository_modules()


def is_handler(module: str) -> bool:
    return ".handler" in f".{module}" and module.startswith("catalog_constructs.")


def layer(module: str) -> str:
    if module in PURE_MODULES or module.startswith("config"):
        return "pure"
    if module.startswith("products."):
        return "pure" if module.split(".")[-1] in {"definition", "registry"} else "products"
    if module.startswith(("catalog_constructs", "amis")):
        return "constructs"
    if module.startswith("stacks"):
        return "stacks"
    if module in {"app", "catalog_app"}:
        return "app"
    return "tools"


@functools.cache
def syntax_tree(module: str) -> ast.Module:
    path = MODULES[module]
    return ast.parse(path.read_text(), str(path))


@functools.cache
def imports_of(module: str) -> tuple[tuple[int, str], ...]:
    """(line, imported repository module) for every import in the module, at any depth; read
    once per run (three tests walk every module)."""
    return tuple(_imports_of(module))


def _imports_of(module: str) -> Iterator[tuple[int, str]]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(syntax_tree(module)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from package import module" depends on the module; the package only when a
            # name imported from it is not a module of its own.
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            targets = [*submodules, *([base] if not set(submodules) <= MODULES.keys() else [])]
        else:
            continue
        for target in targets:
            # The longest repository module the name refers to (a package, a module, or a
            # module attribute imported from a module).
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != module:
                yield node.lineno, target


def violation(module: str, imported: str) -> str | None:
    if is_handler(module):
        asset = module.split(".handler")[0] + ".handler"
        if not imported.startswith(asset):
            return "a Lambda asset imports only from its own asset directory"
        return None
    source, target = layer(module), layer(imported)
    if source == "tools":
        if target in ("pure", "tools"):
            return None
        return "delivery and catalog_cli use pure modules (and each other) only"
    if target == "tools":
        return "nothing imports the command-line tools"
    if (
        is_handler(imported)
        and not module.startswith("catalog_constructs")
        and imported not in SHARED_WITH_TEMPLATES
    ):
        return "handler code is imported only by its constructs and tests"
    if RANKS[target] > RANKS[source]:
        return f"{source} module imports the {target} layer"
    if source == "constructs" and module.startswith("catalog_constructs."):
        if imported.startswith("products"):
            return "constructs take the product values they use; they import no product module"
        if imported.startswith("config") and not imported.startswith(CONSTRUCT_CONFIG_PREFIX):
            return "constructs take config sections (or values), not the whole config"
        group = module.split(".")[1]
        imported_group = (
            imported.split(".")[1] if imported.startswith("catalog_constructs.") else ""
        )
        if (
            group in CONSTRUCT_GROUPS
            and imported_group in CONSTRUCT_GROUPS
            and imported_group not in CONSTRUCT_GROUPS[group]
        ):
            return f"catalog_constructs.{group} imports catalog_constructs.{imported_group}"
    return None


def test_every_import_follows_the_layers() -> None:
    problems = sorted(
        {
            f"{MODULES[module].relative_to(ROOT)}:{line}: imports {imported}: {reason}"
            for module in MODULES
            for line, imported in imports_of(module)
            if (reason := violation(module, imported))
        }
    )
    assert not problems, "\n".join(problems)


def test_no_import_cycle() -> None:
    graph = {module: {imported for _, imported in imports_of(module)} for module in MODULES}
    # A package's __init__ importing its own submodules is how packages are built, not a cycle.
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not t.startswith(f"{module}.")}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


@pytest.mark.parametrize(
    ("module", "imported", "expected"),
    [
        (
            "catalog_constructs.product_template.bucket",
            "catalog_constructs.shared.keys",
            "product_template imports catalog_constructs.shared",
        ),
        ("catalog_constructs.shared.network", "catalog_constructs.contract", None),
        ("catalog_constructs.catalog.product", "products.registry", "import no product module"),
        ("catalog_constructs.shared.network", "stacks.stage", "constructs module imports"),
        ("config.loader", "catalog_constructs.shared.network", "pure module imports"),
        ("delivery.smoke", "stacks.stage", "pure modules (and each other) only"),
        ("delivery.refactor_plan", "delivery.refactor_identity", None),
        ("delivery.smoke", "catalog_cli.aws", None),
        ("catalog_constructs.catalog.portfolio", "config.models", "not the whole config"),
    ],
)
def test_the_rules_refuse_what_they_should(
    module: str, imported: str, expected: str | None
) -> None:
    reason = violation(module, imported)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_product_definitions_import_no_cdk() -> None:
    """Config validation imports the definitions: loading them must not start jsii."""
    modules = [
        "products.registry",
        *(f"products.{package}" for package in PRODUCT_PACKAGES),
        *(f"products.{package}.definition" for package in PRODUCT_PACKAGES),
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


def absolute_imports(module: str) -> Iterator[tuple[int, str]]:
    """(line, name) of every absolute import in the module, at any depth, whatever it names."""
    for node in ast.walk(syntax_tree(module)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.lineno, node.module


def test_synth_side_code_never_imports_the_aws_sdk() -> None:
    """Templates and handlers share standard-library modules (fargate.py), and synth must make
    no AWS call: no import statement, at any depth (function-level ones too), of the modules
    synth runs (every layer but the tools and the handler packages), of the repository modules
    they import in turn and of the packages above those, names boto3 or botocore. Libraries
    are checked by importing them: test_function.py, test_synth_imports_no_aws_sdk."""
    reached: set[str] = set()
    pending = [m for m in MODULES if layer(m) in RANKS and not is_handler(m)]
    assert "catalog_app" in pending and "stacks.stage" in pending
    while pending:
        module = pending.pop()
        if module in reached:
            continue
        reached.add(module)
        parts = module.split(".")
        pending += [p for end in range(1, len(parts)) if (p := ".".join(parts[:end])) in MODULES]
        pending += [imported for _, imported in imports_of(module)]
    assert reached >= SHARED_WITH_TEMPLATES
    problems = [
        f"{MODULES[module].relative_to(ROOT)}:{line}: imports {name}"
        for module in sorted(reached)
        for line, name in absolute_imports(module)
        if name.partition(".")[0] in {"boto3", "botocore"}
    ]
    assert not problems, "\n".join(problems)


def test_no_test_module_imports_another() -> None:
    """Shared fixtures live in conftest.py files, which pytest loads itself; shared helpers in
    plain modules (tests/synth.py, tests/infrastructure/templates.py, ...)."""
    tests = ROOT / "tests"
    problems = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                last = name.rpartition(".")[2]
                if name.startswith("tests") and (last.startswith("test_") or last == "conftest"):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {name}")
    assert not problems, "\n".join(problems)
