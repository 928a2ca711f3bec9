"""The command line: a token (a Synapse personal access token, or an ID token of the
command-line client) exchanged for the community role's short-lived credentials, and what the
helper needs to know about the provider."""

from __future__ import annotations

import json

from . import identity, jose, refusals
from .oidc import ProviderUnavailable
from .settings import Community
from .web import (
    Deadline,
    Request,
    Response,
    Services,
    find_community,
    log,
    open_session,
    require_member,
)


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise refusals.unauthenticated("no bearer token")
    return token.strip()


def _requested_community(request: Request, services: Services, deadline: Deadline) -> Community:
    name = request.one("community")
    if name is None and request.body:
        try:
            body = json.loads(request.body)
        except json.JSONDecodeError:
            body = None
        name = body.get("community") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        raise refusals.unknown_community("(none given)")
    return find_community(services, name, deadline)


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
    community = _requested_community(request, services, deadline)
    who = _cli_identity(token, services, deadline, community)
    require_member(services, community, who)
    session = open_session(services, community, who)
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
        "communities": sorted(services.communities(deadline)),
    }
    return Response(200, json.dumps(document), "application/json")
