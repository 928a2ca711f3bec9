"""Rules of the workstations section: backups and patch windows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from catalog_constructs.contract import PATCH_WINDOWS
from config.errors import Violation
from config.rules.checked import Checked
from config.sections.workstations import WorkstationsConfig

# A patch run installs, then may reboot: an hour covers both on a workstation.
PATCH_RUN = timedelta(hours=1)
_DAYS = {"SUN": 6, "MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5}


def backups_cover_a_day(workstations: WorkstationsConfig, known: Checked) -> list[Violation]:
    """The snapshots kept reach back at least a day: fewer would leave nothing to restore
    from after a mistake noticed the next morning."""
    backups = workstations.backups
    if not backups.enabled or backups.keep * backups.every_hours >= 24:
        return []
    return [
        (
            ("backups", "keep"),
            f"keep {backups.keep} snapshots every {backups.every_hours} hours reach back "
            f"{backups.keep * backups.every_hours} hours; allowed: at least "
            f"{-(-24 // backups.every_hours)} (a day)",
            backups.keep,
        )
    ]


def backups_outside_patch_windows(
    workstations: WorkstationsConfig, known: Checked
) -> list[Violation]:
    """No daily snapshot starts while a patch run may be rebooting a workstation (in the patch
    time zone, summer or winter): the snapshot would catch a disk mid-restart."""
    backups = workstations.backups
    if not backups.enabled or backups.every_hours != 24:
        return []
    zone = ZoneInfo(workstations.patching.timezone)
    hour, minute = (int(part) for part in backups.at.split(":"))
    clashes = []
    # A winter and a summer week: the UTC time of a window moves with daylight saving time.
    for monday in (datetime(2026, 1, 5), datetime(2026, 7, 6)):
        for window, schedule in PATCH_WINDOWS.items():
            fields = schedule.removeprefix("cron(").removesuffix(")").split()
            start = (monday + timedelta(days=_DAYS[fields[4]])).replace(
                hour=int(fields[1]), minute=int(fields[0]), tzinfo=zone
            )
            start_utc = start.astimezone(ZoneInfo("UTC"))
            backup = start_utc.replace(hour=hour, minute=minute)
            if start_utc <= backup < start_utc + PATCH_RUN and window not in clashes:
                clashes.append(window)
    if not clashes:
        return []
    return [
        (
            ("backups", "at"),
            f"{backups.at} UTC falls in the patch window(s) {', '.join(clashes)} "
            f"({workstations.patching.timezone}); allowed: a time outside "
            "each window's first hour",
            backups.at,
        )
    ]
