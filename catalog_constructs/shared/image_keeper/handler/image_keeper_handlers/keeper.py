"""Keep by reference count: an AMI of this account stays tagged in use while at least one
catalog instance (any state but terminated: a stopped workstation is replaced from its AMI on
its next update) or one of the catalog's image parameters references it. The lifecycle policy
of each image pipeline excludes AMIs with that tag (amis/pipeline.py).

Runs on a schedule (hourly), answers no CloudFormation request. Every AWS call is a read or a
tag change on this account's own AMIs; it stops paging before the Lambda's time runs out and
then leaves every tag as it was (removing a tag on an incomplete count could free an AMI that
is still in use).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError

Client = Any
# Kept from the Lambda's remaining time to finish the tag calls in flight.
MARGIN_SECONDS = 30.0
LIVE_STATES = ("pending", "running", "shutting-down", "stopping", "stopped")


class OutOfTime(Exception):
    """The count could not be completed within the invocation."""


def _log(message: str, **fields: Any) -> None:
    print(json.dumps({"message": message, **fields}, default=str, sort_keys=True))


def _check_time(context: Any) -> None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining) and remaining() / 1000 < MARGIN_SECONDS:
        raise OutOfTime("the reference count did not finish in time; no tag was changed")


def instance_references(ec2: Client, product_tag: str, context: Any) -> Counter[str]:
    """AMI ID -> number of catalog instances launched from it."""
    counts: Counter[str] = Counter()
    pages = ec2.get_paginator("describe_instances").paginate(
        Filters=[
            {"Name": "tag-key", "Values": [product_tag]},
            {"Name": "instance-state-name", "Values": list(LIVE_STATES)},
        ]
    )
    for page in pages:
        _check_time(context)
        for reservation in page.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                if instance.get("ImageId"):
                    counts[instance["ImageId"]] += 1
    return counts


def parameter_references(ssm: Client, root: str, context: Any) -> Counter[str]:
    """AMI ID -> number of the catalog's image parameters naming it (what new launches use)."""
    counts: Counter[str] = Counter()
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=root, Recursive=True)
    for page in pages:
        _check_time(context)
        for parameter in page.get("Parameters", []):
            value = str(parameter.get("Value", ""))
            if value.startswith("ami-"):
                counts[value] += 1
    return counts


def tagged_images(ec2: Client, tag: str, context: Any) -> set[str]:
    """This account's AMIs that carry the in-use tag now."""
    found: set[str] = set()
    pages = ec2.get_paginator("describe_images").paginate(
        Owners=["self"], Filters=[{"Name": "tag-key", "Values": [tag]}]
    )
    for page in pages:
        _check_time(context)
        found.update(image["ImageId"] for image in page.get("Images", []))
    return found


def own_images(ec2: Client, image_ids: set[str]) -> set[str]:
    """Those of ``image_ids`` that this account owns (public AWS images are not ours to tag,
    and the lifecycle policies act only on the catalog's own)."""
    owned: set[str] = set()
    ids = sorted(image_ids)
    for start in range(0, len(ids), 100):
        response = ec2.describe_images(
            Owners=["self"], Filters=[{"Name": "image-id", "Values": ids[start : start + 100]}]
        )
        owned.update(image["ImageId"] for image in response.get("Images", []))
    return owned


def _apply(call: Callable[..., Any], image_ids: list[str], tags: list[dict[str, str]]) -> list[str]:
    """Tag or untag ``image_ids`` 100 at a time; an AMI deregistered since the count fails its
    whole batch, which is then retried one by one without it. Returns the AMIs found gone."""
    gone: list[str] = []
    for start in range(0, len(image_ids), 100):
        batch = image_ids[start : start + 100]
        try:
            call(Resources=batch, Tags=tags)
        except ClientError as error:
            if not _image_missing(error):
                raise
            for image in batch:
                try:
                    call(Resources=[image], Tags=tags)
                except ClientError as single:
                    if not _image_missing(single):
                        raise
                    gone.append(image)
    return gone


def _image_missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")).startswith("InvalidAMIID")


def keep_images(
    *, ec2: Client, ssm: Client, settings: Mapping[str, str], context: Any
) -> dict[str, Any]:
    """Tag every referenced AMI of this account, untag the ones no longer referenced; return
    what changed."""
    tag, value = settings["IN_USE_TAG"], settings["IN_USE_VALUE"]
    references = instance_references(ec2, settings["PRODUCT_TAG"], context)
    references.update(parameter_references(ssm, settings["IMAGE_PARAMETER_ROOT"], context))
    tagged = tagged_images(ec2, tag, context)
    in_use = own_images(ec2, set(references)) if references else set()
    _check_time(context)
    to_tag = sorted(in_use - tagged)
    to_untag = sorted(tagged - in_use)
    gone = _apply(ec2.create_tags, to_tag, [{"Key": tag, "Value": value}])
    gone += _apply(ec2.delete_tags, to_untag, [{"Key": tag}])
    result = {
        "in_use": {image: references[image] for image in sorted(in_use)},
        "tagged": to_tag,
        "untagged": to_untag,
        "deregistered_meanwhile": gone,
    }
    _log("image references counted", **result)
    return result


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    client: Callable[[str], Client] = boto3.client,
) -> dict[str, Any]:
    """Scheduled entry point; ``client`` is the tests' seam."""
    try:
        return keep_images(
            ec2=client("ec2"), ssm=client("ssm"), settings=os.environ, context=context
        )
    except OutOfTime as error:
        _log("incomplete", reason=str(error))
        raise
