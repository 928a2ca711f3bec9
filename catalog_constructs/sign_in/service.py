"""The sign-in service of a stage: an HTTPS endpoint under the configured domain where
researchers sign in with the stage's identity provider and land in the Service Catalog console
(or get command-line credentials) as themselves.

- API Gateway (REST, regional, its own execute-api endpoint disabled) under a custom domain
  with TLS 1.2, throttled at the stage and guarded by an AWS WAF rate limit per client address.
- One Lambda function (``handler/sign_in_handlers``) whose role may assume only the sign-in
  communities' roles, read only the OAuth client secret, and use only the service's tables.
- A DynamoDB table of single-use sign-in state (TTL) and one of the users who signed in (their
  verified name and e-mail, read by the product-context function).
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import (
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
    aws_apigateway as apigateway,
    aws_certificatemanager as acm,
    aws_dynamodb as dynamodb,
    aws_iam as iam,
    aws_lambda as lambda_,
    aws_logs as logs,
    aws_wafv2 as wafv2,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.encryption import catalog_key
from catalog_constructs.common.function import CatalogFunction, ControlPlaneReasons
from catalog_constructs.common.nag import acknowledge
from catalog_constructs.sign_in.community_roles import SignInCommunityRoles
from config.sections.catalog import CatalogMetadata
from config.sections.communities import Community
from config.sections.sign_in import SignInConfig, SynapseProvider
from config.sections.stage import StageConfig

HANDLER_DIRECTORY = Path(__file__).parent / "handler"
STAGE_NAME = "live"
# Requests per second over all clients; the WAF rule bounds each client further.
RATE_LIMIT = 25
BURST_LIMIT = 50
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
    communities: Mapping[str, Community],
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
        "role_arn_prefix": (
            f"arn:{stage.partition}:iam::{stage.account}:role/{contract.SIGN_IN_ROLE_PREFIX}"
        ),
        "communities": {
            name: {
                "title": community.display_name,
                "manager": community.manager_email,
                **(
                    {"team": community.sign_in.team_id}
                    if community.sign_in and community.sign_in.team_id
                    else {"group": community.sign_in.group if community.sign_in else ""}
                ),
            }
            for name, community in communities.items()
        },
    }


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
            communities=communities,
            stage=stage,
            catalog=catalog,
            flow_table=self.flow_table.table_name,
        )
        self.function = self._function(settings, config)
        self.roles = SignInCommunityRoles(
            self, "CommunityRoles", communities=communities, service_role=self.function.role
        )
        self._grant(config, self.roles.role_arns)
        self.api = self._api(config)
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
        if size > MAX_SETTINGS_BYTES:
            raise ValueError(
                f"the sign-in settings take {size} bytes; Lambda allows 4 KB of environment: "
                "shorten the sign-in communities' display names"
            )
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

    def _grant(self, config: SignInConfig, role_arns: list[str]) -> None:
        statements = [
            iam.PolicyStatement(
                sid="AssumeOnlyTheSignInCommunityRoles",
                actions=["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                resources=role_arns,
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
        self.function.grant(statements, wildcard_reason="")

    def _api(self, config: SignInConfig) -> apigateway.RestApi:
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=self.logs_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        api = apigateway.RestApi(
            self,
            "Api",
            description="Research catalog sign-in (OIDC relying party, AWS federation)",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=False,
            disable_execute_api_endpoint=True,
            deploy_options=apigateway.StageOptions(
                stage_name=STAGE_NAME,
                throttling_rate_limit=RATE_LIMIT,
                throttling_burst_limit=BURST_LIMIT,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                # Resource path, never the query string: the callback's carries a code and state.
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                tracing_enabled=True,
            ),
        )
        # A plain AWS_PROXY integration and one permission of our own: LambdaIntegration would
        # add permissions whose ids derive from the API's construct path, which differs
        # between `cdk deploy` and the pipeline (tests/infrastructure/test_pipeline.py).
        stack = Stack.of(self)
        integration = apigateway.Integration(
            type=apigateway.IntegrationType.AWS_PROXY,
            integration_http_method="POST",
            uri=(
                f"arn:{stack.partition}:apigateway:{stack.region}:lambda:path/2015-03-31/"
                f"functions/{self.function.function.attr_arn}/invocations"
            ),
            options=apigateway.IntegrationOptions(timeout=Duration.seconds(29)),
        )
        methods = [
            api.root.add_method("ANY", integration),
            api.root.add_resource("{proxy+}").add_method("ANY", integration),
        ]
        domain = apigateway.DomainName(
            self,
            "Domain",
            domain_name=config.domain_name,
            certificate=acm.Certificate.from_certificate_arn(
                self, "Certificate", config.certificate_arn
            ),
            endpoint_type=apigateway.EndpointType.REGIONAL,
            security_policy=apigateway.SecurityPolicy.TLS_1_2,
        )
        apigateway.BasePathMapping(
            self, "DomainMapping", domain_name=domain, rest_api=api, stage=api.deployment_stage
        )
        lambda_.CfnPermission(
            self,
            "ApiInvokesFunction",
            action="lambda:InvokeFunction",
            function_name=self.function.function.ref,
            principal="apigateway.amazonaws.com",
            # The live stage only (no console test invocations).
            source_arn=api.arn_for_execute_api(stage=STAGE_NAME),
            source_account=stack.account,
        )
        self._firewall(api, config)
        CfnOutput(
            self,
            "DnsTarget",
            description=f"Point {config.domain_name} here (CNAME, or an alias record)",
            value=domain.domain_name_alias_domain_name,
        )
        for method in methods:
            acknowledge(
                method,
                ["AwsSolutions-APIG4", "AwsSolutions-COG4"],
                "The sign-in service is where researchers authenticate: its pages are public, "
                "the callback accepts only a single-use state bound to the browser and a code "
                "the provider issued, and /credentials authenticates the caller's token itself.",
            )
        acknowledge(
            api,
            ["AwsSolutions-APIG2"],
            "The function validates every request itself (paths, one value per parameter, "
            "tokens); API Gateway request validation cannot express those checks.",
        )
        acknowledge(
            api,
            [
                "AwsSolutions-APIG6",
                "HIPAA.Security-APIGWExecutionLoggingEnabled",
                "NIST.800.53.R5-APIGWExecutionLoggingEnabled",
            ],
            "Execution logging needs the account-wide API Gateway CloudWatch role and would log "
            "request details (codes, tokens); access logs record every call without them.",
        )
        acknowledge(
            api,
            [
                "HIPAA.Security-APIGWCacheEnabledAndEncrypted",
                "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted",
            ],
            "A sign-in must never be answered from a cache.",
        )
        acknowledge(
            api,
            ["HIPAA.Security-APIGWSSLEnabled", "NIST.800.53.R5-APIGWSSLEnabled"],
            "The integration is a Lambda function invoked by API Gateway, not an HTTP back end "
            "a client certificate could authenticate.",
        )
        return api

    def _firewall(self, api: apigateway.RestApi, config: SignInConfig) -> None:
        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name=name,
                sampled_requests_enabled=False,
            )

        acl = wafv2.CfnWebACL(
            self,
            "Firewall",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            description="Research catalog sign-in: requests per client address",
            visibility_config=visibility("ResearchCatalogSignIn"),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="RequestsPerClientAddress",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP",
                            limit=config.requests_per_5_minutes_per_ip,
                            evaluation_window_sec=300,
                        )
                    ),
                    visibility_config=visibility("RequestsPerClientAddress"),
                )
            ],
        )
        acknowledge(
            acl,
            ["NIST.800.53.R5-WAFv2LoggingEnabled", "HIPAA.Security-WAFv2LoggingEnabled"],
            "WAF logs record request headers and query strings, which here carry "
            "authorization codes, state and tokens; the API's access logs record every "
            "request without them.",
        )
        wafv2.CfnWebACLAssociation(
            self,
            "FirewallAssociation",
            resource_arn=api.deployment_stage.stage_arn,
            web_acl_arn=acl.attr_arn,
        )
