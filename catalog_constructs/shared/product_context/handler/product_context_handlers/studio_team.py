"""``Custom::StudioTeam``: a SageMaker Studio team's user profiles, and its teardown.

CloudFormation cannot create one resource per entry of a CommaDelimitedList without the
AWS::LanguageExtensions transform, so this resource owns the domain's user profiles. It also
owns the teardown: a domain cannot be deleted while apps, spaces or profiles exist, and members
create apps and spaces that CloudFormation never knew about. Every wait ends before the
Lambda's own time limit (``Deadline``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from .common import Client, ProductContextError, error_code, required, tag_safe
from .deadline import Deadline

RESOURCE_TYPE = "Custom::StudioTeam"
MEMBER_USERID_TAG = "research-catalog:member-userid"

_PROFILE_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
_GONE_APP_STATES = ("Deleted", "Failed")
_RETRY = "retry, it resumes where it stopped"


def profile_name(member: str) -> str:
    """A member's session name as a Studio user-profile name ([A-Za-z0-9-], 63 at most)."""
    return _PROFILE_UNSAFE.sub("-", member).strip("-")[:63].rstrip("-")


def team_members(properties: Mapping[str, Any]) -> dict[str, str]:
    """``{profile name: member session name}``; ProductContextError on a collision."""
    raw = properties.get("Members", [])
    members = raw.split(",") if isinstance(raw, str) else list(raw)
    profiles: dict[str, str] = {}
    for member in (str(item).strip() for item in members):
        if not member:
            continue
        name = profile_name(member)
        if not name:
            raise ProductContextError(f"member {member!r} has no letter or digit")
        if profiles.get(name, member) != member:
            raise ProductContextError(
                f"members {profiles[name]!r} and {member!r} both map to the Studio user profile "
                f"{name!r}: profile names keep only letters, digits and hyphens"
            )
        profiles[name] = member
    if not profiles:
        raise ProductContextError("the team needs at least one member")
    return profiles


def _pages(method: Callable[..., Any], key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        response = method(**kwargs, **({"NextToken": token} if token else {}))
        items += response.get(key, [])
        token = response.get("NextToken")
        if not token:
            return items


def _apps(sagemaker: Client, domain: str, profile: str | None = None) -> list[dict[str, Any]]:
    """Live apps of the domain, or of one member: their own and those of spaces they own."""
    spaces = (
        {space["SpaceName"] for space in _spaces(sagemaker, domain, profile)} if profile else set()
    )
    apps = _pages(sagemaker.list_apps, "Apps", DomainIdEquals=domain)
    return [
        app
        for app in apps
        if app.get("Status") not in _GONE_APP_STATES
        and (
            profile is None
            or app.get("UserProfileName") == profile
            or app.get("SpaceName") in spaces
        )
    ]


def _spaces(sagemaker: Client, domain: str, profile: str | None = None) -> list[dict[str, Any]]:
    spaces = _pages(sagemaker.list_spaces, "Spaces", DomainIdEquals=domain)
    return [
        space
        for space in spaces
        if profile is None
        or space.get("OwnershipSettingsSummary", {}).get("OwnerUserProfileName") == profile
    ]


def _profiles(sagemaker: Client, domain: str) -> list[str]:
    profiles = _pages(sagemaker.list_user_profiles, "UserProfiles", DomainIdEquals=domain)
    return [str(profile["UserProfileName"]) for profile in profiles]


def _ignore_missing(call: Callable[..., Any], **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except ClientError as error:
        # Deleting something already being deleted or gone is what we want anyway.
        if error_code(error) not in ("ResourceNotFound", "ResourceInUse"):
            raise


def delete_apps_and_spaces(
    sagemaker: Client, domain: str, deadline: Deadline, profile: str | None = None
) -> None:
    """Delete the apps, then the spaces, of a domain (or of one member) and wait for both."""
    for app in _apps(sagemaker, domain, profile):
        owner = (
            {"SpaceName": app["SpaceName"]}
            if app.get("SpaceName")
            else {"UserProfileName": app["UserProfileName"]}
        )
        if app.get("Status") != "Deleting":
            _ignore_missing(
                sagemaker.delete_app,
                DomainId=domain,
                AppType=app["AppType"],
                AppName=app["AppName"],
                **owner,
            )
    deadline.wait(
        "apps to be deleted",
        lambda: [a["AppName"] for a in _apps(sagemaker, domain, profile)],
        hint=_RETRY,
    )
    for space in _spaces(sagemaker, domain, profile):
        if space.get("Status") != "Deleting":
            _ignore_missing(sagemaker.delete_space, DomainId=domain, SpaceName=space["SpaceName"])
    deadline.wait(
        "spaces to be deleted",
        lambda: [s["SpaceName"] for s in _spaces(sagemaker, domain, profile)],
        hint=_RETRY,
    )


def _delete_profiles(sagemaker: Client, domain: str, names: list[str], deadline: Deadline) -> None:
    for name in names:
        _ignore_missing(sagemaker.delete_user_profile, DomainId=domain, UserProfileName=name)
    deadline.wait(
        "user profiles to be deleted",
        lambda: [p for p in _profiles(sagemaker, domain) if p in names],
        hint=_RETRY,
    )


def sync_team(
    event: Mapping[str, Any], *, sagemaker: Client, deadline: Deadline
) -> tuple[str, dict[str, str]]:
    """Create/Update of ``Custom::StudioTeam``: one user profile per member, no others."""
    properties = event.get("ResourceProperties", {})
    domain = required(properties, "DomainId")
    owner = required(properties, "OwnerAwsUserId")
    role_id, colon, _ = owner.partition(":")
    if not colon:
        raise ProductContextError(
            "a Studio team must be launched from a community role session (federated sign-in), "
            "not as an IAM user: members are identified as sessions of the same role"
        )
    members = team_members(properties)
    existing = _profiles(sagemaker, domain)
    for name, member in members.items():
        if name in existing:
            continue
        sagemaker.create_user_profile(
            DomainId=domain,
            UserProfileName=name,
            Tags=[
                # Equals the member's ${aws:userid}: the end-user policy lets only that
                # session open this profile.
                {"Key": MEMBER_USERID_TAG, "Value": tag_safe(f"{role_id}:{member}")},
                {"Key": "research-catalog:product", "Value": "studio-team"},
                {"Key": "research-catalog:owner-userid", "Value": owner},
            ],
        )
    removed = [name for name in existing if name not in members]
    for name in removed:
        delete_apps_and_spaces(sagemaker, domain, deadline, name)
    if removed:
        _delete_profiles(sagemaker, domain, removed, deadline)
    return f"{domain}/team", {"UserProfiles": ",".join(sorted(members))}


def teardown_team(domain: str, *, sagemaker: Client, deadline: Deadline) -> None:
    """Delete of ``Custom::StudioTeam``: empty the domain so CloudFormation can delete it."""
    try:
        delete_apps_and_spaces(sagemaker, domain, deadline)
        _delete_profiles(sagemaker, domain, _profiles(sagemaker, domain), deadline)
    except ClientError as error:
        if error_code(error) != "ResourceNotFound":
            raise
