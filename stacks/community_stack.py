"""One community of a stage: its portfolio (principals, shares, end-user policy, products,
constraints, TagOptions) and its cost governance (budgets, launch block, stop and report
topics), and the document the stage's functions read about it.

A stack per community keeps every template inside CloudFormation's limits however many
communities a stage has, and lets a community be added or removed by deploying or deleting its
stack alone. What it uses from the Catalog and Cost stacks comes through SSM parameters with
the contract's fixed names, resolved at deploy time, not through exports: no stack is locked to
another (docs/operations.md, "Stacks of a stage").
"""

import json
from collections.abc import Mapping

from aws_cdk import CfnParameter, Stack, aws_ssm as ssm
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.admin.function import PortfolioShares
from catalog_constructs.catalog.portfolio import CommunityPortfolio
from catalog_constructs.cost.community_cost import CommunityCost
from catalog_constructs.sign_in.service import sign_in_entry
from config.models import CatalogConfig
from config.rules.communities import community_document
from products.registry import JOBS_PRODUCT_KEY, PRODUCTS


class CommunityStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CatalogConfig,
        name: str,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        community = config.communities[name]
        self.community_name = name

        def parameter(construct_id_: str, parameter_name: str, description: str) -> str:
            return CfnParameter(
                self,
                construct_id_,
                type="AWS::SSM::Parameter::Value<String>",
                default=parameter_name,
                description=description,
            ).value_as_string

        product_ids = {
            key: parameter(
                f"Product-{key}",
                contract.product_id_parameter(key),
                f"ID of the {key} product (Catalog stack)",
            )
            for key in community.products
        }
        tag_option_ids = {
            value: parameter(
                f"CostCenter-{contract.cost_center_key(value)}",
                contract.cost_center_parameter(value),
                f"TagOption of CostCenter {value!r} (Catalog stack)"[:4000],
            )
            for value in community.cost_centers
        }
        shares = None
        if (
            community.sharing.accounts
            or community.sharing.organizational_units
            or (community.sharing.organization)
        ):
            shares = PortfolioShares(
                self,
                "Shares",
                function_arn=parameter(
                    "AdminFunction",
                    contract.CATALOG_ADMIN_FUNCTION_PARAMETER,
                    "Catalog admin function (Catalog stack)",
                ),
                role_name=parameter(
                    "AdminRole",
                    contract.CATALOG_ADMIN_ROLE_PARAMETER,
                    "Role of the catalog admin function (Catalog stack)",
                ),
            )
        self.portfolio = CommunityPortfolio(
            self,
            "Community",
            name=name,
            community=community,
            stage=config.stage,
            provider_name=config.catalog.provider_name,
            product_ids=product_ids,
            launch_role_names={
                key: contract.launch_role_name(PRODUCTS[key].family) for key in community.products
            },
            tag_option_ids=tag_option_ids,
            admin=shares,
            scheduled_jobs=JOBS_PRODUCT_KEY in community.products,
            volume_key_arn=parameter(
                "VolumeKey",
                contract.EBS_KEY_ARN_PARAMETER,
                "Key of product volumes (Shared stack)",
            ),
        )
        self.cost = CommunityCost(
            self,
            "Cost",
            name=name,
            community=community,
            stage_name=config.stage_name,
            stage=config.stage,
            operators_email=config.operators.notification_email,
            notifications_key_arn=parameter(
                "NotificationsKey",
                contract.NOTIFICATIONS_KEY_PARAMETER,
                "Key of the cost topics (Cost stack)",
            ),
            block_policy_arn=parameter(
                "LaunchBlockPolicy",
                contract.LAUNCH_BLOCK_POLICY_PARAMETER,
                "Launch-block policy AWS Budgets attaches (Cost stack)",
            ),
            enforcement_function_arn=parameter(
                "EnforcementFunction",
                contract.BUDGET_ENFORCEMENT_FUNCTION_PARAMETER,
                "Budget enforcement function (Cost stack)",
            ),
            report_role_arn=parameter(
                "ReportRole",
                contract.COST_REPORT_ROLE_PARAMETER,
                "Role of the weekly cost report function (Cost stack)",
            ),
            legacy_queues=name in config.jobs.legacy_queues,
            jobs=JOBS_PRODUCT_KEY in community.products,
        )
        publish_community_document(
            self,
            name=name,
            config=config,
            budget_name=self.cost.budgets.budget_name,
            block=self.cost.budgets.block_action is not None,
            stop_topic_arn=self.cost.stop_topic.topic_arn if self.cost.stop_topic else "",
            block_topic_arn=self.cost.block_topic.topic_arn if self.cost.block_topic else "",
            reach=self.cost.reach.as_json() if self.cost.reach else None,
            report_topic_arn=self.cost.report_topic.topic_arn,
        )
        if community.kind == "sign-in":
            # The sign-in function's entry of this community (written here, not in the SignIn
            # stack: it stays small however many communities sign in, and the entry exists
            # exactly while the community's portfolio does).
            ssm.StringParameter(
                self,
                "SignInEntry",
                parameter_name=contract.sign_in_community_parameter(name),
                string_value=json.dumps(sign_in_entry(community), sort_keys=True),
                description=f"Research catalog sign-in community {name}: read by the sign-in "
                "function",
            )


def publish_community_document(
    stack: Stack,
    *,
    name: str,
    config: CatalogConfig,
    budget_name: str = "",
    block: bool = False,
    stop_topic_arn: str = "",
    block_topic_arn: str = "",
    reach: Mapping[str, object] | None = None,
    report_topic_arn: str = "",
) -> None:
    """The community's document (contract.community_parameter): the role names and name
    patterns that make a launcher a member, how to derive their e-mail and whether the sign-in
    service knows them (product-context function), its budget, topics and what its block
    reaches beyond AWS Budgets (enforcement and report functions)."""
    # The keys and roles config.rules.communities sizes (an SSM parameter holds 4 KB).
    document = {
        **community_document(config.communities[name]),
        "budget_name": budget_name,
        "block": block,
        "stop_topic_arn": stop_topic_arn,
        "block_topic_arn": block_topic_arn,
        "reach": dict(reach) if reach is not None else None,
        "report_topic_arn": report_topic_arn,
    }
    ssm.StringParameter(
        stack,
        f"CommunityDocument-{name}",
        parameter_name=contract.community_parameter(name),
        string_value=stack.to_json_string(document),
        description=f"Research catalog community {name}: read by the stage's functions",
    )
