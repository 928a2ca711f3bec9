"""What the catalog-admin resource types share."""

from typing import Any

Client = Any


class AdminError(Exception):
    """A failure reported to CloudFormation with this message. ``physical_id`` names what a
    failed Create leaves behind: the Create answers with it, so that the rollback's Delete
    removes it."""

    def __init__(self, message: str, *, physical_id: str | None = None) -> None:
        super().__init__(message)
        self.physical_id = physical_id
