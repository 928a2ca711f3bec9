"""Open your SageMaker Studio user profile of a studio-team product in the browser.

    python -m catalog_cli.studio --domain <DomainId> --profile <your user profile> [--print]

Uses your usual AWS credentials (profile, SSO session or environment), the ones you sign in to
the catalog with: the catalog lets you open only your own profile. A Studio link works for
five minutes and signs in whoever opens it, so it is opened at once and never stored.
Needs boto3 (``pip install boto3``).
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from collections.abc import Callable
from typing import Any, TextIO

import boto3
from botocore.exceptions import ClientError

from catalog_cli.aws import AWS_ERRORS, explain

# The longest a link may stay valid; the Studio session itself lasts longer.
LINK_SECONDS = 300
SESSION_SECONDS = 12 * 3600

Client = Any


class StudioCliError(Exception):
    """A problem the user can act on; printed without a traceback."""


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def presigned_url(sagemaker: Client, domain: str, profile: str) -> str:
    """A Studio sign-in link for ``profile`` in ``domain``, made with the caller's identity."""
    try:
        sagemaker.describe_domain(DomainId=domain)
    except ClientError as error:
        if _code(error) == "ResourceNotFound":
            raise StudioCliError(
                f"no Studio domain {domain!r} in this account and region: use the DomainId "
                "output of the studio-team product (and --region if it is not your default)"
            ) from error
        if _code(error) not in ("AccessDeniedException", "AccessDenied"):
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
                f"no user profile {profile!r} in domain {domain!r}: use one of the "
                "UserProfiles output of the product"
            ) from error
        if code in ("AccessDeniedException", "AccessDenied"):
            raise StudioCliError(
                f"you may not open profile {profile!r}: the catalog lets each member open only "
                "their own profile, signed in through the same community role as the team's "
                "owner. Check the profile name, or ask the owner to add you to Members"
            ) from error
        raise
    return str(response["AuthorizedUrl"])


def main(
    argv: list[str] | None = None,
    out: TextIO = sys.stdout,
    *,
    client: Callable[[str | None], Client] | None = None,
    open_url: Callable[[str], bool] = webbrowser.open,
) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m catalog_cli.studio",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--domain", required=True, help="the product's DomainId output")
    parser.add_argument("--profile", required=True, help="your user profile (UserProfiles)")
    parser.add_argument("--region", help="default: your AWS configuration's region")
    parser.add_argument(
        "--print", action="store_true", help="print the link instead of opening a browser"
    )
    args = parser.parse_args(argv)

    def default_client(region: str | None) -> Client:
        return boto3.Session(region_name=region).client("sagemaker")

    try:
        url = presigned_url((client or default_client)(args.region), args.domain, args.profile)
    except StudioCliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except AWS_ERRORS as error:
        print(f"error: {explain(error)}", file=sys.stderr)
        return 2
    if args.print or not open_url(url):
        print(f"Open within {LINK_SECONDS // 60} minutes (signs in as {args.profile}):", file=out)
        print(url, file=out)
    else:
        print(f"Opened Studio as {args.profile} in your browser.", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
