"""Short-lived AWS credentials of your catalog community for the command line, from the
catalog's sign-in service, as an AWS CLI ``credential_process``.

One file, Python 3.9+ standard library only: copy it anywhere (e.g. ~/.aws/) and run it.

    # once: keep your token (a Synapse personal access token with the "view" scope; with
    # another identity provider, a device sign-in in your browser)
    python3 research_catalog_sign_in.py login --url https://sign-in.example.org

    # print the ~/.aws/config profile that uses it
    python3 research_catalog_sign_in.py config --url https://sign-in.example.org \\
        --community biomedical

    # what the AWS CLI runs (prints the credential_process JSON)
    python3 research_catalog_sign_in.py credentials --url https://sign-in.example.org \\
        --community biomedical

Tokens are kept in ~/.config/research-catalog/ and credentials in ~/.cache/research-catalog/,
both readable by you only; ``logout`` removes them. See docs/signing-in.md.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shlex
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# (method, url, headers, body) -> (HTTP status, body)
Transport = Callable[[str, str, dict[str, str], bytes], tuple[int, bytes]]
# Credentials are reused until this many seconds before they expire.
REFRESH_MARGIN = 300
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class SignInError(Exception):
    """A problem the user can act on: printed without a traceback."""


def send(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    if urllib.parse.urlsplit(url).scheme != "https":
        raise SignInError(f"refusing {url!r}: the sign-in service and providers are https only")
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        host = urllib.parse.urlsplit(url).hostname
        raise SignInError(f"cannot reach {host} ({reason})") from None


def _json(status: int, body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SignInError(
            f"{what} answered HTTP {status} with something that is not JSON"
        ) from None


def _form(values: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(values).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


class Store:
    """Where the tokens (config) and credentials (cache) of one sign-in service are kept."""

    def __init__(self, url: str, home: Path | None = None) -> None:
        home = home or Path.home()
        host = urllib.parse.urlsplit(url).hostname or "service"
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
        self.token_file = config / "research-catalog" / f"sign-in-{host}.json"
        self.cache_dir = cache / "research-catalog"
        self.host = host

    def credentials_file(self, community: str) -> Path:
        return self.cache_dir / f"credentials-{self.host}-{community}.json"

    @staticmethod
    def write(path: Path, document: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(".tmp")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(document, file)
        os.replace(partial, path)

    @staticmethod
    def read(path: Path) -> dict[str, Any] | None:
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return document if isinstance(document, dict) else None


class SignInService:
    def __init__(self, url: str, transport: Transport = send) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" or not parts.netloc:
            raise SignInError(
                f"--url must be the https address of the sign-in service, not {url!r}"
            )
        self.url = f"https://{parts.netloc}"
        self.transport = transport

    def settings(self) -> dict[str, Any]:
        status, body = self.transport("GET", f"{self.url}/cli", {"Accept": "application/json"}, b"")
        document = _json(status, body, "the sign-in service")
        if status != 200 or not isinstance(document, dict):
            raise SignInError(f"the sign-in service answered HTTP {status} to /cli")
        return document

    def credentials(self, token: str, community: str) -> dict[str, Any]:
        status, body = self.transport(
            "POST",
            f"{self.url}/credentials",
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            json.dumps({"community": community}).encode(),
        )
        document = _json(status, body, "the sign-in service")
        if status != 200:
            message = document.get("message") if isinstance(document, dict) else None
            code = document.get("error") if isinstance(document, dict) else None
            hint = " Run `login` again." if code in ("token_invalid", "unauthenticated") else ""
            raise SignInError(f"{message or f'HTTP {status}'} ({code or status}){hint}")
        return dict(document)


class Provider:
    """The OpenID Connect provider, for the device sign-in and refresh tokens."""

    def __init__(self, settings: dict[str, Any], transport: Transport) -> None:
        self.client_id = settings.get("cli_client_id")
        if not self.client_id:
            raise SignInError("this sign-in service does not offer command-line sign-in")
        self.scope = str(settings.get("scope") or "openid")
        self.transport = transport
        issuer = str(settings["issuer"]).rstrip("/")
        status, body = transport("GET", f"{issuer}/.well-known/openid-configuration", {}, b"")
        self.metadata = _json(status, body, "the identity provider")
        if status != 200 or self.metadata.get("issuer") != settings["issuer"]:
            raise SignInError("the identity provider's discovery document is missing or wrong")

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        status, body = self.transport(
            "POST", str(self.metadata["token_endpoint"]), FORM, _form(form)
        )
        return status, _json(status, body, "the identity provider")

    def device_sign_in(
        self, *, say: Callable[[str], None], sleep: Callable[[float], None] = time.sleep
    ) -> dict[str, Any]:
        endpoint = self.metadata.get("device_authorization_endpoint")
        if not endpoint:
            raise SignInError("the identity provider offers no device sign-in")
        scope = self.scope
        if "offline_access" in self.metadata.get("scopes_supported", []):
            scope += " offline_access"
        status, body = self.transport(
            "POST", str(endpoint), FORM, _form({"client_id": str(self.client_id), "scope": scope})
        )
        grant = _json(status, body, "the identity provider")
        if status != 200:
            raise SignInError(f"device sign-in refused ({grant.get('error', status)})")
        uri = grant.get("verification_uri_complete") or grant["verification_uri"]
        say(f"Open {uri} and confirm the code {grant['user_code']} to sign in.")
        interval = float(grant.get("interval", 5))
        deadline = time.monotonic() + float(grant.get("expires_in", 600))
        while time.monotonic() < deadline:
            sleep(interval)
            status, answer = self._token(
                {
                    "grant_type": DEVICE_GRANT,
                    "device_code": grant["device_code"],
                    "client_id": str(self.client_id),
                }
            )
            error = answer.get("error")
            if status == 200:
                return answer
            if error == "slow_down":
                interval += 5
            elif error != "authorization_pending":
                raise SignInError(f"device sign-in failed ({error or status})")
        raise SignInError("device sign-in expired before it was confirmed; run `login` again")

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        status, answer = self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": str(self.client_id),
            }
        )
        if status != 200 or not isinstance(answer.get("id_token"), str):
            raise SignInError("your sign-in has expired; run `login` again")
        return answer


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def login(
    service: SignInService,
    store: Store,
    *,
    read_secret: Callable[[str], str] = getpass.getpass,
    say: Callable[[str], None] = _say,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    settings = service.settings()
    if settings.get("token") == "synapse-personal-access-token":
        say(
            "Create a Synapse personal access token with the 'view' scope only "
            "(synapse.org > Account Settings > Personal Access Tokens) and paste it here."
        )
        token = read_secret("Synapse personal access token: ").strip()
        if token.count(".") != 2:
            raise SignInError("that is not a Synapse personal access token")
        store.write(store.token_file, {"kind": "synapse", "token": token})
    else:
        provider = Provider(settings, service.transport)
        answer = provider.device_sign_in(say=say, sleep=sleep)
        if not answer.get("refresh_token"):
            raise SignInError(
                "the identity provider gave no refresh token; ask the catalog operators to "
                "allow refresh tokens for the command-line client"
            )
        store.write(store.token_file, {"kind": "oidc", "refresh_token": answer["refresh_token"]})
    say(f"Signed in; your token is kept in {store.token_file} (readable by you only).")


def _token(service: SignInService, store: Store, token_file: str | None) -> str:
    if token_file:
        path = Path(token_file).expanduser()
        try:
            return path.read_text().strip()
        except OSError as error:
            raise SignInError(f"cannot read --token-file {path}: {error.strerror}") from None
    stored = store.read(store.token_file)
    if stored is None and os.environ.get("SYNAPSE_AUTH_TOKEN"):
        return os.environ["SYNAPSE_AUTH_TOKEN"].strip()
    if stored is None:
        raise SignInError(
            f"not signed in to {service.url}: run `{Path(sys.argv[0]).name} login --url "
            f"{service.url}` first"
        )
    if stored.get("kind") == "synapse":
        return str(stored["token"])
    provider = Provider(service.settings(), service.transport)
    answer = provider.refresh(str(stored.get("refresh_token", "")))
    if answer.get("refresh_token"):
        store.write(store.token_file, {"kind": "oidc", "refresh_token": answer["refresh_token"]})
    return str(answer["id_token"])


def _still_valid(document: dict[str, Any] | None, now: float) -> bool:
    if not document:
        return False
    try:
        expires = datetime.strptime(str(document["Expiration"]), "%Y-%m-%dT%H:%M:%SZ")
    except (KeyError, ValueError):
        return False
    return expires.replace(tzinfo=UTC).timestamp() - now > REFRESH_MARGIN


def credentials(
    service: SignInService,
    store: Store,
    community: str,
    *,
    token_file: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The credential_process JSON, from the cache while it is valid for 5 more minutes."""
    cached_file = store.credentials_file(community)
    cached = store.read(cached_file)
    if _still_valid(cached, time.time() if now is None else now):
        return dict(cached or {})
    document = service.credentials(_token(service, store, token_file), community)
    if document.get("Version") != 1 or "AccessKeyId" not in document:
        raise SignInError("the sign-in service answered without credentials")
    store.write(cached_file, document)
    return document


