"""`workstations:` stage-wide care of workstation products: weekly patching and scheduled
snapshots of their data disks (issue 19). Neither reaches a product template: the Shared stack
(and each spoke) builds the patch baselines, maintenance windows and snapshot policy."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, BaseModel, Field

from config.errors import fail, show
from config.types import STRICT, matching

TIME_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _check_timezone(value: str) -> str:
    if value != "UTC" and value not in available_timezones():
        fail(
            f"{show(value)} is not an IANA time zone; allowed: UTC or a name such as "
            "Europe/London or America/New_York"
        )
    ZoneInfo(value)
    return value


TimeZone = Annotated[str, AfterValidator(_check_timezone)]
TimeOfDay = Annotated[
    str, matching(TIME_RE, "{value} is not a time of day; expected HH:MM, 00:00 to 23:59")
]


class PatchingConfig(BaseModel):
    """Weekly operating-system updates (Systems Manager Patch Manager). Each workstation's owner
    picks one of the catalog's weekly windows on the launch form."""

    model_config = STRICT

    timezone: TimeZone = Field(
        default="UTC",
        description="IANA time zone of the patch windows (e.g. Europe/London); default UTC.",
    )
    approve_after_days: int = Field(
        default=7,
        ge=0,
        le=100,
        description=(
            "Days after its release an update is installed (Amazon Linux and Windows; Ubuntu "
            "updates are approved on release), 0..100."
        ),
    )
    reboot: Literal["RebootIfNeeded", "NoReboot"] = Field(
        default="RebootIfNeeded",
        description=(
            "RebootIfNeeded restarts an instance whose updates need it (kernel, libraries); "
            "NoReboot leaves them pending until the owner restarts."
        ),
    )


class BackupsConfig(BaseModel):
    """Scheduled snapshots of every workstation's data disk (Data Lifecycle Manager)."""

    model_config = STRICT

    enabled: bool = Field(default=True, description="Whether data disks are snapshotted.")
    every_hours: Literal[1, 2, 3, 4, 6, 8, 12, 24] = Field(
        default=24, description="Hours between snapshots: 1, 2, 3, 4, 6, 8, 12 or 24."
    )
    at: TimeOfDay = Field(default="01:00", description="First snapshot of the day, HH:MM UTC.")
    keep: int = Field(
        default=14,
        ge=1,
        le=1000,
        description="Snapshots kept per disk (older ones are deleted), 1..1000.",
    )


class WorkstationsConfig(BaseModel):
    """Patching and backups of workstation products (Linux Docker, notebook, Windows)."""

    model_config = STRICT

    patching: PatchingConfig = Field(default_factory=PatchingConfig, description="Weekly patching.")
    backups: BackupsConfig = Field(
        default_factory=BackupsConfig, description="Scheduled data-disk snapshots."
    )
