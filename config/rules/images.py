"""Rule that matches where products launch with where the catalog's images reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from amis.images import CATALOG_IMAGE_ONLY, IMAGE_PRODUCTS, images_of
from config.errors import ConfigProblem
from config.rules.stages import StageFiles
from config.yaml_source import available_stages, deep_merge, display, read_document, render_key

if TYPE_CHECKING:
    from config.models import CatalogConfig


@dataclass(frozen=True)
class ImageReach:
    """The accounts the stage's images reach, as this configuration shows them."""

    accounts: frozenset[str]
    # Who sends the images there, for the message.
    source: str
    # What would make an image reach one more account.
    remedy: str


def building_stage_accounts(config: CatalogConfig) -> frozenset[str]:
    """Where a building stage distributes: its own account, images.distribute_to and every
    account where a product that launches from a catalog image is published."""
    accounts = {config.stage.account, *(t.account for t in config.images.distribute_to)}
    for products in IMAGE_PRODUCTS.values():
        for product in products:
            accounts.update(config.product_accounts(product))
    return frozenset(accounts)


def _building_stage(
    config: CatalogConfig, files: StageFiles, source_account: str
) -> tuple[str, dict[str, Any]] | None:
    """(file as messages name it, merged data) of the stage that builds in ``source_account``
    in this stage's region, read as written; None when no stage file does."""
    for name in available_stages(files.config_dir):
        if name == config.stage_name:
            continue
        path = files.config_dir / f"{name}.yaml"
        document, problems = read_document(path, files.config_dir)
        if document is None or problems:
            continue
        data = deep_merge(files.base.data, document.data)
        stage, images = data.get("stage"), data.get("images")
        if not isinstance(stage, dict) or not isinstance(images, dict):
            continue
        if (
            str(stage.get("account")) == source_account
            and str(stage.get("region")) == config.stage.region
            and images.get("build") is True
        ):
            return display(path, files.config_dir), data
    return None


def image_reach(config: CatalogConfig, files: StageFiles) -> ImageReach:
    images = config.images
    if images.build:
        return ImageReach(
            accounts=building_stage_accounts(config),
            source="this stage builds them",
            remedy="",
        )
    if images.source_account is None:
        return ImageReach(
            accounts=frozenset(),
            source="this stage neither builds images nor receives them",
            remedy="set images.build: true here, or images.source_account to the account "
            "whose stage builds and distributes them",
        )
    building = _building_stage(config, files, images.source_account)
    if building is None:
        return ImageReach(
            accounts=frozenset({config.stage.account}),
            source=f"images come from account {images.source_account}, which is not a stage "
            "of this configuration, so only this stage's own account is known to receive them",
            remedy="build the images in a stage of this configuration",
        )
    file, data = building
    targets = data["images"].get("distribute_to") or []
    accounts = {images.source_account} | {
        str(target.get("account"))
        for target in targets
        if isinstance(target, dict) and str(target.get("region")) == config.stage.region
    }
    return ImageReach(
        accounts=frozenset(accounts),
        source=f"the stage that builds them ({file}) distributes to {', '.join(sorted(accounts))}",
        remedy=f"list the account under images.distribute_to in {file}",
    )


def catalog_image_products_reach_images(
    config: CatalogConfig, files: StageFiles
) -> list[ConfigProblem]:
    """A product that launches only from the catalog's own image (the notebook: no public
    image carries its software) is published only to accounts an image reaches: the stage
    account and every spoke a listing community's portfolio is shared with."""
    reach = image_reach(config, files)
    problems: list[ConfigProblem] = []
    for product in sorted(CATALOG_IMAGE_ONLY):
        if not config.published_versions(product):
            continue
        image = "/".join(images_of(product))
        for account, origin in config.product_accounts(product).items():
            if account in reach.accounts:
                continue
            communities = (
                config.communities_for(product)
                if account == config.stage.account
                else {
                    name: community
                    for name, community in config.spoke_communities(account).items()
                    if product in community.products
                }
            )
            remedy = f"{reach.remedy}, or " if reach.remedy else ""
            for name, community in communities.items():
                path = ("communities", name, "products", community.products.index(product))
                owner = files.staged if files.staged.has(path) else files.base
                problems.append(
                    ConfigProblem(
                        owner.file,
                        f"{product!r} launches only from the catalog's {image!r} image, and no "
                        f"image reaches account {account} ({origin}): {reach.source}; allowed: "
                        f"{remedy}remove {product!r} from this community's products",
                        key=render_key(path),
                        line=owner.line(path),
                    )
                )
    return problems
