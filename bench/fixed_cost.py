"""Fixed monthly cost of a stage before anyone launches anything: read from its synthesized
templates and priced with ``bench/prices.json`` (its source and date are in the file).

Counted: NAT gateways, interface endpoints x AZs, public IPv4 addresses (NAT elastic IPs and
the notebook load balancer's, one per AZ), the notebook load balancer itself, KMS keys, AWS WAF
web ACLs and their rules (the sign-in service's), Secrets Manager secrets, CloudWatch alarms,
action-enabled budgets beyond AWS's two free ones per account, and the log ingestion of
scheduled functions. Not counted, because they depend on use: NAT and endpoint data
processing, load balancer capacity units, WAF requests, flow-log volume, image builds,
everything researchers launch.

``python -m bench.fixed_cost --stage dev`` prints one table per account (the stage account and
each spoke); ``--minimal`` prices the stage with the cheapest safe network (docs/cost.md);
``--markdown`` prints the tables docs/cost.md embeds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PRICES = json.loads((Path(__file__).with_name("prices.json")).read_text())
# What the cheapest safe configuration changes in a stage file (docs/cost.md): one NAT
# gateway carries all traffic to AWS APIs (no interface endpoint), no notebook gateway, no
# image pipelines (AWS's public images), no spokes.
MINIMAL = {
    "network": {"mode": "create", "nat_gateways": 1, "endpoints": []},
    "notebooks": None,
    "images": None,
    "spokes": None,
}


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    monthly: float


def _hourly(price: float) -> float:
    return price * PRICES["hours_per_month"]


def _monthly_runs(expression: str) -> float:
    """Approximate runs per month of a rate() or cron() schedule."""
    days = PRICES["assumptions"]["days_per_month"]
    if match := re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression):
        per_day = {"minute": 1440, "hour": 24, "day": 1}[match[2]] / int(match[1])
        return per_day * days
    if match := re.fullmatch(r"cron\((.*)\)", expression):
        _, hours, day_of_month, _, day_of_week, *_ = match[1].split()
        per_day = len(hours.split(",")) if hours != "*" else 24
        if day_of_week not in ("*", "?"):
            return per_day * len(day_of_week.split(",")) * days / 7
        if day_of_month not in ("*", "?"):
            return per_day * len(day_of_month.split(","))
        return per_day * days
    return 0.0


def _subnet_count(value: Any) -> int:
    return len(value) if isinstance(value, list) else 1


def price_templates(templates: dict[str, dict[str, Any]]) -> list[Line]:
    """The fixed monthly lines of one account's stack templates."""
    prices = PRICES["prices"]
    counts: Counter[str] = Counter()
    for template in templates.values():
        for resource in template.get("Resources", {}).values():
            kind, properties = resource.get("Type", ""), resource.get("Properties", {})
            if kind == "AWS::EC2::NatGateway":
                counts["nat"] += 1
            elif kind == "AWS::EC2::EIP":
                counts["ipv4"] += 1
            elif (
                kind == "AWS::EC2::VPCEndpoint" and properties.get("VpcEndpointType") == "Interface"
            ):
                counts["endpoint_azs"] += _subnet_count(properties.get("SubnetIds"))
                counts["endpoints"] += 1
            elif kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
                counts["alb"] += 1
                if properties.get("Scheme", "internet-facing") == "internet-facing":
                    counts["ipv4"] += _subnet_count(properties.get("Subnets"))
            elif kind == "AWS::KMS::Key":
                counts["kms"] += 1
            elif kind == "AWS::WAFv2::WebACL":
                counts["web_acls"] += 1
                counts["waf_rules"] += len(properties.get("Rules", []))
            elif kind == "AWS::SecretsManager::Secret":
                counts["secrets"] += 1
            elif kind == "AWS::CloudWatch::Alarm":
                counts["alarms"] += 1
            elif kind == "AWS::Budgets::BudgetsAction":
                counts["action_budgets"] += 1
            elif kind in ("AWS::Events::Rule", "AWS::Scheduler::Schedule") and isinstance(
                properties.get("ScheduleExpression"), str
            ):
                counts["runs"] += round(_monthly_runs(properties["ScheduleExpression"]))
    paid_budgets = max(0, counts["action_budgets"] - prices["free_action_enabled_budgets"])
    log_gb = counts["runs"] * PRICES["assumptions"]["scheduled_invocation_log_kb"] / 1024**2
    lines = [
        Line("NAT gateways", counts["nat"], "gateway", _hourly(prices["nat_gateway_hour"])),
        Line(
            f"Interface endpoints ({counts['endpoints']}) x AZs",
            counts["endpoint_azs"],
            "endpoint-AZ",
            _hourly(prices["interface_endpoint_az_hour"]),
        ),
        Line(
            "Public IPv4 addresses", counts["ipv4"], "address", _hourly(prices["public_ipv4_hour"])
        ),
        Line(
            "Notebook load balancer",
            counts["alb"],
            "load balancer",
            _hourly(prices["application_load_balancer_hour"]),
        ),
        Line("KMS keys", counts["kms"], "key", prices["kms_key_month"]),
        Line("AWS WAF web ACLs", counts["web_acls"], "web ACL", prices["waf_web_acl_month"]),
        Line("AWS WAF rules", counts["waf_rules"], "rule", prices["waf_rule_month"]),
        Line("Secrets Manager secrets", counts["secrets"], "secret", prices["secret_month"]),
        Line("CloudWatch alarms", counts["alarms"], "alarm", prices["cloudwatch_alarm_month"]),
        Line(
            "Action-enabled budgets beyond 2 free",
            paid_budgets,
            "budget",
            prices["action_enabled_budget_day"] * PRICES["assumptions"]["days_per_month"],
        ),
        Line("Scheduled function logs (GB)", log_gb, "GB", prices["log_ingestion_gb"]),
    ]
    return [
        Line(line.item, line.quantity, line.unit, line.quantity * line.monthly)
        for line in lines
        if line.quantity
    ]


