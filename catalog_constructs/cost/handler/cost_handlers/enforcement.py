"""What happens around a community's launch block.

``Custom::BudgetBlockRelease`` (on every deploy) and a schedule: AWS Budgets applies the deny
policy when actual spending crosses the block threshold. This function lifts a block whose
reason is gone, because the period started over or an operator raised the budget: for every
executed block action of the stage whose budget's actual spending is now below the action's
threshold, it asks Budgets to reverse the action (Budgets detaches the policy itself, with its
execution role). A block whose spending is still above the threshold stays.

SNS (the topic of a blocking community): when the budget notification at the block threshold
arrives, stops the community's running catalog instances (``stop_instances``) and extends the
block beyond what Budgets attaches (:mod:`.block_reach`), which the deploy and the schedule
also keep in step after the release check. Instances it could not stop (pending, or refused)
fail the invocation, which Lambda then retries.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

from . import block_reach
from .cfn import Sender, is_custom_resource_request, log, respond, send_response
from .communities import read_communities

COMMUNITY_TAG = "Community"
PRODUCT_TAG = "research-catalog:product"
PHYSICAL_ID = "budget-block-release"
# Statuses in which the deny policy is (being) attached.
APPLIED = {"EXECUTION_SUCCESS", "EXECUTION_IN_PROGRESS"}
_STOP_BATCH = 50


@dataclass(frozen=True)
class Settings:
    account: str
    budgets: tuple[str, ...]  # budgets with a block action
    stop_topics: Mapping[str, str]  # topic ARN -> community

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], ssm: Any = None) -> Settings:
        """``BLOCK_BUDGETS`` and ``STOP_TOPICS``, or the community documents below
        ``COMMUNITIES_PARAMETER_PATH`` (read with ``ssm``)."""
        path = environ.get("COMMUNITIES_PARAMETER_PATH", "").strip()
        if path and ssm is not None:
            return cls.from_documents(environ, read_communities(ssm, path))
        return cls(
            account=environ["ACCOUNT_ID"],
            budgets=tuple(json.loads(environ.get("BLOCK_BUDGETS", "[]"))),
            stop_topics=json.loads(environ.get("STOP_TOPICS", "{}")),
        )

    @classmethod
    def from_documents(
        cls, environ: Mapping[str, str], documents: Mapping[str, Mapping[str, Any]]
    ) -> Settings:
        return cls(
            account=environ["ACCOUNT_ID"],
            budgets=tuple(sorted(d["budget_name"] for d in documents.values() if d.get("block"))),
            stop_topics={
                d["stop_topic_arn"]: name
                for name, d in documents.items()
                if d.get("stop_topic_arn")
            },
        )


def _below_threshold(budget: Mapping[str, Any], threshold: Mapping[str, Any]) -> bool:
    limit = Decimal(budget["BudgetLimit"]["Amount"])
    spend = Decimal(budget.get("CalculatedSpend", {}).get("ActualSpend", {}).get("Amount", "0"))
    value = Decimal(str(threshold["ActionThresholdValue"]))
    if threshold["ActionThresholdType"] == "PERCENTAGE":
        return spend < limit * value / 100
    return spend < value


def _actions(budgets: Any, account: str, name: str) -> list[dict[str, Any]]:
    request = {"AccountId": account, "BudgetName": name}
    found: list[dict[str, Any]] = []
    while True:
        response = budgets.describe_budget_actions_for_budget(**request)
        found += response.get("Actions", [])
        if not response.get("NextToken"):
            return found
        request["NextToken"] = response["NextToken"]


def release_blocks(settings: Settings, budgets: Any) -> list[str]:
    """Reverse every applied block action whose budget is back below its threshold."""
    released = []
    for name in settings.budgets:
        budget = budgets.describe_budget(AccountId=settings.account, BudgetName=name)["Budget"]
        for action in _actions(budgets, settings.account, name):
            if action["Status"] not in APPLIED:
                continue
            if not _below_threshold(budget, action["ActionThreshold"]):
                log("block stays", budget=name, action=action["ActionId"])
                continue
            budgets.execute_budget_action(
                AccountId=settings.account,
                BudgetName=name,
                ActionId=action["ActionId"],
                ExecutionType="REVERSE_BUDGET_ACTION",
            )
            log("block released", budget=name, action=action["ActionId"])
            released.append(f"{name}/{action['ActionId']}")
    return released


@dataclass
class Stop:
    """What the stop of one community's instances did."""

    stopped: list[str] = field(default_factory=list)
    # Instance ID -> why it is not stopped (pending, or the error EC2 gave).
    not_stopped: dict[str, str] = field(default_factory=dict)


