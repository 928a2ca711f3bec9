"""``Custom::VersionGuidance``: marks every provisioning artifact of a product but the newest
published one ``Guidance=DEPRECATED`` (the newest ``DEFAULT``).

Deprecated versions are hidden from new launches but stay active: provisioned products keep
updating to and from them. Never deletes or deactivates anything; Delete does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import AdminError, Client

RESOURCE_TYPE = "Custom::VersionGuidance"


def apply_version_guidance(properties: Mapping[str, Any], *, servicecatalog: Client) -> str:
    product_id = str(properties["ProductId"])
    current = str(properties["CurrentVersionName"])
    artifacts = servicecatalog.list_provisioning_artifacts(ProductId=product_id)[
        "ProvisioningArtifactDetails"
    ]
    if not any(artifact["Name"] == current for artifact in artifacts):
        names = ", ".join(artifact["Name"] for artifact in artifacts) or "(none)"
        raise AdminError(
            f"product {product_id} has no version {current!r} to keep as default; it has {names}"
        )
    for artifact in artifacts:
        wanted = "DEFAULT" if artifact["Name"] == current else "DEPRECATED"
        if artifact.get("Guidance") != wanted:
            servicecatalog.update_provisioning_artifact(
                ProductId=product_id, ProvisioningArtifactId=artifact["Id"], Guidance=wanted
            )
    return product_id
