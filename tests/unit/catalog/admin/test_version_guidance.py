"""``Custom::VersionGuidance`` through the catalog-admin entry point (botocore's Stubber)."""

from collections.abc import Callable
from typing import Any

from botocore.stub import Stubber

from catalog_constructs.catalog.admin.handler.catalog_admin_handlers import version_guidance

Invoke = Callable[[dict[str, Any], Any], dict[str, Any]]
MakeEvent = Callable[..., dict[str, Any]]


def _artifacts(stubber: Stubber, *details: tuple[str, str, str]) -> None:
    stubber.add_response(
        "list_provisioning_artifacts",
        {
            "ProvisioningArtifactDetails": [
                {"Id": i, "Name": n, "Guidance": g, "Active": True} for i, n, g in details
            ]
        },
        {"ProductId": "prod-1"},
    )


def test_guidance_deprecates_all_but_the_newest_and_never_deactivates(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, stubber = client
    _artifacts(
        stubber, ("pa-1", "v1", "DEFAULT"), ("pa-2", "v2", "DEFAULT"), ("pa-3", "v3", "DEFAULT")
    )
    for artifact in ("pa-1", "pa-2"):
        # Exactly these parameters: no Active=False, no deletion.
        stubber.add_response(
            "update_provisioning_artifact",
            {},
            {"ProductId": "prod-1", "ProvisioningArtifactId": artifact, "Guidance": "DEPRECATED"},
        )
    response = invoke(
        make_event(
            "Create",
            version_guidance.RESOURCE_TYPE,
            {"ProductId": "prod-1", "CurrentVersionName": "v3", "ProvisioningArtifactIds": "x"},
        ),
        sc,
    )
    assert (response["Status"], response["PhysicalResourceId"]) == ("SUCCESS", "prod-1")


def test_guidance_restores_default_on_a_version_published_again(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, stubber = client
    _artifacts(stubber, ("pa-1", "v1", "DEPRECATED"), ("pa-2", "v2", "DEFAULT"))
    stubber.add_response(
        "update_provisioning_artifact",
        {},
        {"ProductId": "prod-1", "ProvisioningArtifactId": "pa-1", "Guidance": "DEFAULT"},
    )
    stubber.add_response(
        "update_provisioning_artifact",
        {},
        {"ProductId": "prod-1", "ProvisioningArtifactId": "pa-2", "Guidance": "DEPRECATED"},
    )
    event = make_event(
        "Update",
        version_guidance.RESOURCE_TYPE,
        {"ProductId": "prod-1", "CurrentVersionName": "v1"},
    )
    assert invoke(event, sc)["Status"] == "SUCCESS"


def test_guidance_fails_clearly_when_the_current_version_is_missing(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, stubber = client
    _artifacts(stubber, ("pa-1", "v1", "DEFAULT"))
    event = make_event(
        "Create",
        version_guidance.RESOURCE_TYPE,
        {"ProductId": "prod-1", "CurrentVersionName": "v9"},
    )
    response = invoke(event, sc)
    assert response["Status"] == "FAILED"
    assert "no version 'v9'" in response["Reason"] and "it has v1" in response["Reason"]


def test_guidance_delete_touches_nothing(
    client: Any, invoke: Invoke, make_event: MakeEvent
) -> None:
    sc, _ = client
    event = make_event(
        "Delete",
        version_guidance.RESOURCE_TYPE,
        {"ProductId": "prod-1"},
        PhysicalResourceId="prod-1",
    )
    assert invoke(event, sc)["Status"] == "SUCCESS"
