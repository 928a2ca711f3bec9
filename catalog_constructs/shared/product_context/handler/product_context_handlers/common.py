"""What the product-context resource types share: the error a launcher can act on, values fit
for tags, required properties. Waiting within the Lambda's remaining time is ``deadline``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

Client = Any

# EC2 tags accept almost anything, but S3 and most other services only accept these.
_TAG_UNSAFE = re.compile(r"[^\w.+=:@/ -]")
_TAG_VALUE_MAX = 256
# Deliberately stricter than RFC 5322: the address ends up in tags and notification targets.
_EMAIL = re.compile(r"[\w.+=-]+@[\w-]+(?:\.[\w-]+)+")


class ProductContextError(Exception):
    """Something the person launching the product or the operator can act on.

    The message becomes the FAILED reason shown in the Service Catalog console.
    """


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def tag_safe(value: str) -> str:
    return _TAG_UNSAFE.sub("_", value)[:_TAG_VALUE_MAX]


def as_email(value: str) -> str:
    return value if len(value) <= _TAG_VALUE_MAX and _EMAIL.fullmatch(value) else ""


def required(properties: Mapping[str, Any], name: str) -> str:
    value = str(properties.get(name, "")).strip()
    if not value:
        raise ProductContextError(f"the custom resource needs a {name} property")
    return value


def parameter_value(ssm: Any, name: str, *, missing: str) -> str:
    """The value of the SSM parameter ``name``; ``missing`` says what to do when it does not
    exist (the FAILED reason). Any other error is raised as it is."""
    try:
        return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    except ClientError as error:
        if error_code(error) != "ParameterNotFound":
            raise
        raise ProductContextError(missing) from error
