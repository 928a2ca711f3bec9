"""What happens around a community's launch block.

``Custom::BudgetBlockRelease`` (on every deploy) and a schedule: AWS Budgets applies the deny
policy when actual spending crosses the block threshold. This function lifts a block whose
reason is gone, because the period started over or an operator raised the budget: for every
executed block action of the stage whose budget's actual spending is now below the action's
threshold, it asks Budgets to reverse the action (Budgets detaches the policy itself, with its
execution role). A block whose spending is still above the threshold stays.

SNS (the stop topic of a community with ``stop_instances``): stops the community's running
catalog instances when the budget notification at the block threshold arrives.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3

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
            documents = read_communities(ssm, path)
            return cls(
                account=environ["ACCOUNT_ID"],
                budgets=tuple(
                    sorted(d["budget_name"] for d in documents.values() if d.get("block"))
                ),
                stop_topics={
                    d["stop_topic_arn"]: name
                    for name, d in documents.items()
                    if d.get("stop_topic_arn")
                },
            )
        return cls(
            account=environ["ACCOUNT_ID"],
            budgets=tuple(json.loads(environ.get("BLOCK_BUDGETS", "[]"))),
            stop_topics=json.loads(environ.get("STOP_TOPICS", "{}")),
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


def stop_instances(community: str, ec2: Any) -> list[str]:
    """Stop the community's running (or starting) catalog instances."""
    ids: list[str] = []
    for page in ec2.get_paginator("describe_instances").paginate(
        Filters=[
            {"Name": f"tag:{COMMUNITY_TAG}", "Values": [community]},
            {"Name": "tag-key", "Values": [PRODUCT_TAG]},
            {"Name": "instance-state-name", "Values": ["pending", "running"]},
        ]
    ):
        for reservation in page.get("Reservations", []):
            ids += [instance["InstanceId"] for instance in reservation.get("Instances", [])]
    for start in range(0, len(ids), _STOP_BATCH):
        ec2.stop_instances(InstanceIds=ids[start : start + _STOP_BATCH])
    log("instances stopped", community=community, instances=ids)
    return ids


def _settings(environ: Mapping[str, str], client: Callable[[str], Any]) -> Settings:
    ssm = client("ssm") if environ.get("COMMUNITIES_PARAMETER_PATH") else None
    return Settings.from_environ(environ, ssm)


def handler(
    event: Mapping[str, Any],
    context: Any,
    *,
    send: Sender = send_response,
    client: Callable[[str], Any] = boto3.client,
    environ: Mapping[str, str] = os.environ,
) -> dict[str, Any]:
    if is_custom_resource_request(event):
        return _on_deploy(event, send=send, client=client, environ=environ)
    records = event.get("Records") or []
    if records:
        settings = _settings(environ, client)
        stopped: dict[str, list[str]] = {}
        for record in records:
            topic = record.get("Sns", {}).get("TopicArn", "")
            community = settings.stop_topics.get(topic)
            if community is None:
                log("message from an unknown topic ignored", topic=topic)
                continue
            stopped[community] = stop_instances(community, client("ec2"))
        return {"stopped": stopped}
    # The schedule: every block budget of the stage, from the community documents.
    return {"released": release_blocks(_settings(environ, client), client("budgets"))}


def _on_deploy(
    event: Mapping[str, Any],
    *,
    send: Sender,
    client: Callable[[str], Any],
    environ: Mapping[str, str],
) -> dict[str, Any]:
    """``Custom::BudgetBlockRelease`` of a community stack: checks the budgets it names (its
    own), so it reads no community document and answers CloudFormation whatever happens."""
    if event["RequestType"] == "Delete":
        respond(event, status="SUCCESS", physical_id=PHYSICAL_ID, send=send)
        return {}
    try:
        named = tuple(sorted((event.get("ResourceProperties") or {}).get("Budgets") or {}))
        settings = Settings(account=environ["ACCOUNT_ID"], budgets=named, stop_topics={})
        released = release_blocks(settings, client("budgets"))
    except Exception as error:
        log("release failed", error=repr(error), trace=traceback.format_exc())
        # A deploy must not fail because a block could not be lifted; the schedule retries.
        respond(
            event,
            status="SUCCESS",
            physical_id=PHYSICAL_ID,
            reason=f"could not check the launch blocks ({error}); retried on schedule",
            send=send,
        )
        return {}
    respond(
        event,
        status="SUCCESS",
        physical_id=PHYSICAL_ID,
        reason=f"released: {', '.join(released) or 'none'}",
        send=send,
    )
    return {"released": released}
