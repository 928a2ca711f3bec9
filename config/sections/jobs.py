"""`jobs:` the stage's pooled scheduled-job compute (AWS Batch on Fargate and Fargate Spot)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from config.sections.communities import CommunityName
from config.types import STRICT

# AWS Batch's bounds on a fair-share weight factor.
MIN_WEIGHT = 0.0001
MAX_WEIGHT = 999.9999
Weight = Annotated[float, Field(ge=MIN_WEIGHT, le=MAX_WEIGHT)]


class JobsConfig(BaseModel):
    """One Fargate and one Fargate Spot compute environment for the whole stage, shared by every
    community fairly (two share identifiers per community, owners spread over them)."""

    model_config = STRICT

    max_vcpus: int = Field(
        default=256,
        ge=1,
        le=10000,
        description=(
            "vCPUs each of the two compute environments may run at once (the account's Fargate "
            "vCPU quota applies on top)."
        ),
    )
    weights: dict[CommunityName, Weight] = Field(
        default_factory=dict,
        description=(
            "Community -> fair-share weight factor of its shares (default 1; lower gets more: "
            f"0.5 gets twice the vCPUs of 1), {MIN_WEIGHT}..{MAX_WEIGHT}."
        ),
    )
    legacy_queues: list[CommunityName] = Field(
        default_factory=list,
        description=(
            "Communities whose per-community compute environments and queues of the former "
            "layout stay while job products launched before the pool still use them."
        ),
    )