def profile(url: str, community: str, name: str, region: str, token_file: str | None) -> str:
    command = [sys.executable, str(Path(__file__).resolve()), "credentials"]
    command += ["--url", url, "--community", community]
    if token_file:
        command += ["--token-file", str(Path(token_file).expanduser().resolve())]
    return f"[profile {name}]\nregion = {region}\ncredential_process = {shlex.join(command)}\n"


def main(argv: list[str] | None = None, *, transport: Transport = send) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("login", "keep your token (Synapse) or sign in on a device (other providers)"),
        ("credentials", "print the credential_process JSON (what the AWS CLI runs)"),
        ("config", "print the ~/.aws/config profile"),
        ("logout", "forget the token and cached credentials"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--url", required=True, help="the sign-in service, https://...")
        if name in ("credentials", "config"):
            command.add_argument("--community", required=True, help="your community's name")
            command.add_argument(
                "--token-file", help="read a Synapse personal access token from this file"
            )
        if name == "config":
            command.add_argument("--profile", help="profile name (default: the community)")
    args = parser.parse_args(argv)
    try:
        service = SignInService(args.url, transport)
        store = Store(service.url)
        if args.command == "login":
            login(service, store)
        elif args.command == "credentials":
            document = credentials(service, store, args.community, token_file=args.token_file)
            print(json.dumps(document))
        elif args.command == "config":
            region = str(service.settings().get("region") or "us-east-1")
            name = args.profile or args.community
            print(profile(service.url, args.community, name, region, args.token_file), end="")
        else:
            for path in [store.token_file, *store.cache_dir.glob(f"credentials-{store.host}-*")]:
                path.unlink(missing_ok=True)
            _say(f"Forgot the token and credentials of {service.url}.")
    except SignInError as error:
        print(f"research-catalog sign-in: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
