"""``Custom::MachineImage``: the AMI ID held by the SSM parameter named in ``ImageParameter``,
read only when the resource is created or that property changes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from .cfn import log
from .common import Client, ProductContextError, error_code

RESOURCE_TYPE = "Custom::MachineImage"

_IMAGE_ID = re.compile(r"ami-[0-9a-f]{8,17}")


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
        log("resolved image", parameter=candidate, image_id=image_id)
        return image_id, {"ImageId": image_id, "ImageParameter": candidate}
    tried = " nor ".join(filter(None, (parameter, fallback)))
    raise ProductContextError(
        f"SSM parameter {tried} (the product's machine image) does not exist in this "
        "region: choose another operating system or ask the catalog operators"
    )
