"""`stage:` where a stage deploys (set in the stage file)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from config.types import STRICT, AccountId, Region


def partition_of(region: str) -> str:
    """The AWS partition of a region name (aws, aws-us-gov or aws-cn)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if "-gov-" in region:
        return "aws-us-gov"
    return "aws"


class StageConfig(BaseModel):
    """Where this stage deploys. Per-stage: set it in the stage file."""

    model_config = STRICT

    account: AccountId = Field(
        description="AWS account ID the catalog deploys to, a quoted 12-digit string."
    )
    region: Region = Field(description="AWS region the catalog deploys to, e.g. us-east-1.")

    @property
    def partition(self) -> str:
        """AWS partition of the region: aws, aws-us-gov or aws-cn."""
        return partition_of(self.region)
