"""The relying party's view of the provider: discovery must name the configured issuer and
https endpoints, keys are re-read for an unknown key ID at most every five minutes, and nothing
is ever sent over plain http."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog_constructs.sign_in.handler.sign_in_handlers import http, jose
from catalog_constructs.sign_in.handler.sign_in_handlers.oidc import (
    KEY_REFRESH_INTERVAL,
    Provider,
    ProviderUnavailable,
)
from catalog_constructs.sign_in.handler.sign_in_handlers.settings import Settings, SettingsError
from tests.fake_oidc import FakeIdentityProvider, public_jwk, rsa_private_key
from tests.sign_in_harness import ISSUER, raw_settings


def test_a_discovery_document_of_another_issuer_is_refused() -> None:
    """Mix-up: a document that names another issuer would let that issuer's tokens in."""
    idp = FakeIdentityProvider(ISSUER)
    original = idp.discovery
    idp.discovery = lambda: {**original(), "issuer": "https://evil.example.org"}  # type: ignore[method-assign]
    with pytest.raises(ProviderUnavailable, match="another issuer"):
        Provider(ISSUER, idp.http_client()).metadata(now=0, timeout=5)


def test_plain_http_endpoints_in_discovery_are_refused() -> None:
    idp = FakeIdentityProvider(ISSUER)
    original = idp.discovery
    idp.discovery = lambda: {**original(), "token_endpoint": "http://idp.example.org/token"}  # type: ignore[method-assign]
    with pytest.raises(ProviderUnavailable, match="incomplete discovery document"):
        Provider(ISSUER, idp.http_client()).metadata(now=0, timeout=5)


def test_keys_are_read_again_for_an_unknown_kid_but_not_more_than_every_five_minutes() -> None:
    idp = FakeIdentityProvider(ISSUER)
    provider = Provider(ISSUER, idp.http_client())
    assert [k.kid for k in provider.keys(kid="provider-key-1", now=1000, timeout=5)] == [
        "provider-key-1"
    ]
    rotated = public_jwk(rsa_private_key("rotated"), "provider-key-2")
    original = idp.jwks
    idp.jwks = lambda: {"keys": [*original()["keys"], rotated]}  # type: ignore[method-assign]

    soon = provider.keys(kid="provider-key-2", now=1000 + 10, timeout=5)
    later = provider.keys(kid="provider-key-2", now=1000 + KEY_REFRESH_INTERVAL, timeout=5)

    assert [k.kid for k in soon] == ["provider-key-1"]
    assert [k.kid for k in later] == ["provider-key-1", "provider-key-2"]
    assert sum(1 for _, url in idp.calls if url.endswith("/jwks")) == 2


def test_the_http_client_refuses_plain_http_before_connecting() -> None:
    with pytest.raises(http.HttpError, match="non-https"):
        http.urllib_client()(
            "GET", "http://idp.example.org/.well-known/openid-configuration", timeout=1
        )


@pytest.mark.parametrize("name", ["issuer", "base_url", "federation_url"])
def test_settings_with_a_plain_http_url_are_refused(name: str) -> None:
    raw: dict[str, Any] = raw_settings(**{name: "http://example.org"})
    with pytest.raises(SettingsError, match="https"):
        Settings.from_environ({"SIGN_IN_SETTINGS": json.dumps(raw)})


def test_a_token_of_an_unknown_algorithm_never_reaches_the_keys() -> None:
    idp = FakeIdentityProvider(ISSUER)
    provider = Provider(ISSUER, idp.http_client())
    header = jose.b64url_encode(json.dumps({"alg": "none"}).encode())
    claims = jose.b64url_encode(json.dumps({"iss": ISSUER}).encode())
    with pytest.raises(jose.TokenInvalid, match="unsupported algorithm"):
        provider.verify(f"{header}.{claims}.", audience="x", now=0, timeout=5)
    assert idp.calls == []
