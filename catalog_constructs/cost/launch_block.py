"""What a spent budget blocks, and for whom.

AWS Budgets' block action attaches :class:`LaunchBlockPolicy` to the community's roles named in
the config. It cannot reach everything that starts spending, so the enforcement function
(:mod:`catalog_constructs.cost.enforcement`) keeps three more levers in step with the action:

- **Principal patterns** (IAM Identity Center permission-set roles): IAM lets no one but
  Identity Center attach a policy to those roles. Each such community gets its own
  :class:`PatternBlockPolicy` with a fixed name, which operators reference in the community's
  permission sets; its Deny applies from a date that never comes until the function sets it to
  the moment the block applied.
- **Jobs**: the stage's job queues are pooled (one pair for every community), so they stay on:
  members and the submit API (which submits as the caller) are denied by the block policy
  itself, and schedules, which EventBridge Scheduler submits with the stage's one scheduler
  role, by :class:`JobsBlockPolicy` on that role, which the function makes deny the blocked
  communities' share identifiers. Queues of the former layout that a community still has
  (``jobs.legacy_queues``) are disabled while it is blocked.
- **Studio apps**: the community's product roles are tagged ``research-catalog:budget-blocked``;
  the product boundary then denies ``sagemaker:CreateApp`` (Studio's own "system" apps aside)
  to the team's execution role, which the Studio UI uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack, aws_iam as iam
from constructs import Construct

from catalog_constructs import contract

# An update can raise cost as easily as lower it (instance type, disk size) and IAM cannot tell
# the two apart; stopping and terminating reduce cost and stay allowed.
PROVISIONING_ACTIONS = (
    "servicecatalog:ProvisionProduct",
    "servicecatalog:UpdateProvisionedProduct",
)
# The date a pattern community's block policy applies from while it is not blocked. The
# enforcement handler holds the same value (a test compares them).
NEVER = "9999-12-31T23:59:59Z"
# What the jobs block policies deny while no community is blocked: no share identifier holds a
# hyphen (letters and digits only), so this matches none. The handler holds the same value.
NO_BLOCKED_SHARE = "-none-"
# Share-identifier patterns per jobs block policy: a managed policy holds 6,144 characters and
# a pattern of the longest community name takes 36 with its quotes; the policies together
# hold a pattern for each of config.rules.communities.MAX_COMMUNITIES (a test checks).
JOBS_BLOCK_PATTERNS_PER_POLICY = 150
JOBS_BLOCK_POLICIES = 2


def launch_block_statements(stack: Stack, *, since: str | None = None) -> list[iam.PolicyStatement]:
    """Deny every way a member starts spending: launching or updating a product, starting a
    catalog instance (the Start and Restart actions run as the caller) and submitting a job to
    a catalog queue (directly or through the submit API, which submits as the caller). Applies
    from ``since`` (an ISO time) when given, always otherwise."""
    conditions: dict[str, dict[str, str]] = (
        {"DateGreaterThan": {"aws:CurrentTime": since}} if since is not None else {}
    )
    return [
        iam.PolicyStatement(
            sid="BudgetSpentNoNewLaunches",
            effect=iam.Effect.DENY,
            actions=list(PROVISIONING_ACTIONS),
            # Every product of the account: a spent budget is spent whatever is launched.
            resources=["*"],
            conditions=conditions or None,
        ),
        iam.PolicyStatement(
            sid="BudgetSpentNoInstanceStarts",
            effect=iam.Effect.DENY,
            actions=["ec2:StartInstances"],
            resources=[stack.format_arn(service="ec2", resource="instance", resource_name="*")],
            conditions={
                **conditions,
                "Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"},
            },
        ),
        iam.PolicyStatement(
            sid="BudgetSpentNoJobs",
            effect=iam.Effect.DENY,
            actions=["batch:SubmitJob"],
            resources=[
                stack.format_arn(
                    service="batch", resource="job-queue", resource_name=f"{contract.PREFIX}-*"
                )
            ],
            conditions=conditions or None,
        ),
    ]


class LaunchBlockPolicy(Construct):
    """The deny policy AWS Budgets attaches to a community's roles when its budget is spent."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=(
                "Research catalog: attached by AWS Budgets to a community whose budget is spent; "
                "no new launches, updates, instance starts or jobs until the next period or a "
                "higher budget"
            ),
            statements=launch_block_statements(Stack.of(self)),
        )


class PatternBlockPolicy(Construct):
    """The launch block of a community whose principals include role patterns, under the fixed
    name ``contract.launch_block_policy_name(community)`` so that permission sets can reference
    it. Deployed inert (its Deny applies from :data:`NEVER`); the enforcement function gives it
    the block's start time while the community is blocked."""

    def __init__(self, scope: Construct, construct_id: str, *, community: str) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=contract.launch_block_policy_name(community),
            description=(
                f"Research catalog: launch block of the {community} community for its role "
                "patterns (reference it in their permission sets); denies only while the "
                "community's budget is spent"
            ),
            statements=launch_block_statements(Stack.of(self), since=NEVER),
        )


def jobs_block_statement(stack: Stack, share_patterns: list[str]) -> iam.PolicyStatement:
    """Deny submitting to the catalog's queues under the given share identifier patterns."""
    return iam.PolicyStatement(
        sid="BlockedCommunitiesNoScheduledJobs",
        effect=iam.Effect.DENY,
        actions=["batch:SubmitJob"],
        resources=[
            stack.format_arn(
                service="batch", resource="job-queue", resource_name=f"{contract.PREFIX}-*"
            )
        ],
        conditions={"StringLike": {"batch:ShareIdentifier": share_patterns}},
    )


class JobsBlockPolicy(Construct):
    """Policies on the stage's job scheduler role (``contract.JOB_SCHEDULER_ROLE_NAME``, in the
    Shared stack) that deny its submissions under the share identifiers of blocked communities
    (``contract.job_share_prefix``): a schedule of a blocked community no longer starts jobs in
    the pooled queues. Deployed inert (:data:`NO_BLOCKED_SHARE`); the enforcement function
    writes the blocked communities' patterns into them, the first policy first."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        scheduler = iam.Role.from_role_name(self, "SchedulerRole", contract.JOB_SCHEDULER_ROLE_NAME)
        self.policies = [
            iam.ManagedPolicy(
                self,
                f"Policy{index}",
                description=(
                    "Research catalog: schedules of communities whose budget is spent start no "
                    f"jobs (written by the budget enforcement function; part {index + 1} of "
                    f"{JOBS_BLOCK_POLICIES})"
                ),
                statements=[jobs_block_statement(stack, [NO_BLOCKED_SHARE])],
                roles=[scheduler],
            )
            for index in range(JOBS_BLOCK_POLICIES)
        ]


@dataclass(frozen=True)
class BlockReach:
    """What the enforcement function keeps in step with a community's block action."""

    budget_name: str
    # The community's PatternBlockPolicy, where it has role patterns.
    pattern_policy_arn: str | None
    # The community's job queues of the former layout (jobs.legacy_queues).
    queue_names: tuple[str, ...]
    # The community may launch scheduled jobs: its shares of the pooled queues are blocked.
    jobs: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "Budget": self.budget_name,
            "PatternPolicyArn": self.pattern_policy_arn,
            "Queues": list(self.queue_names),
            "Jobs": self.jobs,
        }
