"""The sign-in service assembled for tests: its settings, its tables, community role, client
secret and community entries (SSM) in moto, its clients, and the API Gateway proxy events a
browser or the command line would cause. Used by the handler tests (tests/unit/sign_in/) and
the browser test (tests/browser/)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3

from catalog_constructs.sign_in.handler.sign_in_handlers import app
from catalog_constructs.sign_in.handler.sign_in_handlers.oidc import Provider
from catalog_constructs.sign_in.handler.sign_in_handlers.settings import Settings

ACCOUNT = "123456789012"
REGION = "us-east-1"
ISSUER = "https://idp.example.org/auth/v1"
REPO_ENDPOINT = "https://idp.example.org/repo/v1"
BASE_URL = "https://sign-in.example.org"
CLIENT_ID = "100002"
CLIENT_SECRET = "test-client-secret-Zq81"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:sign-in-client"
FLOW_TABLE = "research-catalog-sign-in-flow"
USERS_TABLE = "research-catalog-sign-in-users"
TEAM = "3412678"
ROLE_PREFIX = f"arn:aws:iam::{ACCOUNT}:role/research-catalog-sign-in-"
# Users of the local provider: a member of the community's team and someone who is not.
MEMBER = "3345678"
OUTSIDER = "3399999"
CONSOLE_URL = (
    f"https://{REGION}.console.aws.amazon.com/servicecatalog/home?region={REGION}#/products"
)


def raw_settings(**overrides: Any) -> dict[str, Any]:
    """The SIGN_IN_SETTINGS document of a Synapse stage with one community, ``consortium``.
    ``communities`` is not part of the function's settings: make_services writes each as the
    SSM entry its community stack would (name -> document) below ``communities_path``."""
    raw: dict[str, Any] = {
        "provider": "synapse",
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "client_secret_arn": SECRET_ARN,
        "scope": "openid",
        "claims": {"user_id": "userid", "username": "user_name", "email": "email", "groups": ""},
        "email_template": "{username}@synapse.org",
        "cli_client_id": None,
        "repo_endpoint": REPO_ENDPOINT,
        "extra_params": {},
        "base_url": BASE_URL,
        "catalog_name": "Research Computing",
        "support_email": "rc@example.org",
        "signing_in_url": "https://docs.example.org/signing-in.md",
        "region": REGION,
        "console_url": CONSOLE_URL,
        "federation_url": "https://signin.aws.amazon.com/federation",
        "session_seconds": 3600,
        "flow_table": FLOW_TABLE,
        "users_table": USERS_TABLE,
        "role_arn_prefix": ROLE_PREFIX,
        "communities_path": "/research-catalog/sign-in/communities",
        "communities": {
            "consortium": {
                "title": "Research Consortium",
                "manager": "consortium-manager@example.org",
                "team": TEAM,
            }
        },
    }
    raw.update(overrides)
    return raw


def oidc_settings(**overrides: Any) -> dict[str, Any]:
    """A stage signing in with a generic OIDC provider whose group claim decides membership."""
    return raw_settings(
        provider="oidc",
        scope="openid profile email",
        claims={
            "user_id": "sub",
            "username": "preferred_username",
            "email": "email",
            "groups": "groups",
        },
        email_template=None,
        cli_client_id="catalog-cli",
        repo_endpoint=None,
        communities={
            "consortium": {
                "title": "Research Consortium",
                "manager": "consortium-manager@example.org",
                "group": TEAM,
            }
        },
        **overrides,
    )


def create_aws_resources() -> None:
    """The tables, the community role and the client secret, in moto (inside mock_aws)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for table, key in ((FLOW_TABLE, "pk"), (USERS_TABLE, "user_id")):
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    boto3.client("iam", region_name=REGION).create_role(
        RoleName="research-catalog-sign-in-consortium",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="sign-in-client", SecretString=CLIENT_SECRET
    )


class Clock:
    """The service's and the provider's clock; tests move it."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


class RecordingSts:
    """moto's STS, keeping the arguments of every AssumeRole (moto does not return them)."""

    def __init__(self) -> None:
        self._sts = boto3.client("sts", region_name=REGION)
        self.assumed: list[dict[str, Any]] = []

    def assume_role(self, **kwargs: Any) -> Any:
        self.assumed.append(kwargs)
        return self._sts.assume_role(**kwargs)


def make_services(
    settings: Mapping[str, Any],
    http: Any,
    *,
    clock: Callable[[], float] | None = None,
    communities_path: str | None = None,
) -> app.Services:
    """The service's clients: moto for AWS (the secret's ARN is resolved to moto's), ``http``
    for the provider, Synapse and the federation endpoint. ``communities_path``: entries
    already written there (write_entries), instead of the settings' ``communities``."""
    secretsmanager = boto3.client("secretsmanager", region_name=REGION)
    real_arn = secretsmanager.describe_secret(SecretId="sign-in-client")["ARN"]
    document = {key: value for key, value in settings.items() if key != "communities"}
    # A path of its own per service: the moto account is shared by a module's tests.
    ssm = boto3.client("ssm", region_name=REGION)
    path = communities_path or f"/test-{uuid.uuid4().hex[:12]}{document['communities_path']}"
    if communities_path is None:
        write_entries(ssm, path, settings.get("communities", {}))
    parsed = Settings.from_environ(
        {
            "SIGN_IN_SETTINGS": json.dumps(
                {**document, "client_secret_arn": real_arn, "communities_path": path}
            )
        }
    )
    services = app.Services(
        settings=parsed,
        http=http,
        sts=RecordingSts(),
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        secretsmanager=secretsmanager,
        provider=Provider(parsed.issuer, http),
        ssm=ssm,
    )
    if clock is not None:
        services.clock = clock
    return services


def write_entries(ssm: Any, path: str, communities: Mapping[str, Any]) -> None:
    """Each community's entry as its stack writes it (a String parameter, a JSON object; a str
    value is written as given, to test broken entries)."""
    for name, entry in communities.items():
        ssm.put_parameter(
            Name=f"{path}/{name}",
            Value=entry if isinstance(entry, str) else json.dumps(entry, sort_keys=True),
            Type="String",
            Overwrite=True,
        )


def event(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """The API Gateway REST proxy event of a request to ``url`` (path and query)."""
    parts = urlsplit(url)
    multi = parse_qs(parts.query, keep_blank_values=True)
    return {
        "resource": "/{proxy+}",
        "path": parts.path or "/",
        "httpMethod": method,
        "headers": dict(headers or {}),
        "queryStringParameters": {k: v[-1] for k, v in multi.items()} or None,
        "multiValueQueryStringParameters": multi or None,
        "body": body,
        "isBase64Encoded": False,
    }


@dataclass
class Browser:
    """A cookie jar in front of the handler: what a browser does between redirects."""

    services: app.Services
    context: Any
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, url: str) -> dict[str, Any]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = app.handler(
            event("GET", url, headers={"Cookie": cookie} if cookie else {}),
            self.context,
            services=self.services,
        )
        set_cookie = response["headers"].get("Set-Cookie")
        if set_cookie:
            name, _, rest = set_cookie.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in set_cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response
