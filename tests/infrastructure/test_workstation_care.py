"""Issue 19: the Shared stack (and every spoke) patches workstations weekly in the window their
owner chose, scans them daily for compliance, and snapshots their data disks on a schedule
from config (catalog_constructs/shared/workstation_care.py).

What this cannot show offline: that Patch Manager installs and reports on a real instance and
that Data Lifecycle Manager snapshots a stopped instance's data disk; both are documented AWS
behaviour (docs/operations.md, "Patching" and "Backups and restores")."""

import json
from typing import Any

import pytest

from catalog_constructs import contract
from tests.infrastructure.templates import resources
from tests.synth import SynthesizedStage


@pytest.fixture(params=["Shared", "Spoke"])
def shared(request: pytest.FixtureRequest, synthesized: dict[str, SynthesizedStage]) -> Any:
    stacks = synthesized["dev"].stacks
    (name,) = [n for n in stacks if n == request.param or n.startswith(request.param + "4")]
    return stacks[name]


def test_every_patch_window_has_its_group_target_and_install_task(shared: dict[str, Any]) -> None:
    windows = resources(shared, "AWS::SSM::MaintenanceWindow")
    assert sorted(w["Properties"]["Schedule"] for w in windows.values()) == sorted(
        contract.PATCH_WINDOWS.values()
    )
    targets = resources(shared, "AWS::SSM::MaintenanceWindowTarget").values()
    assert sorted(t["Properties"]["Targets"][0]["Values"][0] for t in targets) == sorted(
        contract.patch_group(w) for w in contract.PATCH_WINDOWS
    )
    for target in targets:
        assert target["Properties"]["Targets"][0]["Key"] == f"tag:{contract.PATCH_GROUP_TAG}"
    tasks = resources(shared, "AWS::SSM::MaintenanceWindowTask").values()
    assert len(tasks) == len(contract.PATCH_WINDOWS)
    for task in tasks:
        properties = task["Properties"]
        assert properties["TaskArn"] == "AWS-RunPatchBaseline"
        run = properties["TaskInvocationParameters"]["MaintenanceWindowRunCommandParameters"]
        assert run["Parameters"] == {"Operation": ["Install"], "RebootOption": ["RebootIfNeeded"]}
    # The pre-issue-19 group is left alone: those versions lack the patch permission.
    assert contract.PATCH_GROUP not in json.dumps(shared)


def test_baselines_cover_each_operating_system_and_every_group(shared: dict[str, Any]) -> None:
    baselines = resources(shared, "AWS::SSM::PatchBaseline").values()
    assert {b["Properties"]["OperatingSystem"] for b in baselines} == {
        "AMAZON_LINUX_2023",
        "UBUNTU",
        "WINDOWS",
    }
    groups = sorted(contract.patch_group(w) for w in contract.PATCH_WINDOWS)
    for baseline in baselines:
        assert sorted(baseline["Properties"]["PatchGroups"]) == groups
        for rule in baseline["Properties"]["ApprovalRules"]["PatchRules"]:
            if baseline["Properties"]["OperatingSystem"] != "UBUNTU":
                assert rule["ApproveAfterDays"] == 7


def test_compliance_is_scanned_daily(shared: dict[str, Any]) -> None:
    (scan,) = [
        a
        for a in resources(shared, "AWS::SSM::Association").values()
        if a["Properties"]["Name"] == "AWS-RunPatchBaseline"
    ]
    assert scan["Properties"]["Parameters"] == {"Operation": ["Scan"]}
    assert scan["Properties"]["ScheduleExpression"] == "rate(1 day)"


def test_data_disks_of_every_workstation_version_are_snapshotted(shared: dict[str, Any]) -> None:
    (policy,) = resources(shared, "AWS::DLM::LifecyclePolicy").values()
    details = policy["Properties"]["PolicyDetails"]
    assert details["ResourceTypes"] == ["INSTANCE"]
    # Every version carries the product tag, which only templates set.
    assert details["TargetTags"] == [
        {"Key": contract.PRODUCT_TAG, "Value": key}
        for key in ("linux-docker", "notebook", "windows")
    ]
    assert details["Parameters"] == {"ExcludeBootVolume": True}
    (schedule,) = details["Schedules"]
    assert schedule["CreateRule"] == {"Interval": 24, "IntervalUnit": "HOURS", "Times": ["01:00"]}
    assert schedule["RetainRule"] == {"Count": 14}
    assert schedule["CopyTags"] is True
    assert policy["Properties"]["State"] == "ENABLED"


def test_the_snapshot_role_may_use_the_volume_key_only_through_ec2(shared: dict[str, Any]) -> None:
    (policy,) = resources(shared, "AWS::DLM::LifecyclePolicy").values()
    role_id = policy["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0]
    role = shared["Resources"][role_id]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "dlm.amazonaws.com"}
    assert "aws:SourceAccount" in json.dumps(trust["Condition"])
    inline = [
        p
        for p in resources(shared, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    (statement,) = inline[0]["Properties"]["PolicyDocument"]["Statement"]
    via = statement["Condition"]["StringEquals"]["kms:ViaService"]
    assert via.startswith("ec2.") and via.endswith(".amazonaws.com")
    assert "Fn::GetAtt" in json.dumps(statement["Resource"])
    assert "*" not in json.dumps(statement["Action"]) and statement["Resource"] != "*"


@pytest.mark.parametrize("key", ["linux-docker", "notebook", "windows"])
def test_the_newest_workstations_can_run_the_patch_document(
    synthesized: dict[str, SynthesizedStage], key: str
) -> None:
    """AWS-RunPatchBaseline asks Systems Manager for the baseline's snapshot with the instance
    role: without this permission every patch run and scan fails (released versions lack it,
    so they keep the old PatchGroup value no window targets)."""
    template = synthesized["dev"].products[key]
    statements = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any("ssm:GetDeployablePatchSnapshotForInstance" in s["Action"] for s in statements)
    (metrics,) = [s for s in statements if s.get("Sid") == "AgentMetrics"]
    assert metrics["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": ["CWAgent", "research-catalog/Workstations"]}
    }


@pytest.mark.parametrize("key", ["linux-docker", "notebook", "windows"])
def test_form_texts_carry_no_unfilled_python_placeholder(
    synthesized: dict[str, SynthesizedStage], key: str
) -> None:
    """A dropped f-prefix once put "{kept}" on the launch form; the forms say what they mean."""
    import re

    for name, parameter in synthesized["dev"].products[key]["Parameters"].items():
        assert not re.search(r"\{[a-z_]+\}", parameter.get("Description", "")), name
