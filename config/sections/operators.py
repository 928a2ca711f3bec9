"""`operators:` the team that runs the catalog."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from config.types import STRICT, Email, RoleArn, unique


class OperatorsConfig(BaseModel):
    """The team that runs the catalog."""

    model_config = STRICT

    notification_email: Email = Field(description="Where operational notifications are sent.")
    admin_role_arns: Annotated[list[RoleArn], unique("role ARN")] = Field(
        default_factory=list,
        description="Break-glass administrator roles of the stage account (may be empty).",
    )
