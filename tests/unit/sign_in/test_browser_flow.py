"""The browser sign-in, request by request through the Lambda handler: a local OIDC provider
(real RSA signatures), moto's STS and DynamoDB, the federation endpoint faked. One test per
refusal the issue lists, and what a successful sign-in hands to AWS."""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from catalog_constructs.sign_in.handler.sign_in_handlers import app
from tests.fake_oidc import FEDERATION_URL, FakeIdentityProvider, rsa_private_key
from tests.sign_in_harness import (
    BASE_URL,
    CLIENT_ID,
    CONSOLE_URL,
    MEMBER,
    OUTSIDER,
    REGION,
    TEAM,
    USERS_TABLE,
    Browser,
    Clock,
)

ENTRY = f"{BASE_URL}/communities/consortium"


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def start(browser: Browser) -> str:
    """Open the entry point's sign-in link; the URL of the provider's authorization page."""
    response = browser.get(f"{ENTRY}/start")
    assert response["statusCode"] == 303, response["body"]
    return str(response["headers"]["Location"])


def sign_in(browser: Browser, provider: FakeIdentityProvider, user: str) -> dict[str, Any]:
    return browser.get(provider.approve(start(browser), user))


def refusal_of(response: dict[str, Any]) -> str:
    """The page's title (every refusal renders one)."""
    body = str(response["body"])
    return body.split("<h1>", 1)[1].split("</h1>", 1)[0]


def test_the_landing_page_lists_the_entry_points(browser: Browser) -> None:
    response = browser.get(f"{BASE_URL}/")
    assert response["statusCode"] == 200
    assert f'href="{ENTRY}"' in response["body"]
    assert "Research Consortium" in response["body"]


def test_the_entry_point_offers_sign_in(browser: Browser) -> None:
    response = browser.get(ENTRY)
    assert response["statusCode"] == 200
    assert "Sign in to Research Consortium" in response["body"]
    assert f'href="{ENTRY}/start"' in response["body"]


def test_start_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(
    browser: Browser, provider: FakeIdentityProvider
) -> None:
    response = browser.get(f"{ENTRY}/start")

    location = urlsplit(response["headers"]["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.issuer}/authorize"
    query = query_of(response["headers"]["Location"])
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"{BASE_URL}/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 40 and len(query["nonce"]) >= 40
    assert query["state"] != query["nonce"]
    # Synapse gives the user ID, user name and team memberships only when asked.
    assert json.loads(query["claims"]) == {
        "id_token": {
            "team": {"values": [TEAM]},
            "user_name": {"essential": True},
            "userid": {"essential": True},
        }
    }
    cookie = response["headers"]["Set-Cookie"]
    assert cookie.startswith("__Host-research-catalog-sign-in=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=600"):
        assert attribute in cookie


def test_a_member_lands_in_the_service_catalog_console_as_themselves(
    browser: Browser, provider: FakeIdentityProvider, services: app.Services
) -> None:
    response = sign_in(browser, provider, MEMBER)

    assert response["statusCode"] == 303, response["body"]
    login = response["headers"]["Location"]
    assert login.startswith(FEDERATION_URL + "?")
    query = query_of(login)
    assert query["Action"] == "login"
    assert query["Destination"] == CONSOLE_URL
    assert query["Issuer"] == ENTRY
    assert query["SigninToken"] in provider.sign_in_tokens
    # The session: named, and with source identity, after the verified Synapse user ID.
    (assumed,) = services.sts.assumed  # type: ignore[attr-defined]
    assert assumed["RoleArn"].endswith(":role/research-catalog-sign-in-consortium")
    assert assumed["RoleSessionName"] == assumed["SourceIdentity"] == MEMBER
    assert assumed["Tags"] == [
        {"Key": "research-catalog:username", "Value": "jane.doe"},
        {"Key": "research-catalog:email", "Value": "jane.doe@synapse.org"},
    ]
    assert assumed["DurationSeconds"] == 3600
    session = provider.sign_in_tokens[query["SigninToken"]]
    assert session["sessionId"].startswith("ASIA")
    # The binding cookie is cleared; the user's name and e-mail are kept for product owners.
    assert "Max-Age=0" in response["headers"]["Set-Cookie"]
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=USERS_TABLE, Key={"user_id": {"S": MEMBER}}
    )["Item"]
    assert (item["username"]["S"], item["email"]["S"]) == ("jane.doe", "jane.doe@synapse.org")


def test_a_non_member_is_told_how_to_join(
    browser: Browser, provider: FakeIdentityProvider, services: app.Services
) -> None:
    response = sign_in(browser, provider, OUTSIDER)

    assert response["statusCode"] == 403
    assert refusal_of(response) == "You are not a member of Research Consortium"
    assert f"https://www.synapse.org/Team:{TEAM}" in response["body"]
    assert "mailto:consortium-manager@example.org" in response["body"]
    assert services.sts.assumed == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url", [f"{BASE_URL}/communities/nope", f"{BASE_URL}/communities/nope/start"]
)
def test_an_unknown_community_is_refused(browser: Browser, url: str) -> None:
    response = browser.get(url)
    assert response["statusCode"] == 404
    assert refusal_of(response) == "Unknown community"
    assert f'href="{BASE_URL}/"' in response["body"]


