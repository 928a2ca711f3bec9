"""``Custom::ProductContext``: who owns a product, their community, and where it runs.

Service Catalog tags every stack it provisions with ``aws:servicecatalog:provisioningPrincipalArn``
but gives the template no parameter for it. The owner is that launch principal, unless an
operator moved the product to a colleague (``make transfer-owner``): then the transfer record
names them (``owner_transfer``), on every Create and Update. From the owner this derives their
``aws:userid`` (which owner-only IAM conditions compare against), community and e-mail, and a
private subnet that stays the same for the life of the product.
"""

from __future__ import annotations

import fnmatch
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .common import Client, ProductContextError, as_email, error_code, parameter_value, tag_safe
from .communities import CommunityDocumentError, read_communities
from .owner_transfer import provisioned_product_id, transferred_owner
from .sign_in_directory import signed_in_owner

RESOURCE_TYPE = "Custom::ProductContext"
PRINCIPAL_TAG = "aws:servicecatalog:provisioningPrincipalArn"
UNAFFILIATED = "unaffiliated"

# STS omits the role path from assumed-role ARNs; IAM user ARNs keep the user's path.
_ASSUMED_ROLE_ARN = re.compile(
    r"arn:aws[\w-]*:sts::\d{12}:assumed-role/(?P<role>[\w+=,.@-]+)/(?P<session>[\w+=,.@-]+)"
)
_USER_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:user/(?:[!-~]*/)?(?P<user>[\w+=,.@-]+)")


@dataclass(frozen=True)
class Community:
    name: str
    owner_email_template: str | None = None
    # Members sign in through the catalog's sign-in service: their name and e-mail come from it.
    sign_in: bool = False


@dataclass(frozen=True)
class Settings:
    communities: Mapping[str, Community]
    subnets_parameter: str
    # SSM path of the operators' owner transfer records (``owner_transfer``).
    owner_transfers_path: str
    documentation_url: str = ""
    sign_in_users_table: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], ssm: Client | None = None) -> Settings:
        """``COMMUNITIES`` (role name -> community) and, where ``COMMUNITIES_PARAMETER_PATH``
        is set, the roles of the community documents below that SSM path (read with ``ssm``)."""
        subnets_parameter = environ.get("SUBNETS_PARAMETER", "").strip()
        if not subnets_parameter:
            raise ProductContextError(
                "product-context function is misconfigured: SUBNETS_PARAMETER is not set"
            )
        owner_transfers_path = environ.get("OWNER_TRANSFERS_PARAMETER_PATH", "").strip()
        if not owner_transfers_path:
            raise ProductContextError(
                "product-context function is misconfigured: OWNER_TRANSFERS_PARAMETER_PATH is "
                "not set"
            )
        path = environ.get("COMMUNITIES_PARAMETER_PATH", "").strip()
        try:
            documents = read_communities(ssm, path) if path and ssm is not None else {}
            roles = _roles_of(documents)
        except (CommunityDocumentError, KeyError, TypeError) as error:
            raise ProductContextError(
                "product-context function is misconfigured: a community document below "
                f"{path} is not what community stacks publish ({type(error).__name__}: {error})"
            ) from error
        try:
            raw = {**json.loads(environ.get("COMMUNITIES") or "{}"), **roles}
            communities = {
                role: Community(
                    entry["community"],
                    entry.get("owner_email_template"),
                    entry.get("sign_in") is True,
                )
                for role, entry in raw.items()
            }
            for community in communities.values():
                if not isinstance(community.name, str) or not community.name:
                    raise ValueError("community name must be a non-empty string")
                if community.owner_email_template is not None:
                    # Fail on every launch rather than silently dropping every owner's e-mail.
                    community.owner_email_template.format(session="probe")
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
            raise ProductContextError(
                "product-context function is misconfigured: COMMUNITIES must be a JSON object "
                '{"<role name>": {"community": "<name>", "owner_email_template": '
                f'"{{session}}@example.org" or null}}}} ({type(error).__name__}: {error})'
            ) from error
        return cls(
            communities=communities,
            subnets_parameter=subnets_parameter,
            owner_transfers_path=owner_transfers_path,
            # Templates append "/products/<page>" to it.
            documentation_url=environ.get("DOCUMENTATION_URL", "").strip().rstrip("/"),
            sign_in_users_table=environ.get("SIGN_IN_USERS_TABLE", "").strip(),
        )

    def community_for(self, role_name: str) -> Community | None:
        """The community of a role name. Keys with * or ? are role name patterns (IAM_PATTERN
        principals, e.g. Identity Center roles); an exact name wins over a pattern."""
        # IAM role names are case-insensitive, so an operator's spelling should not matter.
        folded = role_name.casefold()
        patterns = []
        for name, community in self.communities.items():
            if name.casefold() == folded:
                return community
            if "*" in name or "?" in name:
                patterns.append((name.casefold(), community))
        return next(
            (community for pattern, community in patterns if fnmatch.fnmatchcase(folded, pattern)),
            None,
        )


