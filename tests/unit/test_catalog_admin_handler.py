"""The catalog admin custom resources (version guidance, portfolio shares) with botocore's
Stubber: moto implements neither provisioning-artifact guidance nor organization shares."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from catalog_constructs.catalog.admin.handler import index

CONTEXT = SimpleNamespace(log_stream_name="stream")


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stubber]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    with Stubber(sc) as stubber:
        yield sc, stubber
        stubber.assert_no_pending_responses()


def _event(request_type: str, resource_type: str, properties: dict[str, Any], **extra: Any) -> dict:
    return {
        "RequestType": request_type,
        "ResourceType": resource_type,
        "ResourceProperties": properties,
        "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/x/1",
        "RequestId": "req-1",
        "LogicalResourceId": "Res",
        "ResponseURL": "https://example.org/signed",
        **extra,
    }


def _invoke(event: dict, sc: Any) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []
    index.handler(
        event,
        CONTEXT,
        send=lambda url, body: sent.append(json.loads(body)),
        client=lambda name: sc,
        sleep=lambda seconds: None,
        clock=iter(range(0, 10_000, 60)).__next__,
    )
    assert len(sent) == 1
    return sent[0]


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


def test_guidance_deprecates_all_but_the_newest_and_never_deactivates(client: Any) -> None:
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
    response = _invoke(
        _event(
            "Create",
            index.VERSION_GUIDANCE,
            {"ProductId": "prod-1", "CurrentVersionName": "v3", "ProvisioningArtifactIds": "x"},
        ),
        sc,
    )
    assert (response["Status"], response["PhysicalResourceId"]) == ("SUCCESS", "prod-1")


def test_guidance_restores_default_on_a_version_published_again(client: Any) -> None:
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
    event = _event(
        "Update", index.VERSION_GUIDANCE, {"ProductId": "prod-1", "CurrentVersionName": "v1"}
    )
    assert _invoke(event, sc)["Status"] == "SUCCESS"


def test_guidance_fails_clearly_when_the_current_version_is_missing(client: Any) -> None:
    sc, stubber = client
    _artifacts(stubber, ("pa-1", "v1", "DEFAULT"))
    event = _event(
        "Create", index.VERSION_GUIDANCE, {"ProductId": "prod-1", "CurrentVersionName": "v9"}
    )
    response = _invoke(event, sc)
    assert response["Status"] == "FAILED"
    assert "no version 'v9'" in response["Reason"] and "it has v1" in response["Reason"]


def test_guidance_delete_touches_nothing(client: Any) -> None:
    sc, _ = client
    event = _event(
        "Delete", index.VERSION_GUIDANCE, {"ProductId": "prod-1"}, PhysicalResourceId="prod-1"
    )
    assert _invoke(event, sc)["Status"] == "SUCCESS"


def _shares(stubber: Stubber, share_type: str, principal_ids: list[str]) -> None:
    stubber.add_response(
        "describe_portfolio_shares",
        {"PortfolioShareDetails": [{"PrincipalId": p, "Type": share_type} for p in principal_ids]},
        {"PortfolioId": "port-1", "Type": share_type},
    )


OU = {"Type": "ORGANIZATIONAL_UNIT", "Value": "ou-ab12-cdef3456"}


def test_ou_share_is_created_with_principals_and_awaited(client: Any) -> None:
    sc, stubber = client
    _shares(stubber, "ORGANIZATIONAL_UNIT", [])
    stubber.add_response(
        "create_portfolio_share",
        {"PortfolioShareToken": "share-1"},
        {
            "PortfolioId": "port-1",
            "OrganizationNode": OU,
            "ShareTagOptions": True,
            "SharePrincipals": True,
        },
    )
    for status in ("IN_PROGRESS", "COMPLETED"):
        stubber.add_response(
            "describe_portfolio_share_status",
            {"Status": status},
            {"PortfolioShareToken": "share-1"},
        )
    response = _invoke(_event("Create", index.PORTFOLIO_SHARE, {"PortfolioId": "port-1", **OU}), sc)
    assert response["Status"] == "SUCCESS"
    assert response["PhysicalResourceId"] == "port-1|ORGANIZATIONAL_UNIT|ou-ab12-cdef3456"


def test_existing_share_is_updated_not_created_again(client: Any) -> None:
    sc, stubber = client
    _shares(stubber, "ACCOUNT", ["444444444444"])
    stubber.add_response(
        "update_portfolio_share",
        {},
        {
            "PortfolioId": "port-1",
            "AccountId": "444444444444",
            "ShareTagOptions": True,
            "SharePrincipals": True,
        },
    )
    event = _event(
        "Create",
        index.PORTFOLIO_SHARE,
        {"PortfolioId": "port-1", "Type": "ACCOUNT", "Value": "444444444444"},
    )
    assert _invoke(event, sc)["Status"] == "SUCCESS"


def test_failed_share_reports_the_accounts(client: Any) -> None:
    sc, stubber = client
    _shares(stubber, "ORGANIZATIONAL_UNIT", [])
    stubber.add_response("create_portfolio_share", {"PortfolioShareToken": "share-1"})
    stubber.add_response(
        "describe_portfolio_share_status",
        {
            "Status": "COMPLETED_WITH_ERRORS",
            "ShareDetails": {
                "ShareErrors": [
                    {
                        "Accounts": ["555555555555"],
                        "Message": "not enabled",
                        "Error": "AccessDenied",
                    }
                ]
            },
        },
    )
    response = _invoke(_event("Create", index.PORTFOLIO_SHARE, {"PortfolioId": "port-1", **OU}), sc)
    assert response["Status"] == "FAILED"
    assert "COMPLETED_WITH_ERRORS" in response["Reason"] and "555555555555" in response["Reason"]


def test_share_that_never_completes_times_out(client: Any) -> None:
    sc, stubber = client
    _shares(stubber, "ORGANIZATIONAL_UNIT", [])
    stubber.add_response("create_portfolio_share", {"PortfolioShareToken": "share-1"})
    # The fake clock advances 60 s per reading: the 13-minute limit is reached at poll 13.
    for _ in range(13):
        stubber.add_response("describe_portfolio_share_status", {"Status": "IN_PROGRESS"})
    response = _invoke(_event("Create", index.PORTFOLIO_SHARE, {"PortfolioId": "port-1", **OU}), sc)
    assert response["Status"] == "FAILED"
    assert "still IN_PROGRESS after 13 minutes" in response["Reason"]


def test_delete_removes_the_share_and_tolerates_a_missing_one(client: Any) -> None:
    sc, stubber = client
    stubber.add_response(
        "delete_portfolio_share", {}, {"PortfolioId": "port-1", "AccountId": "444444444444"}
    )
    stubber.add_client_error(
        "delete_portfolio_share",
        "ResourceNotFoundException",
        expected_params={"PortfolioId": "port-1", "OrganizationNode": OU},
    )
    for physical_id in (
        "port-1|ACCOUNT|444444444444",
        "port-1|ORGANIZATIONAL_UNIT|ou-ab12-cdef3456",
    ):
        event = _event("Delete", index.PORTFOLIO_SHARE, {}, PhysicalResourceId=physical_id)
        assert _invoke(event, sc)["Status"] == "SUCCESS"


def test_unknown_share_type_fails_naming_the_allowed_ones(client: Any) -> None:
    sc, _ = client
    event = _event(
        "Create", index.PORTFOLIO_SHARE, {"PortfolioId": "port-1", "Type": "OU", "Value": "x"}
    )
    response = _invoke(event, sc)
    assert response["Status"] == "FAILED"
    assert "allowed: ACCOUNT, ORGANIZATIONAL_UNIT, ORGANIZATION" in response["Reason"]
