"""The browser sign-in: a community's entry point, the start of a single-use sign-in, and the
provider's callback, which ends in the AWS console."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from . import federation, identity, jose, pages, refusals
from .flow_store import STATE_SECONDS, FlowStore, PendingSignIn, digest
from .oidc import ProviderRefused, ProviderUnavailable
from .settings import Community
from .web import (
    COOKIE,
    Deadline,
    Request,
    Response,
    Services,
    cookie,
    find_community,
    log,
    open_session,
    render_page,
    require_member,
)


def landing(request: Request, services: Services, deadline: Deadline) -> Response:
    return render_page(pages.landing(services.settings, services.communities(deadline)), services)


def community_page(request: Request, services: Services, deadline: Deadline, name: str) -> Response:
    return render_page(
        pages.community_page(services.settings, find_community(services, name, deadline)),
        services,
    )


def start(request: Request, services: Services, deadline: Deadline, name: str) -> Response:
    community = find_community(services, name, deadline)
    now = services.clock()
    state, nonce = services.random_token(32), services.random_token(32)
    verifier, binding = services.random_token(48), services.random_token(32)
    try:
        url = services.provider.authorization_url(
            services.settings,
            community,
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
        303, "", headers={"Location": url, "Set-Cookie": cookie(binding, STATE_SECONDS)}
    )


def _pending(
    request: Request, services: Services, deadline: Deadline
) -> tuple[Community, PendingSignIn]:
    state = request.one("state")
    if state is None:
        raise refusals.incomplete_response("no state")
    pending = FlowStore(services.settings.flow_table, services.dynamodb).consume(state)
    if pending is None or pending.expires_at <= services.clock():
        raise refusals.expired_or_replayed()
    community = find_community(services, pending.community, deadline)
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


def callback(request: Request, services: Services, deadline: Deadline) -> Response:
    community, pending = _pending(request, services, deadline)
    claims = _verified_claims(request, services, deadline, community, pending)
    try:
        who = identity.from_claims(services.settings, claims)
    except identity.IdentityRefused as refused:
        raise refusals.identity_unusable(community.name, refused.reason) from None
    require_member(services, community, who)
    credentials = open_session(services, community, who)
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
    return Response(303, "", headers={"Location": url, "Set-Cookie": cookie("", 0)})
