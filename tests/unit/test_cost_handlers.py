"""The cost-governance handlers: Cost Explorer and Budgets through botocore's Stubber (moto
lacks these APIs), EC2 through moto."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from catalog_constructs.cost.handler.cost_handlers import enforcement, report, tags

REGION = "us-east-1"
ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:report-genomics"
NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # a Monday
EVENT = {
    "RequestType": "Create",
    "ResponseURL": "https://cloudformation-custom-resource-response.s3.amazonaws.com/signed",
    "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/research-catalog-dev-cost/x",
    "RequestId": "request-1",
    "LogicalResourceId": "Resource",
    "ResourceProperties": {"TagKeys": ["Community", "Owner"]},
}


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)


class Captured:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes) -> None:
        self.bodies.append(json.loads(body))

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.bodies) == 1
        return self.bodies[0]


def stubbed(service: str) -> tuple[Any, Stubber]:
    client = boto3.client(service, region_name=REGION)
    return client, Stubber(client)


# --------------------------------------------------------------------------------------------
# the weekly report


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


def test_spending_follows_pages_and_sums_by_owner_and_product() -> None:
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


def test_month_to_date_on_the_first_of_the_month_asks_nothing() -> None:
    ce, stub = stubbed("ce")
    with stub:  # no response queued: any call fails
        spent = report.spending(ce, "genomics", REGION, dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert spent.total == 0


def test_inactive_tags_are_listed_and_errors_do_not_stop_the_report() -> None:
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


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def launch(ec2: Any, *, community: str, owner: str, product: bool = True) -> str:
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    tags = [{"Key": "Community", "Value": community}, {"Key": "Owner", "Value": owner}]
    if product:
        tags.append({"Key": "research-catalog:product", "Value": "linux-docker"})
    instance = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.large",
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"][0]
    return str(instance["InstanceId"])


def test_running_instances_of_the_community_only(aws: None) -> None:
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


def test_handler_publishes_one_report_per_community(monkeypatch: pytest.MonkeyPatch) -> None:
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


def test_handler_fails_visibly_when_a_community_report_fails() -> None:
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


# --------------------------------------------------------------------------------------------
# cost-allocation tag activation


def test_tags_activated_and_not_yet_seen_ones_recorded_without_failing() -> None:
    ce, stub = stubbed("ce")
    stub.add_response(
        "update_cost_allocation_tags_status",
        {"Errors": [{"TagKey": "Owner", "Code": "TagKeysNotFound", "Message": "not found"}]},
        {
            "CostAllocationTagsStatus": [
                {"TagKey": "Community", "Status": "Active"},
                {"TagKey": "Owner", "Status": "Active"},
            ]
        },
    )
    sent = Captured()
    with stub:
        result = tags.handler(EVENT, None, send=sent, client=lambda _: ce, environ={})

    assert result["active"] == ["Community"]
    assert set(result["pending"]) == {"Owner"}
    body = sent.only
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "cost-allocation-tags"
    assert body["Data"] == {"Active": "Community", "Pending": "Owner"}
    assert "Owner: TagKeysNotFound" in body["Reason"] and "retried daily" in body["Reason"]


def test_member_account_refusal_is_recorded_not_fatal() -> None:
    ce, stub = stubbed("ce")
    stub.add_client_error(
        "update_cost_allocation_tags_status", "AccessDeniedException", "Linked account"
    )
    sent = Captured()
    with stub:
        tags.handler(EVENT, None, send=sent, client=lambda _: ce, environ={})
    assert sent.only["Status"] == "SUCCESS"
    assert sent.only["Data"]["Pending"] == "Community,Owner"


def test_unexpected_errors_fail_the_custom_resource() -> None:
    ce, stub = stubbed("ce")
    stub.add_client_error("update_cost_allocation_tags_status", "InternalServerError", "boom")
    sent = Captured()
    with stub:
        tags.handler(EVENT, None, send=sent, client=lambda _: ce, environ={})
    assert sent.only["Status"] == "FAILED"
    assert "boom" in sent.only["Reason"]


def test_tags_are_activated_in_batches_of_20_on_schedule() -> None:
    keys = [f"Key{i}" for i in range(25)]
    ce, stub = stubbed("ce")
    for batch in (keys[:20], keys[20:]):
        stub.add_response(
            "update_cost_allocation_tags_status",
            {"Errors": []},
            {"CostAllocationTagsStatus": [{"TagKey": k, "Status": "Active"} for k in batch]},
        )
    with stub:
        result = tags.handler(
            {"source": "aws.events"},
            None,
            client=lambda _: ce,
            environ={"TAG_KEYS": json.dumps(keys)},
        )
    assert result == {"active": keys, "pending": {}}


def test_delete_leaves_tags_active() -> None:
    sent = Captured()
    tags.handler(
        {**EVENT, "RequestType": "Delete", "PhysicalResourceId": "cost-allocation-tags"},
        None,
        send=sent,
        client=lambda _: pytest.fail("no AWS call on delete"),
        environ={},
    )
    assert sent.only["Status"] == "SUCCESS"


# --------------------------------------------------------------------------------------------
# launch blocks and instance stops

BUDGET = "research-catalog-dev-genomics"
SETTINGS_ENV = {
    "ACCOUNT_ID": ACCOUNT,
    "BLOCK_BUDGETS": json.dumps([BUDGET]),
    "STOP_TOPICS": json.dumps({f"arn:aws:sns:{REGION}:{ACCOUNT}:stop-genomics": "genomics"}),
}


def budget_response(limit: str, spent: str) -> dict[str, Any]:
    return {
        "Budget": {
            "BudgetName": BUDGET,
            "BudgetLimit": {"Amount": limit, "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            "CalculatedSpend": {"ActualSpend": {"Amount": spent, "Unit": "USD"}},
        }
    }


def actions_response(status: str, threshold: float = 90.0) -> dict[str, Any]:
    return {
        "Actions": [
            {
                "ActionId": "11111111-2222-3333-4444-555555555555",
                "BudgetName": BUDGET,
                "NotificationType": "ACTUAL",
                "ActionType": "APPLY_IAM_POLICY",
                "ActionThreshold": {
                    "ActionThresholdValue": threshold,
                    "ActionThresholdType": "PERCENTAGE",
                },
                "Definition": {
                    "IamActionDefinition": {
                        "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/block",
                        "Roles": ["GenomicsUsers"],
                    }
                },
                "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/exec",
                "ApprovalModel": "AUTOMATIC",
                "Status": status,
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "m@example.org"}],
            }
        ]
    }


def queue_budget(stub: Stubber, limit: str, spent: str, status: str) -> None:
    names = {"AccountId": ACCOUNT, "BudgetName": BUDGET}
    stub.add_response("describe_budget", budget_response(limit, spent), names)
    stub.add_response("describe_budget_actions_for_budget", actions_response(status), names)


@pytest.mark.parametrize(
    ("limit", "spent", "status", "released"),
    [
        ("200", "30", "EXECUTION_SUCCESS", True),  # a new period started
        ("400", "190", "EXECUTION_SUCCESS", True),  # the operator raised the budget
        ("200", "190", "EXECUTION_SUCCESS", False),  # still spent (90 % of 200 = 180)
        ("200", "10", "STANDBY", False),  # nothing applied
        ("200", "10", "REVERSE_SUCCESS", False),  # already lifted
    ],
)
def test_blocks_are_lifted_only_when_spending_is_below_the_threshold(
    limit: str, spent: str, status: str, released: bool
) -> None:
    budgets, stub = stubbed("budgets")
    queue_budget(stub, limit, spent, status)
    if released:
        stub.add_response(
            "execute_budget_action",
            {
                "AccountId": ACCOUNT,
                "BudgetName": BUDGET,
                "ActionId": "11111111-2222-3333-4444-555555555555",
                "ExecutionType": "REVERSE_BUDGET_ACTION",
            },
            {
                "AccountId": ACCOUNT,
                "BudgetName": BUDGET,
                "ActionId": "11111111-2222-3333-4444-555555555555",
                "ExecutionType": "REVERSE_BUDGET_ACTION",
            },
        )
    with stub:
        result = enforcement.handler(
            {"source": "aws.events"}, None, client=lambda _: budgets, environ=SETTINGS_ENV
        )
    stub.assert_no_pending_responses()
    assert bool(result["released"]) is released


def test_release_on_deploy_never_fails_the_deploy() -> None:
    budgets, stub = stubbed("budgets")
    stub.add_client_error("describe_budget", "AccessDeniedException", "no")
    sent = Captured()
    with stub:
        enforcement.handler(
            {**EVENT, "ResourceProperties": {}},
            None,
            send=sent,
            client=lambda _: budgets,
            environ=SETTINGS_ENV,
        )
    assert sent.only["Status"] == "SUCCESS"
    assert "retried on schedule" in sent.only["Reason"]


def test_budget_message_on_the_stop_topic_stops_the_communitys_instances(aws: None) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    mine = [launch(ec2, community="genomics", owner=o) for o in ("jdoe", "asmith")]
    other = launch(ec2, community="other", owner="x")
    manual = launch(ec2, community="genomics", owner="y", product=False)
    event = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:stop-genomics",
                    "Message": "AWS Budget Notification ...",
                },
            },
            {"Sns": {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:unknown", "Message": "x"}},
        ]
    }

    result = enforcement.handler(event, None, client=lambda _: ec2, environ=SETTINGS_ENV)

    assert sorted(result["stopped"]["genomics"]) == sorted(mine)
    states = {
        i["InstanceId"]: i["State"]["Name"]
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
    }
    assert {states[i] for i in mine} <= {"stopping", "stopped"}
    assert states[other] == "running" and states[manual] == "running"


def test_block_actions_are_read_across_pages() -> None:
    budgets, stub = stubbed("budgets")
    names = {"AccountId": ACCOUNT, "BudgetName": BUDGET}
    stub.add_response("describe_budget", budget_response("200", "5"), names)
    stub.add_response(
        "describe_budget_actions_for_budget",
        {**actions_response("STANDBY"), "NextToken": "page-2"},
        names,
    )
    stub.add_response(
        "describe_budget_actions_for_budget",
        actions_response("EXECUTION_SUCCESS"),
        {**names, "NextToken": "page-2"},
    )
    stub.add_response(
        "execute_budget_action",
        {
            "AccountId": ACCOUNT,
            "BudgetName": BUDGET,
            "ActionId": "11111111-2222-3333-4444-555555555555",
            "ExecutionType": "REVERSE_BUDGET_ACTION",
        },
    )
    with stub:
        released = enforcement.release_blocks(
            enforcement.Settings.from_environ(SETTINGS_ENV), budgets
        )
    stub.assert_no_pending_responses()
    assert released == [f"{BUDGET}/11111111-2222-3333-4444-555555555555"]
