"""Owners of provisioned products, for operators: move a product to another member of the
same community, and list the products whose owner has left.

    make transfer-owner STAGE=<name> PRODUCT_ID=<pp-...> TO=<session name> [ROLE=<role>]
    make departed-owners STAGE=<name> [DAYS=90]

``transfer`` checks that the new owner is a member of the product's community (a session of one
of the community's roles; for a sign-in community someone the sign-in service has verified),
then re-tags every resource of the product with the new owner (``Owner``, ``OwnerEmail``,
``research-catalog:owner-principal-arn``, ``research-catalog:owner-userid``: the tags every
owner check compares), records the move where only operators can write
(``/research-catalog/owner-transfers/<product ID>``, which the product context reads on every
launch and update, so later updates keep the new owner) and makes them the product's owner in
Service Catalog (``OWNER``). Only products whose access is decided by those tags alone can move
(docs/operations.md, "Change of owner"); for the others it says why not and what to do.

``departed`` lists products whose owner's role belongs to no community of the stage any more,
and, for sign-in communities, owners who have not signed in for ``--days`` days (or never: the
sign-in service refuses members removed from the community's team or group, so they stop
signing in). Run with credentials of an operator of the stage account.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, TextIO

import boto3

from catalog_cli.aws import AWS_ERRORS, explain
from catalog_constructs import contract
from config import CONFIG_DIR, ConfigError, load_config
from config.models import CatalogConfig
from config.sections.communities import Community

Client = Any
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
ASSUMED_ROLE = re.compile(
    r"arn:(?P<partition>[\w-]+):sts::(?P<account>\d{12}):assumed-role/(?P<role>[\w+=,.@-]+)/(?P<session>[\w+=,.@-]+)"
)
# Products whose owner is pinned by more than the owner tags: moving the tags would leave the
# previous owner in (bucket policies, Studio profiles, the notebook's owner check, job alerts).
NOT_TRANSFERABLE = {
    "private-bucket": "its bucket policy names the owner",
    "synapse-bucket": "its bucket policy and owner.txt name the owner",
    "studio-team": "its members' profiles, scratch bucket policy and budget alerts name the owner",
    "notebook": "the instance's owner check and sign-in secret were set up for the owner",
    "scheduled-job": "its failure alerts are subscribed to the owner's e-mail",
}
BUSY = ("UNDER_CHANGE", "PLAN_IN_PROGRESS")
# The first versions whose product context resolves the owner again on every update (it reads
# the transfer record); earlier versions resolve it once, at launch.
RESOLVES_ON_UPDATE = {"linux-docker": "v6", "windows": "v3"}
TAG_BATCH = 20  # Resource Groups Tagging API: at most 20 ARNs per TagResources call


class OwnersError(Exception):
    """A request that cannot be carried out; printed as one line, never a traceback."""


@dataclass(frozen=True)
class Owner:
    partition: str
    account: str
    role: str
    session: str

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{self.role}/{self.session}"

    @classmethod
    def parse(cls, arn: str) -> Owner | None:
        match = ASSUMED_ROLE.fullmatch(arn)
        if match is None:
            return None
        return cls(match["partition"], match["account"], match["role"], match["session"])


def community_of(config: CatalogConfig, role: str) -> tuple[str, Community] | None:
    """The community a role belongs to (by name, ARN name or pattern), or None."""
    for name, community in config.communities.items():
        if role in community.role_names_resolved() or any(
            fnmatchcase(role, pattern.rsplit("/", 1)[-1]) for pattern in community.role_patterns
        ):
            return name, community
    return None


def _provisioned_products(
    servicecatalog: Client, query: dict[str, list[str]]
) -> Iterator[dict[str, Any]]:
    token = None
    while True:
        response = servicecatalog.search_provisioned_products(
            AccessLevelFilter={"Key": "Account", "Value": "self"},
            Filters=query,
            PageSize=100,
            **({"PageToken": token} if token else {}),
        )
        yield from response.get("ProvisionedProducts", [])
        token = response.get("NextPageToken")
        if not token:
            return


def _owner_of(product: dict[str, Any]) -> Owner | None:
    return Owner.parse(str(product.get("UserArnSession") or product.get("UserArn") or ""))


def _stack_resources(tagging: Client, stack_arn: str) -> list[dict[str, Any]]:
    """Every taggable resource of the provisioned stack, with its tags."""
    found: list[dict[str, Any]] = []
    token = ""
    while True:
        response = tagging.get_resources(
            TagFilters=[{"Key": "aws:cloudformation:stack-id", "Values": [stack_arn]}],
            ResourcesPerPage=100,
            **({"PaginationToken": token} if token else {}),
        )
        found += response.get("ResourceTagMappingList", [])
        token = response.get("PaginationToken", "")
        if not token:
            return found


def _email(users: Client | None, community: Community, session: str) -> str:
    """The new owner's e-mail: the sign-in service's record, or the community's template."""
    if community.kind == "sign-in":
        assert users is not None
        item = users.get_item(
            TableName=contract.SIGN_IN_USERS_TABLE_NAME, Key={"user_id": {"S": session}}
        ).get("Item")
        if item is None:
            raise OwnersError(
                f"{session!r} has never signed in to community {community.name!r}: the catalog "
                "knows only members its sign-in service verified; ask them to sign in once"
            )
        return str(item.get("email", {}).get("S", ""))
    return community.owner_email(session) or ""


