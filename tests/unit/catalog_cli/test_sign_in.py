"""catalog_cli.sign_in: the AWS CLI's credential_process, end to end against the sign-in
service's handler (moto's STS and DynamoDB) and the local identity provider."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from catalog_cli import sign_in as cli
from catalog_constructs.sign_in.handler.sign_in_handlers import app
from tests.fake_oidc import FakeIdentityProvider
from tests.sign_in_harness import (
    BASE_URL,
    CLIENT_SECRET,
    ISSUER,
    MEMBER,
    OUTSIDER,
    REPO_ENDPOINT,
    TEAM,
    create_aws_resources,
    event,
    make_services,
    oidc_settings,
    raw_settings,
)


class Context:
    def get_remaining_time_in_millis(self) -> int:
        return 28_000


@pytest.fixture
def provider() -> FakeIdentityProvider:
    idp = FakeIdentityProvider(ISSUER, repo_endpoint=REPO_ENDPOINT, client_secret=CLIENT_SECRET)
    idp.add_user(MEMBER, "jane.doe", TEAM)
    idp.add_user(OUTSIDER, "john.roe")
    return idp


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            patch.setenv(name, "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with mock_aws():
            create_aws_resources()
            yield


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("SYNAPSE_AUTH_TOKEN", raising=False)
    return tmp_path


def transport_to(services: app.Services, provider: FakeIdentityProvider) -> cli.Transport:
    """The CLI's HTTPS: the sign-in service's handler, or the identity provider."""

    def call(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        assert url.startswith("https://")
        if url.startswith(BASE_URL):
            response = app.handler(
                event(method, url, headers=headers, body=body.decode() or None),
                Context(),
                services=services,
            )
            return response["statusCode"], response["body"].encode()
        status, document = provider.handle(method, url, headers, body)
        return status, json.dumps(document).encode()

    return call


@pytest.fixture
def synapse(aws: None, provider: FakeIdentityProvider) -> app.Services:
    return make_services(raw_settings(), provider.http_client())


def printed(capsys: pytest.CaptureFixture[str]) -> Any:
    """What the CLI printed: its last line (the in-process handler logs before it)."""
    return json.loads(capsys.readouterr().out.splitlines()[-1])


def run(transport: cli.Transport, *args: str) -> int:
    return cli.main(list(args), transport=transport)


def test_credentials_with_a_token_file_print_credential_process_json(
    synapse: app.Services,
    provider: FakeIdentityProvider,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token_file = home / "synapse-token"
    token_file.write_text(provider.personal_access_token(provider.users[MEMBER]) + "\n")
    transport = transport_to(synapse, provider)
    arguments = ["credentials", "--url", BASE_URL, "--community", "consortium"]

    assert run(transport, *arguments, "--token-file", str(token_file)) == 0
    first = printed(capsys)
    assert first["Version"] == 1 and first["AccessKeyId"].startswith("ASIA")
    assert first["Expiration"].endswith("Z")
    # The next call (the AWS CLI runs the process for each command) reuses them.
    assert run(transport, *arguments, "--token-file", str(token_file)) == 0
    assert printed(capsys) == first
    assert len(synapse.sts.assumed) == 1  # type: ignore[attr-defined]
    cache = home / ".cache" / "research-catalog" / "credentials-sign-in.example.org-consortium.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_expired_credentials_are_fetched_again(
    synapse: app.Services, provider: FakeIdentityProvider, home: Path
) -> None:
    store = cli.Store(BASE_URL, home)
    store.write(
        store.credentials_file("consortium"), {"Version": 1, "Expiration": "2020-01-01T00:00:00Z"}
    )
    store.write(
        store.token_file,
        {"kind": "synapse", "token": provider.personal_access_token(provider.users[MEMBER])},
    )
    service = cli.SignInService(BASE_URL, transport_to(synapse, provider))
    document = cli.credentials(service, store, "consortium")
    assert document["AccessKeyId"].startswith("ASIA")


def test_login_keeps_a_synapse_token_for_you_only(
    synapse: app.Services,
    provider: FakeIdentityProvider,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = cli.SignInService(BASE_URL, transport_to(synapse, provider))
    store = cli.Store(service.url)
    token = provider.personal_access_token(provider.users[MEMBER])
    cli.login(service, store, read_secret=lambda prompt: token, say=lambda text: None)

    assert stat.S_IMODE(store.token_file.stat().st_mode) == 0o600
    assert (
        run(service.transport, "credentials", "--url", BASE_URL, "--community", "consortium") == 0
    )
    assert printed(capsys)["Version"] == 1


def test_without_a_token_it_says_how_to_sign_in(
    synapse: app.Services, provider: FakeIdentityProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(
        transport_to(synapse, provider),
        "credentials",
        "--url",
        BASE_URL,
        "--community",
        "consortium",
    )
    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith(
        "research-catalog sign-in: not signed in to https://sign-in.example.org"
    )
    assert "login --url" in error and "Traceback" not in error


def test_a_refusal_is_reported_in_words(
    synapse: app.Services,
    provider: FakeIdentityProvider,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token_file = home / "token"
    token_file.write_text(provider.personal_access_token(provider.users[OUTSIDER]))
    code = run(
        transport_to(synapse, provider),
        "credentials",
        "--url",
        BASE_URL,
        "--community",
        "consortium",
        "--token-file",
        str(token_file),
    )
    assert code == 1
    assert "is not a member of Research Consortium" in capsys.readouterr().err


def test_only_https_services(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["credentials", "--url", "http://sign-in.example.org", "--community", "x"]) == 1
    assert "must be the https address" in capsys.readouterr().err


def test_config_prints_the_aws_profile(
    synapse: app.Services, provider: FakeIdentityProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    transport = transport_to(synapse, provider)
    assert run(transport, "config", "--url", BASE_URL, "--community", "consortium") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["[profile consortium]", "region = us-east-1"]
    assert lines[2].startswith("credential_process = ")
    assert lines[2].endswith(f"sign_in.py credentials --url {BASE_URL} --community consortium")


def test_an_oidc_device_sign_in_then_credentials_from_the_refresh_token(
    aws: None, provider: FakeIdentityProvider, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = make_services(oidc_settings(), provider.http_client())
    service = cli.SignInService(BASE_URL, transport_to(services, provider))
    store = cli.Store(service.url)
    said: list[str] = []
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 2:  # the user confirms in the browser while the CLI polls
            provider.approve_device(MEMBER)

    cli.login(service, store, say=said.append, sleep=sleep)

    assert "ABCD-EFGH" in said[0] and len(polls) == 2
    assert cli.Store.read(store.token_file)["kind"] == "oidc"  # type: ignore[index]
    assert (
        run(service.transport, "credentials", "--url", BASE_URL, "--community", "consortium") == 0
    )
    assert printed(capsys)["Version"] == 1
    (assumed,) = services.sts.assumed  # type: ignore[attr-defined]
    assert assumed["RoleSessionName"].startswith("pairwise-")


def test_logout_forgets(synapse: app.Services, provider: FakeIdentityProvider, home: Path) -> None:
    store = cli.Store(BASE_URL, home)
    store.write(store.token_file, {"kind": "synapse", "token": "a.b.c"})
    store.write(store.credentials_file("consortium"), {"Version": 1})
    assert run(transport_to(synapse, provider), "logout", "--url", BASE_URL) == 0
    assert not store.token_file.exists()
    assert not store.credentials_file("consortium").exists()


def test_the_helper_is_one_standalone_file(tmp_path: Path) -> None:
    """Researchers copy the file anywhere: it runs on the standard library alone."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "research_catalog_sign_in.py"
    shutil.copy(cli.__file__, copy)
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(copy), "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "credential_process" in result.stdout
