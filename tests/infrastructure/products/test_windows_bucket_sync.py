"""Windows bucket synchronisation (issue 17, item 2): read-write buckets must not lose a
researcher's edits, deletions must do what the product page says, and failures must show.

Read from the user data of the synthesized Windows product: what an instance runs. There is no
PowerShell on this machine, so nothing here runs the scripts. They are parsed with tree-sitter's
PowerShell grammar; the decisions (which side of a file wins, when a deletion is passed on, when
it is taken for an accident) are evaluated case by case by ``powershell.Subset``, a small
interpreter of the subset of PowerShell those functions are written in; the rest is asserted on
the parse tree. What cannot be checked here: the AWS Tools cmdlets' behaviour against S3, NTFS
file times, the Task Scheduler and the Application log, all of which need Windows.
"""

from typing import Any

import pytest

from catalog_constructs.product_template.workstation import bucket_mounts
from products.windows.definition import DEFINITION
from tests.infrastructure import powershell as ps
from tests.infrastructure.templates import user_data
from tests.synth import SynthesizedStage

KNOWN = {"Key": "data/a.csv", "ETag": "e1", "Size": "10", "Ticks": "100"}
HERE = {"unchanged": {"Path": "D:\\a.csv", "Size": 10, "Ticks": 100}}
HERE["changed"] = {"Path": "D:\\a.csv", "Size": 10, "Ticks": 200}
THERE = {"unchanged": {"Key": "data/a.csv", "ETag": "e1", "Size": 10}}
THERE["changed"] = {"Key": "data/a.csv", "ETag": "e2", "Size": 12}

# (recorded after the last run?, here, in the bucket) -> action, for a read-write bucket.
READ_WRITE = {
    (True, "unchanged", "unchanged"): "Keep",
    (True, "changed", "unchanged"): "Upload",
    (True, "unchanged", "changed"): "Download",
    (True, "changed", "changed"): "Compare",
    (False, "unchanged", "unchanged"): "Compare",
    (True, "unchanged", None): "DeleteLocal",
    (True, "changed", None): "Upload",
    (False, "unchanged", None): "Upload",
    (True, None, "unchanged"): "DeleteRemote",
    (True, None, "changed"): "Download",
    (False, None, "unchanged"): "Download",
    (True, None, None): "Forget",
}
# Read-only: the bucket's copy wins; the owner's own extra files stay.
READ_ONLY = {
    (True, "unchanged", "unchanged"): "Keep",
    (True, "changed", "unchanged"): "Download",
    (True, "unchanged", "changed"): "Download",
    (True, "changed", "changed"): "Download",
    (False, "unchanged", "unchanged"): "Download",
    (True, "unchanged", None): "DeleteLocal",
    (True, "changed", None): "Forget",
    (False, "unchanged", None): "Forget",
    (True, None, "unchanged"): "Download",
    (True, None, "changed"): "Download",
    (False, None, "unchanged"): "Download",
    (True, None, None): "Forget",
}


@pytest.fixture(scope="module")
def installed(synthesized: dict[str, SynthesizedStage]) -> dict[str, str]:
    script, _ = user_data(synthesized["dev"].products[DEFINITION.key])
    return ps.installed_files(script)


@pytest.fixture(scope="module")
def sync(installed: dict[str, str]) -> Any:
    assert bucket_mounts.WINDOWS_SYNC_SCRIPT in installed, sorted(installed)
    return ps.parse(installed[bucket_mounts.WINDOWS_SYNC_SCRIPT])


def action(sync: Any, known: bool, here: str | None, there: str | None, read_write: bool) -> str:
    decide = ps.functions(sync)["Get-SyncAction"]
    arguments = (KNOWN if known else None, HERE.get(here or ""), THERE.get(there or ""))
    return str(ps.Subset({}).call(decide, *arguments, read_write))


def test_the_product_brings_its_own_synchronisation_and_it_parses(
    synthesized: dict[str, SynthesizedStage], sync: Any
) -> None:
    """The sync script was the image's, so a fix could not reach a product version; it is now
    in the user data, and the scheduled task runs it (one run at a time)."""
    script, _ = user_data(synthesized["dev"].products[DEFINITION.key])
    assert ps.syntax_errors(sync) == []
    setup = ps.parse(bucket_mounts.WINDOWS_SETUP)
    assert ps.syntax_errors(setup) == []
    assert f'-File "{bucket_mounts.WINDOWS_SYNC_SCRIPT}"' in script
    assert "-MultipleInstances IgnoreNew" in script


