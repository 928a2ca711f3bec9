"""Counts the cdk-nag acknowledgements of every shipped stage: how many (construct, finding)
pairs, how many distinct reasons, and how many of them are IAM5 wildcard resources."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CDK_VALIDATION", "false")

PACKS = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5")
ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


def main() -> None:
    from catalog_app import build_app
    from config import available_stages

    for stage in available_stages():
        with tempfile.TemporaryDirectory() as outdir:
            app = build_app(
                stage=stage,
                context={"@aws-cdk/core:failSynthOnValidationErrors": False},
                outdir=outdir,
            )
            findings: set[tuple[str, str]] = set()
            reasons: set[str] = set()
            for construct in app.node.find_all():
                for entry in construct.node.metadata:
                    if entry.type != ACKNOWLEDGED:
                        continue
                    for rule_id, reason in entry.data.items():
                        rule_id = rule_id.removeprefix("Annotation::")
                        if rule_id.split("-")[0] in PACKS:
                            findings.add((construct.node.path, rule_id))
                            reasons.add(reason)
        wildcards = sum(1 for _, rule_id in findings if rule_id.startswith("AwsSolutions-IAM5"))
        print(
            f"{stage}: {len(findings)} acknowledgements, {len(reasons)} distinct reasons, "
            f"{wildcards} of them AwsSolutions-IAM5 wildcard resources"
        )


if __name__ == "__main__":
    main()
