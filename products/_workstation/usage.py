"""Usage text the Linux workstation products share: buckets as directories (bucket_mounts.md),
a bash shell, SSH and scp (shell_and_ssh.md)."""

from pathlib import Path

from catalog_constructs.contract import (
    MOUNTABLE_BY_TAG,
    SHELL_SESSION_DOCUMENT_NAME,
    WORKSTATION_USER,
    WRITABLE_BY_TAG,
)
from catalog_constructs.product_template.rendering import render_file
from catalog_constructs.product_template.workstation.bucket_mounts import LINUX_MOUNT_ROOT
from products._workstation.form import READ_ONLY_PARAMETER, READ_WRITE_PARAMETER

LINUX_BUCKET_MOUNTS = render_file(
    Path(__file__).with_name("bucket_mounts.md"),
    READ_ONLY_PARAMETER=READ_ONLY_PARAMETER,
    READ_WRITE_PARAMETER=READ_WRITE_PARAMETER,
    LINUX_MOUNT_ROOT=LINUX_MOUNT_ROOT,
    MOUNTABLE_BY_TAG=MOUNTABLE_BY_TAG,
    WRITABLE_BY_TAG=WRITABLE_BY_TAG,
)

LINUX_SHELL_AND_SSH = render_file(
    Path(__file__).with_name("shell_and_ssh.md"),
    WORKSTATION_USER=WORKSTATION_USER,
    SHELL_DOCUMENT=SHELL_SESSION_DOCUMENT_NAME,
)
