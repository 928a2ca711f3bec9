"""The sign-in service's face to the internet: an API Gateway REST API (regional, its own
execute-api endpoint disabled) under the configured domain with TLS 1.2, throttled at the stage,
behind an AWS WAF rate limit per client address, proxying every request to the function."""

from aws_cdk import (
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
    aws_apigateway as apigateway,
    aws_certificatemanager as acm,
    aws_kms as kms,
    aws_lambda as lambda_,
    aws_logs as logs,
    aws_wafv2 as wafv2,
)
from constructs import Construct

from catalog_constructs.common.function import CatalogFunction
from catalog_constructs.common.nag import acknowledge
from config.sections.sign_in import SignInConfig

STAGE_NAME = "live"
# Requests per second over all clients; the WAF rule bounds each client further.
RATE_LIMIT = 25
BURST_LIMIT = 50


def sign_in_api(
    self: Construct, *, config: SignInConfig, function: CatalogFunction, logs_key: kms.IKey
) -> apigateway.RestApi:
    """The REST API under the configured domain, in ``self`` (the SignInService, so its ids
    stay the service's): one proxy integration of the function."""
    access_logs = logs.LogGroup(
        self,
        "AccessLogs",
        retention=logs.RetentionDays.ONE_YEAR,
        encryption_key=logs_key,
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
            f"functions/{function.function.attr_arn}/invocations"
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
        function_name=function.function.ref,
        principal="apigateway.amazonaws.com",
        # The live stage only (no console test invocations).
        source_arn=api.arn_for_execute_api(stage=STAGE_NAME),
        source_account=stack.account,
    )
    _firewall(self, api, config)
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


def _firewall(self: Construct, api: apigateway.RestApi, config: SignInConfig) -> None:
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