def test_a_state_never_issued_is_refused(browser: Browser, provider: FakeIdentityProvider) -> None:
    callback = provider.approve(start(browser), MEMBER)
    forged = callback.replace(query_of(callback)["state"], "x" * 43)
    response = browser.get(forged)
    assert response["statusCode"] == 400
    assert refusal_of(response) == "This sign-in has expired or was already used"


def test_a_replayed_response_is_refused(
    browser: Browser, provider: FakeIdentityProvider, services: app.Services
) -> None:
    callback = provider.approve(start(browser), MEMBER)
    cookies = dict(browser.cookies)
    assert browser.get(callback)["statusCode"] == 303
    browser.cookies = cookies
    response = browser.get(callback)
    assert response["statusCode"] == 400
    assert refusal_of(response) == "This sign-in has expired or was already used"
    assert len(services.sts.assumed) == 1  # type: ignore[attr-defined]


def test_an_expired_sign_in_is_refused(
    browser: Browser, provider: FakeIdentityProvider, clock: Clock
) -> None:
    authorize = start(browser)
    clock.now += 601
    response = browser.get(provider.approve(authorize, MEMBER))
    assert response["statusCode"] == 400
    assert refusal_of(response) == "This sign-in has expired or was already used"


def test_a_response_in_another_browser_is_refused(
    browser: Browser, provider: FakeIdentityProvider, services: app.Services, lambda_context: Any
) -> None:
    """Login CSRF: an attacker's own sign-in response opened in a victim's browser."""
    callback = provider.approve(start(browser), MEMBER)
    victim = Browser(services, lambda_context)
    response = victim.get(callback)
    assert response["statusCode"] == 400
    assert refusal_of(response) == "This sign-in belongs to another browser window"


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        pytest.param({"exp": 1_000_000_000, "iat": 999_999_900}, "expired", id="expired-token"),
        pytest.param({"aud": "someone-else"}, "wrong audience", id="wrong-audience"),
        pytest.param({"iss": "https://evil.example.org"}, "wrong issuer", id="wrong-issuer"),
        pytest.param({"nonce": "not-the-nonce-sent"}, "wrong nonce", id="wrong-nonce"),
    ],
)
def test_an_id_token_failing_a_check_is_refused(
    browser: Browser,
    provider: FakeIdentityProvider,
    services: app.Services,
    capsys: pytest.CaptureFixture[str],
    override: dict[str, Any],
    reason: str,
) -> None:
    provider.claim_overrides = override
    response = sign_in(browser, provider, MEMBER)
    assert response["statusCode"] == 400
    assert refusal_of(response) == "Your identity could not be verified"
    assert f"token refused: {reason}" in capsys.readouterr().out
    assert services.sts.assumed == []  # type: ignore[attr-defined]


