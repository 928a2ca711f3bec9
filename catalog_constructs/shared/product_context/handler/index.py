"""CloudFormation custom resources that tell a product who owns it, where it runs, what it runs.

Every product template calls this function.

``Custom::ProductContext``: from the ``aws:servicecatalog:provisioningPrincipalArn`` tag that
Service Catalog puts on the provisioned stack it derives the owner (and their ``aws:userid``,
which owner-only IAM conditions compare against), the owner's community and e-mail, and a
private subnet that stays the same for the life of the product.

``Custom::MachineImage``: the AMI ID held by the SSM parameter named in ``ImageParameter``,
read only when the resource is created or that property changes.

``Custom::BatchJob``: validates a scheduled job's launch form (command as a JSON array,
``NAME=value`` environment entries, Fargate size and architecture), registers its AWS Batch job
definition (a new revision on every update, the old one deregistered) and finds the community's
job queue. CloudFormation cannot turn a validated list into ``Environment`` entries, so the
definition is registered here rather than declared in the template.

``Custom::BucketMounts`` (``bucket_mounts.py``): refuses buckets a workstation's owner may not
mount before its instance role is granted them.

``Custom::NotebookRoute`` (``notebook_route.py``): a notebook's path on the shared notebook
gateway, where the stage has one.

Runs on Lambda with only the standard library and boto3/botocore.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import time
import traceback
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

# Lambda loads this file as the top-level module ``index`` beside ``fargate``; the repository
# imports both as modules of this package.
try:
    from .bucket_mounts import MountRefused, check_mounts
    from .fargate import FARGATE_SIZES, SECRETS_VARIABLE
    from .notebook_route import RouteError, delete_route, ensure_route
except ImportError:
    from bucket_mounts import (  # type: ignore[import-not-found,no-redef]
        MountRefused,
        check_mounts,
    )
    from fargate import FARGATE_SIZES, SECRETS_VARIABLE  # type: ignore[import-not-found,no-redef]
    from notebook_route import (  # type: ignore[import-not-found,no-redef]
        RouteError,
        delete_route,
        ensure_route,
    )

PRINCIPAL_TAG = "aws:servicecatalog:provisioningPrincipalArn"
UNAFFILIATED = "unaffiliated"
MACHINE_IMAGE = "Custom::MachineImage"
DATA_VOLUME_ATTACHMENT = "Custom::DataVolumeAttachment"
BATCH_JOB = "Custom::BatchJob"
STUDIO_TEAM = "Custom::StudioTeam"
BUCKET_MOUNTS = "Custom::BucketMounts"
NOTEBOOK_ROUTE = "Custom::NotebookRoute"
MEMBER_USERID_TAG = "research-catalog:member-userid"
JOB_DEFINITION_PREFIX = "research_catalog_job_"
QUEUE_PREFIX = "research-catalog"
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


def _subnets(parameter: str, ssm: Client) -> list[str]:
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
    return subnets


def _subnet(stack_id: str, subnets: list[str], parameter: str, ec2: Client) -> tuple[str, str]:
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
    subnets = _subnets(settings.subnets_parameter, ssm)
    subnet_id, availability_zone = _subnet(stack_id, subnets, settings.subnets_parameter, ec2)
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
        # Comma-separated for Fn::Split: a dynamic reference to the StringList parameter
        # resolves too late to be split, and per-AZ parameters would fix the AZ count.
        "SubnetIds": ",".join(sorted(set(subnets))),
        "DocumentationUrl": settings.documentation_url,
    }
    return physical_resource_id(stack_id), data


def resolve_image(event: Mapping[str, Any], *, ssm: Client) -> tuple[str, dict[str, str]]:
    """Resolve a Create/Update of ``Custom::MachineImage`` to ``(AMI ID, data)``.

    ``ImageParameter`` names the catalog's own image (published by its pipelines);
    ``FallbackImageParameter``, when given, names AWS's public image, used while a stage has no
    pipeline for it. CloudFormation sends Update only when these properties (or the product's
    ``ImageGeneration``) change, so a product keeps its image across unrelated updates even
    after a newer one is published under the same name.
    """
    properties = event.get("ResourceProperties", {})
    parameter = str(properties.get("ImageParameter", "")).strip()
    fallback = str(properties.get("FallbackImageParameter", "")).strip()
    if not parameter:
        raise ProductContextError(f"{MACHINE_IMAGE} needs an ImageParameter property")
    for candidate in filter(None, (parameter, fallback)):
        try:
            image_id = str(ssm.get_parameter(Name=candidate)["Parameter"]["Value"]).strip()
        except ClientError as error:
            if _error_code(error) != "ParameterNotFound":
                raise
            continue
        if not _IMAGE_ID.fullmatch(image_id):
            raise ProductContextError(
                f"SSM parameter {candidate} holds {image_id[:100]!r}, not an AMI ID"
            )
        _log("resolved image", parameter=candidate, image_id=image_id)
        return image_id, {"ImageId": image_id, "ImageParameter": candidate}
    tried = " nor ".join(filter(None, (parameter, fallback)))
    raise ProductContextError(
        f"SSM parameter {tried} (the product's machine image) does not exist in this "
        "region: choose another operating system or ask the catalog operators"
    )


def attach_data_volume(
    event: Mapping[str, Any], *, ec2: Client, delay: int = 5
) -> tuple[str, dict[str, str]]:
    """Attach a product's data volume to its (possibly new) instance.

    ``AWS::EC2::VolumeAttachment`` cannot follow an instance replacement: CloudFormation
    creates the new attachment while the old instance still holds the volume, and the update
    fails. Here the instance being replaced is stopped first (a clean file system), the volume
    moved, and the old instance left for CloudFormation to terminate.
    """
    properties = event.get("ResourceProperties", {})
    volume_id = str(properties.get("VolumeId", ""))
    instance_id = str(properties.get("InstanceId", ""))
    device = str(properties.get("Device", ""))
    if not (volume_id and instance_id and device):
        raise ProductContextError(
            f"{DATA_VOLUME_ATTACHMENT} needs VolumeId, InstanceId and Device properties"
        )
    waiter_config = {"Delay": delay, "MaxAttempts": max(1, 600 // max(delay, 1))}
    (volume,) = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"]
    attachments = [
        a for a in volume.get("Attachments", []) if a["State"] in ("attaching", "attached")
    ]
    if any(a["InstanceId"] == instance_id for a in attachments):
        _log("data volume already attached", volume_id=volume_id, instance_id=instance_id)
    else:
        for attachment in attachments:
            previous = attachment["InstanceId"]
            _log("moving data volume", volume_id=volume_id, previous=previous, new=instance_id)
            ec2.stop_instances(InstanceIds=[previous])
            ec2.get_waiter("instance_stopped").wait(
                InstanceIds=[previous], WaiterConfig=waiter_config
            )
            ec2.detach_volume(VolumeId=volume_id, InstanceId=previous)
            ec2.get_waiter("volume_available").wait(
                VolumeIds=[volume_id], WaiterConfig=waiter_config
            )
        ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=device)
        ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id], WaiterConfig=waiter_config)
    return f"{volume_id}:{instance_id}", {"VolumeId": volume_id, "InstanceId": instance_id}


_SIZE = re.compile(r"(?P<vcpu>[0-9.]+) vCPU, (?P<gib>[0-9.]+) GiB")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Entries are separated by newlines or by ";" (the console's text field has one line); "\;"
# is a literal semicolon inside a value.
_ENTRY_SEPARATOR = re.compile(r"(?<!\\);|\n")
_MAX_COMMAND_ITEMS = 100
_MAX_VARIABLES = 100


def parse_size(value: str) -> tuple[str, int]:
    match = _SIZE.fullmatch(value.strip())
    if match:
        vcpu, memory = match["vcpu"], round(float(match["gib"]) * 1024)
        if memory in FARGATE_SIZES.get(vcpu, ()):
            return vcpu, memory
    raise ProductContextError(
        f"JobSize {value!r} is not a Fargate size: choose one of the listed sizes, "
        "e.g. '1 vCPU, 2 GiB'"
    )


def parse_command(value: str) -> list[str]:
    """The container command: a JSON array of strings, so arguments keep their spaces."""
    if not value.strip():
        return []
    try:
        command = json.loads(value)
    except json.JSONDecodeError as error:
        raise ProductContextError(
            f"Command is not valid JSON ({error.msg} at character {error.pos}): write it as "
            'a JSON array of strings, e.g. ["python", "run.py", "--title", "two words"]'
        ) from error
    if (
        not isinstance(command, list)
        or not command
        or not all(isinstance(item, str) for item in command)
    ):
        raise ProductContextError(
            "Command must be a non-empty JSON array of strings, e.g. "
            '["python", "run.py", "--title", "two words"], or empty for the image\'s own command'
        )
    if len(command) > _MAX_COMMAND_ITEMS:
        raise ProductContextError(f"Command has more than {_MAX_COMMAND_ITEMS} items")
    return command


def parse_environment(value: str) -> list[dict[str, str]]:
    """``NAME=value`` entries to Batch environment variables; every mistake is reported."""
    entries = [entry.strip() for entry in _ENTRY_SEPARATOR.split(value)]
    variables: dict[str, str] = {}
    problems: list[str] = []
    for position, entry in enumerate((entry for entry in entries if entry), start=1):
        name, equals, raw = entry.partition("=")
        name = name.strip()
        if not equals:
            problems.append(f"entry {position} ({entry[:40]!r}) has no '=': write NAME=value")
        elif not name:
            problems.append(f"entry {position} ({entry[:40]!r}) has an empty name")
        elif not _VARIABLE_NAME.fullmatch(name):
            problems.append(
                f"entry {position}: {name[:40]!r} is not a variable name (letters, digits "
                "and _, not starting with a digit)"
            )
        elif name == SECRETS_VARIABLE or name.startswith("AWS_BATCH"):
            problems.append(
                f"entry {position}: {name} is reserved (set by the catalog or AWS Batch)"
            )
        elif name in variables:
            problems.append(f"entry {position}: {name} is set twice")
        else:
            variables[name] = raw.strip().replace("\\;", ";")
    if len(variables) > _MAX_VARIABLES:
        problems.append(f"more than {_MAX_VARIABLES} variables")
    if problems:
        raise ProductContextError("EnvironmentVariables: " + "; ".join(problems))
    return [{"name": name, "value": variables[name]} for name in sorted(variables)]


def job_definition_name(stack_id: str) -> str:
    # The stack ID ends in a UUID: unique per provisioned product, stable across updates.
    return JOB_DEFINITION_PREFIX + re.sub(r"[^0-9a-f]", "", stack_id.rsplit("/", 1)[-1].lower())


def _required(properties: Mapping[str, Any], name: str) -> str:
    value = str(properties.get(name, "")).strip()
    if not value:
        raise ProductContextError(f"the custom resource needs a {name} property")
    return value


def job_definition_request(event: Mapping[str, Any]) -> dict[str, Any]:
    """The RegisterJobDefinition request for a ``Custom::BatchJob``; raises on bad input."""
    properties = event.get("ResourceProperties", {})
    vcpu, memory = parse_size(_required(properties, "JobSize"))
    architecture = _required(properties, "CpuArchitecture")
    if architecture not in ("X86_64", "ARM64"):
        raise ProductContextError("CpuArchitecture must be X86_64 or ARM64")
    if architecture == "ARM64" and _required(properties, "Spot") == "Yes":
        raise ProductContextError(
            "Fargate Spot runs only X86_64 containers: choose CpuArchitecture X86_64 or set "
            "UseFargateSpot to No"
        )
    container: dict[str, Any] = {
        "image": _required(properties, "Image"),
        "resourceRequirements": [
            {"type": "VCPU", "value": vcpu},
            {"type": "MEMORY", "value": str(memory)},
        ],
        "environment": parse_environment(str(properties.get("Environment", ""))),
        "secrets": [{"name": SECRETS_VARIABLE, "valueFrom": _required(properties, "SecretArn")}],
        "jobRoleArn": _required(properties, "JobRoleArn"),
        "executionRoleArn": _required(properties, "ExecutionRoleArn"),
        "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": architecture},
        "ephemeralStorage": {"sizeInGiB": int(_required(properties, "EphemeralStorageGiB"))},
        "networkConfiguration": {"assignPublicIp": "DISABLED"},
        "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": _required(properties, "LogGroupName"),
                "awslogs-stream-prefix": "job",
            },
        },
        "readonlyRootFilesystem": False,
    }
    command = parse_command(str(properties.get("Command", "")))
    if command:
        container["command"] = command
    tags = properties.get("Tags", {})
    return {
        "jobDefinitionName": job_definition_name(str(event["StackId"])),
        "type": "container",
        "platformCapabilities": ["FARGATE"],
        "containerProperties": container,
        "timeout": {"attemptDurationSeconds": int(_required(properties, "TimeoutSeconds"))},
        "retryStrategy": {"attempts": int(_required(properties, "Attempts"))},
        "propagateTags": True,
        "tags": {str(key): str(value) for key, value in tags.items() if str(value)},
    }


def _job_queue(community: str, spot: bool, batch: Client) -> str:
    name = f"{QUEUE_PREFIX}-{community}-{'fargate-spot' if spot else 'fargate'}"
    queues = batch.describe_job_queues(jobQueues=[name])["jobQueues"]
    if not queues:
        raise ProductContextError(
            f"community {community!r} has no job queue {name}: scheduled jobs are available "
            "only to communities whose catalog configuration lists the scheduled-job product"
        )
    return str(queues[0]["jobQueueArn"])


def register_job(event: Mapping[str, Any], *, batch: Client) -> tuple[str, dict[str, str]]:
    """Create/Update of ``Custom::BatchJob``: ``(job definition ARN, Data)``."""
    properties = event.get("ResourceProperties", {})
    request = job_definition_request(event)
    spot = _required(properties, "Spot") == "Yes"
    queue_arn = _job_queue(_required(properties, "Community"), spot, batch)
    alert_email = str(properties.get("AlertEmail", "")).strip()
    if not alert_email:
        alert_email = as_email(str(properties.get("OwnerEmail", "")))
        if not alert_email:
            raise ProductContextError(
                "the catalog knows no e-mail address for you: enter one in AlertEmail, or "
                "'none' to receive failure alerts only through the product's SNS topic"
            )
    api_url = _required(properties, "SubmitApiUrl").rstrip("/")
    registered = batch.register_job_definition(**request)
    name, revision = str(registered["jobDefinitionName"]), str(registered["revision"])
    queue_name = queue_arn.rsplit("/", 1)[-1]
    return str(registered["jobDefinitionArn"]), {
        "JobDefinitionName": name,
        "JobDefinitionRevision": revision,
        "JobDefinition": f"{name}:{revision}",
        "JobQueueArn": queue_arn,
        "JobQueueName": queue_name,
        "ShareIdentifier": name,
        "AlertEmail": alert_email,
        # The revision is part of the path: Batch evaluates the owner tag of a job definition
        # only when the submission names a revision.
        "SubmitJobApi": f"{api_url}/jobs/{queue_name}/{name}/{revision}",
    }


def deregister_job(physical_id: str, *, batch: Client) -> None:
    """Delete of ``Custom::BatchJob`` (also of the revision an update replaced)."""
    if ":job-definition/" not in physical_id:
        return  # the create failed before anything was registered
    try:
        batch.deregister_job_definition(jobDefinition=physical_id)
    except ClientError as error:
        if _error_code(error) not in ("ClientException", "ResourceNotFoundException"):
            raise


# ---- SageMaker Studio teams: user profiles and teardown (Custom::StudioTeam)
#
# CloudFormation cannot create one resource per entry of a CommaDelimitedList without the
# AWS::LanguageExtensions transform, so this function owns the domain's user profiles. It also
# owns the teardown: a domain cannot be deleted while apps, spaces or profiles exist, and
# members create apps and spaces that CloudFormation never knew about.

_PROFILE_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
_GONE_APP_STATES = ("Deleted", "Failed")
Clock = Callable[[], float]


class Deadline:
    """Waits until a condition holds, polling, but never past the Lambda's own time limit."""

    def __init__(self, seconds: float, *, clock: Clock, sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._end = clock() + seconds

    def wait(self, what: str, remaining: Callable[[], list[str]], interval: float = 10) -> None:
        while True:
            left = remaining()
            if not left:
                return
            if self._clock() + interval > self._end:
                raise ProductContextError(
                    f"timed out waiting for {what} to be deleted ({', '.join(left[:5])}); "
                    "retry the termination, it resumes where it stopped"
                )
            self._sleep(interval)


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
        if _error_code(error) not in ("ResourceNotFound", "ResourceInUse"):
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
    deadline.wait("apps", lambda: [a["AppName"] for a in _apps(sagemaker, domain, profile)])
    for space in _spaces(sagemaker, domain, profile):
        if space.get("Status") != "Deleting":
            _ignore_missing(sagemaker.delete_space, DomainId=domain, SpaceName=space["SpaceName"])
    deadline.wait("spaces", lambda: [s["SpaceName"] for s in _spaces(sagemaker, domain, profile)])


def _delete_profiles(sagemaker: Client, domain: str, names: list[str], deadline: Deadline) -> None:
    for name in names:
        _ignore_missing(sagemaker.delete_user_profile, DomainId=domain, UserProfileName=name)
    deadline.wait("user profiles", lambda: [p for p in _profiles(sagemaker, domain) if p in names])


def sync_team(
    event: Mapping[str, Any], *, sagemaker: Client, deadline: Deadline
) -> tuple[str, dict[str, str]]:
    """Create/Update of ``Custom::StudioTeam``: one user profile per member, no others."""
    properties = event.get("ResourceProperties", {})
    domain = _required(properties, "DomainId")
    owner = _required(properties, "OwnerAwsUserId")
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
        if _error_code(error) != "ResourceNotFound":
            raise


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
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Lambda entry point. ``send``, ``client`` and ``sleep`` are seams for the tests."""

    def deadline(context: Any) -> Deadline:
        # A minute left over to answer CloudFormation.
        remaining = getattr(context, "get_remaining_time_in_millis", lambda: 900_000)()
        return Deadline(remaining / 1000 - 60, clock=time.monotonic, sleep=sleep)

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

    if request_type == "Delete" and event.get("ResourceType") == STUDIO_TEAM:
        # Unlike the lookups, this must not report success early: the domain's deletion
        # would then fail on the profiles and spaces left behind.
        domain = str(event.get("ResourceProperties", {}).get("DomainId", ""))
        try:
            if domain:
                teardown_team(domain, sagemaker=client("sagemaker"), deadline=deadline(context))
        except Exception as error:
            _log("teardown failed", error=repr(error), **request)
            reason = f"could not empty Studio domain {domain} ({type(error).__name__}: {error})"
            respond(event, context, FAILED, {}, reason, physical_id, send=send)
            return
        _log("deleted", **request)
        respond(event, context, SUCCESS, {}, "", physical_id, send=send)
        return

    if request_type == "Delete":
        if event.get("ResourceType") == NOTEBOOK_ROUTE:
            try:
                delete_route(physical_id, elbv2=client("elbv2"), sleep=sleep)
            except Exception as error:
                # A leftover rule or target group must not keep the owner's product alive;
                # the operators find it by its research-catalog:stack-id tag.
                _log("route deletion failed", error=repr(error), **request)
        if event.get("ResourceType") == BATCH_JOB:
            try:
                deregister_job(physical_id, batch=client("batch"))
            except Exception as error:
                # A leftover inactive revision costs nothing; a stuck deletion blocks the owner.
                _log("deregister failed", error=repr(error), **request)
        # Deleting a product must never fail because of this function. A data volume detaches
        # when its instance terminates (or has already moved to the replacement instance);
        # detaching it here would pull it from under a running system.
        _log("deleted", **request)
        respond(event, context, SUCCESS, {}, "", physical_id, send=send)
        return

    try:
        if event.get("ResourceType") == BATCH_JOB:
            physical_id, data = register_job(event, batch=client("batch"))
        elif event.get("ResourceType") == MACHINE_IMAGE:
            physical_id, data = resolve_image(event, ssm=client("ssm"))
        elif event.get("ResourceType") == STUDIO_TEAM:
            physical_id, data = sync_team(
                event, sagemaker=client("sagemaker"), deadline=deadline(context)
            )
        elif event.get("ResourceType") == DATA_VOLUME_ATTACHMENT:
            physical_id, data = attach_data_volume(event, ec2=client("ec2"))
        elif event.get("ResourceType") == BUCKET_MOUNTS:
            physical_id, data = check_mounts(event, s3=client("s3"))
        elif event.get("ResourceType") == NOTEBOOK_ROUTE:
            physical_id, data = ensure_route(
                event,
                ssm=client("ssm"),
                elbv2=client("elbv2"),
                ec2=client("ec2"),
                secrets=client("secretsmanager"),
                sleep=sleep,
            )
        else:
            physical_id, data = resolve(
                event,
                cloudformation=client("cloudformation"),
                iam=client("iam"),
                ssm=client("ssm"),
                ec2=client("ec2"),
                settings=Settings.from_environ(os.environ),
            )
    except (ProductContextError, MountRefused, RouteError) as error:
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
