"""What bucket products rely on in the shared stack.

* Two KMS keys, one for private buckets and one for Synapse buckets, usable only through S3.
  Shared keys rather than one key per bucket: S3 authorizes every request against the bucket
  policy before it uses the key, so the bucket policy alone decides who reads data, and the
  archive/restore flow changes one policy instead of two. A per-bucket key would need a key
  policy naming the owner, the owner's instance roles and the administrators (the latter
  from config, which product templates must not contain), would let launch roles create keys
  and write key policies, and would outlive its bucket at $1 a month after each purge. The
  Synapse key is separate because its policy must admit the Synapse account; the private one
  is never usable from another account.
* The bucket that receives the product buckets' server access logs (SSE-S3: log delivery
  cannot write with a KMS key).
* ``research-catalog-bucket-access``: the custom resource that writes bucket policies,
  Synapse's owner.txt and CORS, and archives a bucket when its product is terminated; also
  the operators' restore/archive command.
* ``research-catalog-bucket-purge``: deletes archived buckets after the archive period,
  notifying the owner by SES before and after.
"""

import json
from pathlib import Path

from aws_cdk import (
    Duration,
    RemovalPolicy,
    Stack,
    aws_events as events,
    aws_iam as iam,
    aws_kms as kms,
    aws_lambda as lambda_,
    aws_s3 as s3,
    aws_ssm as ssm,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.encryption import (
    DATA_KEY_USE,
    allow_use_through_service,
    catalog_key,
)
from catalog_constructs.common.function import CatalogFunction, ControlPlaneReasons
from catalog_constructs.common.nag import acknowledge
from config.sections.operators import OperatorsConfig
from config.sections.storage import StorageConfig

HANDLER_DIRECTORY = Path(__file__).parent / "handler"
STORAGE_FAMILY = "storage"


def launch_role_pattern(stack: Stack, family: str) -> str:
    return stack.format_arn(
        service="iam",
        region="",
        resource="role",
        resource_name=contract.launch_role_name(family),
    )


def product_role_pattern(stack: Stack) -> str:
    return stack.format_arn(
        service="iam",
        region="",
        resource="role",
        resource_name=contract.PRODUCT_ROLE_PATH.strip("/") + "/*",
    )


def _s3_only_key(scope: Construct, construct_id: str, description: str) -> kms.Key:
    key = catalog_key(scope, construct_id, description=description)
    allow_use_through_service(key, sid="UseThroughS3InThisAccount", service="s3")
    return key


class StorageServices(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: StorageConfig,
        operators: OperatorsConfig,
        logs_key: kms.IKey,
        vpc_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.bucket_key = _s3_only_key(
            self, "BucketKey", "Research catalog: private bucket products (through S3 only)"
        )
        self.synapse_bucket_key = _s3_only_key(
            self, "SynapseBucketKey", "Research catalog: Synapse bucket products (through S3)"
        )
        # https://help.synapse.org/docs/Custom-Storage-Locations.2048327803.html (SSE-KMS)
        self.synapse_bucket_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="SynapseThroughS3",
                principals=[iam.AccountPrincipal(storage.synapse_account_id)],
                actions=list(DATA_KEY_USE),
                resources=["*"],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            )
        )

        self.access_log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=Duration.days(storage.access_log_days),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
        )
        self.access_log_bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ServerAccessLogsOfThisAccount",
                principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[self.access_log_bucket.arn_for_objects("*")],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        acknowledge(
            self.access_log_bucket,
            [
                "AwsSolutions-S1",
                "HIPAA.Security-S3BucketLoggingEnabled",
                "NIST.800.53.R5-S3BucketLoggingEnabled",
            ],
            "This bucket receives the server access logs; logging it into itself would loop.",
        )
        acknowledge(
            self.access_log_bucket,
            ["HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS"],
            "S3 server access log delivery supports only SSE-S3 on the target bucket.",
        )
        acknowledge(
            self.access_log_bucket,
            [
                "HIPAA.Security-S3BucketReplicationEnabled",
                "NIST.800.53.R5-S3BucketReplicationEnabled",
            ],
            "Access logs are kept versioned and retained in the account; cross-region "
            "replication is an organisation-level decision outside this catalog.",
        )

        buckets = f"arn:{stack.partition}:s3:::*"
        access_statements = [
            iam.PolicyStatement(
                sid="BucketPolicyTagsCorsAndOwnerFile",
                actions=[
                    "s3:GetBucketPolicy",
                    "s3:PutBucketPolicy",
                    "s3:GetBucketTagging",
                    "s3:PutBucketTagging",
                    "s3:PutBucketCORS",
                    "s3:ListBucket",
                    "s3:PutObject",
                    "s3:PutObjectTagging",
                ],
                resources=[buckets, f"{buckets}/*"],
            )
        ]
        purge_statements = [
            iam.PolicyStatement(
                sid="FindArchivedBuckets",
                actions=["s3:ListAllMyBuckets"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="EmptyAndDeleteArchivedBuckets",
                actions=[
                    "s3:GetBucketTagging",
                    "s3:PutBucketTagging",
                    "s3:GetBucketPolicy",
                    "s3:ListBucket",
                    "s3:ListBucketVersions",
                    "s3:ListBucketMultipartUploads",
                    "s3:AbortMultipartUpload",
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                    "s3:DeleteBucket",
                ],
                resources=[buckets, f"{buckets}/*"],
            ),
            iam.PolicyStatement(
                sid="NotifyOwners",
                actions=["ses:SendEmail"],
                resources=[stack.format_arn(service="ses", resource="identity", resource_name="*")],
                conditions={
                    "StringEquals": {
                        "ses:FromAddress": storage.notification_sender
                        or operators.notification_email
                    }
                },
            ),
        ]
        self.access_function = _BucketFunction(
            self,
            "Access",
            function_name=contract.BUCKET_ACCESS_FUNCTION_NAME,
            handler="index.handler",
            description="Custom resource: bucket policy, owner.txt, archive; operator restore",
            purpose="writes bucket policies",
            statements=access_statements,
            logs_key=logs_key,
            timeout=120,
        )
        self.purge_function = _BucketFunction(
            self,
            "Purge",
            function_name=contract.BUCKET_PURGE_FUNCTION_NAME,
            handler="index.purge_handler",
            description="Deletes archived product buckets after the archive period",
            purpose="purges archived buckets",
            statements=purge_statements,
            logs_key=logs_key,
            timeout=900,
        )

        environment = {
            "ACCOUNT": stack.account,
            "PARTITION": stack.partition,
            "REGION": stack.region,
            "ADMIN_ROLE_ARNS": json.dumps(list(operators.admin_role_arns)),
            "SERVICE_ROLE_ARNS": stack.to_json_string(
                [self.access_function.role.role_arn, self.purge_function.role.role_arn]
            ),
            "LAUNCH_ROLE_PATTERN": launch_role_pattern(stack, STORAGE_FAMILY),
            "PRODUCT_ROLE_PATTERN": product_role_pattern(stack),
            "SYNAPSE_ACCOUNT": storage.synapse_account_id,
            "SYNAPSE_ORIGINS": json.dumps(list(storage.synapse_origins)),
            "VPC_ID": vpc_id,
            "ARCHIVE_DAYS": str(storage.archive_days),
            "NOTICE_DAYS": str(storage.notice_days),
            "SENDER": storage.notification_sender or operators.notification_email,
            "OPERATORS_EMAIL": operators.notification_email,
            "DRY_RUN": "true" if storage.purge_dry_run else "false",
        }
        for function in (self.access_function, self.purge_function):
            function.function.environment = lambda_.CfnFunction.EnvironmentProperty(
                variables=environment
            )

        schedule = events.CfnRule(
            self,
            "PurgeSchedule",
            description="Runs the purge of archived product buckets",
            schedule_expression=storage.purge_schedule,
            targets=[
                events.CfnRule.TargetProperty(
                    id="Purge",
                    arn=self.purge_function.function.attr_arn,
                    retry_policy=events.CfnRule.RetryPolicyProperty(maximum_retry_attempts=0),
                )
            ],
        )
        lambda_.CfnPermission(
            self,
            "PurgeSchedulePermission",
            action="lambda:InvokeFunction",
            function_name=self.purge_function.function.attr_arn,
            principal="events.amazonaws.com",
            source_arn=schedule.attr_arn,
        )

        for construct_id_, name, value in (
            ("BucketKeyParameter", contract.BUCKET_KEY_ARN_PARAMETER, self.bucket_key.key_arn),
            (
                "SynapseBucketKeyParameter",
                contract.SYNAPSE_BUCKET_KEY_ARN_PARAMETER,
                self.synapse_bucket_key.key_arn,
            ),
            (
                "AccessLogBucketParameter",
                contract.ACCESS_LOG_BUCKET_PARAMETER,
                self.access_log_bucket.bucket_name,
            ),
        ):
            ssm.StringParameter(
                self,
                construct_id_,
                parameter_name=name,
                string_value=value,
                description="Read by research-catalog bucket products at launch",
            )


class _BucketFunction(CatalogFunction):
    """One of the two bucket functions: fixed name, own role and encrypted log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function_name: str,
        handler: str,
        description: str,
        purpose: str,
        statements: list[iam.PolicyStatement],
        logs_key: kms.IKey,
        timeout: int,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            code_directory=HANDLER_DIRECTORY,
            handler=handler,
            function_name=function_name,
            description=description,
            role_description=description,
            policy_description=f"Research catalog bucket function that {purpose}",
            logs_key=logs_key,
            timeout_seconds=timeout,
            statements=statements,
            wildcard_reason="Product buckets get their names at launch (generated or chosen by "
            "the owner), so no name pattern exists; every product bucket's own policy denies "
            "data access to all but its owner, and the purge deletes only buckets whose tags "
            "and deny-all archive policy mark them as the catalog's archives. ListAllMyBuckets "
            "has no resource scoping; SES sending is limited to the configured sender address.",
            reasons=ControlPlaneReasons(
                outside_vpc="It calls only S3 and SES control and object APIs by name; outside "
                "the VPC it keeps working when the VPC has no NAT or no S3 endpoint.",
                no_dead_letter_queue="CloudFormation receives every custom-resource failure; the "
                "scheduled purge is idempotent and the next run retries; a failed run shows in "
                "its Errors metric.",
                no_reserved_concurrency="Reserved concurrency would fail to deploy in accounts "
                "with the default quota of 10 and is not needed: one call per bucket launch or "
                "terminate, one purge a day.",
            ),
        )
