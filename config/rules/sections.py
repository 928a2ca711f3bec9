"""Rules of the operators, products, delivery, images and notebooks sections."""

from __future__ import annotations

from config.errors import Violation, did_you_mean
from config.rules.checked import Checked, foreign_arn_message
from config.sections.delivery import DeliveryConfig
from config.sections.images import ImagesConfig
from config.sections.network import STUDIO_ENDPOINTS, CreateVpcNetwork, ExistingNetwork
from config.sections.notebooks import CERTIFICATE_ARN_RE, SECRET_ARN_RE, NotebookGatewayConfig
from config.sections.operators import OperatorsConfig
from config.sections.products import ProductPublication

STUDIO_PRODUCT_KEY = "studio-team"


def operator_admins_in_stage_account(operators: OperatorsConfig, known: Checked) -> list[Violation]:
    """Administrator roles are roles of the stage account and partition."""
    if known.stage is None:
        return []
    return [
        (("admin_role_arns", i), message, arn)
        for i, arn in enumerate(operators.admin_role_arns)
        if (message := foreign_arn_message(arn, known.stage, or_role_names=False))
    ]


def published_products_exist(
    products: dict[str, ProductPublication], known: Checked
) -> list[Violation]:
    """Every published product and version is in the product registry."""
    registry = known.registry
    violations: list[Violation] = []
    for key, publication in products.items():
        if key not in registry:
            violations.append(
                (
                    (key,),
                    f"unknown product {key!r}{did_you_mean(key, registry)}; "
                    f"allowed: {', '.join(sorted(registry))}",
                    key,
                )
            )
            continue
        versions = registry[key].version_names
        violations += [
            (
                (key, "versions", index),
                f"unknown version {version!r} of product {key!r}; allowed: {', '.join(versions)}",
                version,
            )
            for index, version in enumerate(publication.versions)
            if version not in versions
        ]
    return violations


def studio_endpoints_without_nat(
    products: dict[str, ProductPublication], known: Checked
) -> list[Violation]:
    """A stage without NAT that publishes Studio teams creates the SageMaker endpoints: Studio
    runs in VPC-only mode and reaches SageMaker through them."""
    network = known.network
    if not isinstance(network, CreateVpcNetwork) or network.nat_gateways:
        return []
    missing = [name for name in STUDIO_ENDPOINTS if name not in network.endpoints]
    if STUDIO_PRODUCT_KEY not in products or not missing:
        return []
    return [
        (
            (STUDIO_PRODUCT_KEY,),
            f"{STUDIO_PRODUCT_KEY!r} is published but network.endpoints lacks "
            f"{', '.join(missing)} and nat_gateways is 0: Studio apps could not reach "
            "SageMaker; add them to network.endpoints or set network.nat_gateways to 1",
            STUDIO_PRODUCT_KEY,
        )
    ]


def approvals_name_ordered_stages(
    delivery: DeliveryConfig | None, known: Checked
) -> list[Violation]:
    """A manual approval waits before a stage the pipeline deploys: one of stage_order. (Without
    a valid stage_order the stage rules report that instead.)"""
    stages = known.stage_order
    if delivery is None or stages is None:
        return []
    return [
        (
            ("approval_before", index),
            f"stage {name!r} is not deployed by the pipeline{did_you_mean(name, stages)}; "
            f"allowed: {', '.join(stages)} (from stage_order)",
            name,
        )
        for index, name in enumerate(delivery.approval_before)
        if name not in stages
    ]


def image_targets_fit_stage(images: ImagesConfig, known: Checked) -> list[Violation]:
    """Images go to other accounts, in the stage region: Image Builder encrypts the copies with
    the images key, which lives in one region."""
    stage = known.stage
    if stage is None:
        return []
    violations: list[Violation] = []
    for index, target in enumerate(images.distribute_to):
        if target.region != stage.region:
            violations.append(
                (
                    ("distribute_to", index, "region"),
                    f"{target.region} differs from the stage region; allowed: "
                    f"{stage.region} (build images in each region with its own stage)",
                    target.region,
                )
            )
        if target.account == stage.account:
            violations.append(
                (
                    ("distribute_to", index, "account"),
                    f"{target.account} is this stage's own account; allowed: other stage "
                    "accounts (this one always receives its images)",
                    target.account,
                )
            )
    return violations


def notebook_gateway_fits_stage(
    notebooks: NotebookGatewayConfig | None, known: Checked
) -> list[Violation]:
    """The gateway's certificate and client secret are in the stage account and region, and
    it has public subnets exactly when the network is an existing one."""
    stage, network = known.stage, known.network
    if notebooks is None or stage is None:
        return []
    violations: list[Violation] = []
    for path, arn, pattern in (
        (("certificate_arn",), notebooks.certificate_arn, CERTIFICATE_ARN_RE),
        (("oidc", "client_secret_arn"), notebooks.oidc.client_secret_arn, SECRET_ARN_RE),
    ):
        match = pattern.fullmatch(arn)
        if match and (match["account"], match["region"]) != (stage.account, stage.region):
            violations.append(
                (
                    path,
                    f"{arn!r} is in {match['account']}/{match['region']}; allowed: the "
                    f"stage account and region {stage.account}/{stage.region}",
                    arn,
                )
            )
    if isinstance(network, ExistingNetwork) and len(notebooks.public_subnet_ids) < 2:
        violations.append(
            (
                ("public_subnet_ids",),
                "an existing network needs the gateway's public subnets; allowed: two or "
                "more public subnet IDs in different availability zones",
                notebooks.public_subnet_ids,
            )
        )
    if isinstance(network, CreateVpcNetwork) and notebooks.public_subnet_ids:
        violations.append(
            (
                ("public_subnet_ids",),
                "the catalog creates the network, so the gateway uses its public subnets; "
                "allowed: omit public_subnet_ids",
                notebooks.public_subnet_ids,
            )
        )
    return violations
