"""The weekly cost report: Cost Explorer through botocore's Stubber (moto lacks it), EC2 through
moto."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from catalog_constructs.cost.handler.cost_handlers import report

REGION = "us-east-1"
ACCOUNT = "123456789012"
Stubbed = Callable[[str], tuple[Any, Stubber]]


TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:report-genomics"
NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # a Monday


def ce_response(groups: list[tuple[str, str, str]], token: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-11-16", "End": "2026-11-23"},
                "Total": {},
                "Groups": [
                    {
                        "Keys": [f"Owner${owner}", f"research-catalog:product${product}"],
                        "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}},
                    }
                    for owner, product, amount in groups
                ],
                "Estimated": True,
            }
        ],
        "DimensionValueAttributes": [],
    }
    if token:
        response["NextPageToken"] = token
    return response


def expected_request(start: str, end: str, token: str | None = None) -> dict[str, Any]:
    request = {
        "TimePeriod": {"Start": start, "End": end},
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
        "Filter": report.cost_filter("genomics", REGION),
        "GroupBy": [
            {"Type": "TAG", "Key": "Owner"},
            {"Type": "TAG", "Key": "research-catalog:product"},
        ],
    }
    if token:
        request["NextPageToken"] = token
    return request


def test_cost_filter_scopes_to_the_community_region_and_excludes_credits() -> None:
    assert report.cost_filter("genomics", REGION) == {
        "And": [
            {"Tags": {"Key": "Community", "Values": ["genomics"], "MatchOptions": ["EQUALS"]}},
            {"Dimensions": {"Key": "REGION", "Values": [REGION]}},
            {"Not": {"Dimensions": {"Key": "RECORD_TYPE", "Values": ["Credit", "Refund"]}}},
        ]
    }


def test_spending_follows_pages_and_sums_by_owner_and_product(stubbed: Stubbed) -> None:
    ce, stub = stubbed("ce")
    start, end = dt.date(2026, 11, 16), dt.date(2026, 11, 23)
    stub.add_response(
        "get_cost_and_usage",
        ce_response([("jdoe", "linux-docker", "10.50"), ("asmith", "linux-docker", "3.25")], "p2"),
        expected_request("2026-11-16", "2026-11-23"),
    )
    stub.add_response(
        "get_cost_and_usage",
        ce_response([("jdoe", "notebook", "1.25"), ("", "", "0.40")]),
        expected_request("2026-11-16", "2026-11-23", "p2"),
    )
    with stub:
        spent = report.spending(ce, "genomics", REGION, start, end)
    stub.assert_no_pending_responses()

    assert spent.total == Decimal("15.40")
    assert spent.by(0) == [
        ("jdoe", Decimal("11.75")),
        ("asmith", Decimal("3.25")),
        ("(untagged)", Decimal("0.40")),
    ]
    assert spent.by(1) == [
        ("linux-docker", Decimal("13.75")),
        ("notebook", Decimal("1.25")),
        ("(untagged)", Decimal("0.40")),
    ]


def test_month_to_date_on_the_first_of_the_month_asks_nothing(stubbed: Stubbed) -> None:
    ce, stub = stubbed("ce")
    with stub:  # no response queued: any call fails
        spent = report.spending(ce, "genomics", REGION, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert spent.total == 0


def test_inactive_tags_are_listed_and_errors_do_not_stop_the_report(stubbed: Stubbed) -> None:
    ce, stub = stubbed("ce")
    stub.add_response(
        "list_cost_allocation_tags",
        {
            "CostAllocationTags": [
                {"TagKey": "Community", "Type": "UserDefined", "Status": "Active"},
                {"TagKey": "Owner", "Type": "UserDefined", "Status": "Inactive"},
            ]
        },
        {"TagKeys": ["Community", "Owner", "CostCenter"], "Type": "UserDefined"},
    )
    stub.add_client_error("list_cost_allocation_tags", "AccessDeniedException", "member account")
    with stub:
        assert report.inactive_tags(ce, ["Community", "Owner", "CostCenter"]) == [
            "Owner",
            "CostCenter",
        ]
        assert report.inactive_tags(ce, ["Community"]) == []


def test_running_instances_of_the_community_only(aws: None, launch: Callable[..., str]) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    first = launch(ec2, community="genomics", owner="jdoe")
    second = launch(ec2, community="genomics", owner="asmith")
    launch(ec2, community="other", owner="x")
    launch(ec2, community="genomics", owner="manual", product=False)  # not from the catalog
    stopped = launch(ec2, community="genomics", owner="idle")
    ec2.stop_instances(InstanceIds=[stopped])

    running = report.running_instances(ec2, "genomics")

    assert {item["id"] for item in running} == {first, second}
    assert {item["owner"] for item in running} == {"jdoe", "asmith"}
    assert all(item["product"] == "linux-docker" for item in running)


COMMUNITY = report.CommunityReport(
    name="genomics",
    display_name="Genomics Core",
    topic_arn=TOPIC,
    budget_usd=200.0,
    period="MONTHLY",
)


def test_render_lists_owners_products_running_instances_and_budget_use() -> None:
    week = report.Spending({("jdoe", "linux-docker"): Decimal("12.5")})
    month = report.Spending(
        {("jdoe", "linux-docker"): Decimal("40"), ("asmith", "notebook"): Decimal("10")}
    )
    running = [
        {
            "id": "i-0123456789abcdef0",
            "type": "m7i.4xlarge",
            "launched": NOW - dt.timedelta(hours=50),
            "owner": "jdoe",
            "product": "linux-docker",
        }
    ]

    subject, body = report.render(
        COMMUNITY,
        today=NOW.date(),
        week=week,
        month=month,
        running=running,
        now=NOW,
        inactive=["Owner"],
    )

    assert subject == "Research catalog costs, Genomics Core: week to 2026-11-23"
    assert "2026-11-16 to 2026-11-22 and month to date (2026-11-01 onwards)" in body
    assert "Last 7 days:   USD 12.50" in body
    assert "Month to date: USD 50.00" in body
    assert "Budget:        USD 200.00 per month (25 % used)" in body
    owner_rows = body.split("Per owner")[1].split("Per product")[0]
    assert "jdoe" in owner_rows and "USD 40.00" in owner_rows
    assert "asmith" in owner_rows  # spent this month, not this week
    assert "i-0123456789abcdef0  m7i.4xlarge" in body and "up 50 h" in body
    assert "the tags Owner are not active cost-allocation tags" in body


def test_handler_publishes_one_report_per_community(
    monkeypatch: pytest.MonkeyPatch, stubbed: Stubbed, captured: Any
) -> None:
    ce, ce_stub = stubbed("ce")
    sns, sns_stub = stubbed("sns")
    ec2, ec2_stub = stubbed("ec2")
    ce_stub.add_response(
        "list_cost_allocation_tags",
        {"CostAllocationTags": [{"TagKey": "Owner", "Type": "UserDefined", "Status": "Active"}]},
    )
    ce_stub.add_response(
        "get_cost_and_usage",
        ce_response([("jdoe", "linux-docker", "7")]),
        expected_request("2026-11-16", "2026-11-23"),
    )
    ce_stub.add_response(
        "get_cost_and_usage",
        ce_response([("jdoe", "linux-docker", "30")]),
        expected_request("2026-11-01", "2026-11-23"),
    )
    ec2_stub.add_response("describe_instances", {"Reservations": []})
    sns_stub.add_response(
        "publish",
        {"MessageId": "m-1"},
        {
            "TopicArn": TOPIC,
            "Subject": "Research catalog costs, Genomics Core: week to 2026-11-23",
            "Message": ANY,
        },
    )
    environ = {
        "REPORT_REGION": REGION,
        "TAG_KEYS": json.dumps(["Owner"]),
        "COMMUNITIES": json.dumps(
            {
                "genomics": {
                    "display_name": "Genomics Core",
                    "topic_arn": TOPIC,
                    "budget_usd": 200,
                    "period": "MONTHLY",
                }
            }
        ),
    }
    clients = {"ce": ce, "sns": sns, "ec2": ec2}
    with ce_stub, sns_stub, ec2_stub:
        result = report.handler({}, None, client=clients.__getitem__, environ=environ, now=NOW)
    for stub in (ce_stub, sns_stub, ec2_stub):
        stub.assert_no_pending_responses()
    assert result == {"sent": ["genomics"]}


def test_handler_fails_visibly_when_a_community_report_fails(stubbed: Stubbed) -> None:
    ce, ce_stub = stubbed("ce")
    ce_stub.add_response("list_cost_allocation_tags", {"CostAllocationTags": []})
    ce_stub.add_client_error("get_cost_and_usage", "LimitExceededException", "slow down")
    environ = {
        "REPORT_REGION": REGION,
        "COMMUNITIES": json.dumps(
            {
                "genomics": {
                    "display_name": "G",
                    "topic_arn": TOPIC,
                    "budget_usd": 1,
                    "period": "MONTHLY",
                }
            }
        ),
        "TAG_KEYS": json.dumps(["Owner"]),
    }
    clients = {"ce": ce, "sns": object(), "ec2": object()}
    with ce_stub, pytest.raises(RuntimeError, match="cost report failed for: genomics"):
        report.handler({}, None, client=clients.__getitem__, environ=environ, now=NOW)


def test_reports_go_to_the_communities_of_the_documents_their_stacks_publish(aws: None) -> None:
    """What the deployed function reads: each community stack's document (SSM), with its
    report topic and budget; a document without a report topic (a spoke's) is not reported."""
    ssm = boto3.client("ssm", region_name=REGION)
    path = "/research-catalog/communities"
    documents = {
        "genomics": {
            "roles": ["GenomicsUsers"],
            "display_name": "Genomics Core",
            "budget_usd": 200,
            "period": "MONTHLY",
            "report_topic_arn": TOPIC,
        },
        "spoke-only": {"roles": ["Visitors"], "display_name": "V", "report_topic_arn": ""},
    }
    for name, document in documents.items():
        ssm.put_parameter(Name=f"{path}/{name}", Value=json.dumps(document), Type="String")
    settings = report.Settings.from_environ(
        {"REPORT_REGION": REGION, "COMMUNITIES_PARAMETER_PATH": path}, ssm
    )
    (community,) = settings.communities
    assert (community.name, community.display_name, community.topic_arn) == (
        "genomics",
        "Genomics Core",
        TOPIC,
    )
    assert community.budget_usd == 200 and community.period == "MONTHLY"
