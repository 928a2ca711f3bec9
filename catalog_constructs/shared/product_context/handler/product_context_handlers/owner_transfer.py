"""Who owns a provisioned product after an operator moved it: the transfer record.

``make transfer-owner`` (``delivery/owners.py``) writes one SSM parameter per moved product,
``<OWNER_TRANSFERS_PARAMETER_PATH>/<provisioned product ID>``, a JSON object naming the new
owner's role session ARN. Only operators can write it: no role of the catalog's stacks or
product templates may write an SSM parameter (``tests/infrastructure/test_security.py``), and
the product is named by Service Catalog's own stack tag, which nobody can set (``aws:`` tags
are reserved). ``Custom::ProductContext`` reads it on every Create and Update: the record's
owner wins over the launch principal, and a record that cannot be read or is not what the
command writes fails the request (the owner is never guessed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from botocore.exceptions import ClientError

from .common import Client, ProductContextError, error_code

PRODUCT_TAG = "aws:servicecatalog:provisionedProductArn"
# arn:<partition>:servicecatalog:<region>:<account>:stack/<provisioned product name>/pp-...
_PRODUCT_ID = re.compile(r"arn:aws[\w-]*:servicecatalog:[\w-]+:\d{12}:stack/[^/]+/(pp-[a-z0-9]+)")
_ASSUMED_ROLE_ARN = re.compile(r"arn:aws[\w-]*:sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+")


def provisioned_product_id(stack_name: str, tags: Mapping[str, str]) -> str:
    """The provisioned product ID from the stack's Service Catalog tag."""
    value = tags.get(PRODUCT_TAG, "").strip()
    match = _PRODUCT_ID.fullmatch(value)
    if match is None:
        raise ProductContextError(
            f"stack {stack_name} has no usable {PRODUCT_TAG} tag ({value!r}): launch this "
            "product from AWS Service Catalog, not directly with CloudFormation"
        )
    return match[1]


def parameter_name(path: str, product_id: str) -> str:
    return f"{path.rstrip('/')}/{product_id}"


def transferred_owner(ssm: Client, path: str, product_id: str) -> str | None:
    """The owner ARN an operator's transfer recorded for ``product_id``; None if never moved.

    Anything but "no such record" fails: a record that exists but cannot be read would
    otherwise give the product back to the person who launched it.
    """
    if not path:
        raise ProductContextError(
            "product-context function is misconfigured: OWNER_TRANSFERS_PARAMETER_PATH is not set"
        )
    name = parameter_name(path, product_id)
    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError as error:
        if error_code(error) == "ParameterNotFound":
            return None
        raise ProductContextError(
            f"cannot read the owner transfer record {name} ({error_code(error)}): the product's "
            "owner cannot be confirmed; retry the operation, or ask the catalog's operators"
        ) from error
    try:
        record = json.loads(value)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        record = {}
    owner, recorded_for = record.get("OwnerArn"), record.get("ProvisionedProductId")
    if recorded_for != product_id or not isinstance(owner, str):
        raise ProductContextError(
            f"owner transfer record {name} is not what make transfer-owner writes (a JSON object "
            f'with "ProvisionedProductId": "{product_id}" and "OwnerArn"): ask the catalog\'s '
            "operators to run make transfer-owner again"
        )
    if not _ASSUMED_ROLE_ARN.fullmatch(owner):
        raise ProductContextError(
            f"owner transfer record {name} names {owner!r}, not a role session "
            "(arn:aws:sts::<account>:assumed-role/<role>/<session>): ask the catalog's operators "
            "to run make transfer-owner again"
        )
    return owner
