"""The community documents each community stack publishes under one SSM path
(``/research-catalog/communities/<name>``, a JSON object): the stage's functions read them at
run time instead of an environment variable, which Lambda caps at 4 KB in all and which would
tie every function to every community."""

from __future__ import annotations

import json
from typing import Any


class CommunityDocumentError(ValueError):
    """A community document that is not a JSON object."""


def read_communities(ssm: Any, path: str) -> dict[str, dict[str, Any]]:
    """Community name -> its document, for every parameter directly below ``path``."""
    documents: dict[str, dict[str, Any]] = {}
    paginator = ssm.get_paginator("get_parameters_by_path")
    for page in paginator.paginate(Path=path.rstrip("/"), Recursive=False):
        for parameter in page.get("Parameters", []):
            name = str(parameter["Name"]).rsplit("/", 1)[-1]
            try:
                document = json.loads(parameter["Value"])
            except ValueError as error:
                raise CommunityDocumentError(
                    f"SSM parameter {parameter['Name']} is not JSON: {error}"
                ) from error
            if not isinstance(document, dict):
                raise CommunityDocumentError(
                    f"SSM parameter {parameter['Name']} is not a JSON object"
                )
            documents[name] = document
    return documents
