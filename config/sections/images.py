"""`images:` EC2 Image Builder pipelines (the AMI stack): build images here, receive them from
another account, or neither."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from config.errors import Violation, raise_all
from config.types import STRICT, AccountId, ImageSchedule, Region


class ImageTarget(BaseModel):
    """Another account and region that receives this stage's images."""

    model_config = STRICT

    account: AccountId = Field(description="12-digit account ID (quote it in YAML).")
    region: Region = Field(description="AWS region, e.g. us-east-1.")


class ImagesConfig(BaseModel):
    """EC2 Image Builder pipelines (the AMI stack). Without them products use AWS's public
    image parameters."""

    model_config = STRICT

    build: bool = Field(
        default=False, description="Whether this stage runs the image pipelines (AMI stack)."
    )
    schedule: ImageSchedule = Field(
        default="cron(0 6 ? * MON *)",
        description=(
            "When pipelines check for a newer base image or component and rebuild (UTC), an "
            "Image Builder cron expression."
        ),
    )
    keep_last: int = Field(
        default=3, ge=1, le=50, description="Images kept per pipeline; older ones are deleted."
    )
    distribute_to: list[ImageTarget] = Field(
        default_factory=list,
        description=(
            "Other stage accounts and regions that receive the images and their SSM parameters "
            "(each must allow Image Builder's cross-account distribution)."
        ),
    )
    source_account: AccountId | None = Field(
        default=None,
        description=(
            "For a stage that receives images: the account whose pipelines build them (its "
            "image key must be usable by this stage's launch roles). Default: this account."
        ),
    )

    @model_validator(mode="after")
    def _build_or_receive(self) -> ImagesConfig:
        violations: list[Violation] = []
        if self.build and self.source_account is not None:
            violations.append(
                (
                    ("source_account",),
                    "source_account is for stages that receive images; allowed: omit it "
                    "when build is true (a building stage publishes its own images)",
                    self.source_account,
                )
            )
        if self.distribute_to and not self.build:
            violations.append(
                (
                    ("distribute_to",),
                    "distribute_to needs build: true; allowed: an empty list for a stage that "
                    "does not build images",
                    None,
                )
            )
        seen: set[tuple[str, str]] = set()
        for index, target in enumerate(self.distribute_to):
            key = (target.account, target.region)
            if key in seen:
                violations.append(
                    (
                        ("distribute_to", index),
                        f"{target.account}/{target.region} is listed twice; allowed: each "
                        "account and region once",
                        None,
                    )
                )
            seen.add(key)
        raise_all(violations)
        return self
