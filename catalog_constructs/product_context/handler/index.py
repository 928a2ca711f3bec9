"""CloudFormation custom resources that tell a product who owns it, where it runs, what it runs.

Every product template calls this function.

``Custom::ProductContext``: from the ``aws:servicecatalog:provisioningPrincipalArn`` tag that
Service Catalog puts on the provisioned stack it derives the owner (and their ``aws:userid``,
which owner-only IAM conditions compare against), the owner's community and e-mail, and a
private subnet that stays the same for the life of the product.

``Custom::MachineImage``: the AMI ID held by the SSM parameter named in ``ImageParameter``,
read only when the resource is created or that property changes.

Runs on Lambda with only the standard library and boto3/botocore.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import traceback
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

PRINCIPAL_TAG = "aws:servicecatalog:provisioningPrincipalArn"
UNAFFILIATED = "unaffiliated"
MACHINE_IMAGE = "Custom::MachineImage"
SUCCESS = "SUCCESS"
FAILED = "FAILED"

# EC2 tags accept almost anything, but S3 and most other services only accept these.
_TAG_UNSAFE = re.compile(r"[^\w.+=:@/ -]")
_TAG_VALUE_MAX = 256
# Deliberately stricter than RFC 5322: the address ends up in tags and notification targets.
_EMAIL = re.compile(r"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+")
# STS omits the role path from assumed-role ARNs; IAM user ARNs keep the user's path.
_ASSUMED_ROLE_ARN = re.compile(
    r"arn:aws[\w-]*:sts::\d{12}:assumed-role/(?P<role>[\w+=,.@-]+)/(?P<session>[\w+=,.@-]+)"
)
_USER_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:user/(?:[!-~]*/)?(?P<user>[\w+=,.@-]+)")
_IMAGE_ID = re.compile(r"ami-[0-9a-f]{8,17}")
# A CloudFormation response must stay under 4 KiB in total.
_REASON_MAX = 1000

Client = Any
Sender = Callable[[str, bytes], None]


class ProductContextError(Exception):
    """Something the person launching the product or the operator can act on.

    The message becomes the FAILED reason shown in the Service Catalog console.
    """


@dataclass(frozen=True)
class Community:
    name: str
    owner_email_template: str | None = None


@dataclass(frozen=True)
class Settings:
    communities: Mapping[str, Community]
    subnets_parameter: str
    documentation_url: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        subnets_parameter = environ.get("SUBNETS_PARAMETER", "").strip()
        if not subnets_parameter:
            raise ProductContextError(
                "product-context function is misconfigured: SUBNETS_PARAMETER is not set"
            )
        try:
            raw = json.loads(environ.get("COMMUNITIES") or "{}")
            communities = {
                role: Community(entry["community"], entry.get("owner_email_template"))
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
            # Templates append "/products/<page>" to it.
            documentation_url=environ.get("DOCUMENTATION_URL", "").strip().rstrip("/"),
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


def tag_safe(value: str) -> str:
    return _TAG_UNSAFE.sub("_", value)[:_TAG_VALUE_MAX]


def as_email(value: str) -> str:
    return value if len(value) <= _TAG_VALUE_MAX and _EMAIL.fullmatch(value) else ""


def pick_subnet(stack_id: str, subnets: list[str]) -> str:
    # crc32, not hash(): Python salts str hashes per process, and a product's data volume
    # lives in one AZ, so every update of the stack must land in the same subnet.
    ordered = sorted(set(subnets))
    return ordered[zlib.crc32(stack_id.encode()) % len(ordered)]


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _aws_user_id(principal: Principal, iam: Client) -> str:
    """The owner's ``aws:userid``: ``<RoleId>:<session>`` for a role, the UserId for a user."""
    try:
        if principal.role_name:
            role_id = iam.get_role(RoleName=principal.role_name)["Role"]["RoleId"]
            user_id = f"{role_id}:{principal.session}"
        else:
            user_id = iam.get_user(UserName=principal.session)["User"]["UserId"]
    except ClientError as error:
        if _error_code(error) != "NoSuchEntity":
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


def _subnet(stack_id: str, parameter: str, ssm: Client, ec2: Client) -> tuple[str, str]:
    try:
        value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    except ClientError as error:
        if _error_code(error) != "ParameterNotFound":
            raise
        raise ProductContextError(
            f"SSM parameter {parameter} (the catalog's private subnet IDs) does not exist: "
            "deploy the catalog's shared stack/network configuration first"
        ) from error
    subnets = [subnet.strip() for subnet in value.split(",") if subnet.strip()]
    if not subnets:
        raise ProductContextError(
            f"SSM parameter {parameter} holds no subnet IDs: set it to comma-separated "
            "private subnet IDs"
        )
    subnet_id = pick_subnet(stack_id, subnets)
    try:
        described = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    except ClientError as error:
        if _error_code(error) != "InvalidSubnetID.NotFound":
            raise
        described = []
    if not described:
        raise ProductContextError(
            f"subnet {subnet_id} listed in SSM parameter {parameter} does not exist"
        )
    return subnet_id, str(described[0]["AvailabilityZone"])


