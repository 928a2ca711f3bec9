"""Helpers the infrastructure tests share to read synthesized templates and cdk-nag's
validation report. Not a test module: test modules import from here, never from each other."""

import hashlib
import importlib.metadata
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Properties that give a resource a fixed physical name: a product template that sets one could
# be launched only once per account.
FIXED_NAME_PROPERTIES = {
    "RoleName",
    "InstanceProfileName",
    "LogGroupName",
    "GroupName",
    "FunctionName",
    "BucketName",
    "LaunchTemplateName",
    "AlarmName",
    "TopicName",
    "ManagedPolicyName",
}


def resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def end_user_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The template's end-user policies, by logical ID: each community's end-user policy and
    its workflows companion (SSH, bash, update plans, Studio lookups), on the same roles."""
    return {
        logical_id: policy
        for logical_id, policy in resources(template, "AWS::IAM::ManagedPolicy").items()
        if policy["Properties"].get("Description", "").startswith("Research catalog end users")
    }


def end_user_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of the template's end-user policies."""
    return [
        statement
        for policy in end_user_policies(template).values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


# The longest value CloudFormation substitutes into each user-data variable every EC2 product
# has, at worst: the wait handle is a pre-signed URL (about 500 bytes seen; 1 KB assumed), log
# group names are generated from the stack name (about 80), the two bucket lists hold ten names
# of at most 63 characters between them (Custom::BucketMounts refuses more).
WORST_CASE_USER_DATA_VALUES = {
    "WaitHandle": 1024,
    "LogGroupName": 128,
    "DataVolumeId": 21,
    "ReadOnlyBuckets": 10 * 63 + 9,
    "ReadWriteBuckets": 0,
    "CredentialSecretArn": 256,
    "AWS::Region": 20,
}


def user_data_size_at_worst(script: str, worst: dict[str, int]) -> tuple[int, set[str]]:
    """The bytes of an Fn::Sub user-data script once every variable holds its longest value
    (``worst``), and the variables ``worst`` does not name."""
    names = re.findall(r"\$\{([^}!]+)\}", script)
    size = len(script.encode()) + sum(worst.get(n, 0) - len(f"${{{n}}}") for n in names)
    return size, set(names) - set(worst)


def user_data(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The Fn::Sub script and variables of the template's one EC2 instance."""
    (instance,) = resources(template, "AWS::EC2::Instance").values()
    script, variables = instance["Properties"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    return script, variables


def violations(report: dict) -> list[tuple[str, str]]:
    """(rule, construct path) of every finding in a cdk-nag validation report."""
    return [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report.get("pluginReports", [])
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


# Clean cfn-lint verdicts, one empty file per template: see cfn_lint.
CFN_LINT_VERDICTS = Path(__file__).resolve().parents[2] / ".cache" / "cfn-lint-clean"


def cfn_lint(paths: Iterable[Path]) -> str:
    """cfn-lint's findings on the given templates, in its parseable format ("" when clean).

    A verdict depends only on the template's bytes and cfn-lint's version (no rule is ignored
    or configured: no .cfnlintrc, no template metadata, test_cfn_lint.py), so a template found
    clean is recorded under .cache/cfn-lint-clean by the digest of both and not linted again:
    a run lints only the templates that changed since the last one. Templates with findings
    are never recorded; a fresh clone (CI) or `make clean` lints everything."""
    version = importlib.metadata.version("cfn-lint")
    digests = {
        path: hashlib.sha256(f"{version}\0".encode() + path.read_bytes()).hexdigest()
        for path in paths
    }
    unlinted = [
        path for path, digest in digests.items() if not (CFN_LINT_VERDICTS / digest).exists()
    ]
    if not unlinted:
        return ""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--format",
            "parseable",
            *map(str, unlinted),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        return (result.stdout + result.stderr).strip() or f"cfn-lint exited {result.returncode}"
    CFN_LINT_VERDICTS.mkdir(parents=True, exist_ok=True)
    for path in unlinted:
        (CFN_LINT_VERDICTS / digests[path]).touch()
    return result.stdout.strip()