def _stack_roles(cloudformation: Client, stack_arn: str) -> list[str]:
    """Names of the IAM roles the provisioned stack created (the Resource Groups Tagging API
    does not list IAM roles, and an instance role's owner tag decides which owner's buckets
    admit it)."""
    names: list[str] = []
    token = None
    while True:
        response = cloudformation.list_stack_resources(
            StackName=stack_arn, **({"NextToken": token} if token else {})
        )
        names += [
            str(summary["PhysicalResourceId"])
            for summary in response.get("StackResourceSummaries", [])
            if summary.get("ResourceType") == "AWS::IAM::Role" and summary.get("PhysicalResourceId")
        ]
        token = response.get("NextToken")
        if not token:
            return names


def _retag(
    tagging: Client, iam: Client, arns: list[str], roles: list[str], tags: dict[str, str]
) -> None:
    others = [arn for arn in arns if not (":iam::" in arn and ":role/" in arn)]
    for start in range(0, len(others), TAG_BATCH):
        failed = tagging.tag_resources(
            ResourceARNList=others[start : start + TAG_BATCH], Tags=tags
        ).get("FailedResourcesMap", {})
        if failed:
            arn, reason = next(iter(failed.items()))
            raise OwnersError(
                f"could not re-tag {arn} ({reason.get('ErrorCode')}: {reason.get('ErrorMessage')});"
                " the product keeps its previous owner in Service Catalog: run the command again"
            )
    for role in roles:
        iam.tag_role(
            RoleName=role, Tags=[{"Key": key, "Value": value} for key, value in tags.items()]
        )


def _record(
    ssm: Client, product_id: str, new: Owner, previous: Owner, operator: str, now: float
) -> None:
    """The transfer record the product context reads on every Create and Update."""
    name = contract.owner_transfer_parameter(product_id)
    record = {
        "ProvisionedProductId": product_id,
        "OwnerArn": new.arn,
        "PreviousOwnerArn": previous.arn,
        "TransferredAt": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        "TransferredBy": operator,
    }
    try:
        ssm.put_parameter(
            Name=name,
            Value=json.dumps(record, sort_keys=True),
            Type="String",
            Overwrite=True,
            Description=f"Owner of {product_id} after make transfer-owner; read at every update",
        )
    except AWS_ERRORS as error:
        raise OwnersError(
            f"could not record the transfer in {name} ({explain(error)}); the product is "
            "re-tagged but keeps its previous owner in Service Catalog: run the command again"
        ) from error


