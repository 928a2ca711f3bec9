"""The OpenID Connect provider as the relying party sees it: its discovery document, its signing
keys, the authorization request (code flow with PKCE, state and nonce) and the code exchange.

Discovery and keys are cached for the life of the Lambda container (an hour at most); a token
signed with a key the cache does not know makes the keys be read again, at most every five
minutes, so a provider's key rotation is followed without letting anyone force a fetch per
request.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from . import jose
from .http import HttpClient, HttpError, require_https
from .settings import Community, Settings

DISCOVERY_PATH = "/.well-known/openid-configuration"
METADATA_TTL = 3600
KEY_REFRESH_INTERVAL = 300


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered nonsense (its message holds no secret)."""


class ProviderRefused(Exception):
    """The provider answered with an OAuth error, e.g. an expired or reused code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    device_authorization_endpoint: str | None
    basic_auth: bool


def pkce_challenge(verifier: str) -> str:
    """S256 code challenge of a PKCE verifier (RFC 7636, 4.2)."""
    return jose.b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


class Provider:
    """One identity provider, its metadata and keys cached."""

    def __init__(self, issuer: str, http: HttpClient) -> None:
        self.issuer = issuer
        self._http = http
        self._metadata: tuple[float, Metadata] | None = None
        self._keys: tuple[float, list[jose.RsaKey]] | None = None

    def _get_json(self, url: str, timeout: float) -> Any:
        try:
            response = self._http("GET", require_https(url), timeout=timeout)
            if response.status != 200:
                raise HttpError(f"HTTP {response.status} from {urlsplit(url).hostname}")
            return response.json()
        except HttpError as error:
            raise ProviderUnavailable(str(error)) from None

    def metadata(self, *, now: float, timeout: float) -> Metadata:
        if self._metadata is not None and now - self._metadata[0] < METADATA_TTL:
            return self._metadata[1]
        document = self._get_json(self.issuer.rstrip("/") + DISCOVERY_PATH, timeout)
        # OpenID Connect Discovery 1.0, 4.3: the document's issuer must be the one asked for.
        if not isinstance(document, dict) or document.get("issuer") != self.issuer:
            raise ProviderUnavailable("the discovery document names another issuer")
        try:
            endpoints = {
                name: require_https(str(document[name]))
                for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            }
            device = document.get("device_authorization_endpoint")
            methods = document.get("token_endpoint_auth_methods_supported") or [
                "client_secret_basic"
            ]
        except (KeyError, HttpError) as error:
            raise ProviderUnavailable(f"incomplete discovery document ({error})") from None
        metadata = Metadata(
            issuer=self.issuer,
            device_authorization_endpoint=require_https(str(device)) if device else None,
            basic_auth="client_secret_basic" in methods or "client_secret_post" not in methods,
            **endpoints,
        )
        self._metadata = (now, metadata)
        return metadata

    def keys(self, *, kid: str | None, now: float, timeout: float) -> list[jose.RsaKey]:
        """The provider's RSA signing keys; read again when ``kid`` is unknown (rate-limited)."""
        cached = self._keys
        fresh = cached is not None and now - cached[0] < METADATA_TTL
        known = cached is not None and (kid is None or any(k.kid == kid for k in cached[1]))
        may_refresh = cached is None or now - cached[0] >= KEY_REFRESH_INTERVAL
        if cached is not None and fresh and (known or not may_refresh):
            return cached[1]
        document = self._get_json(self.metadata(now=now, timeout=timeout).jwks_uri, timeout)
        raw_keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(raw_keys, list):
            raise ProviderUnavailable("the JWKS document has no keys")
        keys = [key for raw in raw_keys if isinstance(raw, dict) and (key := jose.rsa_key(raw))]
        self._keys = (now, keys)
        return keys

    def verify(
        self,
        token: str,
        *,
        audience: str,
        now: float,
        timeout: float,
        nonce: str | None = None,
    ) -> Mapping[str, Any]:
        """The claims of an ID token this provider signed for ``audience``."""
        parsed = jose.parse(token)
        jose.require_algorithm(parsed)
        kid = parsed.header.get("kid")
        jose.verify_signature(
            parsed, self.keys(kid=str(kid) if kid else None, now=now, timeout=timeout)
        )
        jose.check_claims(
            parsed.claims, issuer=self.issuer, audience=audience, now=now, leeway=60, nonce=nonce
        )
        return parsed.claims

    def authorization_url(
        self,
        settings: Settings,
        community: Community,
        *,
        state: str,
        nonce: str,
        verifier: str,
        now: float,
        timeout: float,
    ) -> str:
        endpoint = self.metadata(now=now, timeout=timeout).authorization_endpoint
        parameters = {
            "response_type": "code",
            "client_id": settings.client_id,
            "redirect_uri": settings.redirect_uri,
            "scope": settings.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
            **settings.extra_params,
        }
        if settings.provider_kind == "synapse":
            parameters["claims"] = synapse_claims_request(settings, community)
        separator = "&" if urlsplit(endpoint).query else "?"
        return endpoint + separator + urlencode(parameters)

    def exchange_code(
        self,
        *,
        code: str,
        verifier: str,
        settings: Settings,
        client_secret: str,
        now: float,
        timeout: float,
    ) -> Mapping[str, Any]:
        """The token response for an authorization code (RFC 6749, 4.1.3, with PKCE)."""
        metadata = self.metadata(now=now, timeout=timeout)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": settings.redirect_uri,
            "code_verifier": verifier,
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        if metadata.basic_auth:
            # RFC 6749, 2.3.1: both parts form-encoded before Basic encoding.
            pair = f"{_form(settings.client_id)}:{_form(client_secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form |= {"client_id": settings.client_id, "client_secret": client_secret}
        try:
            response = self._http(
                "POST",
                metadata.token_endpoint,
                headers=headers,
                body=urlencode(form).encode(),
                timeout=timeout,
            )
        except HttpError as error:
            raise ProviderUnavailable(str(error)) from None
        if 400 <= response.status < 500:
            raise ProviderRefused(_oauth_error(response.body))
        if response.status != 200:
            raise ProviderUnavailable(f"token endpoint answered HTTP {response.status}")
        try:
            answer = response.json()
        except HttpError as error:
            raise ProviderUnavailable(str(error)) from None
        if not isinstance(answer, dict) or not isinstance(answer.get("id_token"), str):
            raise ProviderUnavailable("the token response has no ID token")
        return answer


def synapse_claims_request(settings: Settings, community: Community) -> str:
    """Synapse returns ``userid``, ``user_name`` and the ``team`` memberships only when asked
    through the claims parameter (OpenID Connect Core 1.0, 5.5); ``team`` lists the requested
    teams the user belongs to. Only the team of the community being signed in to is asked for:
    the URL stays short however many communities the stage has, and the ID token reveals no
    other membership."""
    teams = [community.team_id] if community.team_id else []
    wanted: dict[str, Any] = {
        "userid": {"essential": True},
        "user_name": {"essential": True},
        "team": {"values": teams},
    }
    if settings.email_template is None:
        wanted |= {"email": {"essential": True}, "email_verified": {"essential": True}}
    return json.dumps({"id_token": wanted}, separators=(",", ":"), sort_keys=True)


def _form(value: str) -> str:
    return urlencode({"": value})[1:]


def _oauth_error(body: bytes) -> str:
    """The OAuth error code of a refusal (RFC 6749, 5.2), never its free text."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        error = None
    return error if isinstance(error, str) and error.replace("_", "").isalpha() else "refused"
