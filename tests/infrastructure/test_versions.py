"""Released product versions are immutable and the same in every stage; older versions stay
provisionable."""

import dataclasses
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

import stacks.catalog_stack
from catalog_constructs.catalog.product import ReleasedTemplateChanged
from products.registry import PRODUCTS, ProductVersion
from tests.synth import EXAMPLE_CONFIG_DIR, STAGES, SynthesizedStage, synthesize

# Listed when pytest imports this module, before any test synthesizes: ProductStackHistory
# writes a missing snapshot during synth, which would then hide that it was never committed.
SNAPSHOTS_BEFORE_SYNTH = sorted(
    path.name for path in stacks.catalog_stack.SNAPSHOT_DIRECTORY.glob("*.product.template.json")
)
IMPORTED_AT_NS = time.time_ns()


def _copy_snapshots(tmp_path: Path) -> Path:
    directory = tmp_path / "product-stack-snapshots"
    shutil.copytree(stacks.catalog_stack.SNAPSHOT_DIRECTORY, directory)
    return directory


def test_every_registered_version_has_a_committed_snapshot() -> None:
    for key, definition in PRODUCTS.items():
        for version in definition.versions:
            prefix = f"Catalog{definition.construct_id}History"
            suffix = f".{version.name}.product.template.json"
            matches = [
                name
                for name in SNAPSHOTS_BEFORE_SYNTH
                if name.startswith(prefix) and name.endswith(suffix)
            ]
            assert matches, f"{key} {version.name} has no snapshot: run `make synth` and commit it"


def test_published_current_version_is_the_committed_snapshot(stage: SynthesizedStage) -> None:
    snapshots = stacks.catalog_stack.SNAPSHOT_DIRECTORY
    for key, path in stage.product_files.items():
        current = PRODUCTS[key].versions[-1].name
        (snapshot,) = snapshots.glob(f"*{path.name.split('.')[0]}.{current}.product.template.json")
        assert json.loads(snapshot.read_text()) == stage.products[key]


def test_changing_a_released_version_without_a_new_version_fails_synth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _copy_snapshots(tmp_path)
    current = PRODUCTS["linux-docker"].versions[-1].name
    (snapshot,) = directory.glob(f"*LinuxDocker*.{current}.product.template.json")
    template = json.loads(snapshot.read_text())
    # Same effect as editing the product's code after its current version was released.
    template["Parameters"]["DiskSize"]["MaxValue"] = 16000
    snapshot.write_text(json.dumps(template, indent=1))
    monkeypatch.setattr(stacks.catalog_stack, "SNAPSHOT_DIRECTORY", directory)

    with pytest.raises(ReleasedTemplateChanged) as raised:
        synthesize("prod", tmp_path / "out")  # the smaller stage: products are the same

    # One line: the product, its version and the file to edit, no CDK internals.
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"linux-docker {current} is released and its template may not")
    assert "add the next version, with what changed for researchers, to " in message
    assert "products/linux_docker/definition.py and run make synth" in message
    assert f"delete product-stack-snapshots/{snapshot.name} instead" in message
    assert "currentVersionName" not in message


def test_the_product_a_shared_change_broke_is_named_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Products share form fields: a change meant for one can change another released one.
    directory = _copy_snapshots(tmp_path)
    current = PRODUCTS["synapse-bucket"].versions[-1].name
    (snapshot,) = directory.glob(f"*SynapseBucket*.{current}.product.template.json")
    template = json.loads(snapshot.read_text())
    template["Description"] = "changed by a shared form field"
    snapshot.write_text(json.dumps(template, indent=1))
    monkeypatch.setattr(stacks.catalog_stack, "SNAPSHOT_DIRECTORY", directory)
    import app
    import catalog_app

    # As under the CLI: cdk.out still holds the product's template from an earlier synth.
    outdir = tmp_path / "cdk.out"
    outdir.mkdir()
    (outdir / "manifest.json").write_text("{}")
    (outdir / f"{snapshot.name.split('.')[1]}.product.template.json").write_text("{}")
    monkeypatch.setenv("CDK_OUTDIR", str(outdir))

    def example_app() -> Any:
        # The smaller stage: products are the same in every stage.
        return catalog_app.build_app(
            stage="prod", outdir=str(outdir), config_dir=EXAMPLE_CONFIG_DIR
        )

    monkeypatch.setattr(app, "build_app", example_app)

    with pytest.raises(SystemExit) as exited:
        app.main()  # what `cdk synth` runs

    assert exited.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"synapse-bucket {current} is released")
    assert "products/synapse_bucket/definition.py" in line


