"""cdk-nag AwsSolutions, HIPAA Security and NIST 800-53 rev5 run as validation plugins on the
App; any finding not acknowledged next to its construct is a failure."""

from pathlib import Path

import pytest

from products.registry import PRODUCTS
from tests.infrastructure.templates import violations
from tests.synth import SynthesizedStage, synthesize

PACKS = {"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5"}
ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


def test_no_unacknowledged_findings(stage: SynthesizedStage) -> None:
    assert violations(stage.report) == []


def acknowledgements(stage: SynthesizedStage) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for construct in stage.app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == ACKNOWLEDGED:
                for rule_id, reason in entry.data.items():
                    rule_id = rule_id.removeprefix("Annotation::")
                    # aws-cdk-lib acknowledges some of its own CloudFormation-Validate rules.
                    if rule_id.split("-")[0] in PACKS:
                        found.setdefault(rule_id, set()).add(reason)
    return found


def test_acknowledgements_name_exact_findings_with_reasons(stage: SynthesizedStage) -> None:
    found = acknowledgements(stage)
    assert found
    for rule_id, reasons in found.items():
        # A finding id, not a prefix: IAM5 findings carry their exact [Action::/Resource::].
        if rule_id.startswith("AwsSolutions-IAM5"):
            assert "[" in rule_id, rule_id
        assert all(len(reason) >= 40 for reason in reasons), (rule_id, reasons)


@pytest.fixture(scope="module")
def canary_report(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> dict:
    """The real app plus one deliberately bad bucket in the shared stack and one in a product
    template: proves all three packs run and reach inside ProductStacks."""
    import shutil

    from aws_cdk import aws_s3 as s3

    import catalog_app
    import stacks.catalog_stack

    # Older versions come from their snapshots; the current one is rewritten with the canary.
    snapshots = tmp_path_factory.mktemp("snapshots")
    shutil.copytree(stacks.catalog_stack.SNAPSHOT_DIRECTORY, snapshots, dirs_exist_ok=True)
    current = PRODUCTS["linux-docker"].versions[-1].name
    for path in snapshots.glob(f"*LinuxDocker*.{current}.product.template.json"):
        path.unlink()
    monkeypatch_module.setattr(stacks.catalog_stack, "SNAPSHOT_DIRECTORY", Path(snapshots))

    original = catalog_app.build_stage

    def with_canaries(app, config, **kwargs):  # type: ignore[no-untyped-def]
        shared, catalog = original(app, config, **kwargs)
        s3.CfnBucket(shared, "CanaryBucket")
        return shared, catalog

    monkeypatch_module.setattr(catalog_app, "build_stage", with_canaries)
    from products.linux_docker import stack as linux_docker

    original_init = linux_docker.LinuxDockerProduct.__init__

    def product_with_canary(self, scope, construct_id):  # type: ignore[no-untyped-def]
        original_init(self, scope, construct_id)
        s3.CfnBucket(self, "CanaryBucket")

    monkeypatch_module.setattr(linux_docker.LinuxDockerProduct, "__init__", product_with_canary)
    return synthesize("dev", tmp_path_factory.mktemp("canary")).report


@pytest.fixture(scope="module")
def monkeypatch_module():  # type: ignore[no-untyped-def]
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def test_every_pack_reports_a_bad_resource(canary_report: dict) -> None:
    paths_by_pack: dict[str, set[str]] = {}
    for plugin in canary_report["pluginReports"]:
        for violation in plugin["violations"]:
            for construct in violation["violatingConstructs"]:
                paths_by_pack.setdefault(plugin["pluginName"], set()).add(
                    construct["constructPath"]
                )
    assert set(paths_by_pack) == PACKS
    for pack, paths in paths_by_pack.items():
        assert "Shared/CanaryBucket" in paths, pack
        assert "Catalog/LinuxDocker/Template/CanaryBucket" in paths, pack
