"""A product defined once, with every released version, ready to add to portfolios."""

import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aws_cdk import (
    App,
    Names,
    Stage,
    aws_s3_assets as s3_assets,
    aws_servicecatalog as servicecatalog,
)
from constructs import Construct

# What ProductStackHistory raises at synth when a locked version's template differs from its
# snapshot (aws-cdk-lib 2.275); it names the version but not the product.
LOCKED_VERSION_CHANGED = re.compile(
    r"TemplateChangedForLockedVersion: .*? Version (?P<version>\S+?)\."
)


class ProductVersionLike(Protocol):
    """A released version: its name and what changed (products.definition.ProductVersion)."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...


class ReleasedTemplateChanged(Exception):
    """A released (locked) version's template changed: one line naming the product, the
    version and the file to edit."""

    def __init__(self, key: str, version: str, definition_file: str, snapshot: Path) -> None:
        self.key = key
        self.version = version
        super().__init__(
            f"{key} {version} is released and its template may not change, but the code now "
            f"builds a different one: add the next version, with what changed for researchers, "
            f"to {definition_file} and run make synth (if {version} was never deployed, delete "
            f"{snapshot.parent.name}/{snapshot.name} instead)"
        )


@dataclass(frozen=True, kw_only=True)
class ProductMetadata:
    display_name: str
    description: str
    provider_name: str
    support_email: str
    support_url: str
    support_description: str


class CatalogProduct(Construct):
    """Builds the product's current template as a ProductStack and locks it against the
    committed snapshot of its version (a released version's template cannot change without a
    new version); older versions come from their snapshots, so they stay provisionable.
    ``versions`` are every released version, oldest first; only those ``published_versions``
    names appear in this stage. ``key`` and ``definition_file`` name the product in errors.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        versions: Sequence[ProductVersionLike],
        metadata: ProductMetadata,
        template_factory: Callable[[Construct, str], servicecatalog.ProductStack],
        published_versions: tuple[str, ...],
        snapshot_directory: Path,
        key: str,
        definition_file: str,
    ) -> None:
        super().__init__(scope, construct_id)
        current = versions[-1]
        self.key = key
        self.definition_file = definition_file
        self.current_version_name = current.name
        self.template = template_factory(self, "Template")
        snapshot_prefix = stage_independent_snapshot_prefix(self)
        self.current_snapshot = (
            snapshot_directory / f"{snapshot_prefix}.{current.name}.product.template.json"
        )
        self.locked = Stage.of(self) is self.node.root
        if self.locked:
            history = servicecatalog.ProductStackHistory(
                self,
                "History",
                product_stack=self.template,
                current_version_name=current.name,
                current_version_locked=True,
                description=current.description,
                directory=self._history_directory(
                    snapshot_directory / f"{snapshot_prefix}.{current.name}.product.template.json"
                ),
            )
            # Rendering the current version runs the lock check even in a stage that does
            # not publish it yet.
            current_version = history.current_version()
        else:
            # Inside a cdk.Stage (the delivery pipeline) the construct path, and with it the
            # file name ProductStackHistory would look for, gains the Stage's id: it would
            # write a new unlocked snapshot instead of checking the committed one. The
            # pipeline's synth step runs `make test` first, which checks the lock on the
            # top-level app; the template itself is the same ProductStack either way.
            current_version = servicecatalog.CloudFormationProductVersion(
                product_version_name=current.name,
                description=current.description,
                cloud_formation_template=servicecatalog.CloudFormationTemplate.from_product_stack(
                    self.template
                ),
            )

        published: list[servicecatalog.CloudFormationProductVersion] = []
        for version in versions:
            if version.name not in published_versions:
                continue
            if version is current:
                published.append(current_version)
                continue
            snapshot = self.current_snapshot.with_name(
                f"{snapshot_prefix}.{version.name}.product.template.json"
            )
            # CloudFormationTemplate.from_asset would name the asset after a hash of the
            # file's absolute path: the pipeline's asset actions, named after it, would change
            # with every checkout directory (CodeBuild's differs per build) and the pipeline
            # would update itself on every run. Same URL, named after the version instead.
            asset = s3_assets.Asset(self, f"Snapshot-{version.name}", path=str(snapshot))
            published.append(
                servicecatalog.CloudFormationProductVersion(
                    product_version_name=version.name,
                    description=version.description,
                    cloud_formation_template=servicecatalog.CloudFormationTemplate.from_url(
                        asset.http_url
                    ),
                )
            )
        self.version_count = len(published)
        self.product = servicecatalog.CloudFormationProduct(
            self,
            "Product",
            product_name=metadata.display_name,
            description=metadata.description,
            owner=metadata.provider_name,
            distributor=metadata.provider_name,
            support_email=metadata.support_email,
            support_url=metadata.support_url,
            support_description=metadata.support_description,
            product_versions=published,
        )

    def _history_directory(self, committed: Path) -> str:
        """Where ProductStackHistory checks and writes the current version's template. It
        rewrites the snapshot on every synth, even when unchanged (aws-servicecatalog's
        product-stack-history.js: writeFileSync after the comparison), so two synths at once
        (test workers, `make bench` beside `make test`) could read each other's half-written
        file and fail the lock. A committed snapshot is therefore checked from a private copy;
        only a version without one writes into the committed directory (how a new version's
        snapshot is made)."""
        if not committed.exists():
            return str(committed.parent)
        self._private_snapshots = tempfile.TemporaryDirectory(prefix="product-stack-history-")
        shutil.copy2(committed, Path(self._private_snapshots.name) / committed.name)
        return self._private_snapshots.name


def released_template_changed(app: App, error: Exception) -> ReleasedTemplateChanged | None:
    """The product whose locked template made ``app.synth()`` fail with ``error``, or None
    for any other error. Products synthesize in construct order, and each writes its template
    to the assembly only after the lock check passed: the failing one is the first locked
    product of that version whose template is not in the assembly."""
    match = LOCKED_VERSION_CHANGED.search(str(error))
    if match is None:
        return None
    outdir = Path(app.outdir)
    for construct in app.node.find_all():
        if (
            isinstance(construct, CatalogProduct)
            and construct.locked
            and construct.current_version_name == match["version"]
            and not (outdir / construct.template.template_file).exists()
        ):
            return ReleasedTemplateChanged(
                construct.key,
                construct.current_version_name,
                construct.definition_file,
                construct.current_snapshot,
            )
    return None


def stage_independent_snapshot_prefix(product: "CatalogProduct") -> str:
    """``<history unique id>.<template artifact id>`` as ProductStackHistory names snapshot
    files at the app's top level, computed from the path below the enclosing Stage so that a
    product in a pipeline Stage finds the same committed snapshots."""
    stage = Stage.of(product)
    scopes = product.node.scopes
    start = next(index for index, scope in enumerate(scopes) if scope is stage) + 1
    path = [scope.node.id for scope in scopes[start:]]
    # A detached tree with the same ids gives the same unique ids without touching the app;
    # never synthesized (an App synthesizes itself on exit under the CLI, and each one adds a
    # process listener: more than ten made Node.js warn of a leak).
    mirror: Construct = App(auto_synth=False)
    for segment in path:
        mirror = Construct(mirror, segment)
    history = Construct(mirror, "History")
    template = Construct(mirror, "Template")
    return f"{Names.unique_id(history)}.{Names.unique_id(template)}"
