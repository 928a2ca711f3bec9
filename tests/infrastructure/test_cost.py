"""Targeted assertions on the cost stack: budgets follow the config, the launch block denies
what starts spending and nothing else, and Budgets can attach it only to the community's own
roles (what the block reaches beyond those roles: test_launch_block.py)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog_constructs import contract
from catalog_constructs.cost.allocation_tags import COST_ALLOCATION_TAG_KEYS
from config.sections.budgets import BudgetAlerts
from tests.iam_eval import ALLOW, EXPLICIT_DENY, Request, evaluate, resolve
from tests.synth import SynthesizedStage, load_example


def resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def budgets_by_name(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["Budget"]["BudgetName"]: r["Properties"]
        for r in resources(template, "AWS::Budgets::Budget").values()
    }


def emails(subscribers: list[dict[str, Any]]) -> list[str]:
    return [s["Address"] for s in subscribers if s["SubscriptionType"] == "EMAIL"]


def statements_of(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return list(resource["Properties"]["PolicyDocument"]["Statement"])


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def cost(stage: SynthesizedStage) -> dict[str, Any]:
    return stage.merged("Cost")


def test_one_budget_per_community_with_configured_amount_thresholds_and_recipients(
    stage: SynthesizedStage, cost: dict[str, Any]
) -> None:
    config = stage.config
    budgets = budgets_by_name(cost)
    for name, community in config.communities.items():
        budget = budgets[config.budget_name(name)]
        data = budget["Budget"]
        assert data["BudgetLimit"] == {"Amount": community.budget.amount_usd, "Unit": "USD"}
        assert data["TimeUnit"] == community.budget.period
        assert data["BudgetType"] == "COST"
        assert data["CostFilters"] == {
            "TagKeyValue": [f"user:Community${name}"],
            "Region": [config.stage.region],
        }
        assert data["CostTypes"]["IncludeCredit"] is False
        notifications = {
            (n["Notification"]["NotificationType"], n["Notification"]["Threshold"]): n
            for n in budget["NotificationsWithSubscribers"]
        }
        expected = {("ACTUAL", t) for t in community.budget.alerts.actual} | {
            ("FORECASTED", t) for t in community.budget.alerts.forecasted
        }
        if community.budget.block_launches_at is not None:
            expected.add(("ACTUAL", community.budget.block_launches_at))
        assert set(notifications) == expected
        for notification in notifications.values():
            assert notification["Notification"]["ComparisonOperator"] == "GREATER_THAN"
            assert notification["Notification"]["ThresholdType"] == "PERCENTAGE"
            recipients = emails(notification["Subscribers"])
            assert recipients[0] == community.manager_email
            assert set(recipients) == {community.manager_email, *community.budget.extra_recipients}


def test_shipped_thresholds_and_recipients(synthesized: dict[str, SynthesizedStage]) -> None:
    dev = budgets_by_name(synthesized["dev"].merged("Cost"))
    prod = budgets_by_name(synthesized["prod"].merged("Cost"))

    def thresholds(budget: dict[str, Any]) -> list[tuple[str, int]]:
        return sorted(
            (n["Notification"]["NotificationType"], n["Notification"]["Threshold"])
            for n in budget["NotificationsWithSubscribers"]
        )

    assert thresholds(dev["research-catalog-dev-challenge"]) == [
        ("ACTUAL", 50),
        ("ACTUAL", 80),
        ("ACTUAL", 90),
        ("ACTUAL", 100),
        ("FORECASTED", 100),
    ]
    assert thresholds(prod["research-catalog-prod-biomedical"]) == [
        ("ACTUAL", 50),
        ("ACTUAL", 80),
        ("ACTUAL", 100),
        ("ACTUAL", 110),
        ("FORECASTED", 90),
        ("FORECASTED", 100),
    ]
    biomedical = prod["research-catalog-prod-biomedical"]["NotificationsWithSubscribers"][0]
    assert emails(biomedical["Subscribers"]) == [
        "biomedical-manager@example.org",
        "research-computing@example.org",
    ]


def test_member_budgets_watch_the_members_sessions_in_the_communitys_roles(
    synthesized: dict[str, SynthesizedStage],
) -> None:
    budgets = budgets_by_name(synthesized["dev"].merged("Cost"))
    jane = budgets["research-catalog-dev-biomedical.jane.doe"]
    john = budgets["research-catalog-dev-biomedical.john.smith"]

    assert jane["Budget"]["BudgetLimit"]["Amount"] == 200
    assert john["Budget"]["BudgetLimit"]["Amount"] == 100
    assert jane["Budget"]["CostFilters"]["TagKeyValue"] == [
        f"user:{contract.OWNER_PRINCIPAL_TAG}$arn:aws:sts::111111111111:assumed-role/"
        "ResearchCatalogBiomedicalUsers/jane.doe"
    ]
    alerts = {
        n["Notification"]["Threshold"]: emails(n["Subscribers"])
        for n in jane["NotificationsWithSubscribers"]
    }
    assert alerts == {
        80: ["jane.doe@example.org"],
        100: ["jane.doe@example.org", "biomedical-manager@example.org"],
    }
    # A sign-in community's members are its sessions named after their verified user IDs in
    # the role the catalog creates; without an e-mail template the manager hears of them.
    member = budgets["research-catalog-dev-consortium.3345678"]
    assert member["Budget"]["CostFilters"]["TagKeyValue"] == [
        f"user:{contract.OWNER_PRINCIPAL_TAG}$arn:aws:sts::111111111111:assumed-role/"
        "research-catalog-sign-in-consortium/3345678"
    ]
    assert {
        address
        for n in member["NotificationsWithSubscribers"]
        for address in emails(n["Subscribers"])
    } == {"consortium-manager@example.org"}
    # Three community budgets and three member budgets in dev; the prod config has none.
    assert len(budgets) == 6
    assert len(budgets_by_name(synthesized["prod"].merged("Cost"))) == 2


def test_launch_block_denies_what_starts_spending_and_leaves_stop_and_terminate(
    stage: SynthesizedStage, cost: dict[str, Any]
) -> None:
    (block,) = [
        r
        for r in resources(cost, "AWS::IAM::ManagedPolicy").values()
        if "attached by AWS Budgets" in r["Properties"].get("Description", "")
    ]
    account = stage.config.stage.account
    policy = resolve(block["Properties"]["PolicyDocument"], {"AWS::AccountId": account})
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    instance = f"arn:aws:ec2:us-east-1:{account}:instance/i-0123456789abcdef0"
    catalog_instance = {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "linux-docker"}
    queue = f"arn:aws:batch:us-east-1:{account}:job-queue/research-catalog-biomedical-fargate"
    denied = [
        Request("servicecatalog:ProvisionProduct"),
        Request("servicecatalog:UpdateProvisionedProduct"),
        Request("ec2:StartInstances", instance, catalog_instance),
        Request("batch:SubmitJob", queue),
    ]
    still_allowed = [
        Request("servicecatalog:TerminateProvisionedProduct"),
        # Stop/Start/Restart: Start then fails at ec2:StartInstances, Stop goes through.
        Request("servicecatalog:ExecuteProvisionedProductServiceAction"),
        Request("servicecatalog:DescribeProvisionedProduct"),
        Request("ssm:StartSession", instance, catalog_instance),
        Request("ec2:StopInstances", instance, catalog_instance),
        # Not the catalog's: a role's other instances and queues are no business of the block.
        Request("ec2:StartInstances", instance),
        Request("batch:SubmitJob", f"arn:aws:batch:us-east-1:{account}:job-queue/other"),
    ]
    for request in denied:
        assert evaluate(request, [everything, policy]) == EXPLICIT_DENY, request
    for request in still_allowed:
        assert evaluate(request, [everything, policy]) == ALLOW, request
    # Not attached at deploy: only Budgets attaches it.
    assert "Roles" not in block["Properties"]


def test_block_action_per_community_scoped_to_its_roles(
    stage: SynthesizedStage, cost: dict[str, Any]
) -> None:
    config = stage.config
    actions = resources(cost, "AWS::Budgets::BudgetsAction")
    blocking = {n: c for n, c in config.communities.items() if c.budget.block_launches_at}
    assert len(actions) == len(blocking)
    for name, community in blocking.items():
        # Each community's budget and action are in its own stack.
        own = stage.stacks[f"Community-{name}"]
        actions = resources(own, "AWS::Budgets::BudgetsAction")
        budget_ids = {
            r["Properties"]["Budget"]["BudgetName"]: logical_id
            for logical_id, r in resources(own, "AWS::Budgets::Budget").items()
        }
        (action,) = [
            a["Properties"]
            for a in actions.values()
            if a["Properties"]["BudgetName"] == {"Ref": budget_ids[config.budget_name(name)]}
        ]
        assert action["ActionType"] == "APPLY_IAM_POLICY"
        assert action["ApprovalModel"] == "AUTOMATIC"
        assert action["NotificationType"] == "ACTUAL"
        assert action["ActionThreshold"] == {
            "Type": "PERCENTAGE",
            "Value": community.budget.block_launches_at,
        }
        definition = action["Definition"]["IamActionDefinition"]
        assert definition["Roles"] == community.role_names_resolved()
        assert set(definition) == {"PolicyArn", "Roles"}
        assert {s["Address"] for s in action["Subscribers"]} >= {
            community.manager_email,
            config.operators.notification_email,
        }

        role_id = action["ExecutionRoleArn"]["Fn::GetAtt"][0]
        trust = own["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]
        (trust_statement,) = trust["Statement"]
        assert trust_statement["Principal"] == {"Service": "budgets.amazonaws.com"}
        assert trust_statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": config.stage.account},
            "ArnLike": {
                "aws:SourceArn": f"arn:{config.stage.partition}:budgets::{config.stage.account}"
                ":budget/*"
            },
        }
        policies = [
            p
            for p in resources(own, "AWS::IAM::ManagedPolicy").values()
            if {"Ref": role_id} in p["Properties"].get("Roles", [])
        ]
        (policy,) = policies
        (statement,) = statements_of(policy)
        assert statement["Effect"] == "Allow"
        assert sorted(as_list(statement["Action"])) == [
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
        ]
        assert as_list(statement["Resource"]) == community.role_arns_in(
            config.stage.account, config.stage.partition
        )
        assert statement["Condition"]["ArnEquals"]["iam:PolicyARN"] == definition["PolicyArn"]


def test_stop_instances_only_where_configured(
    stage: SynthesizedStage, cost: dict[str, Any]
) -> None:
    config = stage.config
    stopping = sorted(n for n, c in config.communities.items() if c.budget.stop_instances)
    # Every blocking community's block threshold reaches the function (test_launch_block.py);
    # only the stopping ones get the stop permission.
    blocking = [n for n, c in config.communities.items() if c.budget.block_launches_at]
    subscriptions = [
        s["Properties"]
        for s in resources(cost, "AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "lambda"
    ]
    assert len(subscriptions) == len(blocking)
    sns_subscribers = [
        subscriber
        for budget in budgets_by_name(cost).values()
        for n in budget["NotificationsWithSubscribers"]
        for subscriber in n["Subscribers"]
        if subscriber["SubscriptionType"] == "SNS"
    ]
    assert len(sns_subscribers) == len(blocking)
    # The enforcement function's (the Cost stack's own; members' end-user policies in the
    # community stacks let them stop their own instances).
    stop_statements = [
        s
        for p in resources(stage.stacks["Cost"], "AWS::IAM::ManagedPolicy").values()
        for s in statements_of(p)
        if "ec2:StopInstances" in as_list(s["Action"])
    ]
    if not stopping:
        assert not stop_statements
        return
    (statement,) = stop_statements
    assert statement["Condition"]["StringEquals"] == {"aws:ResourceTag/Community": stopping}
    assert statement["Condition"]["Null"] == {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}


def test_cost_allocation_tags_custom_resource(cost: dict[str, Any]) -> None:
    (resource,) = resources(cost, "Custom::CostAllocationTags").values()
    assert resource["Properties"]["TagKeys"] == list(COST_ALLOCATION_TAG_KEYS)
    assert set(COST_ALLOCATION_TAG_KEYS) >= {
        "Community",
        "Owner",
        "OwnerEmail",
        "CostCenter",
        "research-catalog:product",
        contract.OWNER_PRINCIPAL_TAG,
    }
    # The function must be allowed to activate tags before CloudFormation calls it.
    assert any(d.startswith("CostAllocationTagsHandlerPolicy") for d in resource["DependsOn"])


def test_weekly_report_reaches_every_manager(stage: SynthesizedStage, cost: dict[str, Any]) -> None:
    config = stage.config
    rules = [
        r["Properties"]["ScheduleExpression"] for r in resources(cost, "AWS::Events::Rule").values()
    ]
    assert "cron(0 6 ? * MON *)" in rules
    email_subscriptions = sorted(
        s["Properties"]["Endpoint"]
        for s in resources(cost, "AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "email"
    )
    assert email_subscriptions == sorted(
        address for c in config.communities.values() for address in c.budget_recipients()
    )
    for topic in resources(cost, "AWS::SNS::Topic").values():
        assert "KmsMasterKeyId" in topic["Properties"]


def test_report_is_not_retried_and_logs_are_encrypted(cost: dict[str, Any]) -> None:
    functions = resources(cost, "AWS::Lambda::Function")
    assert len(functions) == 3
    (report_id,) = [
        logical_id
        for logical_id, f in functions.items()
        if f["Properties"]["Handler"] == "cost_handlers.report.handler"
    ]
    (config,) = resources(cost, "AWS::Lambda::EventInvokeConfig").values()
    assert config["Properties"]["FunctionName"] == {"Ref": report_id}
    assert config["Properties"]["MaximumRetryAttempts"] == 0
    for group in resources(cost, "AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in group["Properties"]


def test_without_blocks_there_is_no_action_and_no_release_on_deploy() -> None:
    from aws_cdk import App, Environment, Stack, aws_iam as iam, aws_kms as kms
    from aws_cdk.assertions import Template

    from catalog_constructs.shared.resources import SharedResources
    from stacks.community_stack import CommunityStack
    from stacks.cost_stack import CostStack

    config = load_example("prod")
    config = config.model_copy(
        update={
            "communities": {
                name: community.model_copy(
                    update={
                        "budget": community.budget.model_copy(
                            update={
                                "block_launches_at": None,
                                "alerts": BudgetAlerts(actual=[50], forecasted=[100]),
                            }
                        )
                    }
                )
                for name, community in config.communities.items()
            }
        }
    )
    app = App()
    env = Environment(account=config.stage.account, region=config.stage.region)
    shared = Stack(app, "Shared", env=env)
    resources = SharedResources(
        product_role_boundary=iam.ManagedPolicy.from_managed_policy_name(shared, "B", "boundary"),
        ebs_key=kms.Key(shared, "Ebs"),
        logs_key=kms.Key(shared, "Logs"),
        vpc_id="vpc-0123456789abcdef0",
        private_subnet_ids=["subnet-0123456789abcdef0"],
        image_key_account=config.stage.account,
        jobs_key=kms.Key(shared, "Jobs"),
        credentials_key=kms.Key(shared, "Credentials"),
    )
    cost_stack = CostStack(app, "Cost", config=config, shared=resources, env=env)
    community_stacks = [
        CommunityStack(app, f"Community-{name}", config=config, name=name, env=env)
        for name in config.communities
    ]
    cost = Template.from_stack(cost_stack)
    # Tags, report and enforcement: the Cost stack has the enforcement function whatever the
    # communities, so a community stack added later with a block needs no change here.
    cost.resource_count_is("AWS::Lambda::Function", 3)
    cost.resource_count_is("AWS::Budgets::BudgetsAction", 0)
    communities = [Template.from_stack(stack) for stack in community_stacks]
    budgets = []
    for template in communities:
        template.resource_count_is("AWS::Budgets::BudgetsAction", 0)
        template.resource_count_is("Custom::BudgetBlockRelease", 0)
        template.resource_count_is("AWS::Lambda::Function", 0)
        budgets += list(template.find_resources("AWS::Budgets::Budget").values())
    assert len(budgets) == len(config.communities)
    for budget in budgets:
        thresholds = {
            (n["Notification"]["NotificationType"], n["Notification"]["Threshold"])
            for n in budget["Properties"]["NotificationsWithSubscribers"]
        }
        # No block threshold (100 % actual by default) added: only the configured alerts.
        assert thresholds == {("ACTUAL", 50), ("FORECASTED", 100)}


def test_block_topics_invoke_the_enforcement_function_through_three_stage_wide_permissions(
    stage: SynthesizedStage,
) -> None:
    """Three permissions for every community (a Lambda function policy holds 20 KB, about 50
    statements of one topic each): SNS topics of this account named after the stage's community
    stacks, or stop and block topics moved from its former Cost stack. Community stacks add
    none."""
    name = stage.config.stage_name
    cost = stage.stacks["Cost"]
    permissions = [
        p["Properties"]
        for p in resources(cost, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "sns.amazonaws.com"
    ]
    (function_id,) = [
        k
        for k, f in resources(cost, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "cost_handlers.enforcement.handler"
    ]
    sources = sorted(p["SourceArn"] for p in permissions)
    assert sources == [
        f"arn:{stage.config.stage.partition}:sns:{stage.config.stage.region}:"
        f"{stage.config.stage.account}:research-catalog-{name}-{suffix}"
        for suffix in ("community-*", "cost-BlockTopic*", "cost-StopTopic*")
    ]
    for permission in permissions:
        assert permission["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
        assert permission["SourceAccount"] == stage.config.stage.account
        assert permission["Action"] == "lambda:InvokeFunction"
    for template in stage.communities().values():
        assert not resources(template, "AWS::Lambda::Permission")


def _ssm_value(template: dict[str, Any], name: str) -> Any:
    (value,) = [
        r["Properties"]["Value"]
        for r in resources(template, "AWS::SSM::Parameter").values()
        if r["Properties"]["Name"] == name
    ]
    return value


def test_only_the_weekly_report_may_publish_to_a_communitys_report_topic(
    stage: SynthesizedStage,
) -> None:
    """The report topic's resource policy (in the community's stack) names the Cost stack's
    report role, read from the SSM parameter the Cost stack writes; the function's own policy
    lists no topic, so a community added later needs no change to the Cost stack."""
    cost = stage.stacks["Cost"]
    (report_id,) = [
        k
        for k, f in resources(cost, "AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "cost_handlers.report.handler"
    ]
    role = cost["Resources"][report_id]["Properties"]["Role"]
    assert _ssm_value(cost, contract.COST_REPORT_ROLE_PARAMETER) == role
    for name, template in stage.communities().items():
        (topic_id,) = [
            k
            for k, t in resources(template, "AWS::SNS::Topic").items()
            if t["Properties"]["DisplayName"].endswith("cost report")
        ]
        (policy,) = [
            p["Properties"]["PolicyDocument"]
            for p in resources(template, "AWS::SNS::TopicPolicy").values()
            if p["Properties"]["Topics"] == [{"Ref": topic_id}]
        ]
        allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
        (allow,) = allows
        assert allow["Action"] == "sns:Publish"
        assert allow["Resource"] == {"Ref": topic_id}
        parameter = template["Parameters"][allow["Principal"]["AWS"]["Ref"]]
        assert parameter["Default"] == contract.COST_REPORT_ROLE_PARAMETER, name
        assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
        (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_enforcement_function_reaches_only_this_stages_budgets(
    stage: SynthesizedStage,
) -> None:
    """One budget ARN per community would outgrow a policy's 6,144 characters at about 40
    communities: the function may read and reverse the actions of budgets named with the
    stage's prefix (budget names are research-catalog-<stage>-<community>[.<member>]; the
    "-" after the stage keeps e.g. stage dev from dev2's budgets)."""
    name = stage.config.stage_name
    statements = [
        s
        for p in resources(stage.stacks["Cost"], "AWS::IAM::ManagedPolicy").values()
        for s in statements_of(p)
        if any(a.startswith("budgets:") for a in as_list(s["Action"]))
    ]
    (statement,) = statements
    assert sorted(as_list(statement["Action"])) == [
        "budgets:DescribeBudgetActionsForBudget",
        "budgets:ExecuteBudgetAction",
        "budgets:ViewBudget",
    ]
    prefix = f"arn:{stage.config.stage.partition}:budgets::{stage.config.stage.account}:budget"
    assert sorted(statement["Resource"]) == [
        f"{prefix}/research-catalog-{name}-*",
        f"{prefix}/research-catalog-{name}-*/action/*",
    ]
    for community in stage.config.communities:
        assert stage.config.budget_name(community).startswith(f"research-catalog-{name}-")
