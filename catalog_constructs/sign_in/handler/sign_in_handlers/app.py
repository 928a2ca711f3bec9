"""Lambda entry point of the sign-in service, behind API Gateway (REST, Lambda proxy).

Routes (``ROUTES``):

- ``GET /``: the sign-in communities, each with its entry point.
- ``GET /communities/<name>``: a community's entry point, with the sign-in button.
- ``GET /communities/<name>/start``: a new single-use sign-in (state, nonce, PKCE verifier and
  a browser-binding cookie), then off to the identity provider.
- ``GET /callback``: the provider's answer. State (single use, this browser, unexpired), code
  exchange with PKCE, ID token (signature, issuer, audience, expiry, nonce, nonce not used
  before), membership, then the community role's session and the console.
- ``POST /credentials``: the command line's token for short-lived credentials, as the JSON a
  ``credential_process`` prints.
- ``GET /cli``: what the command-line helper needs to know (provider, client, communities).

Logs are JSON lines of allow-listed fields: never a token, code, state, cookie, secret or
credential.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from . import federation, identity, jose, pages, refusals
from .flow_store import STATE_SECONDS, FlowStore, PendingSignIn, digest
from .http import HttpClient, urllib_client
from .oidc import Provider, ProviderRefused, ProviderUnavailable
from .refusals import Refusal
from .settings import Community, Settings, SettingsError

COOKIE = "__Host-research-catalog-sign-in"
SECRET_CACHE_SECONDS = 300
# Time kept back from Lambda's (and API Gateway's 29 s) limit to answer.
_ANSWER_SECONDS = 2.0
_MAX_CALL_SECONDS = 8.0
_COMMUNITY_PATH = re.compile(r"/communities/(?P<name>[^/]{1,64})(?P<start>/start)?")
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
    clock: Callable[[], float] = time.time
    random_token: Callable[[int], str] = secrets.token_urlsafe
    _secret: tuple[float, str] | None = field(default=None, repr=False)

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

    def timeout(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0.5:
            raise refusals.provider_unavailable(None, "no time left for the next call")
        return min(_MAX_CALL_SECONDS, left)


def _cookie(value: str, max_age: int) -> str:
    # __Host-: Secure, no Domain, Path=/ (RFC 6265bis); Lax: the provider's redirect back is a
    # cross-site top-level GET, which Strict would strip the cookie from.
    return f"{COOKIE}={value}; Max-Age={max_age}; Path=/; Secure; HttpOnly; SameSite=Lax"


def _page(page: pages.Page, services: Services, status: int = 200) -> Response:
    return Response(status, pages.render(page, services.settings))


def _community(services: Services, name: str) -> Community:
    community = services.settings.communities.get(name)
    if community is None:
        raise refusals.unknown_community(name)
    return community


# ---- the browser flow


def landing(request: Request, services: Services, deadline: Deadline) -> Response:
    return _page(pages.landing(services.settings), services)


def community_page(request: Request, services: Services, deadline: Deadline, name: str) -> Response:
    return _page(pages.community_page(services.settings, _community(services, name)), services)


def start(request: Request, services: Services, deadline: Deadline, name: str) -> Response:
    community = _community(services, name)
    now = services.clock()
    state, nonce = services.random_token(32), services.random_token(32)
    verifier, binding = services.random_token(48), services.random_token(32)
    try:
        url = services.provider.authorization_url(
            services.settings,
            state=state,
            nonce=nonce,
            verifier=verifier,
            now=now,
            timeout=deadline.timeout(),
        )
    except ProviderUnavailable as error:
        raise refusals.provider_unavailable(name, str(error)) from None
    FlowStore(services.settings.flow_table, services.dynamodb).begin(
        state=state,
        pending=PendingSignIn(
            community=community.name,
            nonce_hash=digest(nonce),
            verifier=verifier,
            binding_hash=digest(binding),
            expires_at=int(now) + STATE_SECONDS,
        ),
    )
    log("sign-in started", community=name)
    return Response(
        303, "", headers={"Location": url, "Set-Cookie": _cookie(binding, STATE_SECONDS)}
    )


def _pending(request: Request, services: Services) -> tuple[Community, PendingSignIn]:
    state = request.one("state")
    if state is None:
        raise refusals.incomplete_response("no state")
    pending = FlowStore(services.settings.flow_table, services.dynamodb).consume(state)
    if pending is None or pending.expires_at <= services.clock():
        raise refusals.expired_or_replayed()
    community = _community(services, pending.community)
    binding = request.cookie(COOKIE)
    if binding is None or not hmac.compare_digest(digest(binding), pending.binding_hash):
        raise refusals.wrong_browser(community.name)
    return community, pending


def _verified_claims(
    request: Request,
    services: Services,
    deadline: Deadline,
    community: Community,
    pending: PendingSignIn,
) -> Mapping[str, Any]:
    settings = services.settings
    error = request.one("error")
    if error is not None:
        safe = error if re.fullmatch(r"[a-z_]{1,40}", error) else "unknown"
        raise refusals.provider_error(community.name, safe)
    code = request.one("code")
    if code is None:
        raise refusals.incomplete_response("no code")
    now = services.clock()
    try:
        client_secret = services.client_secret()
    except ClientError as failure:
        code_name = failure.response.get("Error", {}).get("Code", "error")
        raise refusals.misconfigured(f"the client secret cannot be read ({code_name})") from None
    try:
        answer = services.provider.exchange_code(
            code=code,
            verifier=pending.verifier,
            settings=settings,
            client_secret=client_secret,
            now=now,
            timeout=deadline.timeout(),
        )
        claims = services.provider.verify(
            answer["id_token"], audience=settings.client_id, now=now, timeout=deadline.timeout()
        )
    except ProviderRefused as refused:
        raise refusals.code_refused(community.name, refused.error) from None
    except ProviderUnavailable as unavailable:
        raise refusals.provider_unavailable(community.name, str(unavailable)) from None
    except jose.TokenInvalid as invalid:
        raise refusals.token_invalid(community.name, invalid.reason) from None
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(digest(nonce), pending.nonce_hash):
        raise refusals.token_invalid(community.name, "wrong nonce")
    expires = int(float(claims.get("exp", now))) + 120
    if not FlowStore(settings.flow_table, services.dynamodb).spend_nonce(nonce, expires_at=expires):
        raise refusals.replayed(community.name)
    return claims


def _member(services: Services, community: Community, who: identity.Identity) -> None:
    if not who.belongs_to(community):
        raise refusals.not_member(community.name, community.title, who.user_id)


def _session(
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


def callback(request: Request, services: Services, deadline: Deadline) -> Response:
    community, pending = _pending(request, services)
    claims = _verified_claims(request, services, deadline, community, pending)
    try:
        who = identity.from_claims(services.settings, claims)
    except identity.IdentityRefused as refused:
        raise refusals.identity_unusable(community.name, refused.reason) from None
    _member(services, community, who)
    credentials = _session(services, community, who)
    try:
        url = federation.console_url(
            credentials,
            services.settings,
            community,
            http=services.http,
            timeout=deadline.timeout(),
        )
    except federation.AwsRefused as error:
        raise refusals.aws_refused(community.name, str(error)) from None
    log("signed in", community=community.name, user_id=who.user_id, via="browser")
    return Response(303, "", headers={"Location": url, "Set-Cookie": _cookie("", 0)})


# ---- the command line


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise refusals.unauthenticated("no bearer token")
    return token.strip()


def _requested_community(request: Request, services: Services) -> Community:
    name = request.one("community")
    if name is None and request.body:
        try:
            body = json.loads(request.body)
        except json.JSONDecodeError:
            body = None
        name = body.get("community") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        raise refusals.unknown_community("(none given)")
    return _community(services, name)


def _cli_identity(
    token: str, services: Services, deadline: Deadline, community: Community
) -> identity.Identity:
    settings = services.settings
    try:
        if settings.provider_kind == "synapse":
            api = identity.SynapseApi(str(settings.repo_endpoint), services.http)
            return api.identity(
                token,
                provider=services.provider,
                settings=settings,
                community=community,
                timeout=deadline.timeout(),
                now=services.clock(),
            )
        if settings.cli_client_id is None:
            raise refusals.unauthenticated("the command line is not enabled for this provider")
        claims = services.provider.verify(
            token, audience=settings.cli_client_id, now=services.clock(), timeout=deadline.timeout()
        )
        return identity.from_claims(settings, claims)
    except jose.TokenInvalid as invalid:
        raise refusals.token_invalid(None, invalid.reason) from None
    except ProviderUnavailable as unavailable:
        raise refusals.provider_unavailable(community.name, str(unavailable)) from None
    except identity.IdentityRefused as refused:
        raise refusals.token_invalid(None, refused.reason) from None


def credentials(request: Request, services: Services, deadline: Deadline) -> Response:
    token = _bearer(request)
    community = _requested_community(request, services)
    who = _cli_identity(token, services, deadline, community)
    _member(services, community, who)
    session = _session(services, community, who)
    log("signed in", community=community.name, user_id=who.user_id, via="command line")
    return Response(200, json.dumps(session.credential_process()), "application/json")


def cli_settings(request: Request, services: Services, deadline: Deadline) -> Response:
    settings = services.settings
    document = {
        "provider": settings.provider_kind,
        "issuer": settings.issuer,
        "token": "synapse-personal-access-token"
        if settings.provider_kind == "synapse"
        else "oidc-id-token",
        "cli_client_id": settings.cli_client_id,
        "scope": settings.scope,
        "region": settings.region,
        "communities": sorted(settings.communities),
    }
    return Response(200, json.dumps(document), "application/json")


# ---- routing

Route = Callable[[Request, Services, Deadline], Response]
ROUTES: Mapping[tuple[str, str], Route] = {
    ("GET", "/"): landing,
    ("GET", "/callback"): callback,
    ("POST", "/credentials"): credentials,
    ("GET", "/cli"): cli_settings,
}
JSON_PATHS = ("/credentials", "/cli")


def route(request: Request, services: Services, deadline: Deadline) -> Response:
    path = request.path.rstrip("/") or "/"
    if (request.method, path) in ROUTES:
        return ROUTES[(request.method, path)](request, services, deadline)
    if match := _COMMUNITY_PATH.fullmatch(path):
        if request.method != "GET":
            raise refusals.method_not_allowed()
        if match["start"]:
            return start(request, services, deadline, match["name"])
        return community_page(request, services, deadline, match["name"])
    if any(path == known for _, known in ROUTES):
        raise refusals.method_not_allowed()
    raise refusals.not_found()


def refusal_response(refusal: Refusal, request: Request, services: Services | None) -> Response:
    path = request.path.rstrip("/")
    if path in JSON_PATHS:
        body = json.dumps({"error": refusal.code, "message": refusal.message})
        return Response(refusal.status, body, "application/json")
    links: list[pages.Link] = []
    settings = services.settings if services else None
    if settings is not None:
        community = settings.communities.get(refusal.community or "")
        if refusal.code == "not_member" and community is not None:
            links = pages.join_help(settings, community)
        elif community is not None:
            links = [pages.Link("Start again", settings.entry_url(community.name), button=True)]
        else:
            links = [pages.Link("Choose your community", settings.base_url + "/", button=True)]
    page = pages.Page(title=refusal.title, paragraphs=[refusal.message], links=links, refusal=True)
    response = Response(refusal.status, pages.render(page, settings))
    if path == "/callback":
        response.headers["Set-Cookie"] = _cookie("", 0)
    return response


_DEFAULT: Services | None = None


def default_services() -> Services:
    """The services of a Lambda container, built once."""
    global _DEFAULT
    if _DEFAULT is None:
        import boto3  # the tests pass their own clients; the runtime provides boto3

        settings = Settings.from_environ(os.environ)
        http = urllib_client()
        _DEFAULT = Services(
            settings=settings,
            http=http,
            sts=boto3.client("sts"),
            dynamodb=boto3.client("dynamodb"),
            secretsmanager=boto3.client("secretsmanager"),
            provider=Provider(settings.issuer, http),
        )
    return _DEFAULT


def handler(event: Mapping[str, Any], context: Any, *, services: Services | None = None) -> Any:
    request = Request.from_event(event)
    fields = {"method": request.method, "path": request.path[:100]}
    try:
        services = services or default_services()
    except SettingsError as error:
        log("misconfigured", error=str(error), **fields)
        return refusal_response(refusals.misconfigured(str(error)), request, None).to_event()
    try:
        response = route(request, services, Deadline(context))
    except Refusal as refusal:
        log(
            "refused",
            code=refusal.code,
            status=refusal.status,
            community=refusal.community,
            detail=refusal.detail,
            **fields,
        )
        response = refusal_response(refusal, request, services)
    except Exception as error:
        # The frames, not the message: no value of the request can reach the log this way.
        log(
            "unexpected error",
            error=type(error).__name__,
            trace="".join(traceback.format_tb(error.__traceback__)),
            **fields,
        )
        failure = refusals.misconfigured(f"unexpected {type(error).__name__}")
        failure.title, failure.status = "Something went wrong", 500
        failure.message = "The catalog's sign-in service failed. Try again; if it goes on, tell "
        failure.message += "the catalog support."
        response = refusal_response(failure, request, services)
    return response.to_event()