def transfer(
    config: CatalogConfig,
    *,
    product_id: str,
    to: str,
    role: str | None,
    client: Callable[[str], Client],
    out: TextIO,
    operator: str = "",
    now: float | None = None,
) -> Owner:
    """Move the provisioned product ``product_id`` to the member ``to``; the new Owner."""
    if not SESSION_NAME.fullmatch(to):
        raise OwnersError(
            f"{to!r} is not a session name; allowed: 2 to 64 letters, digits and + = , . @ _ -"
        )
    servicecatalog = client("servicecatalog")
    matches = [
        p
        for p in _provisioned_products(servicecatalog, {"SearchQuery": [f"id:{product_id}"]})
        if p.get("Id") == product_id
    ]
    if not matches:
        raise OwnersError(
            f"no provisioned product {product_id!r} in account {config.stage.account} "
            f"({config.stage.region}); allowed: an ID like pp-abcdefghijklm from Service Catalog"
        )
    product = matches[0]
    if product.get("Status") in BUSY:
        raise OwnersError(f"{product_id} is {product['Status']}: wait until it is AVAILABLE")
    current = _owner_of(product)
    if current is None:
        raise OwnersError(
            f"{product_id} was launched by {product.get('UserArn')!r}, not a community role "
            "session: the catalog cannot tell its community"
        )
    found = community_of(config, current.role)
    if found is None:
        raise OwnersError(
            f"{product_id}'s owner role {current.role!r} belongs to no community of stage "
            f"{config.stage_name}: add the role back to its community first"
        )
    name, community = found
    new_role = role or current.role
    target = community_of(config, new_role)
    if target is None or target[0] != name:
        other = f"community {target[0]!r}" if target else "no community"
        raise OwnersError(
            f"role {new_role!r} belongs to {other}, not {name!r}: a product moves only within "
            f"its community; allowed roles: {', '.join(community.role_names_resolved())}"
        )
    new = Owner(current.partition, current.account, new_role, to)
    if new == current:
        raise OwnersError(f"{product_id} already belongs to {new.arn}")
    tagging = client("resourcegroupstaggingapi")
    resources = _stack_resources(tagging, str(product.get("PhysicalId", "")))
    keys = {
        tag["Value"]
        for resource in resources
        for tag in resource.get("Tags", [])
        if tag["Key"] == contract.PRODUCT_TAG
    }
    blocked = sorted(keys & NOT_TRANSFERABLE.keys())
    if blocked:
        raise OwnersError(
            f"{product_id} is a {blocked[0]} product and cannot change owner: "
            f"{NOT_TRANSFERABLE[blocked[0]]}; the new owner launches their own and copies the "
            "data (docs/operations.md, Change of owner)"
        )
    iam = client("iam")
    role_id = iam.get_role(RoleName=new.role)["Role"]["RoleId"]
    email = _email(client("dynamodb") if community.kind == "sign-in" else None, community, to)
    tags = {
        contract.OWNER_TAG: to,
        contract.OWNER_EMAIL_TAG: email,
        contract.OWNER_PRINCIPAL_TAG: new.arn,
        contract.OWNER_USERID_TAG: f"{role_id}:{to}",
    }
    arns = [str(resource["ResourceARN"]) for resource in resources]
    roles = _stack_roles(client("cloudformation"), str(product.get("PhysicalId", "")))
    _retag(tagging, iam, arns, roles, tags)
    print(f"re-tagged {len(arns) + len(roles)} resources of {product_id} for {new.arn}", file=out)
    # Before OWNER: once recorded, no update (whoever starts it) gives the product back.
    _record(client("ssm"), product_id, new, current, operator, time.time() if now is None else now)
    servicecatalog.update_provisioned_product_properties(
        ProvisionedProductId=product_id,
        ProvisionedProductProperties={"OWNER": new.arn},
        IdempotencyToken=str(uuid.uuid4()),
    )
    print(f"{product_id} ({product.get('Name')}) now belongs to {new.arn}", file=out)
    key = next(iter(sorted(keys & RESOLVES_ON_UPDATE.keys())), None)
    newest = f"{key} {RESOLVES_ON_UPDATE[key]}" if key else "the newest version"
    print(
        f"every update keeps the new owner from {newest} on; an earlier version restores the "
        "launch owner's tags on an update that replaces the instance (a new Image generation): "
        f"ask the new owner to update it to {newest} or later (that update applies the new "
        "owner for good), or run this command again after such an update",
        file=out,
    )
    return new


