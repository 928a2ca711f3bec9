"""From a verified identity to AWS: the community role's session, and the console sign-in URL.

The session name and the source identity are both the verified user ID: the community role's
trust policy accepts nothing else (``sts:RoleSessionName`` must equal ``sts:SourceIdentity``,
which must be set), so every owner check that compares ``<RoleId>:<session name>`` (the caller's
``aws:userid``) names exactly this user, and CloudTrail records the user on every call, also
after role chaining (the source identity cannot be changed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from botocore.exceptions import ClientError

from .http import HttpClient, HttpError
from .identity import Identity
from .settings import Community, Settings

SESSION_TAG_USERNAME = "research-catalog:username"
SESSION_TAG_EMAIL = "research-catalog:email"


class AwsRefused(Exception):
    """STS or the federation endpoint refused (the message holds no credential)."""


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str  # ISO 8601, UTC

    def credential_process(self) -> dict[str, Any]:
        """The JSON the AWS CLI and SDKs expect from a ``credential_process`` command."""
        return {
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": self.expiration,
        }


def session_tags(identity: Identity) -> list[dict[str, str]]:
    tags = [{"Key": SESSION_TAG_USERNAME, "Value": identity.username}]
    if identity.email:
        tags.append({"Key": SESSION_TAG_EMAIL, "Value": identity.email})
    return tags


def assume_community_role(
    sts: Any, community: Community, identity: Identity, *, seconds: int
) -> Credentials:
    try:
        answer = sts.assume_role(
            RoleArn=community.role_arn,
            RoleSessionName=identity.user_id,
            SourceIdentity=identity.user_id,
            Tags=session_tags(identity),
            DurationSeconds=seconds,
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise AwsRefused(f"AssumeRole of {community.role_arn} refused ({code})") from None
    credentials: Mapping[str, Any] = answer["Credentials"]
    expiration = credentials["Expiration"]
    return Credentials(
        access_key_id=str(credentials["AccessKeyId"]),
        secret_access_key=str(credentials["SecretAccessKey"]),
        session_token=str(credentials["SessionToken"]),
        expiration=(
            expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
            if hasattr(expiration, "strftime")
            else str(expiration)
        ),
    )


def console_url(
    credentials: Credentials,
    settings: Settings,
    community: Community,
    *,
    http: HttpClient,
    timeout: float,
) -> str:
    """A console sign-in URL (valid 15 minutes) opening the stage region's Service Catalog
    products page. No ``SessionDuration``: the federation endpoint refuses it for credentials
    of a role assumed by another role's session; the console session then lasts as long as the
    credentials do."""
    session = json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        }
    )
    url = (
        settings.federation_url + "?" + urlencode({"Action": "getSigninToken", "Session": session})
    )
    try:
        response = http("GET", url, timeout=timeout)
        token = response.json().get("SigninToken") if response.status == 200 else None
    except (HttpError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise AwsRefused("the federation endpoint gave no sign-in token")
    return (
        settings.federation_url
        + "?"
        + urlencode(
            {
                "Action": "login",
                "Issuer": settings.entry_url(community.name),
                "Destination": settings.console_url,
                "SigninToken": token,
            }
        )
    )
