"""The weekly cost report of each community, published to the community's report topic.

Per community: spending per owner and per product for the last seven days and the month to
date (Cost Explorer, grouped by the ``Owner`` and ``research-catalog:product`` tags the
products apply, credits and refunds excluded like the budgets), and the running instances that
have been up the longest. Figures are those of Cost Explorer, which lags actual usage by up to
a day. Each Cost Explorer request costs USD 0.01: two per community and week.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .cfn import log
from .communities import read_communities

COMMUNITY_TAG = "Community"
OWNER_TAG = "Owner"
PRODUCT_TAG = "research-catalog:product"
UNTAGGED = "(untagged)"
TOP_RUNNING = 10
TOP_ROWS = 25
SUBJECT_MAX = 100


@dataclass(frozen=True)
class CommunityReport:
    name: str
    display_name: str
    topic_arn: str
    budget_usd: float
    period: str


@dataclass(frozen=True)
class Settings:
    communities: tuple[CommunityReport, ...]
    region: str
    tag_keys: tuple[str, ...]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], ssm: Any = None) -> Settings:
        """``COMMUNITIES`` (name -> entry), or the community documents below
        ``COMMUNITIES_PARAMETER_PATH`` (read with ``ssm``)."""
        path = environ.get("COMMUNITIES_PARAMETER_PATH", "").strip()
        if path and ssm is not None:
            raw = {
                name: {**document, "topic_arn": document["report_topic_arn"]}
                for name, document in read_communities(ssm, path).items()
                if document.get("report_topic_arn")
            }
        else:
            raw = json.loads(environ["COMMUNITIES"])
        return cls(
            communities=tuple(
                CommunityReport(
                    name=name,
                    display_name=entry["display_name"],
                    topic_arn=entry["topic_arn"],
                    budget_usd=float(entry["budget_usd"]),
                    period=entry["period"],
                )
                for name, entry in sorted(raw.items())
            ),
            region=environ["REPORT_REGION"],
            tag_keys=tuple(json.loads(environ.get("TAG_KEYS", "[]"))),
        )


@dataclass(frozen=True)
class Spending:
    """USD per (owner, product) over one time period."""

    cells: Mapping[tuple[str, str], Decimal]

    def by(self, index: int) -> list[tuple[str, Decimal]]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for key, amount in self.cells.items():
            totals[key[index]] += amount
        return sorted(totals.items(), key=lambda item: (-item[1], item[0]))

    @property
    def total(self) -> Decimal:
        return sum(self.cells.values(), Decimal(0))


def _tag_value(group_key: str) -> str:
    # Cost Explorer returns tag groups as "<key>$<value>", "<key>$" when untagged.
    value = group_key.split("$", 1)[1] if "$" in group_key else group_key
    return value or UNTAGGED


def cost_filter(community: str, region: str) -> dict[str, Any]:
    return {
        "And": [
            {"Tags": {"Key": COMMUNITY_TAG, "Values": [community], "MatchOptions": ["EQUALS"]}},
            {"Dimensions": {"Key": "REGION", "Values": [region]}},
            {"Not": {"Dimensions": {"Key": "RECORD_TYPE", "Values": ["Credit", "Refund"]}}},
        ]
    }


def spending(ce: Any, community: str, region: str, start: dt.date, end: dt.date) -> Spending:
    """Spending in [start, end) by owner and product; empty when start == end."""
    cells: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    if start >= end:
        return Spending(cells)
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
        "Filter": cost_filter(community, region),
        "GroupBy": [{"Type": "TAG", "Key": OWNER_TAG}, {"Type": "TAG", "Key": PRODUCT_TAG}],
    }
    while True:
        response = ce.get_cost_and_usage(**request)
        for period in response.get("ResultsByTime", []):
            for group in period.get("Groups", []):
                owner, product = (_tag_value(key) for key in group["Keys"])
                cells[(owner, product)] += Decimal(group["Metrics"]["UnblendedCost"]["Amount"])
        token = response.get("NextPageToken")
        if not token:
            return Spending(cells)
        request["NextPageToken"] = token


def running_instances(ec2: Any, community: str) -> list[dict[str, str]]:
    """Running catalog instances of the community, longest running first."""
    found: list[dict[str, Any]] = []
    paginator = ec2.get_paginator("describe_instances")
    for page in paginator.paginate(
        Filters=[
            {"Name": f"tag:{COMMUNITY_TAG}", "Values": [community]},
            {"Name": "tag-key", "Values": [PRODUCT_TAG]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ]
    ):
        for reservation in page.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                tags = {tag["Key"]: tag["Value"] for tag in instance.get("Tags", [])}
                found.append(
                    {
                        "id": instance["InstanceId"],
                        "type": instance.get("InstanceType", "?"),
                        "launched": instance["LaunchTime"],
                        "owner": tags.get(OWNER_TAG, UNTAGGED),
                        "product": tags.get(PRODUCT_TAG, UNTAGGED),
                    }
                )
    found.sort(key=lambda item: (item["launched"], item["id"]))
    return found


def inactive_tags(ce: Any, tag_keys: Iterable[str]) -> list[str]:
    """Tag keys that are not active cost-allocation tags (their spending shows as untagged)."""
    keys = list(tag_keys)
    if not keys:
        return []
    try:
        response = ce.list_cost_allocation_tags(TagKeys=keys, Type="UserDefined")
    except ClientError as error:
        log("cannot read cost-allocation tags", error=str(error))
        return []
    active = {
        t["TagKey"] for t in response.get("CostAllocationTags", []) if t["Status"] == "Active"
    }
    return [key for key in keys if key not in active]


def _usd(amount: Decimal | float) -> str:
    return f"USD {Decimal(amount).quantize(Decimal('0.01')):,}"


def _table(title: str, week: list[tuple[str, Decimal]], month: Spending, index: int) -> list[str]:
    month_by = dict(month.by(index))
    names = [name for name, _ in week] + [n for n, _ in month.by(index) if n not in dict(week)]
    lines = [title, f"  {'':32} {'last 7 days':>16} {'month to date':>16}"]
    for name in names[:TOP_ROWS]:
        week_amount = dict(week).get(name, Decimal(0))
        lines.append(f"  {name[:32]:32} {_usd(week_amount):>16} {_usd(month_by.get(name, 0)):>16}")
    if len(names) > TOP_ROWS:
        lines.append(f"  ... and {len(names) - TOP_ROWS} more")
    if not names:
        lines.append("  no spending recorded")
    return lines


def render(
    community: CommunityReport,
    *,
    today: dt.date,
    week: Spending,
    month: Spending,
    running: list[dict[str, Any]],
    now: dt.datetime,
    inactive: list[str],
) -> tuple[str, str]:
    """(subject, plain-text body) of one community's report."""
    subject = f"Research catalog costs, {community.display_name}: week to {today.isoformat()}"
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 3] + "..."
    first, last = today - dt.timedelta(days=7), today - dt.timedelta(days=1)
    lines = [
        f"Weekly cost report for the {community.display_name} community ({community.name}),",
        f"{first.isoformat()} to {last.isoformat()} "
        f"and month to date ({today.replace(day=1).isoformat()} onwards).",
        "",
        f"Last 7 days:   {_usd(week.total)}",
        f"Month to date: {_usd(month.total)}",
    ]
    if community.period == "MONTHLY":
        used = 100 * month.total / Decimal(str(community.budget_usd))
        lines.append(f"Budget:        {_usd(community.budget_usd)} per month ({used:.0f} % used)")
    else:
        lines.append(
            f"Budget:        {_usd(community.budget_usd)} per {community.period.lower()} period"
        )
    lines += ["", *_table("Per owner", week.by(0), month, 0), ""]
    lines += [*_table("Per product", week.by(1), month, 1), ""]
    lines.append(f"Running instances, longest running first ({len(running)} running)")
    for instance in running[:TOP_RUNNING]:
        hours = (now - instance["launched"]).total_seconds() / 3600
        lines.append(
            f"  {instance['id']}  {instance['type']:12} {instance['owner'][:24]:24} "
            f"{instance['product'][:20]:20} up {hours:,.0f} h"
        )
    if not running:
        lines.append("  none")
    if inactive:
        lines += [
            "",
            "Note: the tags " + ", ".join(inactive) + " are not active cost-allocation tags yet;",
            "spending on them is missing or shown as untagged (see the operator guide).",
        ]
    lines += [
        "",
        "Figures come from AWS Cost Explorer (credits and refunds excluded) and lag usage by up",
        "to a day. Ask the owners of long-running instances to stop what they do not use.",
    ]
    return subject, "\n".join(lines) + "\n"


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    client: Callable[..., Any] = boto3.client,
    environ: Mapping[str, str] = os.environ,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Scheduled weekly: one report per community; one community failing does not stop the rest."""
    settings = Settings.from_environ(
        environ, client("ssm") if environ.get("COMMUNITIES_PARAMETER_PATH") else None
    )
    now = now or dt.datetime.now(dt.UTC)
    today = now.date()
    ce, ec2, sns = client("ce"), client("ec2"), client("sns")
    inactive = inactive_tags(ce, settings.tag_keys)
    sent, failed = [], []
    for community in settings.communities:
        try:
            week = spending(
                ce, community.name, settings.region, today - dt.timedelta(days=7), today
            )
            month = spending(ce, community.name, settings.region, today.replace(day=1), today)
            subject, body = render(
                community,
                today=today,
                week=week,
                month=month,
                running=running_instances(ec2, community.name),
                now=now,
                inactive=inactive,
            )
            sns.publish(TopicArn=community.topic_arn, Subject=subject, Message=body)
            sent.append(community.name)
        except Exception as error:  # one community must not stop the others' reports
            log("report failed", community=community.name, error=repr(error))
            failed.append(community.name)
    log("reports sent", sent=sent, failed=failed)
    if failed:
        # A failed invocation shows in the function's error metric and is retried by Lambda.
        raise RuntimeError(f"cost report failed for: {', '.join(failed)}")
    return {"sent": sent}