@pytest.mark.parametrize(("case", "expected"), sorted(READ_WRITE.items(), key=str))
def test_read_write_decisions(sync: Any, case: tuple[Any, ...], expected: str) -> None:
    """Each file's fate in a read-write bucket, from the record of the last run."""
    assert action(sync, *case, read_write=True) == expected


@pytest.mark.parametrize(("case", "expected"), sorted(READ_ONLY.items(), key=str))
def test_read_only_decisions(sync: Any, case: tuple[Any, ...], expected: str) -> None:
    assert action(sync, *case, read_write=False) == expected


def test_a_file_changed_here_is_never_overwritten_or_deleted(sync: Any) -> None:
    """`aws s3 sync` downloaded any object whose size differed, even over a newer local file:
    a size-changing edit was overwritten by the older bucket copy and never uploaded. Now a
    file changed here since the last run is uploaded (or, changed on both sides, uploaded with
    the bucket's copy kept beside it), whatever the bucket holds."""
    for there in (None, "unchanged", "changed"):
        for known in (True, False):
            assert action(sync, known, "changed", there, read_write=True) in ("Upload", "Compare")


def test_uploads_come_before_downloads(sync: Any) -> None:
    """Read-write buckets upload first: local edits reach the bucket before anything is
    fetched."""
    (order,) = [
        loop
        for loop in ps.nodes(ps.functions(sync)["Sync-Bucket"], "foreach_statement")
        if "'Upload'" in ps.text(loop).split("{", 1)[0]
    ]
    head = ps.text(order).split("{", 1)[0]
    steps = [step.strip(" '") for step in head.split(" in ", 1)[1].rstrip(") ").split(",")]
    assert steps.index("Upload") < steps.index("Download")
    assert steps.index("Compare") < steps.index("Download")
    assert set(steps) == set(READ_WRITE.values()) | set(READ_ONLY.values())


@pytest.mark.parametrize(
    ("deleted", "in_bucket", "folder_there", "passed_on"),
    [
        (1, 1, True, True),  # the last file of a bucket
        (10, 12, True, True),  # ten at most: always the owner's choice
        (11, 100, True, True),  # a folder among many
        (11, 20, True, False),  # more than half of the bucket at once
        (1, 500, False, False),  # the whole folder is gone
    ],
)
def test_mass_deletions_are_taken_for_an_accident(
    sync: Any, deleted: int, in_bucket: int, folder_there: bool, passed_on: bool
) -> None:
    """Deletions here are passed on to the bucket (the launch form promises it), except when
    so many go at once that it looks like an accident: then the files come back instead."""
    (guard,) = [
        branch
        for branch in ps.nodes(ps.functions(sync)["Sync-Bucket"], "if_statement")
        if "$entry.Action = 'Download'" in ps.text(branch)
    ]
    variables = {
        "deletions": {"Count": deleted},
        "remote": {"Count": in_bucket},
        "folderWasThere": folder_there,
    }
    assert ps.Subset(variables).evaluate(guard.children[2]) is not passed_on


def test_only_cmdlets_and_its_own_functions_run(sync: Any) -> None:
    """Windows PowerShell 5.1 ignores $ErrorActionPreference for native commands, so a failed
    `aws s3 sync` went unnoticed. The script runs no native command: every S3 call is an AWS
    Tools cmdlet, whose errors stop (each file's failure is caught, reported and counted)."""
    own = set(ps.functions(sync))
    commands = ps.command_names(sync) - own
    assert all(ps.CMDLET.fullmatch(name) for name in commands), sorted(commands)
    assert {"Write-S3Object", "Read-S3Object", "Remove-S3Object"} <= commands


def test_every_failure_is_counted_and_ends_in_the_exit_code(sync: Any, installed: Any) -> None:
    body = installed[bucket_mounts.WINDOWS_SYNC_SCRIPT]
    assert body.splitlines()[0] == "$ErrorActionPreference = 'Stop'"
    catches = list(ps.nodes(sync, "catch_clause"))
    counted = [c for c in catches if "$script:failures++" in ps.text(c)]
    # The one other catch is the event log's own (the message is still printed).
    assert len(counted) == len(catches) - 1 >= 2
    assert body.rstrip().endswith("exit [int]($script:failures -gt 0)")


def test_a_download_never_replaces_a_file_changed_meanwhile(sync: Any) -> None:
    """A download goes to a temporary file and replaces the local one only if that did not
    change since the run listed it."""
    receive = ps.text(ps.functions(sync)["Receive-File"])
    assert "-File $partial" in receive and "-ne $Here.Ticks" in receive
    assert receive.index("-ne $Here.Ticks") < receive.index("Move-Item -LiteralPath $partial")
