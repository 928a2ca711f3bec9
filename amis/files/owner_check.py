"""Owner check for notebook workstations: lets a request through only when the load balancer
authenticated the instance's owner.

nginx asks this service (``auth_request``) about every request before proxying it to RStudio or
Jupyter. The shared load balancer authenticates users with OIDC and signs their claims into the
``x-amzn-oidc-data`` header (an ES256 JWT). This service verifies that signature with the
region's published load-balancer key, that the token was signed by *this catalog's* load
balancer (the ``signer`` field, which the reference implementation never checked), that it has
not expired, and that the user claim equals the instance's owner. The notebook servers keep
their own authentication behind it.

The check is bound to the notebook's own route: where the configuration names the notebook's
host name (``host``, notebook v2 and later), a request is allowed only when nginx reports that
host (``X-Original-Host``, set from the request's Host). The load balancer's token says who
signed in, not for which notebook; the host is what ties the decision to this notebook's
origin, so a request routed here for any other host name is refused.

Configuration: ``/etc/research-catalog/owner-check.json`` written by the product at boot:
``{"region": ..., "load_balancer_arn": ..., "owner_claim": "userid", "owner": ..., "host": ...}``.
Standard library plus ``cryptography`` (pinned in the image).
"""

import base64
import json
import logging
import re
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HEADER = "x-amzn-oidc-data"
HOST_HEADER = "X-Original-Host"
KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,128}$")
LISTEN = ("127.0.0.1", 9099)
LOG = logging.getLogger("owner-check")


class Rejected(Exception):
    """The request is not from the authenticated owner; the message says why (no secrets)."""


@dataclass(frozen=True)
class Settings:
    region: str
    load_balancer_arn: str
    owner_claim: str
    owner: str
    # The notebook's own host name; empty for notebooks routed by path (v1).
    host: str = ""

    @classmethod
    def from_file(cls, path: str) -> "Settings":
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return cls(
            region=data["region"],
            load_balancer_arn=data["load_balancer_arn"],
            owner_claim=data.get("owner_claim", "userid"),
            owner=str(data["owner"]),
            host=str(data.get("host", "")).lower(),
        )


def _b64decode(segment: str) -> bytes:
    # The load balancer pads its base64url segments; other issuers do not.
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class KeyCache:
    """Public keys of the region's load balancers, fetched once per key ID."""

    def __init__(self, region: str, fetch: Callable[[str], bytes] | None = None) -> None:
        self.region = region
        self._fetch = fetch or self._download
        self._keys: dict[str, ec.EllipticCurvePublicKey] = {}

    def _download(self, url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bytes(response.read())

    def get(self, key_id: str) -> ec.EllipticCurvePublicKey:
        if not KEY_ID.fullmatch(key_id):
            raise Rejected("malformed key id")
        if key_id not in self._keys:
            url = f"https://public-keys.auth.elb.{self.region}.amazonaws.com/{key_id}"
            key = serialization.load_pem_public_key(self._fetch(url))
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise Rejected("unexpected key type")
            self._keys[key_id] = key
        return self._keys[key_id]


def verify(
    token: str, settings: Settings, keys: KeyCache, now: float | None = None
) -> dict[str, Any]:
    """The token's claims if it proves that the owner is calling; Rejected otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Rejected("malformed token")
    try:
        header = json.loads(_b64decode(parts[0]))
        claims = json.loads(_b64decode(parts[1]))
        signature = _b64decode(parts[2])
    except ValueError as error:
        raise Rejected("malformed token") from error
    if header.get("alg") != "ES256":
        raise Rejected("unexpected algorithm")
    if header.get("signer") != settings.load_balancer_arn:
        raise Rejected("signed by another load balancer")
    if len(signature) != 64:
        raise Rejected("malformed signature")
    key = keys.get(str(header.get("kid", "")))
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        key.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise Rejected("bad signature") from error
    expires = header.get("exp", claims.get("exp"))
    if not isinstance(expires, (int, float)) or expires <= (time.time() if now is None else now):
        raise Rejected("expired")
    if str(claims.get(settings.owner_claim, "")) != settings.owner:
        raise Rejected("not the owner")
    return dict(claims)


def make_handler(settings: Settings, keys: KeyCache) -> type[BaseHTTPRequestHandler]:
    class OwnerCheck(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = str(self.headers.get(HOST_HEADER, "")).split(":")[0].lower()
            if settings.host and host != settings.host:
                self._answer(403, "not this notebook's host")
                return
            token = self.headers.get(HEADER)
            if not token:
                self._answer(401, "no load balancer authentication")
                return
            try:
                verify(token, settings, keys)
            except Rejected as rejection:
                self._answer(403, str(rejection))
                return
            except Exception:  # a key download failure must deny, never allow
                LOG.exception("owner check failed")
                self._answer(403, "owner check failed")
                return
            self._answer(200, "owner")

        def _answer(self, status: int, reason: str) -> None:
            LOG.info("%s %s", status, reason)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return  # decisions are logged by _answer, without request details

    return OwnerCheck


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
    settings = Settings.from_file(
        sys.argv[1] if len(sys.argv) > 1 else "/etc/research-catalog/owner-check.json"
    )
    server = ThreadingHTTPServer(LISTEN, make_handler(settings, KeyCache(settings.region)))
    server.serve_forever()


if __name__ == "__main__":
    main()
