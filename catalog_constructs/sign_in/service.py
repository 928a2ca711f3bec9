"""The sign-in service of a stage: an HTTPS endpoint under the configured domain where
researchers sign in with the stage's identity provider and land in the Service Catalog console
(or get command-line credentials) as themselves.

- API Gateway (REST, regional, its own execute-api endpoint disabled) under a custom domain
  with TLS 1.2, throttled at the stage and guarded by an AWS WAF rate limit per client address
  (``api.py``).
- One Lambda function (``handler/sign_in_handlers``) whose role may assume only the sign-in
  communities' roles (by their name prefix, which no other role of the stage can carry:
  config.rules.sign_in), read only the OAuth client secret and the sign-in communities' entries
  (one SSM parameter each, written by their stacks), and use only the service's tables.
- A DynamoDB table of single-use sign-in state (TTL) and one of the users who signed in (their
  verified name and e-mail, read by the product-context function).
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import (
    CfnOutput,
    RemovalPolicy,
    Stack,
    aws_dynamodb as dynamodb,
    aws_iam as iam,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.encryption import catalog_key
from catalog_constructs.common.function import CatalogFunction, ControlPlaneReasons
from catalog_constructs.common.iam import read_parameters_by_path
from catalog_constructs.common.nag import acknowledge
from catalog_constructs.sign_in.api import sign_in_api
from catalog_constructs.sign_in.community_roles import SignInCommunityRoles
from config.sections.catalog import CatalogMetadata
from config.sections.communities import Community
from config.sections.sign_in import SignInConfig, SynapseProvider
from config.sections.stage import StageConfig

HANDLER_DIRECTORY = Path(__file__).parent / "handler"
# Lambda's environment holds at most 4 KB.
MAX_SETTINGS_BYTES = 3500
CONSOLE = {
    "aws": ("https://{region}.console.aws.amazon.com", "https://signin.aws.amazon.com"),
    "aws-us-gov": ("https://console.amazonaws-us-gov.com", "https://signin.amazonaws-us-gov.com"),
    "aws-cn": ("https://console.amazonaws.cn", "https://signin.amazonaws.cn"),
}


def console_urls(stage: StageConfig) -> tuple[str, str]:
    """The Service Catalog products page of the stage's region, and the federation endpoint."""
    console, sign_in = CONSOLE[stage.partition]
    return (
        f"{console.format(region=stage.region)}/servicecatalog/home?region={stage.region}"
        "#/products",
        f"{sign_in}/federation",
    )


def handler_settings(
    *,
    config: SignInConfig,
    stage: StageConfig,
    catalog: CatalogMetadata,
    flow_table: str,
) -> dict[str, Any]:
    """The function's SIGN_IN_SETTINGS document (no secret: only the secret's ARN)."""
    provider = config.provider
    console_url, federation_url = console_urls(stage)
    identity: dict[str, Any]
    if isinstance(provider, SynapseProvider):
        identity = {
            "scope": "openid",
            "claims": {"user_id": "userid", "username": "user_name", "email": "email"}
            | {"groups": "team"},
            "email_template": provider.email_template,
            "cli_client_id": None,
            "repo_endpoint": provider.repo_endpoint,
            "extra_params": {},
        }
    else:
        identity = {
            "scope": provider.scope,
            "claims": {
                "user_id": provider.user_id_claim,
                "username": provider.username_claim,
                "email": provider.email_claim,
                "groups": provider.group_claim,
            },
            "email_template": None,
            "cli_client_id": provider.cli_client_id,
            "repo_endpoint": None,
            "extra_params": dict(provider.extra_params),
        }
    return {
        "provider": provider.kind,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret_arn": provider.client_secret_arn,
        **identity,
        "base_url": f"https://{config.domain_name}",
        "catalog_name": catalog.provider_name,
        "support_email": catalog.support_email,
        "signing_in_url": catalog.doc_url("signing-in.md"),
        "region": stage.region,
        "console_url": console_url,
        "federation_url": federation_url,
        "session_seconds": config.session_minutes * 60,
        "flow_table": flow_table,
        "users_table": contract.SIGN_IN_USERS_TABLE_NAME,
        "role_arn_prefix": role_arn_prefix(stage),
        # The communities themselves are in SSM (sign_in_entry), not in the 4 KB environment.
        "communities_path": contract.SIGN_IN_COMMUNITY_PARAMETER_ROOT,
    }


def role_arn_prefix(stage: StageConfig) -> str:
    return f"arn:{stage.partition}:iam::{stage.account}:role/{contract.SIGN_IN_ROLE_PREFIX}"


def sign_in_entry(community: Community) -> dict[str, str]:
    """A sign-in community's entry for the function (contract.sign_in_community_parameter;
    parsed by the handler's directory.parse_entry): no role, the function derives it from the
    name."""
    assert community.sign_in is not None
    member = (
        {"team": community.sign_in.team_id}
        if community.sign_in.team_id
        else {"group": community.sign_in.group or ""}
    )
    return {"title": community.display_name, "manager": community.manager_email, **member}


