"""`storage:` bucket products: archive period, purge schedule and notices, Synapse."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from config.errors import raise_all
from config.types import STRICT, AccountId, Email, EventSchedule, matching, unique

ORIGIN_RE = re.compile(r"https://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d{1,5})?")
Origin = Annotated[
    str,
    matching(
        ORIGIN_RE,
        "{value} is not a web origin; expected https://host or https://*.host "
        "(no path, at most one *)",
    ),
]


class StorageConfig(BaseModel):
    """Bucket products: archive period, purge schedule and notices, Synapse integration.

    None of these values reaches a product template: the shared bucket functions read them.
    """

    model_config = STRICT

    archive_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="Days a terminated product's bucket stays archived before its purge, 1..365.",
    )
    notice_days: int = Field(
        default=7,
        ge=1,
        le=60,
        description="Days before the purge the owner is notified, 1..60 (at most archive_days).",
    )
    purge_schedule: EventSchedule = Field(
        default="cron(0 9 * * ? *)",
        description="When the purge function runs (EventBridge cron() or rate(), UTC).",
    )
    purge_dry_run: bool = Field(
        default=False,
        description="true: the purge only logs what it would notify and delete.",
    )
    notification_sender: Email | None = Field(
        default=None,
        description=(
            "SES-verified sender of purge notices; defaults to operators.notification_email."
        ),
    )
    access_log_days: int = Field(
        default=365,
        ge=1,
        le=3653,
        description="Days S3 server access logs of product buckets are kept, 1..3653.",
    )
    synapse_account_id: AccountId = Field(
        default="325565585839",
        description="AWS account of the Synapse service that links Synapse buckets.",
    )
    synapse_origins: Annotated[list[Origin], unique("origin")] = Field(
        default_factory=lambda: ["https://www.synapse.org"],
        min_length=1,
        description="Web origins allowed by the CORS rule of Synapse buckets (https only).",
    )

    @model_validator(mode="after")
    def _notice_within_archive(self) -> StorageConfig:
        if self.notice_days > self.archive_days:
            raise_all(
                [
                    (
                        ("notice_days",),
                        f"{self.notice_days} is longer than archive_days ({self.archive_days}); "
                        "must be at most archive_days",
                        self.notice_days,
                    )
                ]
            )
        return self
