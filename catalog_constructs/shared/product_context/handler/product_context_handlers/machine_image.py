"""``Custom::MachineImage``: the AMI ID held by the SSM parameter named in ``ImageParameter``,
read only when the resource is created or that property changes.

An SSM parameter is only a pointer: whoever can write it (or a mistaken pipeline setting)
could point products at an image of any account, public images included. The image is
accepted only from the owners its parameter stands for: AWS's public parameters
(``/aws/service/...``) from Amazon (owner alias ``amazon``) or Canonical's accounts; the
catalog's own parameters from this account or the accounts that build the catalog's images
(``IMAGE_OWNER_ACCOUNTS``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from .cfn import log
from .common import Client, ProductContextError, error_code

RESOURCE_TYPE = "Custom::MachineImage"

_IMAGE_ID = re.compile(r"ami-[0-9a-f]{8,17}")
PUBLIC_PREFIX = "/aws/service/"
# Canonical's image accounts: commercial regions, AWS GovCloud (US), China.
CANONICAL_ACCOUNTS = frozenset({"099720109477", "513442679011", "837727238323"})


def check_image_owner(
    image_id: str, parameter: str, *, ec2: Client, trusted_accounts: frozenset[str]
) -> None:
    """Refuse an image whose owner is not one the parameter stands for."""
    try:
        images = ec2.describe_images(ImageIds=[image_id])["Images"]
    except ClientError as error:
        if error_code(error).startswith("InvalidAMIID"):
            images = []
        else:
            raise
    if not images:
        raise ProductContextError(
            f"SSM parameter {parameter} names image {image_id}, which does not exist or is not "
            "available to this account; ask the catalog operators"
        )
    (image,) = images
    owner = str(image.get("OwnerId", ""))
    if parameter.startswith(PUBLIC_PREFIX):
        trusted = image.get("ImageOwnerAlias") == "amazon" or owner in CANONICAL_ACCOUNTS
    else:
        trusted = owner in trusted_accounts
    if not trusted:
        raise ProductContextError(
            f"SSM parameter {parameter} names image {image_id} of account {owner}, which is "
            "not an owner the catalog trusts for it; ask the catalog operators"
        )


def resolve_image(
    event: Mapping[str, Any],
    *,
    ssm: Client,
    ec2: Client,
    image_owner_accounts: frozenset[str] = frozenset(),
) -> tuple[str, dict[str, str]]:
    """Resolve a Create/Update of ``Custom::MachineImage`` to ``(AMI ID, data)``.

    ``ImageParameter`` names the catalog's own image (published by its pipelines);
    ``FallbackImageParameter``, when given, names AWS's public image, used while a stage has no
    pipeline for it. CloudFormation sends Update only when these properties (or the product's
    ``ImageGeneration``) change, so a product keeps its image across unrelated updates even
    after a newer one is published under the same name. The calling stack's account and
    ``image_owner_accounts`` may own the catalog's images.
    """
    properties = event.get("ResourceProperties", {})
    parameter = str(properties.get("ImageParameter", "")).strip()
    fallback = str(properties.get("FallbackImageParameter", "")).strip()
    if not parameter:
        raise ProductContextError(f"{RESOURCE_TYPE} needs an ImageParameter property")
    for candidate in filter(None, (parameter, fallback)):
        try:
            image_id = str(ssm.get_parameter(Name=candidate)["Parameter"]["Value"]).strip()
        except ClientError as error:
            if error_code(error) != "ParameterNotFound":
                raise
            continue
        if not _IMAGE_ID.fullmatch(image_id):
            raise ProductContextError(
                f"SSM parameter {candidate} holds {image_id[:100]!r}, not an AMI ID"
            )
        account = str(event.get("StackId", "")).split(":")[4:5]
        check_image_owner(
            image_id,
            candidate,
            ec2=ec2,
            trusted_accounts=frozenset(account) | image_owner_accounts,
        )
        log("resolved image", parameter=candidate, image_id=image_id)
        return image_id, {"ImageId": image_id, "ImageParameter": candidate}
    tried = " nor ".join(filter(None, (parameter, fallback)))
    raise ProductContextError(
        f"SSM parameter {tried} (the product's machine image) does not exist in this "
        "region: choose another operating system or ask the catalog operators"
    )
