"""A local OpenID Connect provider for the sign-in tests: a real RSA key pair, a discovery
document, a JWKS, the authorization endpoint (authorization code with PKCE), the token endpoint
(client_secret_basic or _post, code_verifier checked), the device authorization grant and
refresh tokens for the command line, Synapse's personal access tokens and the two Synapse REST
calls the service makes, and AWS's federation endpoint (getSigninToken).

Tokens are signed with PyJWT on ``cryptography``, independently of the service's own verifier.
``FakeIdentityProvider.handle`` answers one HTTP request; ``http_client()`` adapts it to the
service's HTTP client seam, and tests/browser/ serves it over real HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from catalog_constructs.sign_in.handler.sign_in_handlers.http import Response

FEDERATION_URL = "https://signin.aws.amazon.com/federation"
SYNAPSE_PAT = "PERSONAL_ACCESS_TOKEN"


@cache
def rsa_private_key(name: str = "provider") -> rsa.RSAPrivateKey:
    """One 2048-bit key per name for the whole test session (generating one takes ~50 ms)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()

    def encode(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": encode(numbers.n),
        "e": encode(numbers.e),
    }


@dataclass
class User:
    user_id: str
    user_name: str
    teams: set[str] = field(default_factory=set)
    email: str = ""


@dataclass
class PendingCode:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    user: User
    claims_request: Mapping[str, Any]