@dataclass(frozen=True)
class Departed:
    product_id: str
    name: str
    owner: str
    community: str
    reason: str


def departed(
    config: CatalogConfig, *, days: int, client: Callable[[str], Client], now: float
) -> list[Departed]:
    """Provisioned products whose owner's role left every community, or whose sign-in owner
    has not signed in for ``days`` days."""
    found: list[Departed] = []
    users = client("dynamodb") if config.sign_in is not None else None
    for product in _provisioned_products(client("servicecatalog"), {}):
        owner = _owner_of(product)
        label = str(product.get("UserArnSession") or product.get("UserArn") or "?")
        identity = (str(product.get("Id")), str(product.get("Name")), label)
        if owner is None:
            continue  # an administrator's or the smoke test's own launch
        membership = community_of(config, owner.role)
        if membership is None:
            found.append(Departed(*identity, "-", f"role {owner.role} is in no community"))
            continue
        name, community = membership
        if community.kind != "sign-in" or users is None:
            continue
        item = users.get_item(
            TableName=contract.SIGN_IN_USERS_TABLE_NAME, Key={"user_id": {"S": owner.session}}
        ).get("Item")
        if item is None:
            found.append(Departed(*identity, name, "no sign-in on record"))
            continue
        idle = int((now - float(item["updated_at"]["N"])) // 86400)
        if idle >= days:
            found.append(Departed(*identity, name, f"no sign-in for {idle} days"))
    return found


def _print_departed(rows: list[Departed], days: int, out: TextIO) -> None:
    if not rows:
        print(f"no product of a departed owner (sign-in older than {days} days)", file=out)
        return
    header = ("PRODUCT", "NAME", "COMMUNITY", "WHY", "OWNER")
    table = [header, *((r.product_id, r.name, r.community, r.reason, r.owner) for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print(
            "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]), file=out
        )


def main(
    argv: Sequence[str] | None = None,
    *,
    client: Callable[[str], Client] | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    now: Callable[[], float] = time.time,
    config_dir: Path = CONFIG_DIR,
) -> int:
    parser = argparse.ArgumentParser(prog="python -m delivery.owners", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    move = commands.add_parser("transfer", help="move a provisioned product to another member")
    move.add_argument("--stage", required=True)
    move.add_argument("--product-id", required=True, help="the provisioned product, pp-...")
    move.add_argument("--to", required=True, help="the new owner's session name (user name)")
    move.add_argument("--role", help="the new owner's community role (default: the current one)")
    report = commands.add_parser("departed", help="list products whose owner has left")
    report.add_argument("--stage", required=True)
    report.add_argument("--days", type=int, default=90, help="sign-in age that counts as left")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.stage, config_dir)
        if client is None:
            session = boto3.session.Session(region_name=config.stage.region)
            client = session.client
        identity = client("sts").get_caller_identity()
        account = identity["Account"]
        if account != config.stage.account:
            raise OwnersError(
                f"credentials are for account {account}, stage {config.stage_name} is in "
                f"{config.stage.account}: use an operator's credentials of that account"
            )
        if args.command == "transfer":
            transfer(
                config,
                product_id=args.product_id,
                to=args.to,
                role=args.role,
                client=client,
                out=out,
                operator=str(identity.get("Arn", "")),
                now=now(),
            )
        else:
            if args.days < 1:
                raise OwnersError(f"--days {args.days}: allowed: 1 or more")
            _print_departed(
                departed(config, days=args.days, client=client, now=now()), args.days, out
            )
    except (OwnersError, ConfigError) as error:
        print(f"error: {error}", file=err)
        return 1
    except AWS_ERRORS as error:
        print(f"error: {explain(error)}", file=err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
