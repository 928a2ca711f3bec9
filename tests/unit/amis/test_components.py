"""Every image component document is valid for Image Builder, pinned, and locked to its version."""

import copy
import json

import pytest
import yaml

from amis.document_schema import document_errors
from amis.images import COMPONENT_LOCK, COMPONENTS, IMAGES, lock_entries


@pytest.mark.parametrize("key", sorted(COMPONENTS))
def test_component_document_is_valid(key: str) -> None:
    document = yaml.safe_load(COMPONENTS[key].data())
    assert document_errors(document) == []
    assert document["name"] == f"research-catalog-{key}"


def test_every_component_file_is_registered_and_used() -> None:
    files = {path.stem for path in next(iter(COMPONENTS.values())).path.parent.glob("*.yaml")}
    assert files == set(COMPONENTS)
    used = {key for image in IMAGES.values() for key in image.components}
    assert used == set(COMPONENTS)


def test_component_content_matches_its_locked_version() -> None:
    # A component version is immutable in Image Builder: new content needs a new version.
    locked = json.loads(COMPONENT_LOCK.read_text())
    for key, entry in lock_entries().items():
        assert key in locked, (
            f"{key} missing from amis/component-lock.json: run python -m amis.images"
        )
        if locked[key]["version"] == entry["version"]:
            assert locked[key]["sha256"] == entry["sha256"], (
                f"{key} changed without a new version: bump its version in amis/images.py, "
                "then run python -m amis.images"
            )
        else:
            pytest.fail(f"{key}: version changed; refresh the lock with python -m amis.images")


def test_images_use_platform_matching_components() -> None:
    for image in IMAGES.values():
        for key in image.components:
            assert COMPONENTS[key].platform == image.platform, (image.key, key)


@pytest.fixture
def valid() -> dict:
    return yaml.safe_load(COMPONENTS["mountpoint-s3"].path.read_text())


BREAKAGES = {
    "unknown action": (
        lambda d: d["phases"][0]["steps"][0].update(action="RunShell"),
        "unknown action",
    ),
    "missing commands": (
        lambda d: d["phases"][0]["steps"][0]["inputs"].pop("commands"),
        "needs input 'commands'",
    ),
    "undeclared parameter": (lambda d: d.update(parameters=[]), "is not a declared parameter"),
    "no build phase": (lambda d: d["phases"].pop(0), "no build phase"),
    "unknown phase": (lambda d: d["phases"][1].update(name="verify"), "unknown phase 'verify'"),
    "bad schema version": (lambda d: d.update(schemaVersion=2), "schemaVersion must be 1.0"),
    "moving download": (
        lambda d: d["phases"][0]["steps"][0]["inputs"]["commands"].append(
            "curl -O https://example.org/releases/latest/tool.rpm"
        ),
        "moving target",
    ),
    "bad step name": (
        lambda d: d["phases"][0]["steps"][0].update(name="install mountpoint"),
        "step names",
    ),
    "parameter without default": (
        lambda d: d["parameters"][0]["MountpointVersion"].pop("default"),
        "needs a default",
    ),
    "only a build phase": (lambda d: d.update(phases=d["phases"][:1]), "no validate or test phase"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_broken_documents_are_reported(valid: dict, breakage: str) -> None:
    document = copy.deepcopy(valid)
    breaks, expected = BREAKAGES[breakage]
    breaks(document)
    errors = document_errors(document)
    assert any(expected in error for error in errors), errors


def test_mountpoint_is_installed_only_with_a_signature_by_a_pinned_key() -> None:
    """The package and its key file come from the same server: only the pinned fingerprints
    (AWS's installation guide) make the signature mean something. Whether AWS's packages
    verify against them is shown only by an image build."""
    from catalog_constructs.product_template.workstation import bucket_mounts

    document = yaml.safe_load(COMPONENTS["mountpoint-s3"].data())
    (keys,) = [p["SigningKeys"]["default"] for p in document["parameters"] if "SigningKeys" in p]
    fingerprints = keys.split("|")
    assert fingerprints and all(len(f) == 40 and f.isalnum() for f in fingerprints)
    (install,) = [
        s for p in document["phases"] for s in p["steps"] if s["name"] == "InstallMountpoint"
    ]
    commands = install["inputs"]["commands"]
    verify = next(
        i for i, c in enumerate(commands) if c.startswith("gpg --batch --status-fd 1 --verify")
    )
    check = next(i for i, c in enumerate(commands) if "VALIDSIG" in c and "{{ SigningKeys }}" in c)
    installs = next(i for i, c in enumerate(commands) if "apt-get install" in c)
    assert verify < check < installs
    # The boot-time fallback of workstations without Mountpoint checks the same keys.
    assert keys == bucket_mounts.MOUNTPOINT_SIGNING_KEYS
    assert f"VALIDSIG .*({keys})" in bucket_mounts.LINUX_SETUP
