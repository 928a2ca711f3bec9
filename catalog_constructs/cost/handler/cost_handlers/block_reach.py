"""Extending an applied launch block to what AWS Budgets cannot reach, and lifting it again.

Budgets attaches the deny policy to a community's named roles. While the community's block
action is applied (or about to be), this module also:

- gives the community's pattern block policy (referenced by its IAM Identity Center permission
  sets) a default version whose Deny applies from now, instead of from ``NEVER``;
- makes the jobs block policies on the stage's job scheduler role deny the community's share
  identifiers of the pooled queues (its schedules start no jobs; members and the submit API,
  which submits as the caller, are denied by the block policy itself);
- disables the community's job queues of the former layout, where it still has them (no
  submission from anyone: members, the submit API, schedules);
- tags the community's Studio execution roles (product roles SageMaker assumes)
  ``research-catalog:budget-blocked=true``: the product boundary then denies new Studio apps.

Once the action is no longer applied (reversed by the release check, by an operator or by
Budgets), each lever is undone. Every step is idempotent; the schedule repeats them, so a
lever that a deploy or a partial failure left behind is corrected on the next run.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .cfn import log

# Same value as catalog_constructs.cost.launch_block.NEVER (a test compares them).
NEVER = "9999-12-31T23:59:59Z"
BLOCKED_TAG = "research-catalog:budget-blocked"
COMMUNITY_TAG = "Community"
PRODUCT_ROLE_PATH = "/research-catalog/products/"
# An action in one of these is applied or about to be (automatic approval).
BLOCKING = {"PENDING", "EXECUTION_IN_PROGRESS", "EXECUTION_SUCCESS"}
# Same values as catalog_constructs.cost.launch_block (a test compares them): what the jobs
# block policies deny while no community is blocked, and how many patterns each holds.
NO_BLOCKED_SHARE = "-none-"
JOBS_BLOCK_PATTERNS_PER_POLICY = 150
# A community's share identifiers of the pooled queues start with its name ("-" as "Z") and
# "O" (catalog_constructs.contract.job_share_prefix).
_SHARE_SEPARATOR = "O"
# IAM keeps at most five versions of a managed policy.
_MAX_VERSIONS = 5


@dataclass(frozen=True)
class Reach:
    budget: str
    pattern_policy_arn: str | None
    queues: tuple[str, ...]
    # The community may launch scheduled jobs (its shares of the pooled queues).
    jobs: bool = False

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Reach:
        """``BlockReach.as_json`` of catalog_constructs.cost.launch_block."""
        return cls(
            budget=item["Budget"],
            pattern_policy_arn=item.get("PatternPolicyArn") or None,
            queues=tuple(item.get("Queues") or []),
            jobs=item.get("Jobs") is True,
        )


@dataclass(frozen=True)
class Settings:
    account: str
    communities: Mapping[str, Reach]
    topics: Mapping[str, str]  # topic ARN -> community, for communities without stop_instances
    # The managed policies on the job scheduler role that deny blocked communities' shares.
    jobs_block_policies: tuple[str, ...] = ()

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str], documents: Mapping[str, Mapping[str, Any]] | None = None
    ) -> Settings:
        """From the community documents (what each community stack publishes: its ``reach``
        and ``block_topic_arn``) where given, else ``BLOCK_REACH`` and ``BLOCK_TOPICS``."""
        jobs_block_policies = tuple(json.loads(environ.get("JOBS_BLOCK_POLICIES") or "[]"))
        if documents is not None:
            return cls(
                account=environ.get("ACCOUNT_ID", ""),
                communities={
                    name: Reach.from_json(document["reach"])
                    for name, document in documents.items()
                    if document.get("block") and document.get("reach")
                },
                topics={
                    document["block_topic_arn"]: name
                    for name, document in documents.items()
                    if document.get("block_topic_arn")
                },
                jobs_block_policies=jobs_block_policies,
            )
        raw = json.loads(environ.get("BLOCK_REACH", "{}"))
        return cls(
            account=environ.get("ACCOUNT_ID", ""),
            communities={name: Reach.from_json(item) for name, item in raw.items()},
            topics=json.loads(environ.get("BLOCK_TOPICS", "{}")),
            jobs_block_policies=jobs_block_policies,
        )


def is_blocked(budgets: Any, account: str, budget: str) -> bool:
    request = {"AccountId": account, "BudgetName": budget}
    while True:
        response = budgets.describe_budget_actions_for_budget(**request)
        if any(action["Status"] in BLOCKING for action in response.get("Actions", [])):
            return True
        if not response.get("NextToken"):
            return False
        request["NextToken"] = response["NextToken"]


def sync(
    settings: Settings,
    client: Callable[[str], Any],
    *,
    only: Iterable[str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, bool]:
    """Bring every lever of the communities (all, or ``only`` those) in line with their block
    actions; returns community -> blocked."""
    names = [
        n for n in (only if only is not None else settings.communities) if n in settings.communities
    ]
    if not names:
        return {}
    budgets = client("budgets")
    blocked = {
        n: is_blocked(budgets, settings.account, settings.communities[n].budget) for n in names
    }
    since = now().strftime("%Y-%m-%dT%H:%M:%SZ")
    iam = client("iam")
    for name in names:
        reach = settings.communities[name]
        if reach.pattern_policy_arn:
            set_pattern_policy(iam, reach.pattern_policy_arn, since if blocked[name] else NEVER)
        if reach.queues:
            set_queues(client("batch"), reach.queues, enabled=not blocked[name])
    jobs = {name: blocked[name] for name in names if settings.communities[name].jobs}
    if jobs and settings.jobs_block_policies:
        set_jobs_block(iam, settings.jobs_block_policies, jobs)
    tag_product_roles(iam, blocked)
    log("launch blocks extended", blocked=blocked)
    return blocked


def set_pattern_policy(iam: Any, arn: str, since: str) -> None:
    """Make the policy's Deny apply from ``since`` (NEVER: not at all). A block keeps the time
    it first applied; only a change of state writes a new version."""
    document = _default_document(iam, arn)
    current = _since(document)
    if (since == NEVER) == (current == NEVER) and current is not None:
        return
    _write_version(iam, arn, _with_since(document, since))
    log("pattern block policy", policy=arn, applies_from=since)


def share_pattern(community: str) -> str:
    """Every share identifier of the community in the pooled queues."""
    return community.replace("-", "Z") + _SHARE_SEPARATOR + "*"


def set_jobs_block(iam: Any, arns: tuple[str, ...], blocked: Mapping[str, bool]) -> None:
    """Make the jobs block policies deny the share identifiers of the communities ``blocked``
    says are blocked and no longer those it says are not; other communities' patterns stay.
    The patterns fill the policies in order; only a policy whose list changes gets a new
    version."""
    documents = [_default_document(iam, arn) for arn in arns]
    current = {pattern for document in documents for pattern in _share_patterns(document)}
    wanted = sorted(
        (current - {share_pattern(n) for n, b in blocked.items() if not b})
        | {share_pattern(n) for n, b in blocked.items() if b}
    )
    if set(wanted) == current:
        return
    chunks = [
        wanted[start : start + JOBS_BLOCK_PATTERNS_PER_POLICY]
        for start in range(
            0, len(arns) * JOBS_BLOCK_PATTERNS_PER_POLICY, JOBS_BLOCK_PATTERNS_PER_POLICY
        )
    ]
    if len(wanted) > len(arns) * JOBS_BLOCK_PATTERNS_PER_POLICY:
        log(
            "jobs block policies full",
            left_out=wanted[len(arns) * JOBS_BLOCK_PATTERNS_PER_POLICY :],
        )
    for arn, document, patterns in zip(arns, documents, chunks, strict=False):
        if sorted(_share_patterns(document)) == patterns:
            continue
        _write_version(iam, arn, _with_share_patterns(document, patterns or [NO_BLOCKED_SHARE]))
        log("jobs block policy", policy=arn, shares=patterns)


def _share_patterns(document: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for statement in _statements(document):
        values = statement.get("Condition", {}).get("StringLike", {}).get("batch:ShareIdentifier")
        found += [values] if isinstance(values, str) else list(values or [])
    return [value for value in found if value != NO_BLOCKED_SHARE]


def _with_share_patterns(document: Mapping[str, Any], patterns: list[str]) -> dict[str, Any]:
    statements = []
    for statement in _statements(document):
        statement = json.loads(json.dumps(statement))
        statement.setdefault("Condition", {}).setdefault("StringLike", {})[
            "batch:ShareIdentifier"
        ] = patterns
        statements.append(statement)
    return {**document, "Statement": statements}


def _default_document(iam: Any, arn: str) -> dict[str, Any]:
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    default = policy["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]["Document"]
    if isinstance(document, str):  # boto3 decodes it; a raw API answer is URL-encoded JSON
        document = json.loads(document)
    return dict(document)


def _write_version(iam: Any, arn: str, document: Mapping[str, Any]) -> None:
    """A new default version of the policy, keeping one previous version only."""
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    older = sorted(
        (v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"]
    )
    while older and len(versions) >= _MAX_VERSIONS:
        iam.delete_policy_version(PolicyArn=arn, VersionId=older[0]["VersionId"])
        versions = [v for v in versions if v["VersionId"] != older[0]["VersionId"]]
        older = older[1:]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)
    # Keep one previous version only: room for CloudFormation's next update.
    for version in older:
        iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])


def _since(document: Mapping[str, Any]) -> str | None:
    for statement in _statements(document):
        value = statement.get("Condition", {}).get("DateGreaterThan", {}).get("aws:CurrentTime")
        if value is not None:
            return str(value)
    return None


def _with_since(document: Mapping[str, Any], since: str) -> dict[str, Any]:
    statements = []
    for statement in _statements(document):
        statement = json.loads(json.dumps(statement))
        statement.setdefault("Condition", {}).setdefault("DateGreaterThan", {})[
            "aws:CurrentTime"
        ] = since
        statements.append(statement)
    return {**document, "Statement": statements}


def _statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return [statements] if isinstance(statements, dict) else list(statements)


def set_queues(batch: Any, names: Iterable[str], *, enabled: bool) -> None:
    wanted = "ENABLED" if enabled else "DISABLED"
    queues = batch.describe_job_queues(jobQueues=list(names))["jobQueues"]
    for queue in queues:
        if queue["state"] != wanted:
            batch.update_job_queue(jobQueue=queue["jobQueueName"], state=wanted)
            log("job queue", queue=queue["jobQueueName"], state=wanted)


def tag_product_roles(iam: Any, blocked: Mapping[str, bool]) -> None:
    """Tag the Studio execution roles of blocked communities, untag those of the others. Roles
    of communities not in ``blocked`` are left as they are. Only roles SageMaker may assume are
    read (the tag matters for nothing else), so a run costs one tag lookup per Studio team."""
    for page in iam.get_paginator("list_roles").paginate(PathPrefix=PRODUCT_ROLE_PATH):
        for role in page.get("Roles", []):
            if not _trusts(role.get("AssumeRolePolicyDocument"), "sagemaker.amazonaws.com"):
                continue
            name = role["RoleName"]
            tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
            community = tags.get(COMMUNITY_TAG, "")
            if community not in blocked:
                continue
            if blocked[community] and tags.get(BLOCKED_TAG) != "true":
                iam.tag_role(RoleName=name, Tags=[{"Key": BLOCKED_TAG, "Value": "true"}])
            elif not blocked[community] and BLOCKED_TAG in tags:
                iam.untag_role(RoleName=name, TagKeys=[BLOCKED_TAG])


def _trusts(document: Any, service: str) -> bool:
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    for statement in _statements(document or {"Statement": []}):
        principals = statement.get("Principal", {})
        services = principals.get("Service", []) if isinstance(principals, dict) else []
        if service in ([services] if isinstance(services, str) else services):
            return True
    return False
