"""The cost functions under faults (issue 17): a bad setting, instances AWS will not stop, a
community whose report breaks. Each test names the issue's item it reproduces."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from catalog_constructs.cost.handler.cost_handlers import enforcement, report

REGION = "us-east-1"
ACCOUNT = "123456789012"
NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_a_bad_setting_is_answered(
    request_type: str, event: dict[str, Any], captured: Any, no_aws: Callable[[str], Any]
) -> None:
    """Item 10: the settings were read before the try, so a bad one (here BLOCK_BUDGETS that
    is not JSON) raised out of the handler and CloudFormation never got an answer. A deploy
    does not fail on the launch block (the schedule retries, and fails visibly there)."""
    environ = {"ACCOUNT_ID": ACCOUNT, "BLOCK_BUDGETS": "research-catalog-dev-genomics"}

    enforcement.handler(
        {**event, "RequestType": request_type, "ResourceProperties": {}},
        None,
        send=captured,
        client=no_aws,
        environ=environ,
    )

    assert captured.only["Status"] == "SUCCESS"
    if request_type != "Delete":
        assert "could not check the launch blocks" in captured.only["Reason"]
        assert "JSONDecodeError" in captured.only["Reason"]


def test_a_bad_setting_fails_the_scheduled_run(no_aws: Callable[[str], Any]) -> None:
    """Item 10, the other path: without a CloudFormation request, the error is raised (the
    function's Errors metric shows it)."""
    with pytest.raises(json.JSONDecodeError):
        enforcement.handler(
            {"source": "aws.events"},
            None,
            client=no_aws,
            environ={"ACCOUNT_ID": ACCOUNT, "BLOCK_BUDGETS": "not json"},
        )


class FakeEC2:
    """EC2 as the budget stop sees it: instances of one community in given states, and AWS's
    rule that StopInstances fails as a whole when it cannot stop one of the instances named
    (IncorrectInstanceState for a pending one, or another error for one that cannot be
    stopped at all). moto stops whatever it is given, so the rule lives here; that AWS
    refuses the whole call is its documented behaviour, which nothing offline can run."""

    def __init__(self, states: dict[str, str], unstoppable: dict[str, str] | None = None):
        self.states = dict(states)
        self.unstoppable = {
            **{i: "IncorrectInstanceState" for i, s in states.items() if s == "pending"},
            **(unstoppable or {}),
        }
        self.calls: list[list[str]] = []

    def get_paginator(self, name: str) -> Any:
        assert name == "describe_instances"
        ec2 = self

        class Paginator:
            def paginate(self, Filters: list[dict[str, Any]]) -> Any:
                (wanted,) = [f["Values"] for f in Filters if f["Name"] == "instance-state-name"]
                instances = [
                    {"InstanceId": i, "State": {"Name": s}}
                    for i, s in ec2.states.items()
                    if s in wanted
                ]
                return [{"Reservations": [{"Instances": instances}]}]

        return Paginator()

    def stop_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
        self.calls.append(list(InstanceIds))
        refused = [i for i in InstanceIds if i in self.unstoppable]
        if refused:
            raise ClientError(
                {"Error": {"Code": self.unstoppable[refused[0]], "Message": refused[0]}},
                "StopInstances",
            )
        for instance in InstanceIds:
            self.states[instance] = "stopping"
        return {"StoppingInstances": [{"InstanceId": i} for i in InstanceIds]}


STOP_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:stop-genomics"
STOP_ENVIRON = {"ACCOUNT_ID": ACCOUNT, "STOP_TOPICS": json.dumps({STOP_TOPIC: "genomics"})}
BUDGET_MESSAGE = {"Records": [{"Sns": {"TopicArn": STOP_TOPIC, "Message": "AWS Budgets"}}]}


def test_a_pending_instance_does_not_keep_the_others_running() -> None:
    """Item 6: the stop named pending and running instances in batches of 50; AWS refuses a
    batch with a pending instance in it, so that batch and every later one stayed running.
    Running instances are stopped; a pending one is reported, and the run fails so that
    Lambda invokes it again (a minute later the instance is running and is stopped)."""
    states = {f"i-{n:017x}": "running" for n in range(3)} | {"i-0000000000000000f": "pending"}
    ec2 = FakeEC2(states)

    with pytest.raises(RuntimeError, match=r"i-0000000000000000f \(pending"):
        enforcement.handler(BUDGET_MESSAGE, None, client=lambda _: ec2, environ=STOP_ENVIRON)

    assert [ec2.states[f"i-{n:017x}"] for n in range(3)] == ["stopping"] * 3
    assert ec2.states["i-0000000000000000f"] == "pending"


def test_a_batch_that_fails_is_stopped_one_by_one() -> None:
    """Item 6: an instance that cannot be stopped at all (here UnsupportedOperation) failed its
    batch and ended the stop; every later batch stayed running."""
    states = {f"i-{n:017x}": "running" for n in range(60)}
    ec2 = FakeEC2(states, unstoppable={"i-00000000000000007": "UnsupportedOperation"})

    with pytest.raises(RuntimeError, match=r"i-00000000000000007 \(UnsupportedOperation"):
        enforcement.handler(BUDGET_MESSAGE, None, client=lambda _: ec2, environ=STOP_ENVIRON)

    assert sorted(i for i, s in ec2.states.items() if s == "running") == ["i-00000000000000007"]
    assert max(len(call) for call in ec2.calls) <= 50


class FakeCostExplorer:
    """Cost Explorer with no spending, except that one community's query breaks with an error
    that is not a ClientError (the network, after botocore's retries)."""

    def __init__(self, broken: str) -> None:
        self.broken = broken

    def list_cost_allocation_tags(self, **kwargs: Any) -> dict[str, Any]:
        return {"CostAllocationTags": []}

    def get_cost_and_usage(self, **request: Any) -> dict[str, Any]:
        community = request["Filter"]["And"][0]["Tags"]["Values"][0]
        if community == self.broken:
            raise EndpointConnectionError(endpoint_url="https://ce.us-east-1.amazonaws.com")
        return {"ResultsByTime": []}


class Topics:
    def __init__(self) -> None:
        self.published: list[str] = []

    def publish(self, TopicArn: str, **kwargs: Any) -> dict[str, str]:
        self.published.append(TopicArn)
        return {"MessageId": str(len(self.published))}


def test_one_communitys_error_does_not_stop_the_other_reports() -> None:
    """Item 7: only ClientError was caught per community, so any other error in one
    community's report stopped the weekly report of every community after it."""
    topics = Topics()
    communities = {
        name: {
            "display_name": name.title(),
            "topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:report-{name}",
            "budget_usd": 100,
            "period": "MONTHLY",
        }
        for name in ("alpha", "beta")
    }
    clients = {
        "ce": FakeCostExplorer(broken="alpha"),
        "sns": topics,
        "ec2": FakeEC2({}),
    }
    environ = {"REPORT_REGION": REGION, "COMMUNITIES": json.dumps(communities)}

    with pytest.raises(RuntimeError, match="cost report failed for: alpha"):
        report.handler({}, None, client=clients.__getitem__, environ=environ, now=NOW)

    assert topics.published == [f"arn:aws:sns:{REGION}:{ACCOUNT}:report-beta"]