def stop_instances(community: str, ec2: Any) -> Stop:
    """Stop the community's running catalog instances. EC2 refuses a whole StopInstances call
    when one instance in it cannot be stopped, so a refused batch is stopped one by one; a
    pending instance cannot be stopped yet and is reported with the rest."""
    result = Stop()
    running: list[str] = []
    for page in ec2.get_paginator("describe_instances").paginate(
        Filters=[
            {"Name": f"tag:{COMMUNITY_TAG}", "Values": [community]},
            {"Name": "tag-key", "Values": [PRODUCT_TAG]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]},
        ]
    ):
        for reservation in page.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                if instance["State"]["Name"] == "running":
                    running.append(instance["InstanceId"])
                else:
                    result.not_stopped[instance["InstanceId"]] = "pending: not stoppable yet"
    for start in range(0, len(running), _STOP_BATCH):
        batch = running[start : start + _STOP_BATCH]
        try:
            ec2.stop_instances(InstanceIds=batch)
            result.stopped += batch
        except ClientError:
            for instance_id in batch:
                try:
                    ec2.stop_instances(InstanceIds=[instance_id])
                    result.stopped.append(instance_id)
                except ClientError as error:
                    result.not_stopped[instance_id] = error.response["Error"].get("Code", "")
    log("instances stopped", community=community, **result.__dict__)
    return result


def _on_budget_notices(
    records: list[Mapping[str, Any]],
    settings: Settings,
    reach: block_reach.Settings,
    client: Callable[[str], Any],
) -> dict[str, Any]:
    """The budget notifications at a block threshold: stop the community's instances (stop
    topics) and extend the block at once (every blocking community's topic). Instances left
    running fail the invocation: Lambda invokes it again (SNS deliveries are asynchronous:
    twice more, a minute or two apart), and by then pending instances are running and are
    stopped."""
    stopped: dict[str, list[str]] = {}
    left: dict[str, str] = {}
    reached: list[str] = []
    for record in records:
        topic = record.get("Sns", {}).get("TopicArn", "")
        community = settings.stop_topics.get(topic)
        if community is not None:
            result = stop_instances(community, client("ec2"))
            stopped[community] = result.stopped
            left.update(result.not_stopped)
        community = community or reach.topics.get(topic)
        if community is None:
            log("message from an unknown topic ignored", topic=topic)
            continue
        reached.append(community)
    outcome: dict[str, Any] = {"stopped": stopped}
    if reach.communities and reached:
        outcome["blocked"] = block_reach.sync(reach, client, only=reached)
    if left:
        listed = ", ".join(f"{instance} ({why})" for instance, why in sorted(left.items()))
        raise RuntimeError(f"instances not stopped: {listed}")
    return outcome


def _settings(
    environ: Mapping[str, str], client: Callable[[str], Any]
) -> tuple[Settings, block_reach.Settings]:
    """The stage's block budgets, stop topics and block reach: from the community documents
    each community stack publishes where the function has their path, else its environment."""
    path = environ.get("COMMUNITIES_PARAMETER_PATH", "").strip()
    if path:
        documents = read_communities(client("ssm"), path)
        return (
            Settings.from_documents(environ, documents),
            block_reach.Settings.from_environ(environ, documents),
        )
    return Settings.from_environ(environ), block_reach.Settings.from_environ(environ)


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Any] = boto3.client,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, Any]:
    if is_custom_resource_request(event):
        return _on_deploy(event, context, send=send, client=client, environ=environ)
    records = event.get("Records") or []
    if records:
        return _on_budget_notices(records, *_settings(environ, client), client)
    # The schedule: every block budget of the stage.
    settings, reach = _settings(environ, client)
    released = release_blocks(settings, client("budgets"))
    if reach.communities:
        block_reach.sync(reach, client)
    return {"released": released}


def _on_deploy(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender,
    client: Callable[[str], Any],
    environ: Mapping[str, str],
) -> dict[str, Any]:
    """``Custom::BudgetBlockRelease``. A community stack's names its own budget and reach, so
    it reads no community document; the Cost stack's (no ``Budgets``) checks every community
    of the stage. Either answers CloudFormation whatever happens."""
    if event["RequestType"] == "Delete":
        respond(event, context, status="SUCCESS", physical_id=PHYSICAL_ID, send=send)
        return {}
    try:
        # Inside the try: a bad setting must still be answered.
        properties = event.get("ResourceProperties") or {}
        if "Budgets" in properties:
            settings = Settings(
                account=environ["ACCOUNT_ID"],
                budgets=tuple(sorted(properties.get("Budgets") or {})),
                stop_topics={},
            )
            reach = block_reach.Settings(
                account=environ["ACCOUNT_ID"],
                communities={
                    name: block_reach.Reach.from_json(item)
                    for name, item in (properties.get("Reach") or {}).items()
                },
                topics={},
                jobs_block_policies=tuple(json.loads(environ.get("JOBS_BLOCK_POLICIES") or "[]")),
            )
        else:
            settings, reach = _settings(environ, client)
        released = release_blocks(settings, client("budgets"))
        if reach.communities:
            block_reach.sync(reach, client)
    except Exception as error:
        log("release failed", error=repr(error), trace=traceback.format_exc())
        # A deploy must not fail because a block could not be lifted; the schedule retries.
        respond(
            event,
            context,
            status="SUCCESS",
            physical_id=PHYSICAL_ID,
            reason=(
                f"could not check the launch blocks ({type(error).__name__}: {error}); "
                "retried on schedule"
            ),
            send=send,
        )
        return {}
    respond(
        event,
        context,
        status="SUCCESS",
        physical_id=PHYSICAL_ID,
        reason=f"released: {', '.join(released) or 'none'}",
        send=send,
    )
    return {"released": released}