class FakeIdentityProvider:
    def __init__(
        self,
        issuer: str,
        *,
        client_id: str = "100002",
        client_secret: str = "test-client-secret",
        repo_endpoint: str = "",
        cli_client_id: str = "catalog-cli",
        basic_auth: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.repo_endpoint = repo_endpoint.rstrip("/")
        self.clients = {client_id: client_secret, cli_client_id: ""}
        self.cli_client_id = cli_client_id
        self.basic_auth = basic_auth
        self.clock = clock
        self.key = rsa_private_key()
        self.kid = "provider-key-1"
        self.users: dict[str, User] = {}
        self.codes: dict[str, PendingCode] = {}
        self.device_codes: dict[str, tuple[str, User | None]] = {}
        self.refresh_tokens: dict[str, User] = {}
        self.pats: dict[str, User] = {}
        # Test switches: the provider is down; every ID token gets these claims changed;
        # ID tokens are signed with another key.
        self.down = False
        self.claim_overrides: dict[str, Any] = {}
        self.signing_key: rsa.RSAPrivateKey | None = None
        self.calls: list[tuple[str, str]] = []  # (method, URL without query)
        self.sign_in_tokens: dict[str, dict[str, str]] = {}

    # ---- people

    def add_user(self, user_id: str, user_name: str, *teams: str, email: str = "") -> User:
        user = User(user_id, user_name, set(teams), email or f"{user_name}@example.org")
        self.users[user_id] = user
        return user

    # ---- documents

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "device_authorization_endpoint": f"{self.issuer}/device",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic" if self.basic_auth else "client_secret_post"
            ],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.key, self.kid)]}

    # ---- tokens

    def sign(self, claims: Mapping[str, Any], *, key: rsa.RSAPrivateKey | None = None) -> str:
        signer = key or self.signing_key or self.key
        return jwt.encode(dict(claims), signer, algorithm="RS256", headers={"kid": self.kid})

    def id_token(
        self, user: User, *, audience: str, nonce: str | None, claims_request: Mapping[str, Any]
    ) -> str:
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": audience,
            "sub": "pairwise-" + hashlib.sha256(user.user_id.encode()).hexdigest()[:12],
            "iat": now,
            "exp": now + 60,
            "token_type": "OIDC_ID_TOKEN",
            "userid": user.user_id,
            "user_name": user.user_name,
            "preferred_username": user.user_name,
            "email": user.email,
            "email_verified": True,
            "groups": sorted(user.teams),
        }
        wanted_teams = ((claims_request.get("id_token") or {}).get("team") or {}).get("values")
        if wanted_teams is not None:
            claims["team"] = sorted(user.teams & set(wanted_teams))
        if nonce is not None:
            claims["nonce"] = nonce
        claims.update(self.claim_overrides)
        return self.sign(claims)

    def personal_access_token(self, user: User, *, token_type: str = SYNAPSE_PAT) -> str:
        now = int(self.clock())
        claims = {
            "iss": self.issuer,
            "aud": "0",
            "sub": user.user_id,
            "iat": now,
            "nbf": now,
            "jti": secrets.token_hex(4),
            "token_type": token_type,
            "access": {"scope": ["view"], "oidc_claims": {}},
        }
        token = self.sign(claims)
        self.pats[token] = user
        return token

    # ---- the browser's side of the authorization endpoint

    def approve(self, authorize_url: str, user_id: str) -> str:
        """The redirect back to the service after ``user_id`` signed in and consented."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = PendingCode(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            challenge=query["code_challenge"],
            nonce=query["nonce"],
            user=self.users[user_id],
            claims_request=json.loads(query.get("claims", "{}")),
        )
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def deny(self, authorize_url: str, error: str = "access_denied") -> str:
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        return f"{query['redirect_uri']}?{urlencode({'error': error, 'state': query['state']})}"

    # ---- HTTP

    def http_client(self) -> Callable[..., Response]:
        def call(
            method: str,
            url: str,
            *,
            headers: Mapping[str, str] | None = None,
            body: bytes | None = None,
            timeout: float,
        ) -> Response:
            assert timeout > 0
            assert url.startswith("https://"), url
            status, document = self.handle(method, url, dict(headers or {}), body or b"")
            return Response(status, json.dumps(document).encode())

        return call

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Any]:
        parts = urlsplit(url)
        bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
        self.calls.append((method, bare))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if bare == FEDERATION_URL:
            return self._federation(query)
        if self.down:
            return 503, {"error": "temporarily_unavailable"}
        if self.repo_endpoint and bare.startswith(self.repo_endpoint + "/"):
            return self._synapse(bare[len(self.repo_endpoint) :], headers)
        path = bare[len(self.issuer) :] if bare.startswith(self.issuer) else None
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        routes: dict[tuple[str, str | None], Callable[[], tuple[int, Any]]] = {
            ("GET", "/.well-known/openid-configuration"): lambda: (200, self.discovery()),
            ("GET", "/jwks"): lambda: (200, self.jwks()),
            ("POST", "/token"): lambda: self._token(form, lower),
            ("POST", "/device"): lambda: self._device(form),
        }
        answer = routes.get((method, path))
        return answer() if answer else (404, {"error": "not_found"})

    def _client(self, form: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
        authorization = headers.get("authorization", "")
        if authorization.startswith("Basic "):
            raw = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = raw.partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        known = self.clients.get(client_id)
        if known is None or (known and not secrets.compare_digest(known, secret)):
            return None
        return client_id

    def _token(self, form: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, Any]:
        grant = form.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            return self._device_token(form)
        if grant == "refresh_token":
            user = self.refresh_tokens.get(form.get("refresh_token", ""))
            if user is None or form.get("client_id") != self.cli_client_id:
                return 400, {"error": "invalid_grant"}
            return 200, self._cli_tokens(user)
        client_id = self._client(form, headers)
        if client_id is None:
            return 401, {"error": "invalid_client"}
        pending = self.codes.pop(form.get("code", ""), None)
        if pending is None or pending.client_id != client_id:
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != pending.redirect_uri:
            return 400, {"error": "invalid_grant"}
        challenge = (
            base64.urlsafe_b64encode(
                hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            )
            .rstrip(b"=")
            .decode()
        )
        if challenge != pending.challenge:
            return 400, {"error": "invalid_grant"}
        token = self.id_token(
            pending.user,
            audience=client_id,
            nonce=pending.nonce,
            claims_request=pending.claims_request,
        )
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "id_token": token,
        }

    def _cli_tokens(self, user: User) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(16)
        self.refresh_tokens[refresh] = user
        token = self.id_token(user, audience=self.cli_client_id, nonce=None, claims_request={})
        return {"id_token": token, "refresh_token": refresh, "token_type": "Bearer"}

    def _device(self, form: Mapping[str, str]) -> tuple[int, Any]:
        if form.get("client_id") != self.cli_client_id:
            return 400, {"error": "invalid_client"}
        device_code = secrets.token_urlsafe(16)
        self.device_codes[device_code] = ("ABCD-EFGH", None)
        return 200, {
            "device_code": device_code,
            "user_code": "ABCD-EFGH",
            "verification_uri": f"{self.issuer}/activate",
            "verification_uri_complete": f"{self.issuer}/activate?user_code=ABCD-EFGH",
            "expires_in": 600,
            "interval": 1,
        }

    def approve_device(self, user_id: str) -> None:
        for device_code, (user_code, _) in list(self.device_codes.items()):
            self.device_codes[device_code] = (user_code, self.users[user_id])

    def _device_token(self, form: Mapping[str, str]) -> tuple[int, Any]:
        entry = self.device_codes.get(form.get("device_code", ""))
        if entry is None:
            return 400, {"error": "expired_token"}
        if entry[1] is None:
            return 400, {"error": "authorization_pending"}
        del self.device_codes[form["device_code"]]
        return 200, self._cli_tokens(entry[1])

    def _synapse(self, path: str, headers: Mapping[str, str]) -> tuple[int, Any]:
        token = {k.lower(): v for k, v in headers.items()}.get("authorization", "")[7:]
        user = self.pats.get(token)
        if user is None:
            return 401, {"reason": "Invalid access token"}
        if path == "/userProfile":
            return 200, {"ownerId": user.user_id, "userName": user.user_name}
        parts = path.split("/")
        if len(parts) == 6 and parts[1] == "team" and parts[5] == "membershipStatus":
            member = parts[4] == user.user_id and parts[2] in user.teams
            return 200, {"teamId": parts[2], "userId": parts[4], "isMember": member}
        return 404, {"reason": "not found"}

    def _federation(self, query: Mapping[str, str]) -> tuple[int, Any]:
        if query.get("Action") != "getSigninToken" or "SessionDuration" in query:
            return 400, {"error": "bad request"}
        session = json.loads(query["Session"])
        assert set(session) == {"sessionId", "sessionKey", "sessionToken"}
        token = "signin-" + secrets.token_urlsafe(12)
        self.sign_in_tokens[token] = session
        return 200, {"SigninToken": token}
