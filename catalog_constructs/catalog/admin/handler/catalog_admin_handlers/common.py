"""What the catalog-admin resource types share."""

from typing import Any

Client = Any


class AdminError(Exception):
    """A failure reported to CloudFormation with this message."""
