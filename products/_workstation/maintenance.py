"""Usage text every workstation product shares: patching and backups (maintenance.md). The
stage's schedule is not known to a product page (one page for every stage), so the defaults of
config/sections/workstations.py are given with the words "by default"."""

from pathlib import Path

from catalog_constructs.contract import PATCH_WINDOWS
from catalog_constructs.product_template.rendering import render_file
from config.sections.workstations import BackupsConfig, PatchingConfig

_BACKUPS = BackupsConfig()
_PATCHING = PatchingConfig()


def maintenance_usage(*, restart: str, restore_path: str) -> str:
    return render_file(
        Path(__file__).with_name("maintenance.md"),
        PATCH_WINDOWS=", ".join(f"`{window}`" for window in PATCH_WINDOWS),
        APPROVAL=(
            f"{_PATCHING.approve_after_days} days after their release by default (Ubuntu: on "
            "release)."
        ),
        REBOOT="restarts" if _PATCHING.reboot == "RebootIfNeeded" else "does not restart",
        RESTART=restart,
        BACKUP_SCHEDULE=(f"by default every {_BACKUPS.every_hours} hours from {_BACKUPS.at} UTC"),
        BACKUP_KEEP=f"{_BACKUPS.keep} (by default)",
        RESTORE_PATH=restore_path,
    )
