"""Issue 19: nothing is installed at boot when a catalog image is used, for every workstation
product and distribution. The user data is rendered as CloudFormation renders it for the
catalog-image case (Custom::MachineImage answers ``Setup`` with a comment for a catalog image)
and every command line is checked for package-manager calls and downloads. A public-image
fallback may install: the same check finds its installs, which proves the check can see them.

What this cannot show offline: that the catalog's images really carry everything (shown only by
an image build and a launch: the smoke test launches the newest version of each product)."""

import re
from pathlib import Path
from typing import Any

import pytest

from catalog_constructs.shared.product_context.handler.product_context_handlers.machine_image import (  # noqa: E501
    CATALOG_IMAGE_SETUP,
)
from tests.infrastructure.templates import (
    WORST_CASE_USER_DATA_VALUES,
    resources,
    user_data,
    user_data_size_at_worst,
)
from tests.synth import SynthesizedStage

SNAPSHOTS = Path(__file__).resolve().parents[2] / "product-stack-snapshots"
# At command position: start of line, after ; & | ( or then/do/sudo/exec/xargs.
_COMMAND_START = r"(?:^|[;&|(`]\s*|\b(?:then|do|else|sudo|exec|xargs|env)\s+)"
PACKAGE_MANAGER = re.compile(
    _COMMAND_START
    + r"(dnf|yum|apt|apt-get|aptitude|snap|rpm|dpkg|pip3?|python3?\s+-m\s+pip|conda|npm|"
    r"gem|amazon-linux-extras)\b"
)
SHELL_DOWNLOAD = re.compile(r"\b(curl|wget)\b|\baws\s+s3\s+(cp|sync)\b")
# curl reaches only the instance metadata service and the wait condition's pre-signed URL.
ALLOWED_CURL = re.compile(r"""("\$imds/|'\$\{WaitHandle\}')""")
POWERSHELL_INSTALL = re.compile(
    r"\b(Invoke-WebRequest|Invoke-RestMethod|iwr|irm|Start-BitsTransfer|DownloadFile|"
    r"DownloadString|DownloadData|Install-Package|Install-Module|Install-Script|"
    r"Install-WindowsFeature|Add-WindowsFeature|Add-WindowsCapability|Enable-WindowsOptionalFeature|"
    r"msiexec|choco|winget)\b",
    re.IGNORECASE,
)


def boot_installs(script: str) -> list[str]:
    """Every line of ``script`` that installs a package or downloads something."""
    found = []
    powershell = script.lstrip().startswith("<powershell>")
    for raw in script.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if powershell:
            # The bucket synchronisation reads the instance metadata; nothing else is fetched.
            if POWERSHELL_INSTALL.search(line) and '"$imds/' not in line:
                found.append(line)
            continue
        downloads = SHELL_DOWNLOAD.search(line) and not ALLOWED_CURL.search(line)
        if PACKAGE_MANAGER.search(line) or downloads:
            found.append(line)
    return found


def catalog_image_user_data(template: dict[str, Any]) -> str:
    """The first-boot script as CloudFormation renders it when the catalog's image exists."""
    script, variables = user_data(template)
    (image_id,) = resources(template, "Custom::MachineImage")
    if "ImageSetup" in variables:
        assert variables["ImageSetup"] == {"Fn::GetAtt": [image_id, "Setup"]}
        script = script.replace("${ImageSetup}", CATALOG_IMAGE_SETUP)
    return script


def public_image_setup(template: dict[str, Any]) -> str:
    (image,) = resources(template, "Custom::MachineImage").values()
    return str(image["Properties"].get("PublicImageSetup", ""))


@pytest.mark.parametrize("key", ["linux-docker", "notebook", "windows"])
def test_a_catalog_image_installs_nothing_at_boot(
    synthesized: dict[str, SynthesizedStage], key: str
) -> None:
    template = synthesized["dev"].products[key]
    script = catalog_image_user_data(template)
    assert boot_installs(script) == []
    # The product's own setup ran: the check saw the whole script.
    assert "signal SUCCESS" in script or "Send-Signal 'SUCCESS'" in script


def test_the_public_image_fallback_installs_and_says_so(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    template = synthesized["dev"].products["linux-docker"]
    installs = boot_installs(public_image_setup(template))
    assert any("dnf install -y docker" in line for line in installs)
    assert any("apt-get install -y -q docker.io" in line for line in installs)
    assert 'dnf install -y "/tmp/$mp_file"' in installs  # Mountpoint for Amazon S3


def test_the_check_finds_what_the_last_release_installed_at_boot() -> None:
    """linux-docker v5 (released, locked) ran dnf, apt-get and a GitHub download in the user
    data of every launch, catalog image or not: the check above must see it."""
    import json

    (path,) = SNAPSHOTS.glob("CatalogLinuxDocker*.v5.product.template.json")
    script, _ = user_data(json.loads(path.read_text()))
    installs = boot_installs(script)
    assert any(line.startswith("dnf install -y docker rsyslog") for line in installs)
    assert any(line.startswith("apt-get install -y -q docker.io") for line in installs)
    assert 'curl -fsSL -o /tmp/docker-compose "$compose_url"' in installs


# What the Linux products add (beside every EC2 product's, templates.py): the notebook's type,
# a role session name (64), the stack's UUID as route ID, the gateway's parameter name.
LINUX_WORST_CASE_VALUES = {
    **WORST_CASE_USER_DATA_VALUES,
    "NotebookType": 10,
    "OwnerUserId": 64,
    "RouteId": 36,
    "GatewayParameter": 64,
}


@pytest.mark.parametrize("key", ["linux-docker", "notebook"])
def test_linux_user_data_fits_ec2s_16_kb_with_the_public_setup_and_every_value_at_its_longest(
    synthesized: dict[str, SynthesizedStage], key: str
) -> None:
    """EC2 refuses user data over 16 KB (before base64). A public image's setup arrives as a
    substituted value, so it counts too."""
    template = synthesized["dev"].products[key]
    script, _ = user_data(template)
    worst = {**LINUX_WORST_CASE_VALUES, "ImageSetup": len(public_image_setup(template).encode())}
    size, unknown = user_data_size_at_worst(script, worst)
    assert not unknown, unknown
    assert size <= 16 * 1024, size