def _roles_of(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Role name (or name pattern) -> community entry, from the community documents. A
    sign-in community's members get their name and e-mail from the sign-in service's records."""
    return {
        str(role): {
            "community": name,
            "owner_email_template": document.get("owner_email_template"),
            "sign_in": document.get("sign_in") is True,
        }
        for name, document in documents.items()
        for role in document["roles"]
    }


@dataclass(frozen=True)
class Principal:
    arn: str
    role_name: str  # "" for an IAM user
    session: str  # the role session name, or the IAM user name


def parse_principal(arn: str) -> Principal:
    if match := _ASSUMED_ROLE_ARN.fullmatch(arn):
        return Principal(arn=arn, role_name=match["role"], session=match["session"])
    if match := _USER_ARN.fullmatch(arn):
        return Principal(arn=arn, role_name="", session=match["user"])
    raise ProductContextError(
        f"cannot derive an owner from provisioning principal {arn!r}: launch this product as an "
        "IAM role session (arn:aws:sts::<account>:assumed-role/<role>/<session>) or an IAM user, "
        "not as the root user or a federated user"
    )


def physical_resource_id(stack_id: str) -> str:
    return f"product-context-{zlib.crc32(stack_id.encode()):08x}"


def pick_subnet(stack_id: str, subnets: list[str]) -> str:
    # crc32, not hash(): Python salts str hashes per process, and a product's data volume
    # lives in one AZ, so every update of the stack must land in the same subnet.
    ordered = sorted(set(subnets))
    return ordered[zlib.crc32(stack_id.encode()) % len(ordered)]


def _aws_user_id(principal: Principal, iam: Client) -> str:
    """The owner's ``aws:userid``: ``<RoleId>:<session>`` for a role, the UserId for a user."""
    try:
        if principal.role_name:
            role_id = iam.get_role(RoleName=principal.role_name)["Role"]["RoleId"]
            user_id = f"{role_id}:{principal.session}"
        else:
            user_id = iam.get_user(UserName=principal.session)["User"]["UserId"]
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        kind = "role" if principal.role_name else "user"
        name = principal.role_name or principal.session
        raise ProductContextError(
            f"IAM {kind} {name} of provisioning principal {principal.arn} does not exist"
        ) from error
    if tag_safe(user_id) != user_id:
        # Rewriting it would silently lock the owner out of their own product.
        raise ProductContextError(
            f"owner id {user_id!r} contains characters that cannot be stored in a tag "
            "(allowed: letters, digits, spaces and _ . + = : @ / -): use a different role "
            "session name"
        )
    return user_id


def _owner_email(principal: Principal, community: Community | None) -> str:
    if community is not None and community.owner_email_template is not None:
        return as_email(community.owner_email_template.format(session=principal.session))
    return as_email(principal.session)


def _subnets(parameter: str, ssm: Client) -> list[str]:
    value = parameter_value(
        ssm,
        parameter,
        missing=f"SSM parameter {parameter} (the catalog's private subnet IDs) does not exist: "
        "deploy the catalog's shared stack/network configuration first",
    )
    subnets = [subnet.strip() for subnet in value.split(",") if subnet.strip()]
    if not subnets:
        raise ProductContextError(
            f"SSM parameter {parameter} holds no subnet IDs: set it to comma-separated "
            "private subnet IDs"
        )
    return subnets


def _subnet(stack_id: str, subnets: list[str], parameter: str, ec2: Client) -> tuple[str, str]:
    subnet_id = pick_subnet(stack_id, subnets)
    try:
        described = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    except ClientError as error:
        if error_code(error) != "InvalidSubnetID.NotFound":
            raise
        described = []
    if not described:
        raise ProductContextError(
            f"subnet {subnet_id} listed in SSM parameter {parameter} does not exist"
        )
    return subnet_id, str(described[0]["AvailabilityZone"])


def _owner(
    launcher: Principal, product_id: str, *, ssm: Client, settings: Settings
) -> tuple[Principal, Community | None]:
    """The product's owner and their community: the launcher, or the member of the
    launcher's community an operator moved the product to."""
    launch_community = settings.community_for(launcher.role_name) if launcher.role_name else None
    transferred = transferred_owner(ssm, settings.owner_transfers_path, product_id)
    if transferred is None:
        return launcher, launch_community
    owner = parse_principal(transferred)
    community = settings.community_for(owner.role_name)
    if launch_community is None or community is None or community.name != launch_community.name:
        # A product moves only within its community (the transfer command checks it; this
        # holds the line when a role has since moved, or a record was written by hand).
        raise ProductContextError(
            f"{product_id} was moved to {owner.arn}, whose role is in "
            f"{_community_label(community)}, but it was launched in "
            f"{_community_label(launch_community)}: a product belongs only to a member of the "
            "community it was launched in; ask the catalog's operators to move it again"
        )
    return owner, community


def _community_label(community: Community | None) -> str:
    return f"community {community.name!r}" if community else "no community"


def resolve(
    event: Mapping[str, Any],
    *,
    cloudformation: Client,
    iam: Client,
    ssm: Client,
    ec2: Client,
    settings: Settings,
    dynamodb: Client | None = None,
) -> tuple[str, dict[str, str]]:
    """Resolve a Create/Update request to ``(physical resource id, Data)``.

    Raises ProductContextError with a message meant for the person launching the product.
    """
    stack_id = str(event["StackId"])
    stack = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
    tags = {tag["Key"]: tag["Value"] for tag in stack.get("Tags", [])}
    principal_arn = tags.get(PRINCIPAL_TAG, "").strip()
    if not principal_arn:
        raise ProductContextError(
            f"stack {stack['StackName']} has no {PRINCIPAL_TAG} tag: launch this product from "
            "AWS Service Catalog, not directly with CloudFormation"
        )
    launcher = parse_principal(principal_arn)
    product_id = provisioned_product_id(str(stack["StackName"]), tags)
    principal, community = _owner(launcher, product_id, ssm=ssm, settings=settings)
    aws_user_id = _aws_user_id(principal, iam)
    # A sign-in community's session name is the verified user ID; its name and e-mail were
    # verified by the sign-in service, which recorded them.
    owner = (
        signed_in_owner(settings.sign_in_users_table, principal.session, dynamodb=dynamodb)
        if community is not None and community.sign_in
        else None
    )
    subnets = _subnets(settings.subnets_parameter, ssm)
    subnet_id, availability_zone = _subnet(stack_id, subnets, settings.subnets_parameter, ec2)
    data = {
        # Also a tag on every product resource; STS/IAM names may contain a comma.
        "PrincipalArn": tag_safe(principal.arn),
        "OwnerUserId": tag_safe(principal.session),
        "OwnerAwsUserId": aws_user_id,
        "OwnerRoleName": principal.role_name,
        "OwnerEmail": tag_safe(owner.email if owner else _owner_email(principal, community)),
        "OwnerName": tag_safe(owner.username if owner and owner.username else principal.session),
        "Community": tag_safe(community.name if community else UNAFFILIATED),
        "SubnetId": subnet_id,
        "AvailabilityZone": availability_zone,
        # Comma-separated for Fn::Split: a dynamic reference to the StringList parameter
        # resolves too late to be split, and per-AZ parameters would fix the AZ count.
        "SubnetIds": ",".join(sorted(set(subnets))),
        "DocumentationUrl": settings.documentation_url,
    }
    return physical_resource_id(stack_id), data
