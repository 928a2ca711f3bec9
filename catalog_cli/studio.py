"""Open your own SageMaker Studio user profile of a studio-team product in the browser.

    python -m catalog_cli.studio                  # finds your profile and opens it
    python -m catalog_cli.studio --list           # your profiles, their teams and buckets
    python -m catalog_cli.studio --domain <DomainId> [--user-profile <name>] [--print]

Uses your usual AWS credentials (``--profile`` or AWS_PROFILE, SSO session or environment),
the ones you sign in to the catalog with. Your profiles are the ones tagged with your identity
(the catalog lets you open only those); you need not know the domain or the profile name. A
Studio link works for five minutes and signs in whoever opens it, so it is opened at once and
never stored. Needs boto3 (``pip install boto3``).
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import boto3
from botocore.exceptions import ClientError, ProfileNotFound

from catalog_cli.aws import AWS_ERRORS, explain
from catalog_constructs.contract import STUDIO_MEMBER_TAG

# The longest a link may stay valid; the Studio session itself lasts longer.
LINK_SECONDS = 300
SESSION_SECONDS = 12 * 3600
# Tags studio-team v3 puts on each member's profile (the shared Custom::StudioTeam handler).
TEAM_TAG = "research-catalog:team"
SCRATCH_TAG = "research-catalog:scratch-bucket"
TRAINING_DATA_TAG = "research-catalog:training-data-bucket"
DENIED = ("AccessDeniedException", "AccessDenied")

Client = Any


class StudioCliError(Exception):
    """A problem the user can act on; printed without a traceback."""


@dataclass(frozen=True)
class StudioProfile:
    domain_id: str
    domain_name: str
    name: str
    tags: dict[str, str]

    def describe(self) -> str:
        team = self.tags.get(TEAM_TAG, self.domain_name)
        lines = [f"{team}: domain {self.domain_id}, user profile {self.name}"]
        if SCRATCH_TAG in self.tags:
            lines.append(f"  scratch bucket: s3://{self.tags[SCRATCH_TAG]}")
        training = self.tags.get(TRAINING_DATA_TAG, "")
        if training:
            lines.append(f"  training data (read-only): s3://{training}")
        return "\n".join(lines)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _pages(method: Callable[..., Any], key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    token = None
    while True:
        response = method(**kwargs, **({"NextToken": token} if token else {}))
        yield from response.get(key, [])
        token = response.get("NextToken")
        if not token:
            return


def own_profiles(sagemaker: Client, userid: str, domain: str | None = None) -> list[StudioProfile]:
    """The profiles whose member tag is ``userid`` (the caller's ``aws:userid``). The catalog
    lets a member read the tags of their own profiles only; others answer AccessDenied."""
    found = []
    for summary in _pages(sagemaker.list_domains, "Domains"):
        if domain and summary["DomainId"] != domain:
            continue
        prefix = str(summary["DomainArn"]).replace(":domain/", ":user-profile/", 1)
        for profile in _pages(
            sagemaker.list_user_profiles, "UserProfiles", DomainIdEquals=summary["DomainId"]
        ):
            name = str(profile["UserProfileName"])
            try:
                tags = {
                    str(tag["Key"]): str(tag["Value"])
                    for tag in _pages(sagemaker.list_tags, "Tags", ResourceArn=f"{prefix}/{name}")
                }
            except ClientError as error:
                if _code(error) in DENIED:
                    continue
                raise
            if tags.get(STUDIO_MEMBER_TAG) == userid:
                found.append(
                    StudioProfile(
                        str(summary["DomainId"]), str(summary.get("DomainName", "")), name, tags
                    )
                )
    return found


def presigned_url(sagemaker: Client, domain: str, profile: str) -> str:
    """A Studio sign-in link for ``profile`` in ``domain``, made with the caller's identity."""
    try:
        sagemaker.describe_domain(DomainId=domain)
    except ClientError as error:
        if _code(error) == "ResourceNotFound":
            raise StudioCliError(
                f"no Studio domain {domain!r} in this account and region: leave out --domain "
                "to find yours (and give --region if it is not your default)"
            ) from error
        if _code(error) not in DENIED:
            raise
        # Without DescribeDomain the presigned call below still says what is wrong.
    try:
        response = sagemaker.create_presigned_domain_url(
            DomainId=domain,
            UserProfileName=profile,
            ExpiresInSeconds=LINK_SECONDS,
            SessionExpirationDurationInSeconds=SESSION_SECONDS,
        )
    except ClientError as error:
        code = _code(error)
        if code == "ResourceNotFound":
            raise StudioCliError(
                f"no user profile {profile!r} in domain {domain!r}: leave out --user-profile "
                "to find yours"
            ) from error
        if code in DENIED:
            raise StudioCliError(
                f"you may not open profile {profile!r}: the catalog lets each member open only "
                "their own profile, signed in through the same community role as the team's "
                "owner. Check the profile name, or ask the owner to add you to Members"
            ) from error
        raise
    return str(response["AuthorizedUrl"])


def choose(sagemaker: Client, sts: Client, domain: str | None) -> StudioProfile:
    userid = str(sts.get_caller_identity()["UserId"])
    mine = own_profiles(sagemaker, userid, domain)
    session = userid.partition(":")[2] or userid
    where = f"domain {domain!r}" if domain else "this account and region"
    if not mine:
        raise StudioCliError(
            f"no Studio user profile of yours ({session}) in {where}: ask the team's owner to "
            "add your sign-in name to the product's Members (an update), and check --region"
        )
    if len(mine) > 1:
        listing = "\n".join(p.describe() for p in mine)
        raise StudioCliError(
            f"you have {len(mine)} Studio profiles; choose one with --domain:\n{listing}"
        )
    return mine[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m catalog_cli.studio",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--domain", help="a DomainId (default: the domain of your profile)")
    parser.add_argument(
        "--user-profile", help="your Studio user profile (default: the one tagged as yours)"
    )
    parser.add_argument("--list", action="store_true", help="list your profiles and exit")
    parser.add_argument("--profile", help="the AWS credentials profile (default: AWS_PROFILE)")
    parser.add_argument("--region", help="default: your AWS configuration's region")
    parser.add_argument(
        "--print", action="store_true", help="print the link instead of opening a browser"
    )
    return parser


def _old_spelling(args: argparse.Namespace) -> str:
    """Before, --profile named the Studio user profile; say so when that is likely meant."""
    if args.profile and args.domain and not args.user_profile:
        return (
            f" (--profile names your AWS credentials profile; for the Studio user profile "
            f"use --user-profile {args.profile})"
        )
    return ""


def run(
    args: argparse.Namespace, out: TextIO, client: Callable[[str], Client], open_url: Callable
) -> int:
    sagemaker = client("sagemaker")
    if args.list:
        sts = client("sts")
        userid = str(sts.get_caller_identity()["UserId"])
        mine = own_profiles(sagemaker, userid, args.domain)
        print("\n".join(p.describe() for p in mine) or "No Studio profile of yours.", file=out)
        return 0
    if args.domain and args.user_profile:
        domain, name = args.domain, args.user_profile
    else:
        if args.user_profile:
            raise StudioCliError("--user-profile needs --domain (or leave both out)")
        chosen = choose(sagemaker, client("sts"), args.domain)
        domain, name = chosen.domain_id, chosen.name
        print(chosen.describe(), file=out)
    url = presigned_url(sagemaker, domain, name)
    if args.print or not open_url(url):
        print(f"Open within {LINK_SECONDS // 60} minutes (signs in as {name}):", file=out)
        print(url, file=out)
    else:
        print(f"Opened Studio as {name} in your browser.", file=out)
    return 0


def main(
    argv: list[str] | None = None,
    out: TextIO = sys.stdout,
    *,
    client: Callable[[str], Client] | None = None,
    open_url: Callable[[str], bool] = webbrowser.open,
) -> int:
    args = _parser().parse_args(argv)

    def default_client(service: str) -> Client:
        return boto3.Session(profile_name=args.profile, region_name=args.region).client(service)

    try:
        return run(args, out, client or default_client, open_url)
    except StudioCliError as error:
        print(f"error: {error}", file=sys.stderr)
    except ProfileNotFound as error:
        print(f"error: {explain(error)}{_old_spelling(args)}", file=sys.stderr)
    except AWS_ERRORS as error:
        print(f"error: {explain(error)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
