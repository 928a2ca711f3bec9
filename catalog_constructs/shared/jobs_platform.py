"""What every scheduled-job product shares: Fargate compute, queues, the scheduler role, the
submit API and the key for job secrets and alert topics.

A provisioned job owns only its job definition, schedule, secret, logs and alert topic. Compute
environments and job queues are capped at 50 each per region, and regional REST APIs at 600
(not raisable), so per-product compute or APIs would cap an account at a few dozen or a few
hundred jobs.

Fairness: the stage has one Fargate and one Fargate Spot compute environment with a queue each
(two of the region's 50 compute environments, whatever the number of communities) under a
fair-share scheduling policy. Every job is submitted with one of its community's two share
identifiers (contract.job_share_prefix + 0 or 1, fixed per owner), so the scheduler divides the
vCPUs between the communities with work queued, weighted per community where the configuration
says so, and within a community between two halves of its owners; a burst lowers the share's
priority for SHARE_DECAY_SECONDS. Accounting stays per community: jobs propagate their Community
and owner tags to the Fargate tasks, which the cost allocation tags report.
"""

from collections.abc import Mapping, Sequence

from aws_cdk import (
    RemovalPolicy,
    Stack,
    aws_apigateway as apigateway,
    aws_batch as batch,
    aws_ec2 as ec2,
    aws_iam as iam,
    aws_kms as kms,
    aws_logs as logs,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.encryption import allow_use_through_service, catalog_key
from catalog_constructs.common.nag import acknowledge, acknowledge_wildcard_resources

# Per capacity type of the pool by default; the account's Fargate vCPU quota applies on top.
MAX_VCPUS = 256
# What each per-community compute environment of the former layout was deployed with: legacy
# queues keep it, so deploying the pool changes nothing about them.
LEGACY_MAX_VCPUS = 256
POOL_COMPUTE_RESERVATION = 10
# How long past usage counts against a share: long enough that a burst of jobs lowers the
# product's priority for a while, short enough that a quiet product is soon first again.
SHARE_DECAY_SECONDS = 3600
API_RATE_LIMIT = 5
API_BURST_LIMIT = 10

# The request the API sends to Batch SubmitJob with the caller's own credentials. Batch then
# checks the caller's policy: the job definition must carry their owner tag (only evaluated
# when a revision is given, hence the revision in the path), the queue their community's.
SUBMIT_JOB_REQUEST_WITH_SHARE = """#set($path = $input.params().path)
#set($name = $util.escapeJavaScript($path.get('name')))
{
  "jobName": "api-$context.requestId",
  "jobQueue": "$util.escapeJavaScript($path.get('queue'))",
  "jobDefinition": "$name:$util.escapeJavaScript($path.get('revision'))",
  "shareIdentifier": "$util.escapeJavaScript($path.get('share'))"
}"""
# Products launched before the pool: their URL has no share identifier (the job definition
# name was the share of their community queue).
SUBMIT_JOB_REQUEST = """#set($path = $input.params().path)
#set($name = $util.escapeJavaScript($path.get('name')))
{
  "jobName": "api-$context.requestId",
  "jobQueue": "$util.escapeJavaScript($path.get('queue'))",
  "jobDefinition": "$name:$util.escapeJavaScript($path.get('revision'))",
  "shareIdentifier": "$name"
}"""


class JobsPlatform(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        community_weights: Mapping[str, float],
        legacy_communities: Sequence[str] = (),
        max_vcpus: int = MAX_VCPUS,
        vpc: ec2.IVpc,
        subnet_ids: list[str],
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.key = catalog_key(
            self,
            "Key",
            description="Research catalog: scheduled-job secrets and failure-alert topics",
        )
        # Secrets Manager encrypts for whoever may use the secret; IAM and each secret's
        # resource policy decide who that is.
        allow_use_through_service(
            self.key,
            sid="UseThroughSecretsManagerInThisAccount",
            service="secretsmanager",
            actions=["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
        )
        # EventBridge publishes job-failure events to the products' encrypted topics.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeToEncryptedTopics",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )

        security_group = ec2.SecurityGroup(
            self,
            "JobSecurityGroup",
            vpc=vpc,
            description="Scheduled jobs: no inbound access; images, packages and AWS APIs out",
            allow_all_outbound=True,
        )
        acknowledge(
            security_group,
            ["HIPAA.Security-EC2RestrictedCommonPorts", "NIST.800.53.R5-EC2RestrictedCommonPorts"],
            "The group has no inbound rule at all; the rule flags the open egress.",
        )

        def compute(
            construct_id: str, kind: str, vcpus: int = max_vcpus
        ) -> batch.CfnComputeEnvironment:
            return batch.CfnComputeEnvironment(
                self,
                construct_id,
                type="MANAGED",
                state="ENABLED",
                compute_resources=batch.CfnComputeEnvironment.ComputeResourcesProperty(
                    type=kind,
                    maxv_cpus=vcpus,
                    subnets=subnet_ids,
                    security_group_ids=[security_group.security_group_id],
                ),
            )

        def queue(
            construct_id: str, name: str, policy_arn: str, environment: batch.CfnComputeEnvironment
        ) -> batch.CfnJobQueue:
            return batch.CfnJobQueue(
                self,
                construct_id,
                job_queue_name=name,
                priority=1,
                state="ENABLED",
                scheduling_policy_arn=policy_arn,
                compute_environment_order=[
                    batch.CfnJobQueue.ComputeEnvironmentOrderProperty(
                        order=1, compute_environment=environment.attr_compute_environment_arn
                    )
                ],
            )

        # The stage's pool: every community's jobs, each under one of its community's share
        # identifiers (contract.job_share_prefix), so the scheduler divides the vCPUs between
        # communities by recent use instead of first come, first served.
        pool_policy = batch.CfnSchedulingPolicy(
            self,
            "PoolFairShare",
            fairshare_policy=batch.CfnSchedulingPolicy.FairsharePolicyProperty(
                share_decay_seconds=SHARE_DECAY_SECONDS,
                # Keeps some vCPUs free for shares that are not running anything yet: 1 active
                # share leaves 10 % unused, 2 leave 1 %, more practically none.
                compute_reservation=POOL_COMPUTE_RESERVATION,
                share_distribution=[
                    batch.CfnSchedulingPolicy.ShareAttributesProperty(
                        share_identifier=contract.job_share_prefix(name) + "*",
                        weight_factor=weight,
                    )
                    for name, weight in sorted(community_weights.items())
                ]
                or None,
            ),
        )
        self.queue_arns: list[str] = []
        for spot in (False, True):
            kind = "FARGATE_SPOT" if spot else "FARGATE"
            self.queue_arns.append(
                queue(
                    f"Pool-{kind}-Queue",
                    contract.pooled_job_queue_name(spot=spot),
                    pool_policy.attr_arn,
                    compute(f"Pool-{kind}", kind),
                ).attr_job_queue_arn
            )

        # Queues of the former layout (a compute environment pair per community), kept under
        # their construct IDs while job products launched before the pool still submit to them
        # (docs/operations.md, "Moving scheduled jobs to the pooled queues").
        for community in legacy_communities:
            policy = batch.CfnSchedulingPolicy(
                self,
                f"{community}-FairShare",
                fairshare_policy=batch.CfnSchedulingPolicy.FairsharePolicyProperty(
                    share_decay_seconds=SHARE_DECAY_SECONDS, compute_reservation=0
                ),
            )
            for spot in (False, True):
                kind = "FARGATE_SPOT" if spot else "FARGATE"
                self.queue_arns.append(
                    queue(
                        f"{community}-{kind}-Queue",
                        contract.job_queue_name(community, spot=spot),
                        policy.attr_arn,
                        compute(f"{community}-{kind}", kind, LEGACY_MAX_VCPUS),
                    ).attr_job_queue_arn
                )

        self.scheduler_role = iam.Role(
            self,
            "SchedulerRole",
            role_name=contract.JOB_SCHEDULER_ROLE_NAME,
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="EventBridge Scheduler: submits scheduled catalog jobs to AWS Batch",
        )
        submit = iam.PolicyStatement(
            sid="SubmitCatalogJobs",
            actions=["batch:SubmitJob"],
            resources=[
                stack.format_arn(
                    service="batch",
                    resource="job-definition",
                    resource_name=f"{contract.JOB_DEFINITION_PREFIX}*",
                ),
                stack.format_arn(
                    service="batch",
                    resource="job-queue",
                    resource_name=f"{contract.PREFIX}-*",
                ),
            ],
        )
        self.scheduler_role.add_to_policy(submit)
        acknowledge_wildcard_resources(
            self.scheduler_role,
            [submit],
            "Job definitions are registered per product at launch under the catalog's prefix; "
            "queues are the catalog's own community queues.",
        )
        acknowledge(
            self.scheduler_role,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "One statement that lives and dies with this role.",
        )

        self.api = self._submit_api(logs_key)

    def _submit_api(self, logs_key: kms.IKey) -> apigateway.RestApi:
        access_logs = logs.LogGroup(
            self,
            "SubmitApiAccessLogs",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=logs_key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        api = apigateway.RestApi(
            self,
            "SubmitApi",
            description="Research catalog: submit a scheduled job now (IAM/SigV4, owner only)",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=False,
            deploy_options=apigateway.StageOptions(
                stage_name=contract.JOB_SUBMIT_API_STAGE,
                throttling_rate_limit=API_RATE_LIMIT,
                throttling_burst_limit=API_BURST_LIMIT,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                tracing_enabled=True,
            ),
            default_method_options=apigateway.MethodOptions(
                authorization_type=apigateway.AuthorizationType.IAM
            ),
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="CallersOfThisAccountOnly",
                        principals=[iam.AccountRootPrincipal()],
                        actions=["execute-api:Invoke"],
                        resources=["execute-api:/*"],
                    )
                ]
            ),
        )
        jobs = api.root.add_resource("jobs")
        revision = jobs.add_resource("{queue}").add_resource("{name}").add_resource("{revision}")
        method = self._submit_method(revision, SUBMIT_JOB_REQUEST, ("queue", "name", "revision"))
        # /jobs/{queue}/{name}/{revision}/{share}: the pooled queues' form (batch_job handler).
        share_method = self._submit_method(
            revision.add_resource("{share}"),
            SUBMIT_JOB_REQUEST_WITH_SHARE,
            ("queue", "name", "revision", "share"),
            # The validator the first method created (named by CDK: the feature flag
            # requestValidatorUniqueId gives it a generated ID).
            validator=next(
                child
                for child in api.node.children
                if isinstance(child, apigateway.RequestValidator)
            ),
        )
        acknowledge(
            api,
            [
                "AwsSolutions-APIG3",
                "HIPAA.Security-APIGWAssociatedWithWAF",
                "NIST.800.53.R5-APIGWAssociatedWithWAF",
            ],
            "Every method requires SigV4 from a principal of this account, is throttled at the "
            "stage, and does nothing but forward one SubmitJob with the caller's own "
            "credentials; a web ACL would add cost and nothing to filter.",
        )
        for submit in (method, share_method):
            acknowledge(
                submit,
                ["AwsSolutions-COG4"],
                "Researchers are IAM principals (SSO or federated roles), not Cognito users: "
                "the method requires SigV4 (AWS_IAM) and Batch authorizes the caller's own "
                "SubmitJob.",
            )
        acknowledge(
            api,
            ["AwsSolutions-APIG2"],
            "The methods read no request body; their path parameters are required and "
            "validated, and Batch validates the values again.",
        )
        acknowledge(
            api,
            [
                "AwsSolutions-APIG6",
                "HIPAA.Security-APIGWExecutionLoggingEnabled",
                "NIST.800.53.R5-APIGWExecutionLoggingEnabled",
            ],
            "Execution logging needs the account-wide API Gateway CloudWatch role, a setting "
            "shared with every other API of the account; access logs record every call.",
        )
        acknowledge(
            api,
            [
                "HIPAA.Security-APIGWCacheEnabledAndEncrypted",
                "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted",
            ],
            "Submitting a job must never be answered from a cache.",
        )
        acknowledge(
            api,
            ["HIPAA.Security-APIGWSSLEnabled", "NIST.800.53.R5-APIGWSSLEnabled"],
            "The integration is an AWS service endpoint reached over TLS; client certificates "
            "authenticate HTTP back ends, of which there is none.",
        )
        return api

    @staticmethod
    def _submit_method(
        resource: apigateway.Resource,
        request_template: str,
        path_parameters: tuple[str, ...],
        *,
        validator: apigateway.IRequestValidator | None = None,
    ) -> apigateway.Method:
        """A POST that forwards one SubmitJob with the caller's credentials. The first method
        creates the API's parameter validator; later ones pass it as ``validator``."""
        return resource.add_method(
            "POST",
            apigateway.AwsIntegration(
                service="batch",
                path="v1/submitjob",
                integration_http_method="POST",
                options=apigateway.IntegrationOptions(
                    credentials_passthrough=True,
                    passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
                    request_templates={"application/json": request_template},
                    integration_responses=[
                        apigateway.IntegrationResponse(status_code="200"),
                        apigateway.IntegrationResponse(status_code="403", selection_pattern="403"),
                        apigateway.IntegrationResponse(
                            status_code="400", selection_pattern="4\\d{2}"
                        ),
                        apigateway.IntegrationResponse(
                            status_code="502", selection_pattern="5\\d{2}"
                        ),
                    ],
                ),
            ),
            request_parameters={f"method.request.path.{name}": True for name in path_parameters},
            request_validator=validator,
            request_validator_options=None
            if validator
            else apigateway.RequestValidatorOptions(validate_request_parameters=True),
            # IAM (SigV4) authorization comes from default_method_options.
            method_responses=[
                apigateway.MethodResponse(status_code=code) for code in ("200", "400", "403", "502")
            ],
        )
