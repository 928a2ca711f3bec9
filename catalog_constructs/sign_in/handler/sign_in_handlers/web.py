"""What every route of the sign-in service shares: the request and response as API Gateway's
Lambda proxy integration carries them, the clients (``Services``), timeouts derived from the
Lambda's remaining time, the log, and the community lookups and the session every successful
sign-in ends with."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import federation, identity, jose, pages, refusals
from .directory import CommunityDirectory, DirectoryUnavailable, EntryInvalid
from .http import HttpClient
from .oidc import Provider
from .settings import Community, Settings

COOKIE = "__Host-research-catalog-sign-in"
SECRET_CACHE_SECONDS = 300
# Time kept back from Lambda's (and API Gateway's 29 s) limit to answer.
_ANSWER_SECONDS = 2.0
_MAX_CALL_SECONDS = 8.0
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": pages.CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def log(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}, default=str, sort_keys=True), flush=True)


@dataclass
class Services:
    """What the handler talks to; the tests pass their own."""

    settings: Settings
    http: HttpClient
    sts: Any
    dynamodb: Any
    secretsmanager: Any
    provider: Provider
    ssm: Any
    clock: Callable[[], float] = time.time
    random_token: Callable[[int], str] = secrets.token_urlsafe
    _secret: tuple[float, str] | None = field(default=None, repr=False)
    _directory: CommunityDirectory | None = field(default=None, repr=False)

    @property
    def directory(self) -> CommunityDirectory:
        if self._directory is None:
            self._directory = CommunityDirectory(
                ssm=self.ssm,
                path=self.settings.communities_path,
                provider_kind=self.settings.provider_kind,
                role_arn_prefix=self.settings.role_arn_prefix,
                log=log,
            )
        return self._directory

    def communities(self, deadline: Deadline) -> Mapping[str, Community]:
        """Every sign-in community (refused with a page when SSM cannot be read)."""
        try:
            return self.directory.all(now=self.clock(), remaining=deadline.remaining)
        except DirectoryUnavailable as error:
            raise refusals.communities_unavailable(None, str(error)) from None

    def known_community(self, name: str | None) -> Community | None:
        """A community of the last listing, without reading SSM (for refusal pages)."""
        listing = self.directory.cached()
        return listing.communities.get(name or "") if listing else None

    def client_secret(self) -> str:
        now = self.clock()
        if self._secret is None or now - self._secret[0] > SECRET_CACHE_SECONDS:
            value = self.secretsmanager.get_secret_value(SecretId=self.settings.client_secret_arn)
            self._secret = (now, str(value["SecretString"]).strip())
        return self._secret[1]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: str

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Request:
        query = {
            key: [str(v) for v in values]
            for key, values in (event.get("multiValueQueryStringParameters") or {}).items()
        } or {key: [str(v)] for key, v in (event.get("queryStringParameters") or {}).items()}
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            body = jose.b64url_decode(body.replace("+", "-").replace("/", "_").rstrip("=")).decode(
                "utf-8", "replace"
            )
        return cls(
            method=str(event.get("httpMethod", "GET")).upper(),
            path=str(event.get("path") or "/"),
            query=query,
            headers={str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()},
            body=body,
        )

    def one(self, name: str) -> str | None:
        """A query parameter given exactly once (a repeated one is refused as absent)."""
        values = self.query.get(name) or []
        return values[0] if len(values) == 1 and values[0] else None

    def cookie(self, name: str) -> str | None:
        for part in self.headers.get("cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name and value:
                return value
        return None


@dataclass
class Response:
    status: int
    body: str
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def to_event(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": {**SECURITY_HEADERS, "Content-Type": self.content_type, **self.headers},
            "body": self.body,
            "isBase64Encoded": False,
        }


class Deadline:
    """Timeouts of outbound calls, derived from the Lambda's remaining time."""

    def __init__(self, context: Any) -> None:
        remaining = getattr(context, "get_remaining_time_in_millis", lambda: 29_000)()
        self._end = time.monotonic() + remaining / 1000 - _ANSWER_SECONDS

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def timeout(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0.5:
            raise refusals.provider_unavailable(None, "no time left for the next call")
        return min(_MAX_CALL_SECONDS, left)


def cookie(value: str, max_age: int) -> str:
    # __Host-: Secure, no Domain, Path=/ (RFC 6265bis); Lax: the provider's redirect back is a
    # cross-site top-level GET, which Strict would strip the cookie from.
    return f"{COOKIE}={value}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=Lax"


def render_page(page: pages.Page, services: Services, status: int = 200) -> Response:
    return Response(status, pages.render(page, services.settings))


def find_community(services: Services, name: str, deadline: Deadline) -> Community:
    try:
        community = services.directory.community(
            name, now=services.clock(), remaining=deadline.remaining
        )
    except DirectoryUnavailable as error:
        raise refusals.communities_unavailable(name, str(error)) from None
    except EntryInvalid as error:
        raise refusals.community_misconfigured(name, str(error)) from None
    if community is None:
        raise refusals.unknown_community(name)
    return community


def require_member(services: Services, community: Community, who: identity.Identity) -> None:
    if not who.belongs_to(community):
        raise refusals.not_member(community.name, community.title, who.user_id)


def open_session(
    services: Services, community: Community, who: identity.Identity
) -> federation.Credentials:
    identity.record(
        services.settings.users_table, who, dynamodb=services.dynamodb, now=services.clock()
    )
    try:
        return federation.assume_community_role(
            services.sts, community, who, seconds=services.settings.session_seconds
        )
    except federation.AwsRefused as error:
        raise refusals.aws_refused(community.name, str(error)) from None