def test_a_token_with_a_bad_signature_is_refused(
    browser: Browser, provider: FakeIdentityProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider.signing_key = rsa_private_key("attacker")
    response = sign_in(browser, provider, MEMBER)
    assert response["statusCode"] == 400
    assert refusal_of(response) == "Your identity could not be verified"
    assert "token refused: bad signature" in capsys.readouterr().out


def test_a_reused_nonce_is_refused(
    browser: Browser, provider: FakeIdentityProvider, services: app.Services
) -> None:
    """Two sign-ins that end with tokens carrying one nonce: the second token is a replay."""
    tokens = iter(
        ["state-1", "nonce-x", "verifier-1" * 5, "binding-1"] * 1
        + ["state-2", "nonce-x", "verifier-2" * 5, "binding-2"]
    )
    services.random_token = lambda size: next(tokens)
    assert sign_in(browser, provider, MEMBER)["statusCode"] == 303
    response = sign_in(browser, provider, MEMBER)
    assert response["statusCode"] == 400
    assert refusal_of(response) == "This sign-in was already used"


@pytest.mark.parametrize(("error", "status"), [("access_denied", 400), ("server_error", 502)])
def test_a_provider_error_is_refused(
    browser: Browser, provider: FakeIdentityProvider, error: str, status: int
) -> None:
    response = browser.get(provider.deny(start(browser), error))
    assert response["statusCode"] == status
    assert refusal_of(response) == "The identity provider did not sign you in"


def test_a_provider_that_is_down_is_reported(
    browser: Browser, provider: FakeIdentityProvider
) -> None:
    provider.down = True
    response = browser.get(f"{ENTRY}/start")
    assert response["statusCode"] == 502
    assert refusal_of(response) == "The identity provider is not answering"


def test_a_token_endpoint_that_fails_is_reported(
    browser: Browser, provider: FakeIdentityProvider
) -> None:
    callback = provider.approve(start(browser), MEMBER)
    provider.down = True
    response = browser.get(callback)
    assert response["statusCode"] == 502
    assert refusal_of(response) == "The identity provider is not answering"


def test_a_code_the_provider_no_longer_accepts_is_refused(
    browser: Browser, provider: FakeIdentityProvider
) -> None:
    callback = provider.approve(start(browser), MEMBER)
    provider.codes.clear()
    response = browser.get(callback)
    assert response["statusCode"] == 400
    assert refusal_of(response) == "The sign-in could not be completed"


@pytest.mark.parametrize("drop", ["code", "state"])
def test_an_incomplete_response_is_refused(
    browser: Browser, provider: FakeIdentityProvider, drop: str
) -> None:
    callback = provider.approve(start(browser), MEMBER)
    kept = {k: v for k, v in query_of(callback).items() if k != drop}
    response = browser.get(f"{BASE_URL}/callback?" + "&".join(f"{k}={v}" for k, v in kept.items()))
    assert response["statusCode"] == 400
    assert refusal_of(response) == "Incomplete sign-in response"


def test_aws_refusing_the_session_is_reported(
    browser: Browser, provider: FakeIdentityProvider, services: app.Services
) -> None:
    from botocore.exceptions import ClientError

    class Refusing:
        def assume_role(self, **kwargs: Any) -> Any:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")

    services.sts = Refusing()
    response = sign_in(browser, provider, MEMBER)
    assert response["statusCode"] == 502
    assert refusal_of(response) == "The catalog could not open your AWS session"


def test_every_response_carries_the_security_headers(
    browser: Browser, provider: FakeIdentityProvider
) -> None:
    responses = [
        browser.get(f"{BASE_URL}/"),
        browser.get(f"{BASE_URL}/communities/nope"),
        browser.get(f"{ENTRY}/start"),
        sign_in(browser, provider, MEMBER),
    ]
    for response in responses:
        headers = response["headers"]
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_nothing_secret_reaches_the_logs(
    browser: Browser,
    provider: FakeIdentityProvider,
    services: app.Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    callback = provider.approve(start(browser), MEMBER)
    binding = dict(browser.cookies)
    code, state = query_of(callback)["code"], query_of(callback)["state"]
    response = browser.get(callback)
    browser.cookies = binding
    browser.get(callback)  # a refused replay is logged too
    logs = capsys.readouterr().out

    sign_in_token = query_of(response["headers"]["Location"])["SigninToken"]
    session = provider.sign_in_tokens[sign_in_token]
    secrets = [
        code,
        state,
        sign_in_token,
        *binding.values(),
        *session.values(),
        services.client_secret(),
    ]
    for secret in secrets:
        assert secret not in logs
    assert '"event": "signed in"' in logs and MEMBER in logs
    for line in logs.splitlines():
        json.loads(line)  # one JSON document per line


def test_a_misconfigured_function_says_so(
    lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "_DEFAULT", None)
    monkeypatch.setenv("SIGN_IN_SETTINGS", "{}")
    response = app.handler({"httpMethod": "GET", "path": "/"}, lambda_context)
    assert response["statusCode"] == 500
    assert "The sign-in service is misconfigured" in response["body"]


def test_unknown_paths_and_methods(
    browser: Browser, services: app.Services, lambda_context: Any
) -> None:
    from tests.sign_in_harness import event

    assert browser.get(f"{BASE_URL}/nowhere")["statusCode"] == 404
    response = app.handler(event("POST", f"{BASE_URL}/callback"), lambda_context, services=services)
    assert response["statusCode"] == 405


def test_an_unreadable_client_secret_is_reported_as_misconfiguration(
    browser: Browser, provider: FakeIdentityProvider, services: app.Services
) -> None:
    services.settings = dataclasses.replace(
        services.settings, client_secret_arn=services.settings.client_secret_arn + "-gone"
    )
    response = sign_in(browser, provider, MEMBER)
    assert response["statusCode"] == 500
    assert refusal_of(response) == "The sign-in service is misconfigured"


def test_an_address_a_session_tag_cannot_hold_is_left_out(
    browser: Browser, provider: FakeIdentityProvider, services: app.Services
) -> None:
    provider.users[MEMBER].user_name = "o'hara"
    assert sign_in(browser, provider, MEMBER)["statusCode"] == 303
    (assumed,) = services.sts.assumed  # type: ignore[attr-defined]
    assert assumed["Tags"] == [{"Key": "research-catalog:username", "Value": "o_hara"}]
