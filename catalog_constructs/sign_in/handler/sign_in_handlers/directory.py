"""The sign-in communities, read from SSM instead of the function's environment (which Lambda
caps at 4 KB, a few dozen communities).

Each sign-in community's stack writes one String parameter below ``communities_path``
(``/research-catalog/sign-in/communities/<name>``), a JSON object::

    {"title": "Research Consortium", "manager": "manager@example.org", "team": "3412678"}

(``group`` instead of ``team`` for a provider other than Synapse). It never names a role: the
role is ``role_arn_prefix + <name>``, the one the SignIn stack creates, so an entry can only
point a team at the role of the community it is named after.

The function reads the whole path (``GetParametersByPath``, ten per page) at most once every
``CACHE_SECONDS`` per container, never one name per request: a flood of made-up community names
costs no SSM call. Each page is read only while the Lambda has time for it (``remaining``); a
failed refresh keeps serving the previous listing for up to ``STALE_SECONDS``. An entry that is
not a valid document is left out of the listing and reported by name, so one broken entry
refuses its own community with a clear page and leaves the others working.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .settings import Community

CACHE_SECONDS = 300
STALE_SECONDS = 3600
PAGE_SIZE = 10
# Worst case of one SSM call with the client default_services builds (connect 1 s, read 2 s,
# two attempts), plus a margin: no page is started with less time than this left.
CALL_SECONDS = 7.0
# config.sections.communities.COMMUNITY_NAME_RE
NAME = re.compile(r"[a-z][a-z0-9-]{1,30}")
_TEAM = re.compile(r"[0-9]{1,20}")


class DirectoryUnavailable(Exception):
    """SSM could not be read (and no listing is recent enough to serve)."""


class EntryInvalid(Exception):
    """A community's entry exists but is not a valid document."""


def parse_entry(name: str, value: str, *, provider_kind: str, role_arn_prefix: str) -> Community:
    """The community of one entry, or EntryInvalid saying what is wrong."""
    if not NAME.fullmatch(name):
        raise EntryInvalid("its name is not a community name")
    try:
        raw = json.loads(value)
    except ValueError:
        raise EntryInvalid("it is not JSON") from None
    if not isinstance(raw, dict):
        raise EntryInvalid("it is not a JSON object")
    title, manager = raw.get("title"), raw.get("manager")
    if not isinstance(title, str) or not 0 < len(title) <= 200:
        raise EntryInvalid("its title is missing or longer than 200 characters")
    if not isinstance(manager, str) or "@" not in manager:
        raise EntryInvalid("its manager is not an e-mail address")
    team, group = raw.get("team"), raw.get("group")
    if provider_kind == "synapse":
        if not isinstance(team, str) or not _TEAM.fullmatch(team):
            raise EntryInvalid("it names no Synapse team ID")
        group = None
    else:
        if not isinstance(group, str) or not 0 < len(group) <= 256:
            raise EntryInvalid("it names no group")
        team = None
    return Community(
        name=name,
        title=title,
        role_arn=role_arn_prefix + name,
        manager_email=manager,
        team_id=team,
        group=group,
    )


@dataclass
class Listing:
    read_at: float
    communities: dict[str, Community]
    invalid: dict[str, str]


@dataclass
class CommunityDirectory:
    """The sign-in communities of the stage, as their entries in SSM say."""

    ssm: Any
    path: str
    provider_kind: str
    role_arn_prefix: str
    log: Callable[..., None] = field(default=lambda event, **fields: None)
    _listing: Listing | None = field(default=None, repr=False)

    def cached(self) -> Listing | None:
        """The last listing, without reading SSM (for refusal pages)."""
        return self._listing

    def listing(self, *, now: float, remaining: Callable[[], float]) -> Listing:
        listing = self._listing
        if listing is not None and now - listing.read_at < CACHE_SECONDS:
            return listing
        try:
            self._listing = self._read(now, remaining)
        except DirectoryUnavailable as error:
            if listing is not None and now - listing.read_at < STALE_SECONDS:
                self.log("communities stale", error=str(error), age=int(now - listing.read_at))
                return listing
            raise
        return self._listing

    def _read(self, now: float, remaining: Callable[[], float]) -> Listing:
        communities: dict[str, Community] = {}
        invalid: dict[str, str] = {}
        token: str | None = None
        while True:
            if remaining() < CALL_SECONDS:
                raise DirectoryUnavailable("no time left to read the communities")
            try:
                page = self.ssm.get_parameters_by_path(
                    Path=self.path,
                    Recursive=False,
                    MaxResults=PAGE_SIZE,
                    **({"NextToken": token} if token else {}),
                )
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "error")
                raise DirectoryUnavailable(f"SSM refused ({code})") from None
            except BotoCoreError as error:
                raise DirectoryUnavailable(f"SSM unreachable ({type(error).__name__})") from None
            for parameter in page.get("Parameters", []):
                name = str(parameter.get("Name", "")).rsplit("/", 1)[-1]
                try:
                    communities[name] = parse_entry(
                        name,
                        str(parameter.get("Value", "")),
                        provider_kind=self.provider_kind,
                        role_arn_prefix=self.role_arn_prefix,
                    )
                except EntryInvalid as error:
                    invalid[name[:64]] = str(error)
            token = page.get("NextToken")
            if not token:
                break
        for name, reason in invalid.items():
            self.log("community entry invalid", community=name, reason=reason)
        return Listing(now, dict(sorted(communities.items())), invalid)

    def community(
        self, name: str, *, now: float, remaining: Callable[[], float]
    ) -> Community | None:
        """The community called ``name``; None if there is none; EntryInvalid if its entry is
        broken. Made-up names never reach SSM."""
        if not NAME.fullmatch(name):
            return None
        listing = self.listing(now=now, remaining=remaining)
        if name in listing.invalid:
            raise EntryInvalid(listing.invalid[name])
        return listing.communities.get(name)

    def all(self, *, now: float, remaining: Callable[[], float]) -> Mapping[str, Community]:
        return self.listing(now=now, remaining=remaining).communities
