"""The Studio team's monthly budget, beside the domain (stack.py); built on the product stack's
own scope, so its logical IDs are those of the released templates."""

from aws_cdk import Aws, CfnOutput, CustomResource, Fn, Stack, aws_budgets as budgets

from catalog_constructs import contract
from catalog_constructs.product_template.context import (
    ProductContext,
    product_context_service_token,
)
from catalog_constructs.product_template.launch_form import LaunchForm
from products.studio_team.form import TEAM_BUDGET

# (kind, percent of the monthly budget) at which the owner is e-mailed.
TEAM_BUDGET_ALERTS = (("ACTUAL", 50), ("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100))


def add_team_budget(stack: Stack, form: LaunchForm, context: ProductContext) -> CustomResource:
    """A monthly AWS Budgets budget over the team's tag in this region, alerting the
    owner. The amount is checked against the stage's limit first (Custom::BudgetLimit)."""
    check = CustomResource(
        stack,
        "BudgetLimit",
        service_token=product_context_service_token(),
        resource_type="Custom::BudgetLimit",
        properties={
            "Amount": form.value(TEAM_BUDGET.name),
            "LimitParameter": contract.STUDIO_TEAM_BUDGET_LIMIT_PARAMETER,
            "OwnerEmail": context.owner_email,
        },
    )
    owner = [
        budgets.CfnBudget.SubscriberProperty(
            subscription_type="EMAIL", address=check.get_att_string("Recipient")
        )
    ]
    # The alert address is the check's answer (Fn::GetAtt): CloudFormation creates the
    # budget only after the check passed.
    notifications = [
        budgets.CfnBudget.NotificationWithSubscribersProperty(
            notification=budgets.CfnBudget.NotificationProperty(
                notification_type=kind,
                comparison_operator="GREATER_THAN",
                threshold=threshold,
                threshold_type="PERCENTAGE",
            ),
            subscribers=owner,
        )
        for kind, threshold in TEAM_BUDGET_ALERTS
    ]
    budgets.CfnBudget(
        stack,
        "TeamBudget",
        budget=budgets.CfnBudget.BudgetDataProperty(
            # Unique per provisioned product (the stack name); the launch role may manage
            # only budgets named SC-*, never the communities' budgets.
            budget_name=Fn.join("-", [Aws.STACK_NAME, "team"]),
            budget_type="COST",
            time_unit="MONTHLY",
            budget_limit=budgets.CfnBudget.SpendProperty(
                amount=form.parameters[TEAM_BUDGET.name].value_as_number, unit="USD"
            ),
            cost_filters={
                "TagKeyValue": [Fn.join("", [f"user:{contract.STUDIO_TEAM_TAG}$", Aws.STACK_NAME])],
                "Region": [Aws.REGION],
            },
            cost_types=budgets.CfnBudget.CostTypesProperty(
                include_credit=False, include_refund=False
            ),
        ),
        notifications_with_subscribers=notifications,
    )
    return check


def add_team_budget_output(stack: Stack, budget: CustomResource) -> None:
    """Added after the product's other outputs, where the released template lists it."""
    CfnOutput(
        stack,
        "TeamBudgetOutput",
        key="TeamBudget",
        description="The team's monthly budget and who its alerts go to",
        value=Fn.join(
            "",
            [
                budget.get_att_string("Amount"),
                " USD per month, alerts to ",
                budget.get_att_string("Recipient"),
            ],
        ),
    )
