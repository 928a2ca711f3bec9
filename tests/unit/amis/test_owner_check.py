"""The owner check notebook images put in front of RStudio and Jupyter."""

import base64
import http.client
import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from amis.images import COMPONENTS

SOURCE = Path(__file__).resolve().parents[3] / "amis" / "files" / "owner_check.py"
LOAD_BALANCER = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/notebooks/abc"
KEY_ID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("owner_check", SOURCE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


owner_check = _load()
PRIVATE_KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
SETTINGS = owner_check.Settings(
    region="us-east-1", load_balancer_arn=LOAD_BALANCER, owner_claim="userid", owner="3412345"
)


def _segment(data: dict[str, Any]) -> str:
    # Padded, as the load balancer writes it.
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def token(
    *,
    signer: str = LOAD_BALANCER,
    userid: str = "3412345",
    expires_in: float = 60,
    alg: str = "ES256",
    key: ec.EllipticCurvePrivateKey = PRIVATE_KEY,
) -> str:
    header = {"alg": alg, "kid": KEY_ID, "signer": signer, "exp": int(time.time() + expires_in)}
    signing_input = f"{_segment(header)}.{_segment({'userid': userid, 'sub': 'abc'})}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input}.{base64.urlsafe_b64encode(raw).decode()}"


class FakeKeys:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return PUBLIC_PEM


@pytest.fixture
def keys() -> Any:
    return owner_check.KeyCache("us-east-1", fetch=FakeKeys())


def test_the_owner_passes_and_the_key_is_fetched_once(keys: Any) -> None:
    assert owner_check.verify(token(), SETTINGS, keys)["userid"] == "3412345"
    owner_check.verify(token(), SETTINGS, keys)
    assert keys._fetch.urls == [f"https://public-keys.auth.elb.us-east-1.amazonaws.com/{KEY_ID}"]


@pytest.mark.parametrize(
    ("forged", "reason"),
    [
        (lambda: token(userid="9999999"), "not the owner"),
        (
            lambda: token(signer=LOAD_BALANCER.replace("notebooks", "other")),
            "another load balancer",
        ),
        (lambda: token(expires_in=-5), "expired"),
        (lambda: token(alg="HS256"), "unexpected algorithm"),
        (lambda: token(key=ec.generate_private_key(ec.SECP256R1())), "bad signature"),
        (lambda: "not-a-token", "malformed token"),
    ],
)
def test_anything_else_is_rejected(keys: Any, forged: Any, reason: str) -> None:
    with pytest.raises(owner_check.Rejected, match=reason):
        owner_check.verify(forged(), SETTINGS, keys)


def test_a_tampered_claim_breaks_the_signature(keys: Any) -> None:
    header, _, signature = token(userid="9999999").split(".")
    forged = f"{header}.{_segment({'userid': '3412345'})}.{signature}"
    with pytest.raises(owner_check.Rejected, match="bad signature"):
        owner_check.verify(forged, SETTINGS, keys)


def test_key_ids_cannot_steer_the_download(keys: Any) -> None:
    with pytest.raises(owner_check.Rejected, match="malformed key id"):
        keys.get("../../evil.example/key")
    assert keys._fetch.urls == []


@pytest.fixture
def server(keys: Any) -> Iterator[int]:
    httpd = owner_check.ThreadingHTTPServer(
        ("127.0.0.1", 0), owner_check.make_handler(SETTINGS, keys)
    )
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()


def status(port: int, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/owner-check", headers=headers)
    return connection.getresponse().status


def test_nginx_gets_200_for_the_owner_and_403_or_401_otherwise(server: int) -> None:
    assert status(server, {owner_check.HEADER: token()}) == 200
    assert status(server, {owner_check.HEADER: token(userid="1")}) == 403
    assert status(server, {}) == 401


def test_a_key_download_failure_denies(server: int, keys: Any) -> None:
    def broken(url: str) -> bytes:
        raise OSError("network down")

    keys._fetch = broken
    keys._keys.clear()
    assert status(server, {owner_check.HEADER: token()}) == 403


def test_the_image_component_embeds_this_very_source() -> None:
    document = yaml.safe_load(COMPONENTS["owner-check-proxy"].data())
    (step,) = [s for p in document["phases"] for s in p["steps"] if s["name"] == "WriteOwnerCheck"]
    assert step["inputs"][0]["content"] == SOURCE.read_text()


def test_the_check_is_bound_to_the_notebooks_own_host(keys: Any) -> None:
    """The load balancer's token names the user, not the notebook: the instance allows only
    requests nginx reports for its own host name (notebook v2 configures ``host``)."""
    bound = owner_check.Settings(
        region="us-east-1",
        load_balancer_arn=LOAD_BALANCER,
        owner_claim="userid",
        owner="3412345",
        host="abc.notebooks.example.org",
    )
    httpd = owner_check.ThreadingHTTPServer(("127.0.0.1", 0), owner_check.make_handler(bound, keys))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    port = int(httpd.server_address[1])
    try:
        own = {owner_check.HEADER: token(), owner_check.HOST_HEADER: "ABC.notebooks.example.org"}
        assert status(port, own) == 200
        other = {**own, owner_check.HOST_HEADER: "xyz.notebooks.example.org"}
        assert status(port, other) == 403
        assert status(port, {owner_check.HEADER: token()}) == 403
    finally:
        httpd.shutdown()
        thread.join()


def test_the_settings_file_names_the_host(tmp_path: Path) -> None:
    path = tmp_path / "owner-check.json"
    path.write_text(
        json.dumps(
            {
                "region": "us-east-1",
                "load_balancer_arn": LOAD_BALANCER,
                "owner": "3412345",
                "host": "Abc.Notebooks.Example.org",
            }
        )
    )
    assert owner_check.Settings.from_file(str(path)).host == "abc.notebooks.example.org"