def accounts_of(directory: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Stack templates of a synthesized stage by account: "stage" and "spoke <account>"."""
    manifest = json.loads((directory / "manifest.json").read_text())
    accounts: dict[str, dict[str, dict[str, Any]]] = {}
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = json.loads((directory / artifact["properties"]["templateFile"]).read_text())
        account = artifact["environment"].split("/")[2]
        key = f"spoke {account}" if artifact_id.startswith("Spoke") else "stage"
        accounts.setdefault(key, {})[artifact_id] = template
    return accounts


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def minimal_config(source: Path, stage: str, target: Path) -> Path:
    """A copy of ``source`` whose ``stage`` file has the cheapest safe settings (MINIMAL)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.yaml"):
        (target / path.name).write_text(path.read_text())
    document = yaml.safe_load((source / f"{stage}.yaml").read_text())
    document = _merge(document, MINIMAL)
    if isinstance(document["network"], dict):
        document["network"] = {
            key: value
            for key, value in document["network"].items()
            if key in ("mode", "cidr", "max_azs", "nat_gateways", "endpoints")
        }
        document["network"].setdefault("cidr", "10.60.0.0/16")
    for community in document.get("communities", {}).values():
        community.pop("sharing", None)
        # Without image pipelines no image reaches the stage, and the notebook launches only
        # from the catalog's image (config rule catalog_image_products_reach_images).
        if isinstance(community.get("products"), list):
            community["products"] = [p for p in community["products"] if p != "notebook"]
    (target / f"{stage}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return target


def synthesize(stage: str, config_dir: Path, outdir: Path) -> Path:
    """The stage's templates, without cdk-nag (prices need no validation)."""
    sys.path.insert(0, str(ROOT))
    from aws_cdk import App

    from catalog_app import CDK_JSON_CONTEXT
    from config.loader import load_config
    from stacks.stage import build_stage

    app = App(context=CDK_JSON_CONTEXT, outdir=str(outdir))
    build_stage(app, load_config(stage, config_dir))
    return Path(app.synth().directory)


def report(directory: Path, title: str, *, markdown: bool) -> str:
    out = [f"### {title}" if markdown else title]
    for account, templates in sorted(accounts_of(directory).items()):
        lines = price_templates(templates)
        total = sum(line.monthly for line in lines)
        if markdown:
            out += [
                "",
                f"{account} account ({len(templates)} stacks): **${total:,.2f} per month**",
                "",
                "| item | quantity | USD per month |",
                "|---|---:|---:|",
                *(f"| {ln.item} | {ln.quantity:.3g} | {ln.monthly:,.2f} |" for ln in lines),
            ]
        else:
            out.append(f"  {account} account ({len(templates)} stacks): ${total:,.2f} per month")
            out += [f"    {ln.item:40s} {ln.quantity:10.3g}  ${ln.monthly:10,.2f}" for ln in lines]
    return "\n".join(out) + "\n"


def stage_report(stage: str, config_dir: Path, *, minimal: bool, markdown: bool) -> str:
    with tempfile.TemporaryDirectory() as work:
        if minimal:
            config_dir = minimal_config(config_dir, stage, Path(work) / "config")
        directory = synthesize(stage, config_dir, Path(work) / "out")
        title = f"Stage {stage}" + (" with the cheapest safe settings" if minimal else "")
        return report(directory, title, markdown=markdown)


DOC = ROOT / "docs" / "cost.md"


def doc_section(text: str, name: str) -> str:
    """The generated section ``name`` of docs/cost.md (between its markers)."""
    match = re.search(rf"<!-- cost:{name} -->\n(.*?)<!-- /cost:{name} -->", text, re.S)
    if match is None:
        raise ValueError(f"{DOC} has no section <!-- cost:{name} -->: run `make cost-docs`")
    return match[1]


def write_docs(config_dir: Path) -> None:
    """Every stage of ``config_dir`` and the cheapest safe dev: sections that exist are
    replaced, a new stage's is added at the end of the page."""
    from config.loader import available_stages

    text = DOC.read_text()
    sections = [(stage, stage, False) for stage in available_stages(config_dir)]
    for name, stage, minimal in [*sections, ("minimal", "dev", True)]:
        section = stage_report(stage, config_dir, minimal=minimal, markdown=True)
        start_marker, end_marker = f"<!-- cost:{name} -->\n", f"<!-- /cost:{name} -->"
        if start_marker not in text:
            text = text.rstrip("\n") + f"\n\n{start_marker}{end_marker}\n"
        start = text.index(start_marker) + len(start_marker)
        text = text[:start] + section + text[text.index(end_marker) :]
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", action="append", help="stage(s); default dev and prod")
    parser.add_argument("--config-dir", type=Path, default=ROOT / "config")
    parser.add_argument("--minimal", action="store_true", help="also the cheapest safe dev")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--write-docs", action="store_true", help="regenerate docs/cost.md")
    args = parser.parse_args(argv)
    if args.write_docs:
        write_docs(args.config_dir)
        return 0
    print(f"Prices: {PRICES['region']}, {PRICES['date']} (bench/prices.json)\n")
    for stage in args.stage or ["dev", "prod"]:
        print(stage_report(stage, args.config_dir, minimal=False, markdown=args.markdown))
    if args.minimal:
        print(stage_report("dev", args.config_dir, minimal=True, markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