@pytest.fixture(scope="module")
def with_an_older_version(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedStage:
    """prod with a linux-docker v0 released before every other version (its snapshot the
    current one with another description), from snapshots in a directory of its own."""
    tmp_path = tmp_path_factory.mktemp("older-version")
    directory = _copy_snapshots(tmp_path)
    newest = PRODUCTS["linux-docker"].versions[-1].name
    (current,) = directory.glob(f"*LinuxDocker*.{newest}.product.template.json")
    older = json.loads(current.read_text())
    older["Description"] = "an older release"
    current.with_name(current.name.replace(f".{newest}.", ".v0.")).write_text(json.dumps(older))
    definition = PRODUCTS["linux-docker"]
    from config import loader

    original = loader.load_config

    def publish_both(stage=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        config = original(stage, *args, **kwargs)
        products = {**config.products}
        products["linux-docker"] = products["linux-docker"].model_copy(
            update={"versions": ["v0", *definition.version_names]}
        )
        return config.model_copy(update={"products": products})

    import catalog_app

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(stacks.catalog_stack, "SNAPSHOT_DIRECTORY", directory)
        monkeypatch.setitem(
            PRODUCTS,
            "linux-docker",
            dataclasses.replace(definition, versions=(V0, *definition.versions)),
        )
        monkeypatch.setattr(catalog_app, "load_config", publish_both)
        # The smaller stage: what is asserted is in the Catalog stack, the same in every stage.
        return synthesize("prod", tmp_path / "out")


V0 = ProductVersion(name="v0", description="The first one.")


def test_older_versions_come_from_their_snapshots_with_their_own_description(
    with_an_older_version: SynthesizedStage,
) -> None:
    definition = PRODUCTS["linux-docker"]
    (product,) = (
        resource
        for resource in with_an_older_version.stacks["Catalog"]["Resources"].values()
        if resource["Type"] == "AWS::ServiceCatalog::CloudFormationProduct"
        and resource["Properties"]["Name"] == definition.display_name
    )
    versions = product["Properties"]["ProvisioningArtifactParameters"]
    assert [(v["Name"], v["Description"]) for v in versions] == [
        (V0.name, V0.description),
        *((v.name, v.description) for v in definition.versions),
    ]
    assert all("LoadTemplateFromURL" in v["Info"] for v in versions)
    assert len({json.dumps(v["Info"]) for v in versions}) == len(versions)


def test_released_versions_are_named_alike_wherever_the_snapshots_are(
    with_an_older_version: SynthesizedStage, synthesized: dict[str, SynthesizedStage]
) -> None:
    """The session's prod and this module's read the snapshots from two directories, as two
    checkouts do (CodeBuild's differs on every build). The pipeline names its asset actions
    after the assets: a name that followed the directory would make the pipeline update
    itself on every run."""

    def released_versions(stage: SynthesizedStage) -> set[str]:
        """The names of the Catalog's template assets copied from product-stack-snapshots/."""
        manifest = json.loads((stage.directory / "Catalog.assets.json").read_text())
        return {
            asset["displayName"]
            for asset in manifest["files"].values()
            if re.fullmatch(r"asset\.[0-9a-f]{64}\.json", asset["source"]["path"])
        }

    released = released_versions(synthesized["prod"])
    assert len(released) == len(PRODUCTS)  # prod publishes every product's v1 only
    assert released < released_versions(with_an_older_version)


@pytest.mark.parametrize("product", list(PRODUCTS))
def test_product_template_is_the_same_in_every_stage(
    synthesized: dict[str, SynthesizedStage], product: str
) -> None:
    # A versioned product is one artifact promoted through stages; a stage-specific value in
    # it would make the locked version snapshot differ between stages.
    templates = [synthesized[stage].products[product] for stage in STAGES]
    assert all(template == templates[0] for template in templates)


def test_synth_never_rewrites_a_committed_snapshot(stage: SynthesizedStage) -> None:
    """ProductStackHistory rewrites its snapshot file on every synth; with the committed files
    two synths at once (the test workers, `make bench` beside `make test`) could read each
    other's half-written file and fail the lock at random. The check runs on a private copy,
    so a synth leaves the committed snapshots untouched."""
    assert stage.products  # this stage has been synthesized in this process
    for path in stacks.catalog_stack.SNAPSHOT_DIRECTORY.glob("*.product.template.json"):
        assert path.stat().st_mtime_ns < IMPORTED_AT_NS, f"{path.name} was rewritten by synth"
