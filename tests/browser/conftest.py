"""The sign-in service in a real browser: Debian's Chromium driven by Playwright, the service
(its Lambda handler behind a local HTTPS server, as API Gateway would call it) and a local
OpenID Connect provider (real key pair, discovery document, JWKS, a sign-in page) on HTTPS,
moto for STS and DynamoDB. One browser and one set of servers per module; each test gets a
fresh browser context (its own cookies).

AWS's federation endpoint is the one thing on the internet: the service's server-side
getSigninToken call is answered by the test provider in-process, and Chromium resolves
signin.aws.amazon.com to the local provider server (--host-resolver-rules), which records the
browser's login URL and serves a stand-in console page. Nothing leaves the machine."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from moto import mock_aws

from catalog_constructs.sign_in.handler.sign_in_handlers import app
from catalog_constructs.sign_in.handler.sign_in_handlers.http import urllib_client
from tests.fake_oidc import FEDERATION_URL, FakeIdentityProvider
from tests.local_https import Answer, Certificates, https_server, make_certificates
from tests.sign_in_harness import (
    CLIENT_SECRET,
    MEMBER,
    OUTSIDER,
    TEAM,
    create_aws_resources,
    make_services,
    raw_settings,
)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROVIDER_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Synapse (test)</title>
<style>body{{font-family:sans-serif;margin:3rem}}</style></head><body>
<h1>Synapse (local test provider)</h1><p>Sign in to continue to the research catalog.</p>
<form method="post" action="{action}">
<button name="user" value="{member}">Sign in as jane.doe</button>
<button name="user" value="{outsider}">Sign in as john.roe</button>
<button name="user" value="">Cancel</button></form></body></html>"""


class LambdaContext:
    def get_remaining_time_in_millis(self) -> int:
        return 28_000


@dataclass
class Deployment:
    """The running servers and what they saw."""

    service_url: str
    provider_port: int
    provider: FakeIdentityProvider
    services: app.Services
    holder: dict[str, Any] = field(default_factory=dict)

    @property
    def console_logins(self) -> list[str]:
        return list(self.holder["console_logins"])

    def entry(self, community: str = "consortium") -> str:
        return f"{self.service_url}/communities/{community}"


def _provider_app(holder: dict[str, Any]) -> Any:
    def answer(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Answer:
        provider: FakeIdentityProvider = holder["provider"]
        url = provider.issuer.rsplit("/auth/v1", 1)[0] + path
        bare = url.split("?", 1)[0]
        if bare == f"{provider.issuer}/authorize":
            page = PROVIDER_PAGE.format(
                action=f"/auth/v1/decide?{urlsplit(url).query}".replace("&", "&amp;"),
                member=MEMBER,
                outsider=OUTSIDER,
            )
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
        if bare == f"{provider.issuer}/decide":
            authorize = f"{provider.issuer}/authorize?{urlsplit(url).query}"
            user = parse_qs(body.decode()).get("user", [""])[0]
            target = provider.approve(authorize, user) if user else provider.deny(authorize)
            if holder.get("hold_callbacks"):
                # An attacker's browser: keep the response instead of following it.
                holder["held"].append(target)
                return 200, {"Content-Type": "text/html"}, b"<h1>Held</h1>"
            return 302, {"Location": target}, b""
        if headers.get("Host", "").startswith("signin.aws.amazon.com") and path.startswith(
            "/federation?"
        ):
            # The browser's last step, mapped here by --host-resolver-rules.
            holder["console_logins"].append("https://signin.aws.amazon.com" + path)
            page = b"<!DOCTYPE html><h1>AWS console (test)</h1>"
            return 200, {"Content-Type": "text/html"}, page
        status, document = provider.handle(method, url, headers, body)
        return status, {"Content-Type": "application/json"}, json.dumps(document).encode()

    return answer


def _service_app(holder: dict[str, Any]) -> Any:
    def answer(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Answer:
        parts = urlsplit(path)
        query = parse_qs(parts.query, keep_blank_values=True)
        event = {
            "httpMethod": method,
            "path": parts.path,
            "headers": dict(headers),
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "body": body.decode() or None,
            "isBase64Encoded": False,
        }
        response = app.handler(event, LambdaContext(), services=holder["services"])
        return response["statusCode"], response["headers"], response["body"].encode()

    return answer


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    certificates: Certificates = make_certificates(tmp_path_factory.mktemp("tls"))
    holder: dict[str, Any] = {"console_logins": [], "held": [], "hold_callbacks": False}
    with (
        pytest.MonkeyPatch.context() as patch,
        https_server(_provider_app(holder), certificates) as provider_port,
        https_server(_service_app(holder), certificates) as service_port,
    ):
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            patch.setenv(name, value)
        issuer = f"https://127.0.0.1:{provider_port}/auth/v1"
        provider = FakeIdentityProvider(
            issuer,
            repo_endpoint=f"https://127.0.0.1:{provider_port}/repo/v1",
            client_secret=CLIENT_SECRET,
        )
        provider.add_user(MEMBER, "jane.doe", TEAM)
        provider.add_user(OUTSIDER, "john.roe")
        internet = urllib_client(certificates.client_context())
        to_aws = provider.http_client()

        def http(method: str, url: str, **kwargs: Any) -> Any:
            # Only the federation endpoint is faked in-process; the provider is real HTTPS.
            return (to_aws if url.startswith(FEDERATION_URL) else internet)(method, url, **kwargs)

        service_url = f"https://localhost:{service_port}"
        with mock_aws():
            create_aws_resources()
            services = make_services(
                raw_settings(
                    base_url=service_url, issuer=issuer, repo_endpoint=provider.repo_endpoint
                ),
                http,
            )
            holder.update(provider=provider, services=services)
            yield Deployment(service_url, provider_port, provider, services, holder)


@pytest.fixture(scope="module")
def chromium(deployment: Deployment) -> Iterator[Any]:
    """One Chromium for the module; Playwright starts it with a fresh user-data directory."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    aws_sign_in = (
        f"--host-resolver-rules=MAP signin.aws.amazon.com 127.0.0.1:{deployment.provider_port}"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, aws_sign_in]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, deployment: Deployment) -> Iterator[Any]:
    """A fresh browser context (no cookies); the test CA's certificates are accepted."""
    context = chromium.new_context(ignore_https_errors=True, viewport={"width": 960, "height": 640})
    yield context.new_page()
    context.close()
    deployment.holder["hold_callbacks"] = False
