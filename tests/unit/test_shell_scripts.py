"""Every shell script in the repository passes shellcheck, with no finding of any severity.

Scripts that run on instances are real files (products/<package>/*.sh,
catalog_constructs/product_template/workstation/scripts/*.sh); a finding shellcheck must not
report is acknowledged in the file itself with a ``# shellcheck disable=...`` directive and the
reason, which rendering drops (catalog_constructs/product_template/rendering.py).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Where scripts never live, for a source tree without git metadata (a pipeline's source zip).
NOT_SOURCES = {".git", ".venv", ".tools", "node_modules", "cdk.out"}


def shell_scripts() -> list[str]:
    """Tracked and new (not ignored) ``*.sh`` files, relative to the repository root."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "*.sh"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0:
        return sorted({name for name in listed.stdout.decode().split("\0") if name})
    return sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.sh")
        if not NOT_SOURCES & set(path.relative_to(ROOT).parts)
    )


def test_the_instance_scripts_are_found() -> None:
    scripts = shell_scripts()
    assert "catalog_constructs/product_template/workstation/scripts/linux_user_data.sh" in scripts
    assert "products/linux_docker/setup.sh" in scripts


def test_shellcheck_finds_nothing() -> None:
    shellcheck = Path(sys.executable).parent / "shellcheck"
    result = subprocess.run(
        [str(shellcheck), "--format=gcc", "--severity=style", *shell_scripts()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
