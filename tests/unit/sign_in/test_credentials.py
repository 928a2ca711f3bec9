"""POST /credentials: the command line's token exchanged for the community role's short-lived
credentials, in the JSON a ``credential_process`` prints. Synapse: a personal access token,
checked with Synapse; other providers: an ID token of the command-line client."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog_constructs.sign_in.handler.sign_in_handlers import app
from tests.fake_oidc import FakeIdentityProvider, rsa_private_key
from tests.sign_in_harness import (
    BASE_URL,
    MEMBER,
    OUTSIDER,
    TEAM,
    Clock,
    event,
    make_services,
    oidc_settings,
)


def post(
    services: app.Services,
    context: Any,
    token: str | None,
    community: str = "consortium",
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = app.handler(
        event(
            "POST",
            f"{BASE_URL}/credentials",
            headers=headers,
            body=json.dumps({"community": community}),
        ),
        context,
        services=services,
    )
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["headers"]["Cache-Control"] == "no-store"
    return response["statusCode"], json.loads(response["body"])


def test_a_members_personal_access_token_gets_credential_process_json(
    services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    pat = provider.personal_access_token(provider.users[MEMBER])

    status, body = post(services, lambda_context, pat)

    assert status == 200, body
    assert body["Version"] == 1
    assert body["AccessKeyId"].startswith("ASIA")
    assert body["SecretAccessKey"] and body["SessionToken"]
    assert body["Expiration"].endswith("Z")
    (assumed,) = services.sts.assumed  # type: ignore[attr-defined]
    assert assumed["RoleSessionName"] == assumed["SourceIdentity"] == MEMBER
    # Synapse was asked, with the user's own token, who owns it and whether they are in the team.
    assert ("GET", f"{provider.repo_endpoint}/userProfile") in provider.calls
    membership = f"{provider.repo_endpoint}/team/{TEAM}/member/{MEMBER}/membershipStatus"
    assert ("GET", membership) in provider.calls


def test_a_non_members_token_is_refused(
    services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    status, body = post(
        services, lambda_context, provider.personal_access_token(provider.users[OUTSIDER])
    )
    assert (status, body["error"]) == (403, "not_member")
    assert services.sts.assumed == []  # type: ignore[attr-defined]


def test_an_access_token_issued_to_another_application_is_refused(
    services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    """A third-party Synapse app holding a user's OAuth access token must not get the user's
    AWS credentials with it: only personal access tokens are accepted."""
    token = provider.personal_access_token(provider.users[MEMBER], token_type="OIDC_ACCESS_TOKEN")
    status, body = post(services, lambda_context, token)
    assert (status, body["error"]) == (401, "token_invalid")


def test_a_revoked_token_is_refused(
    services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    token = provider.personal_access_token(provider.users[MEMBER])
    provider.pats.clear()  # revoked in Synapse: its signature is still good
    status, body = post(services, lambda_context, token)
    assert (status, body["error"]) == (401, "token_invalid")


def test_a_forged_token_is_refused_without_asking_synapse(
    services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    provider.signing_key = rsa_private_key("attacker")
    token = provider.personal_access_token(provider.users[MEMBER])
    status, body = post(services, lambda_context, token)
    assert (status, body["error"]) == (401, "token_invalid")
    assert not any(url.startswith(provider.repo_endpoint) for _, url in provider.calls)


@pytest.mark.parametrize("token", [None, "", "not-a-jwt"])
def test_no_usable_token_is_refused(
    services: app.Services, lambda_context: Any, token: str | None
) -> None:
    status, body = post(services, lambda_context, token)
    assert status == 401 and body["error"] in ("unauthenticated", "token_invalid")


def test_an_unknown_community_is_refused(
    services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    status, body = post(
        services, lambda_context, provider.personal_access_token(provider.users[MEMBER]), "nope"
    )
    assert (status, body["error"]) == (404, "unknown_community")


def test_synapse_being_down_is_reported(
    services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    token = provider.personal_access_token(provider.users[MEMBER])
    services.provider.keys(kid=None, now=services.clock(), timeout=5)  # keys cached
    provider.down = True
    status, body = post(services, lambda_context, token)
    assert (status, body["error"]) == (502, "provider_unavailable")


@pytest.fixture
def oidc_services(aws: None, provider: FakeIdentityProvider, clock: Clock) -> app.Services:
    return make_services(oidc_settings(), provider.http_client(), clock=clock)


def cli_id_token(provider: FakeIdentityProvider, user: str, audience: str = "catalog-cli") -> str:
    return provider.id_token(provider.users[user], audience=audience, nonce=None, claims_request={})


def test_an_oidc_command_line_id_token_gets_credentials(
    oidc_services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    status, body = post(oidc_services, lambda_context, cli_id_token(provider, MEMBER))
    assert status == 200, body
    (assumed,) = oidc_services.sts.assumed  # type: ignore[attr-defined]
    # A generic provider's stable user ID is its sub claim.
    assert assumed["RoleSessionName"].startswith("pairwise-")
    assert assumed["Tags"][1] == {"Key": "research-catalog:email", "Value": "jane.doe@example.org"}


def test_an_id_token_of_the_browser_client_is_refused_on_the_command_line(
    oidc_services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    status, body = post(oidc_services, lambda_context, cli_id_token(provider, MEMBER, "100002"))
    assert (status, body["error"]) == (401, "token_invalid")


def test_an_oidc_non_member_is_refused(
    oidc_services: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    status, body = post(oidc_services, lambda_context, cli_id_token(provider, OUTSIDER))
    assert (status, body["error"]) == (403, "not_member")


def test_the_command_line_learns_the_provider(
    services: app.Services, oidc_services: app.Services, lambda_context: Any
) -> None:
    documents = [
        json.loads(app.handler(event("GET", f"{BASE_URL}/cli"), lambda_context, services=s)["body"])
        for s in (services, oidc_services)
    ]
    assert documents[0]["token"] == "synapse-personal-access-token"
    assert documents[1]["token"] == "oidc-id-token"
    assert documents[1]["cli_client_id"] == "catalog-cli"
    assert documents[0]["communities"] == ["consortium"] and documents[0]["region"] == "us-east-1"
