"""Who the verified user is and which communities they belong to.

- Browser sign-in: the claims of the verified ID token. Synapse puts the user ID in ``userid``
  (``sub`` is a pseudonym per client), the user name in ``user_name`` and the requested teams
  the user belongs to in ``team``; other providers use the configured claims and group claim.
- Command line with Synapse: a personal access token. It is a JWT Synapse signed; the service
  checks the signature and that it is a *personal* access token (``token_type``), not an access
  token Synapse issued to some other application, then asks Synapse's API, with the token,
  who its owner is and whether they are in the community's team (so a revoked token fails).
- Command line with another provider: an ID token of the command-line client (device
  authorization grant), verified like the browser's but without a nonce.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from . import jose
from .http import HttpClient, HttpError, require_https
from .oidc import Provider, ProviderUnavailable
from .settings import Community, Settings

# Role session names and source identities: 2..64 of [\w+=,.@-] (STS API reference).
USER_ID = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
# Tag values (IAM and STS): letters, digits, spaces and _ . : / = + - @, at most 256.
_TAG_UNSAFE = re.compile(r"[^\w .:/=+\-@]", re.UNICODE)
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,63}")
SYNAPSE_PAT = "PERSONAL_ACCESS_TOKEN"


class IdentityRefused(Exception):
    """The verified identity cannot be used (``reason`` is a short category)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    user_id: str
    username: str
    email: str
    memberships: frozenset[str] = field(default_factory=frozenset)

    def belongs_to(self, community: Community) -> bool:
        wanted = community.team_id if community.team_id is not None else community.group
        return wanted is not None and wanted in self.memberships


def tag_value(value: str) -> str:
    return _TAG_UNSAFE.sub("_", value)[:256]


def _user_id(value: Any) -> str:
    user_id = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not USER_ID.fullmatch(user_id):
        raise IdentityRefused("user id unusable as a session name")
    return user_id


def _email(settings: Settings, username: str, claims: Mapping[str, Any]) -> str:
    if settings.email_template is not None:
        email = settings.email_template.format(username=username)
    else:
        verified = claims.get("email_verified", True) is not False
        email = str(claims.get(settings.email_claim) or "") if verified else ""
    # A session tag value allows fewer characters than an address may hold: such an address
    # is left out rather than changed into someone else's.
    usable = _EMAIL.fullmatch(email) and len(email) <= 256 and tag_value(email) == email
    return email if usable else ""


def _memberships(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(str(item) for item in value if isinstance(item, str | int))
    return frozenset()


def from_claims(settings: Settings, claims: Mapping[str, Any]) -> Identity:
    """The identity in verified ID-token claims."""
    if settings.provider_kind == "synapse":
        user_id = _user_id(claims.get("userid"))
        username = str(claims.get("user_name") or user_id)
        groups = _memberships(claims.get("team"))
    else:
        user_id = _user_id(claims.get(settings.user_id_claim))
        username = str(claims.get(settings.username_claim) or user_id)
        groups = _memberships(claims.get(settings.group_claim))
    return Identity(
        user_id=user_id,
        username=tag_value(username),
        email=_email(settings, username, claims),
        memberships=groups,
    )


@dataclass(frozen=True)
class SynapseApi:
    """Synapse's REST API, asked with the user's own personal access token."""

    endpoint: str
    http: HttpClient

    def _get(self, path: str, token: str, timeout: float) -> Any:
        try:
            response = self.http(
                "GET",
                require_https(self.endpoint.rstrip("/") + path),
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=timeout,
            )
        except HttpError as error:
            raise ProviderUnavailable(str(error)) from None
        if response.status in (401, 403):
            raise IdentityRefused("token not accepted by Synapse")
        if response.status == 404:
            return None
        if response.status != 200:
            raise ProviderUnavailable(f"Synapse answered HTTP {response.status}")
        try:
            return response.json()
        except HttpError as error:
            raise ProviderUnavailable(str(error)) from None

    def identity(
        self,
        token: str,
        *,
        provider: Provider,
        settings: Settings,
        community: Community,
        timeout: float,
        now: float | None = None,
    ) -> Identity:
        now = time.time() if now is None else now
        parsed = jose.parse(token)
        jose.require_algorithm(parsed)
        kid = parsed.header.get("kid")
        jose.verify_signature(
            parsed, provider.keys(kid=str(kid) if kid else None, now=now, timeout=timeout)
        )
        claims = parsed.claims
        if claims.get("iss") != settings.issuer:
            raise jose.TokenInvalid("wrong issuer")
        if claims.get("token_type") != SYNAPSE_PAT:
            raise jose.TokenInvalid("not a personal access token")
        expires = claims.get("exp")
        if isinstance(expires, int | float) and now >= expires:
            raise jose.TokenInvalid("expired")
        profile = self._get("/userProfile", token, timeout)
        if not isinstance(profile, dict):
            raise IdentityRefused("no Synapse user profile")
        user_id = _user_id(profile.get("ownerId"))
        if str(claims.get("sub")) != user_id:
            raise jose.TokenInvalid("token subject is not its owner")
        username = str(profile.get("userName") or user_id)
        memberships: set[str] = set()
        if community.team_id is not None:
            path = f"/team/{quote(community.team_id)}/member/{quote(user_id)}/membershipStatus"
            status = self._get(path, token, timeout)
            if isinstance(status, dict) and status.get("isMember") is True:
                memberships.add(community.team_id)
        return Identity(
            user_id=user_id,
            username=tag_value(username),
            email=_email(settings, username, {}),
            memberships=frozenset(memberships),
        )


def record(users_table: str, identity: Identity, *, dynamodb: Any, now: float) -> None:
    """Keep the verified user name and e-mail by user ID: the product-context function reads
    them when this user launches a product (a session's tags cannot be read back)."""
    item = {
        "user_id": {"S": identity.user_id},
        "username": {"S": identity.username},
        "updated_at": {"N": str(int(now))},
    }
    if identity.email:
        item["email"] = {"S": identity.email}
    dynamodb.put_item(TableName=users_table, Item=item)
