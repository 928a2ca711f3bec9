"""The function's configuration: one JSON environment variable the SignIn stack writes from the
stage's ``sign_in:`` section. No secret: the OAuth client secret is read from Secrets Manager at
run time (``client_secret_arn``). The communities are not here: their stacks write them to SSM
below ``communities_path`` (``directory.py``), so a stage holds as many as it has stacks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ENVIRONMENT_VARIABLE = "SIGN_IN_SETTINGS"
PROVIDER_KINDS = ("synapse", "oidc")


class SettingsError(Exception):
    """The function is misconfigured: every request fails with a page saying so."""


@dataclass(frozen=True)
class Community:
    name: str
    title: str
    role_arn: str
    manager_email: str
    team_id: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Settings:
    provider_kind: str
    issuer: str
    client_id: str
    client_secret_arn: str
    scope: str
    user_id_claim: str
    username_claim: str
    email_claim: str
    group_claim: str
    email_template: str | None
    cli_client_id: str | None
    repo_endpoint: str | None
    extra_params: Mapping[str, str]
    base_url: str
    catalog_name: str
    support_email: str
    signing_in_url: str
    region: str
    console_url: str
    federation_url: str
    session_seconds: int
    flow_table: str
    users_table: str
    communities_path: str
    role_arn_prefix: str

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/callback"

    @property
    def provider_name(self) -> str:
        return "Synapse" if self.provider_kind == "synapse" else "your organisation's sign-in"

    def entry_url(self, community: str) -> str:
        return f"{self.base_url}/communities/{community}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        try:
            raw = json.loads(environ[ENVIRONMENT_VARIABLE])
            return cls._from(raw)
        except (KeyError, TypeError, ValueError) as error:
            raise SettingsError(
                f"{ENVIRONMENT_VARIABLE} is missing or invalid ({type(error).__name__}: {error})"
            ) from error

    @classmethod
    def _from(cls, raw: Mapping[str, Any]) -> Settings:
        settings = cls(
            provider_kind=str(raw["provider"]),
            issuer=str(raw["issuer"]),
            client_id=str(raw["client_id"]),
            client_secret_arn=str(raw["client_secret_arn"]),
            scope=str(raw["scope"]),
            user_id_claim=str(raw["claims"]["user_id"]),
            username_claim=str(raw["claims"]["username"]),
            email_claim=str(raw["claims"]["email"]),
            group_claim=str(raw["claims"]["groups"]),
            email_template=raw.get("email_template"),
            cli_client_id=raw.get("cli_client_id"),
            repo_endpoint=raw.get("repo_endpoint"),
            extra_params=dict(raw.get("extra_params") or {}),
            base_url=str(raw["base_url"]).rstrip("/"),
            catalog_name=str(raw["catalog_name"]),
            support_email=str(raw["support_email"]),
            signing_in_url=str(raw["signing_in_url"]),
            region=str(raw["region"]),
            console_url=str(raw["console_url"]),
            federation_url=str(raw["federation_url"]),
            session_seconds=int(raw["session_seconds"]),
            flow_table=str(raw["flow_table"]),
            users_table=str(raw["users_table"]),
            communities_path=str(raw["communities_path"]).rstrip("/"),
            role_arn_prefix=str(raw["role_arn_prefix"]),
        )
        settings._check()
        return settings

    def _check(self) -> None:
        if self.provider_kind not in PROVIDER_KINDS:
            raise ValueError(f"provider must be one of {', '.join(PROVIDER_KINDS)}")
        for name in ("issuer", "base_url", "console_url", "federation_url"):
            if urlsplit(getattr(self, name)).scheme != "https":
                raise ValueError(f"{name} must be an https URL")
        if not 900 <= self.session_seconds <= 3600:
            raise ValueError("session_seconds must be 900..3600")
        if not self.communities_path.startswith("/"):
            raise ValueError("communities_path must be an SSM path")
        if not self.role_arn_prefix.startswith("arn:") or ":role/" not in self.role_arn_prefix:
            raise ValueError("role_arn_prefix must be an IAM role ARN prefix")
