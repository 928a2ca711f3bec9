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

import json
import os
import re
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from . import pages, refusals
from .browser import callback, community_page, landing, start
from .command_line import cli_settings, credentials
from .http import urllib_client
from .oidc import Provider
from .refusals import Refusal
from .settings import Settings, SettingsError
from .web import Deadline, Request, Response, Services, cookie, log

__all__ = ["Services", "handler", "route"]

_COMMUNITY_PATH = re.compile(r"/communities/(?P<name>[^/]{1,64})(?P<start>/start)?")

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
        community = services.known_community(refusal.community) if services else None
        if refusal.code == "not_member" and community is not None:
            links = pages.join_help(settings, community)
        elif community is not None:
            links = [pages.Link("Start again", settings.entry_url(community.name), button=True)]
        else:
            links = [pages.Link("Choose your community", settings.base_url + "/", button=True)]
    page = pages.Page(title=refusal.title, paragraphs=[refusal.message], links=links, refusal=True)
    response = Response(refusal.status, pages.render(page, settings))
    if path == "/callback":
        response.headers["Set-Cookie"] = cookie("", 0)
    return response


_DEFAULT: Services | None = None


def default_services() -> Services:
    """The services of a Lambda container, built once."""
    global _DEFAULT
    if _DEFAULT is None:
        import boto3  # the tests pass their own clients; the runtime provides boto3
        from botocore.config import Config

        settings = Settings.from_environ(os.environ)
        http = urllib_client()
        _DEFAULT = Services(
            settings=settings,
            http=http,
            sts=boto3.client("sts"),
            dynamodb=boto3.client("dynamodb"),
            secretsmanager=boto3.client("secretsmanager"),
            provider=Provider(settings.issuer, http),
            # Bounded calls: directory.CALL_SECONDS is the worst case of one with these.
            ssm=boto3.client(
                "ssm",
                config=Config(
                    connect_timeout=1,
                    read_timeout=2,
                    retries={"max_attempts": 2, "mode": "standard"},
                ),
            ),
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
