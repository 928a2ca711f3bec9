"""``Custom::BatchJob``: a scheduled job's AWS Batch job definition.

Validates the launch form (command as a JSON array, ``NAME=value`` environment entries,
Fargate size and architecture), registers the job definition (a new revision on every update;
CloudFormation then deletes the old one, which deregisters it) and answers the stage's pooled
job queue with the job's fair-share identifier (community and owner). CloudFormation cannot
turn a validated list into ``Environment`` entries, so the definition is registered here
rather than declared in the template.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from .common import Client, ProductContextError, as_email, error_code, required
from .fargate import FARGATE_SIZES, SECRETS_VARIABLE

RESOURCE_TYPE = "Custom::BatchJob"
OWNER_USERID_TAG = "research-catalog:owner-userid"
SHARE_SEPARATOR = "O"
# Share identifiers per community (catalog_constructs.contract.JOB_SHARES_PER_COMMUNITY): a
# queue takes at most 500 active ones, and a stage has at most 250 communities.
SHARES_PER_COMMUNITY = 2
JOB_DEFINITION_PREFIX = "research_catalog_job_"
# The definition's own fair-share identifier (share_identifier: its community's and owner's
# share of the pooled queue), as a tag: the end-user policy requires a submission's share
# identifier to equal it (contract.SHARE_IDENTIFIER_TAG, a test compares).
SHARE_IDENTIFIER_TAG = "research-catalog:share-identifier"
QUEUE_PREFIX = "research-catalog"

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


def job_definition_request(event: Mapping[str, Any]) -> dict[str, Any]:
    """The RegisterJobDefinition request for a ``Custom::BatchJob``; raises on bad input."""
    properties = event.get("ResourceProperties", {})
    vcpu, memory = parse_size(required(properties, "JobSize"))
    architecture = required(properties, "CpuArchitecture")
    if architecture not in ("X86_64", "ARM64"):
        raise ProductContextError("CpuArchitecture must be X86_64 or ARM64")
    if architecture == "ARM64" and required(properties, "Spot") == "Yes":
        raise ProductContextError(
            "Fargate Spot runs only X86_64 containers: choose CpuArchitecture X86_64 or set "
            "UseFargateSpot to No"
        )
    container: dict[str, Any] = {
        "image": required(properties, "Image"),
        "resourceRequirements": [
            {"type": "VCPU", "value": vcpu},
            {"type": "MEMORY", "value": str(memory)},
        ],
        "environment": parse_environment(str(properties.get("Environment", ""))),
        "secrets": [{"name": SECRETS_VARIABLE, "valueFrom": required(properties, "SecretArn")}],
        "jobRoleArn": required(properties, "JobRoleArn"),
        "executionRoleArn": required(properties, "ExecutionRoleArn"),
        "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": architecture},
        "ephemeralStorage": {"sizeInGiB": int(required(properties, "EphemeralStorageGiB"))},
        "networkConfiguration": {"assignPublicIp": "DISABLED"},
        "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": required(properties, "LogGroupName"),
                "awslogs-stream-prefix": "job",
            },
        },
        "readonlyRootFilesystem": False,
    }
    command = parse_command(str(properties.get("Command", "")))
    if command:
        container["command"] = command
    tags = {str(key): str(value) for key, value in properties.get("Tags", {}).items()}
    name = job_definition_name(str(event["StackId"]))
    tags[SHARE_IDENTIFIER_TAG] = job_share_identifier(properties)
    return {
        "jobDefinitionName": name,
        "type": "container",
        "platformCapabilities": ["FARGATE"],
        "containerProperties": container,
        "timeout": {"attemptDurationSeconds": int(required(properties, "TimeoutSeconds"))},
        "retryStrategy": {"attempts": int(required(properties, "Attempts"))},
        "propagateTags": True,
        "tags": {key: value for key, value in tags.items() if value},
    }


def share_identifier(community: str, owner_aws_user_id: str) -> str:
    """The job's fair-share identifier in the stage's pooled queue: the community's prefix
    (catalog_constructs.contract.job_share_prefix, which end-user policies pin) and which of
    the community's SHARES_PER_COMMUNITY shares the owner is in (a hash of the owner, so the
    same owner always lands in the same one); letters and digits only, as AWS Batch requires.
    Fairness is between communities first: a community has at most two shares however many
    owners queue jobs, and its owners are spread over them."""
    digest = hashlib.sha256(owner_aws_user_id.encode()).digest()
    share = int.from_bytes(digest[:4], "big") % SHARES_PER_COMMUNITY
    return community.replace("-", "Z") + SHARE_SEPARATOR + str(share)


def job_share_identifier(properties: Mapping[str, Any]) -> str:
    """The share identifier of a job product's launch: its community's and owner's."""
    owner = str(properties.get("Tags", {}).get(OWNER_USERID_TAG, "")) or "unknown"
    return share_identifier(required(properties, "Community"), owner)


def _job_queue(spot: bool, batch: Client) -> str:
    name = f"{QUEUE_PREFIX}-jobs-{'fargate-spot' if spot else 'fargate'}"
    queues = batch.describe_job_queues(jobQueues=[name])["jobQueues"]
    if not queues:
        raise ProductContextError(
            f"the stage has no job queue {name}: the catalog's Shared stack of this account "
            "predates pooled scheduled jobs; ask the operators to deploy it"
        )
    return str(queues[0]["jobQueueArn"])


def register_job(event: Mapping[str, Any], *, batch: Client) -> tuple[str, dict[str, str]]:
    """Create/Update of ``Custom::BatchJob``: ``(job definition ARN, Data)``."""
    properties = event.get("ResourceProperties", {})
    request = job_definition_request(event)
    spot = required(properties, "Spot") == "Yes"
    queue_arn = _job_queue(spot, batch)
    share = request["tags"][SHARE_IDENTIFIER_TAG]
    alert_email = str(properties.get("AlertEmail", "")).strip()
    if not alert_email:
        alert_email = as_email(str(properties.get("OwnerEmail", "")))
        if not alert_email:
            raise ProductContextError(
                "the catalog knows no e-mail address for you: enter one in AlertEmail, or "
                "'none' to receive failure alerts only through the product's SNS topic"
            )
    api_url = required(properties, "SubmitApiUrl").rstrip("/")
    registered = batch.register_job_definition(**request)
    name, revision = str(registered["jobDefinitionName"]), str(registered["revision"])
    queue_name = queue_arn.rsplit("/", 1)[-1]
    return str(registered["jobDefinitionArn"]), {
        "JobDefinitionName": name,
        "JobDefinitionRevision": revision,
        "JobDefinition": f"{name}:{revision}",
        "JobQueueArn": queue_arn,
        "JobQueueName": queue_name,
        "ShareIdentifier": share,
        "AlertEmail": alert_email,
        # The revision is part of the path: Batch evaluates the owner tag of a job definition
        # only when the submission names a revision.
        "SubmitJobApi": f"{api_url}/jobs/{queue_name}/{name}/{revision}/{share}",
    }


def deregister_job(physical_id: str, *, batch: Client) -> None:
    """Delete of ``Custom::BatchJob`` (also of the revision an update replaced). The dispatch
    table calls it only for a job-definition ARN: a create that failed answered otherwise."""
    try:
        batch.deregister_job_definition(jobDefinition=physical_id)
    except ClientError as error:
        if error_code(error) not in ("ClientException", "ResourceNotFoundException"):
            raise
