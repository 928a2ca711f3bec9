"""The service's own RS256/384/512 verifier (standard library only) against PyJWT on
``cryptography``: it accepts what PyJWT signs, and refuses every kind of tampering, the
classic algorithm confusions, weak keys, and claims out of date or for someone else."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from catalog_constructs.sign_in.handler.sign_in_handlers import jose
from tests.fake_oidc import public_jwk, rsa_private_key

ISSUER = "https://idp.example.org"
NOW = 1_800_000_000.0
CLAIMS = {
    "iss": ISSUER,
    "aud": "client",
    "sub": "u1",
    "iat": NOW - 10,
    "exp": NOW + 50,
    "nonce": "n",
}


def key_of(private: rsa.RSAPrivateKey, kid: str = "k1", alg: str | None = "RS256") -> jose.RsaKey:
    jwk = public_jwk(private, kid)
    if alg is None:
        del jwk["alg"]
    else:
        jwk["alg"] = alg
    key = jose.rsa_key(jwk)
    assert key is not None
    return key


def token(
    claims: dict[str, Any] | None = None,
    *,
    alg: str = "RS256",
    kid: str = "k1",
    private: Any = None,
) -> str:
    return jwt.encode(
        claims if claims is not None else CLAIMS,
        private or rsa_private_key(),
        algorithm=alg,
        headers={"kid": kid},
    )


def verify(value: str, keys: list[jose.RsaKey] | None = None, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {"issuer": ISSUER, "audience": "client", "now": NOW, "nonce": "n"}
    arguments.update(overrides)
    return jose.verify(value, keys or [key_of(rsa_private_key())], **arguments)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_tokens_pyjwt_signs_are_accepted(alg: str) -> None:
    assert verify(token(alg=alg), [key_of(rsa_private_key(), alg=alg)])["sub"] == "u1"


def test_a_4096_bit_key_and_a_key_without_alg_work() -> None:
    big = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    assert verify(token(private=big), [key_of(big, alg=None)])["sub"] == "u1"


def _tamper(value: str, part: int) -> str:
    pieces = value.split(".")
    raw = bytearray(base64.urlsafe_b64decode(pieces[part] + "=" * (-len(pieces[part]) % 4)))
    raw[len(raw) // 2] ^= 0x01
    pieces[part] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return ".".join(pieces)


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "claims", "signature"])
def test_any_tampered_byte_is_refused(part: int) -> None:
    with pytest.raises(jose.TokenInvalid):
        verify(_tamper(token(), part))


def test_a_token_of_another_key_with_the_same_kid_is_refused() -> None:
    with pytest.raises(jose.TokenInvalid, match="bad signature"):
        verify(token(private=rsa_private_key("other")))


def test_an_unknown_kid_is_refused() -> None:
    with pytest.raises(jose.TokenInvalid, match="unknown key"):
        verify(token(kid="k9"))


def test_a_key_declared_for_another_algorithm_is_not_used() -> None:
    with pytest.raises(jose.TokenInvalid, match="bad signature"):
        verify(token(alg="RS256"), [key_of(rsa_private_key(), alg="RS512")])


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    encode = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()  # noqa: E731
    return ".".join(
        [
            encode(json.dumps(header).encode()),
            encode(json.dumps(claims).encode()),
            encode(signature),
        ]
    )


def test_alg_none_is_refused() -> None:
    with pytest.raises(jose.TokenInvalid, match="unsupported algorithm"):
        verify(_unsigned({"alg": "none", "kid": "k1"}, CLAIMS))


def test_hs256_with_the_public_key_as_secret_is_refused() -> None:
    """The classic confusion: HMAC keyed with the RSA public key the verifier holds."""
    import hashlib
    import hmac

    header = {"alg": "HS256", "kid": "k1"}
    unsigned = _unsigned(header, CLAIMS)
    signing_input = unsigned.rsplit(".", 1)[0].encode()
    secret = json.dumps(public_jwk(rsa_private_key(), "k1")).encode()
    forged = _unsigned(header, CLAIMS, hmac.new(secret, signing_input, hashlib.sha256).digest())
    with pytest.raises(jose.TokenInvalid, match="unsupported algorithm"):
        verify(forged)


@pytest.mark.parametrize("alg", ["ES256", "PS256"])
def test_other_algorithms_are_refused(alg: str) -> None:
    with pytest.raises(jose.TokenInvalid, match="unsupported algorithm"):
        verify(_unsigned({"alg": alg, "kid": "k1"}, CLAIMS, b"x" * 256))


def test_weak_and_odd_keys_are_not_keys() -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert jose.rsa_key(public_jwk(weak, "w")) is None
    assert jose.rsa_key({"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}) is None
    assert jose.rsa_key({**public_jwk(rsa_private_key(), "e"), "use": "enc"}) is None
    assert jose.rsa_key({"kty": "RSA", "n": "!!", "e": "AQAB"}) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"iss": "https://evil.example.org"}, "wrong issuer"),
        ({"aud": "other"}, "wrong audience"),
        ({"aud": ["client", "other"]}, "wrong audience"),
        ({"exp": NOW - 61}, "expired"),
        ({"exp": "tomorrow"}, "no exp"),
        ({"iat": NOW + 120}, "iat in the future"),
        ({"nbf": NOW + 120}, "nbf in the future"),
        ({"nonce": "other"}, "wrong nonce"),
    ],
)
def test_claims_out_of_bounds_are_refused(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(jose.TokenInvalid) as refused:
        verify(token({**CLAIMS, **change}))
    assert refused.value.reason == reason


def test_claims_within_the_leeway_and_a_matching_azp_pass() -> None:
    assert verify(token({**CLAIMS, "exp": NOW - 30}))
    assert verify(token({**CLAIMS, "aud": ["client", "other"], "azp": "client"}))


def test_missing_nonce_is_refused_when_one_was_sent() -> None:
    claims = dict(CLAIMS)
    del claims["nonce"]
    with pytest.raises(jose.TokenInvalid, match="wrong nonce"):
        verify(token(claims))


def test_garbage_is_refused_as_malformed_and_nothing_else() -> None:
    rng = random.Random(20261121)
    samples = ["", "a.b", "a.b.c.d", "....", "e30.e30.", "W10.W10.AA", "x" * 20_000]
    alphabet = "abcXYZ019-_.="
    samples += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))) for _ in range(200)
    ]
    for sample in samples:
        with pytest.raises(jose.TokenInvalid):
            verify(sample)
