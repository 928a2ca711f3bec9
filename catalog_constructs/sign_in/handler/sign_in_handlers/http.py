"""Outbound HTTPS: the identity provider, Synapse's API and AWS's federation endpoint.

HTTPS only (a plain-http URL is refused before any connection), redirects are not followed (a
token or credential must never be replayed to another address), responses are capped, and every
call has a timeout the caller derives from the Lambda's remaining time.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

MAX_RESPONSE_BYTES = 1_000_000


class HttpError(Exception):
    """The other side could not be reached or answered nonsense (no secret in the message)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise HttpError(f"not JSON (HTTP {self.status})") from error


class HttpClient(Protocol):
    def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float,
    ) -> Response: ...


def require_https(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise HttpError(f"refusing a non-https URL for host {parts.netloc or '?'}")
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def urllib_client(context: ssl.SSLContext | None = None) -> HttpClient:
    """The real client: urllib with the system's (or the given) trust store."""
    opener = urllib.request.build_opener(
        _NoRedirects(), urllib.request.HTTPSHandler(context=context)
    )

    def call(
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float,
    ) -> Response:
        require_https(url)
        request = urllib.request.Request(
            url, data=body, method=method, headers={"User-Agent": "research-catalog-sign-in"}
        )
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with opener.open(request, timeout=max(timeout, 0.5)) as answer:
                return Response(
                    int(answer.status), answer.read(MAX_RESPONSE_BYTES), dict(answer.headers)
                )
        except urllib.error.HTTPError as error:
            return Response(int(error.code), error.read(MAX_RESPONSE_BYTES), dict(error.headers))
        except (urllib.error.URLError, OSError, ValueError) as error:
            # Only the host and the socket's own words: a URL may carry a secret in its query
            # (the federation endpoint's Session parameter), and messages get logged.
            reason = getattr(error, "reason", None)
            detail = f": {reason}" if isinstance(reason, OSError | str) else ""
            host = urlsplit(url).hostname or "?"
            raise HttpError(f"{host} unreachable ({type(error).__name__}{detail})") from None

    return call


Clock = Callable[[], float]
