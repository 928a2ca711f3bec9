"""JSON Web Tokens signed with RSA (RS256, RS384, RS512), verified with the standard library.

The Lambda runtime offers no RSA implementation (``cryptography`` is not part of it), and RSA
PKCS #1 v1.5 *verification* needs only modular exponentiation: the signature is raised to the
public exponent and the result compared, byte for byte, with the one encoding the expected
digest can have (RFC 8017, 8.2.2 and 9.2). Comparing the whole encoding, instead of parsing it,
is what keeps forged signatures with crafted padding out (the Bleichenbacher 2006 family of
parsing bugs). Identity providers sign ID tokens with RS256 unless told otherwise (Synapse,
Google, Microsoft Entra ID, Okta, Keycloak, Amazon Cognito); other algorithms are refused.

The tests check this module against PyJWT on ``cryptography`` (tests/unit/sign_in/test_jose.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# DER of DigestInfo up to the digest (RFC 8017, 9.2, note 1).
_DIGEST_INFO = {
    "RS256": (hashlib.sha256, bytes.fromhex("3031300d060960864801650304020105000420")),
    "RS384": (hashlib.sha384, bytes.fromhex("3041300d060960864801650304020205000430")),
    "RS512": (hashlib.sha512, bytes.fromhex("3051300d060960864801650304020305000440")),
}
ALGORITHMS = tuple(_DIGEST_INFO)
MIN_MODULUS_BITS = 2048
MAX_TOKEN_LENGTH = 16_384


class TokenInvalid(Exception):
    """The token must not be trusted. ``reason`` is a short category for logs and tests; it
    never contains the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RsaKey:
    kid: str
    n: int
    e: int
    alg: str | None = None


@dataclass(frozen=True)
class Parsed:
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    signing_input: bytes
    signature: bytes


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.isascii() or "=" in text:
        raise TokenInvalid("malformed")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise TokenInvalid("malformed") from error


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TokenInvalid("malformed") from error
    if not isinstance(value, dict):
        raise TokenInvalid("malformed")
    return value


def parse(token: str) -> Parsed:
    """Split and decode a compact JWS; nothing is verified yet."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise TokenInvalid("malformed")
    header_part, claims_part, signature_part = token.split(".")
    return Parsed(
        header=_json_object(b64url_decode(header_part)),
        claims=_json_object(b64url_decode(claims_part)),
        signing_input=f"{header_part}.{claims_part}".encode("ascii"),
        signature=b64url_decode(signature_part),
    )


def rsa_key(jwk: Mapping[str, Any]) -> RsaKey | None:
    """An RSA signing key of a JWKS, or None for a key of another kind or use."""
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
        return None
    try:
        n = int.from_bytes(b64url_decode(str(jwk["n"])), "big")
        e = int.from_bytes(b64url_decode(str(jwk["e"])), "big")
    except (KeyError, TokenInvalid):
        return None
    if n.bit_length() < MIN_MODULUS_BITS or e < 3 or e % 2 == 0:
        return None
    alg = jwk.get("alg")
    return RsaKey(kid=str(jwk.get("kid", "")), n=n, e=e, alg=str(alg) if alg else None)


def rsa_verify(algorithm: str, signing_input: bytes, signature: bytes, key: RsaKey) -> bool:
    """RSASSA-PKCS1-v1_5 verification (RFC 8017, 8.2.2) by comparing encodings."""
    digest, prefix = _DIGEST_INFO[algorithm]
    size = (key.n.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    encoded = pow(s, key.e, key.n).to_bytes(size, "big")
    digest_info = prefix + digest(signing_input).digest()
    padding = size - len(digest_info) - 3
    if padding < 8:
        return False
    expected = b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info
    return hmac.compare_digest(encoded, expected)


def require_algorithm(parsed: Parsed) -> str:
    """The token's algorithm, if it is one this module verifies (checked before any key is
    fetched)."""
    algorithm = parsed.header.get("alg")
    if algorithm not in _DIGEST_INFO:
        raise TokenInvalid("unsupported algorithm")
    return str(algorithm)


def verify_signature(parsed: Parsed, keys: Sequence[RsaKey]) -> None:
    """The token is signed by one of ``keys`` (chosen by ``kid``) with an allowed algorithm."""
    algorithm = require_algorithm(parsed)
    kid = parsed.header.get("kid")
    candidates = [key for key in keys if kid is None or key.kid == kid]
    if not candidates:
        raise TokenInvalid("unknown key")
    for key in candidates:
        if key.alg not in (None, algorithm):
            continue
        if rsa_verify(algorithm, parsed.signing_input, parsed.signature, key):
            return
    raise TokenInvalid("bad signature")


def _number(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenInvalid(f"no {name}")
    return float(value)


def check_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    audience: str,
    now: float,
    leeway: float,
    nonce: str | None = None,
    require_expiry: bool = True,
) -> None:
    """OpenID Connect Core 1.0, 3.1.3.7: issuer, audience (and azp), expiry, issue time and,
    for the browser flow, the nonce this service sent."""
    if claims.get("iss") != issuer:
        raise TokenInvalid("wrong issuer")
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences
    if not isinstance(audiences, list) or audience not in audiences:
        raise TokenInvalid("wrong audience")
    if len(audiences) > 1 and claims.get("azp") != audience:
        raise TokenInvalid("wrong audience")
    expires = _number(claims, "exp", required=require_expiry)
    if expires is not None and now >= expires + leeway:
        raise TokenInvalid("expired")
    for name in ("iat", "nbf"):
        moment = _number(claims, name, required=name == "iat" and require_expiry)
        if moment is not None and moment > now + leeway:
            raise TokenInvalid(f"{name} in the future")
    if nonce is not None:
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
            raise TokenInvalid("wrong nonce")


def verify(
    token: str,
    keys: Sequence[RsaKey],
    *,
    issuer: str,
    audience: str,
    now: float,
    leeway: float = 60,
    nonce: str | None = None,
) -> Mapping[str, Any]:
    """The claims of a signed, current token for ``audience`` from ``issuer``."""
    parsed = parse(token)
    verify_signature(parsed, keys)
    check_claims(
        parsed.claims, issuer=issuer, audience=audience, now=now, leeway=leeway, nonce=nonce
    )
    return parsed.claims