def resolve(
    event: Mapping[str, Any],
    *,
    cloudformation: Client,
    iam: Client,
    ssm: Client,
    ec2: Client,
    settings: Settings,
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
    principal = parse_principal(principal_arn)
    aws_user_id = _aws_user_id(principal, iam)
    community = settings.community_for(principal.role_name) if principal.role_name else None
    subnet_id, availability_zone = _subnet(stack_id, settings.subnets_parameter, ssm, ec2)
    data = {
        # Also a tag on every product resource; STS/IAM names may contain a comma.
        "PrincipalArn": tag_safe(principal.arn),
        "OwnerUserId": tag_safe(principal.session),
        "OwnerAwsUserId": aws_user_id,
        "OwnerRoleName": principal.role_name,
        "OwnerEmail": tag_safe(_owner_email(principal, community)),
        "Community": tag_safe(community.name if community else UNAFFILIATED),
        "SubnetId": subnet_id,
        "AvailabilityZone": availability_zone,
        "DocumentationUrl": settings.documentation_url,
    }
    return physical_resource_id(stack_id), data


def resolve_image(event: Mapping[str, Any], *, ssm: Client) -> tuple[str, dict[str, str]]:
    """Resolve a Create/Update of ``Custom::MachineImage`` to ``(AMI ID, {"ImageId": ...})``.

    CloudFormation sends Update only when ``ImageParameter`` changes, so a product keeps its
    image across unrelated updates even after a newer one is published under the same name.
    """
    parameter = str(event.get("ResourceProperties", {}).get("ImageParameter", "")).strip()
    if not parameter:
        raise ProductContextError(f"{MACHINE_IMAGE} needs an ImageParameter property")
    try:
        image_id = str(ssm.get_parameter(Name=parameter)["Parameter"]["Value"]).strip()
    except ClientError as error:
        if _error_code(error) != "ParameterNotFound":
            raise
        raise ProductContextError(
            f"SSM parameter {parameter} (the product's machine image) does not exist in this "
            "region: choose another operating system or ask the catalog operators"
        ) from error
    if not _IMAGE_ID.fullmatch(image_id):
        raise ProductContextError(
            f"SSM parameter {parameter} holds {image_id[:100]!r}, not an AMI ID"
        )
    return image_id, {"ImageId": image_id}


def send_response(url: str, body: bytes) -> None:
    # The pre-signed S3 URL is signed without a content type, so none may be sent.
    request = urllib.request.Request(
        url,
        data=body,
        method="PUT",
        headers={"content-type": "", "content-length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def respond(
    event: Mapping[str, Any],
    context: Any,
    status: str,
    data: Mapping[str, str],
    reason: str,
    physical_id: str,
    *,
    send: Sender = send_response,
) -> None:
    log_stream = getattr(context, "log_stream_name", "unknown")
    body = {
        "Status": status,
        "Reason": (reason or f"see CloudWatch log stream {log_stream}")[:_REASON_MAX],
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": dict(data),
    }
    send(str(event["ResponseURL"]), json.dumps(body).encode())


def _log(message: str, **fields: Any) -> None:
    print(json.dumps({"message": message, **fields}, default=str))


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Client] = boto3.client,
) -> None:
    """Lambda entry point. ``send`` and ``client`` are seams for the tests."""
    request_type = event["RequestType"]
    # Only the identifying fields: ResponseURL is a pre-signed URL and must not reach the logs.
    request = {
        "request_type": request_type,
        "stack_id": event["StackId"],
        "logical_resource_id": event["LogicalResourceId"],
        "request_id": event["RequestId"],
    }
    # Answering FAILED with a new id would make CloudFormation treat it as a replacement.
    physical_id = str(event.get("PhysicalResourceId") or physical_resource_id(event["StackId"]))

    if request_type == "Delete":
        # Nothing to clean up, and deleting a product must never fail because of this lookup.
        _log("delete: nothing to do", **request)
        respond(event, context, SUCCESS, {}, "", physical_id, send=send)
        return

    try:
        if event.get("ResourceType") == MACHINE_IMAGE:
            physical_id, data = resolve_image(event, ssm=client("ssm"))
        else:
            physical_id, data = resolve(
                event,
                cloudformation=client("cloudformation"),
                iam=client("iam"),
                ssm=client("ssm"),
                ec2=client("ec2"),
                settings=Settings.from_environ(os.environ),
            )
    except ProductContextError as error:
        _log("failed", reason=str(error), **request)
        respond(event, context, FAILED, {}, str(error), physical_id, send=send)
        return
    except Exception as error:
        _log("unexpected error", error=repr(error), trace=traceback.format_exc(), **request)
        log_stream = getattr(context, "log_stream_name", "unknown")
        reason = (
            f"product-context lookup failed unexpectedly ({type(error).__name__}: {error}); "
            f"see CloudWatch log stream {log_stream}"
        )
        respond(event, context, FAILED, {}, reason, physical_id, send=send)
        return

    _log("resolved", physical_resource_id=physical_id, data=data, **request)
    respond(event, context, SUCCESS, data, "", physical_id, send=send)