class SignInService(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SignInConfig,
        communities: Mapping[str, Community],
        stage: StageConfig,
        catalog: CatalogMetadata,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.logs_key = catalog_key(
            self, "LogsKey", description="Research catalog sign-in service: its logs"
        )
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
        self.logs_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                        )
                    }
                },
            )
        )
        self.flow_table = self._flow_table()
        self.users_table = self._users_table()
        settings = handler_settings(
            config=config,
            stage=stage,
            catalog=catalog,
            flow_table=self.flow_table.table_name,
        )
        self.function = self._function(settings, config)
        self.roles = SignInCommunityRoles(
            self, "CommunityRoles", communities=communities, service_role=self.function.role
        )
        self._grant(config, stage)
        self.api = sign_in_api(self, config=config, function=self.function, logs_key=self.logs_key)
        CfnOutput(
            self,
            "SignInUrl",
            description="Researchers' sign-in page (community entry points below /communities/)",
            value=f"https://{config.domain_name}/",
        )

    def _flow_table(self) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            "FlowTable",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="expires_at",
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            table,
            [
                "AwsSolutions-DDB3",
                "HIPAA.Security-DynamoDBPITREnabled",
                "NIST.800.53.R5-DynamoDBPITREnabled",
                "HIPAA.Security-DynamoDBInBackupPlan",
                "NIST.800.53.R5-DynamoDBInBackupPlan",
            ],
            "Sign-in state lives ten minutes and is useless once spent; restoring it from a "
            "backup would only revive used sign-ins.",
        )
        return table

    def _users_table(self) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            "UsersTable",
            table_name=contract.SIGN_IN_USERS_TABLE_NAME,
            partition_key=dynamodb.Attribute(name="user_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            table,
            ["HIPAA.Security-DynamoDBInBackupPlan", "NIST.800.53.R5-DynamoDBInBackupPlan"],
            "Point-in-time recovery keeps 35 days; every record is rewritten at the user's "
            "next sign-in, so a backup plan would add cost and no data.",
        )
        return table

    def _function(self, settings: dict[str, Any], config: SignInConfig) -> CatalogFunction:
        environment = Stack.of(self).to_json_string(settings)
        size = len(json.dumps(settings)) + 80  # the table name is a token until deployed
        if size > MAX_SETTINGS_BYTES:  # the communities are in SSM: this is a code change
            raise ValueError(f"the sign-in settings take {size} bytes; Lambda allows 4 KB")
        return CatalogFunction(
            self,
            "Function",
            code_directory=HANDLER_DIRECTORY,
            handler="index.handler",
            description="Research catalog sign-in: OIDC relying party and AWS federation broker",
            role_description="Signs researchers in to their sign-in community's role",
            policy_description="Sign-in service: community roles, client secret, its tables",
            logs_key=self.logs_key,
            timeout_seconds=28,  # API Gateway waits 29 s
            environment={"SIGN_IN_SETTINGS": environment},
            reasons=ControlPlaneReasons(
                outside_vpc="It calls the identity provider on the internet and AWS control "
                "planes (STS, the federation endpoint); no research data passes through it.",
                no_dead_letter_queue="API Gateway invokes it synchronously: every failure is "
                "answered to the browser or command line at once; nothing is queued.",
                no_reserved_concurrency="Reserved concurrency would fail to deploy in accounts "
                "with the default quota of 10; API Gateway throttling and the WAF rate rule "
                "bound its invocations.",
            ),
        )

    def _grant(self, config: SignInConfig, stage: StageConfig) -> None:
        stack = Stack.of(self)
        statements = [
            # By name prefix: 250 role ARNs would overflow the managed policy's 6,144
            # characters. No other role carries the prefix: the catalog creates none,
            # config.rules.sign_in refuses configured roles and stage names that would, and each
            # role's trust policy admits the function only as the verified user.
            iam.PolicyStatement(
                sid="AssumeOnlyTheSignInCommunityRoles",
                actions=["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                resources=[role_arn_prefix(stage) + "*"],
            ),
            read_parameters_by_path(
                stack, "ReadTheSignInCommunities", contract.SIGN_IN_COMMUNITY_PARAMETER_ROOT
            ),
            iam.PolicyStatement(
                sid="ReadTheClientSecret",
                actions=["secretsmanager:GetSecretValue"],
                resources=[config.provider.client_secret_arn],
            ),
            iam.PolicyStatement(
                sid="SingleUseSignInState",
                actions=["dynamodb:PutItem", "dynamodb:DeleteItem"],
                resources=[self.flow_table.table_arn],
            ),
            iam.PolicyStatement(
                sid="RecordSignedInUsers",
                actions=["dynamodb:PutItem"],
                resources=[self.users_table.table_arn],
            ),
        ]
        self.function.grant(
            statements,
            wildcard_reason="The sign-in communities' roles by their name prefix "
            "(research-catalog-sign-in-): one ARN each would overflow the policy at 250 "
            "communities; no other role carries the prefix (config.rules.sign_in) and each "
            "role's trust policy admits the function only as the verified user.",
        )
