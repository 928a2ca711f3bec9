"""Scheduled Job: the owner's container on AWS Batch Fargate, on a schedule or on request."""

from aws_cdk import (
    CfnCondition,
    CfnDeletionPolicy,
    CfnOutput,
    CustomResource,
    Fn,
    aws_events as events,
    aws_iam as iam,
    aws_logs as logs,
    aws_scheduler as scheduler,
    aws_secretsmanager as secretsmanager,
    aws_servicecatalog as servicecatalog,
    aws_sns as sns,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge, acknowledge_wildcard_resources
from catalog_constructs.contract import resolve_ssm
from catalog_constructs.product_template.context import (
    ProductContext,
    product_context_service_token,
)
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from catalog_constructs.product_template.owner_credential import deny_reading_to_others
from catalog_constructs.shared.product_context.handler.product_context_handlers.fargate import (
    FARGATE_SIZES,
    SECRETS_VARIABLE,
    size_label,
)
from products.registry import JOBS_PRODUCT_KEY
from products.template import HTTPS_URL, ProductTemplate, SmokeTest

PRODUCT_KEY = JOBS_PRODUCT_KEY
DISPLAY_NAME = "Scheduled Job"
DESCRIPTION = (
    "Runs your container image on AWS Batch (Fargate) on a schedule or when you call its "
    "authenticated HTTPS endpoint, with secrets from Secrets Manager, logs in CloudWatch and an "
    "e-mail when a run fails. No servers to manage; you pay only while the job runs."
)

JOB_SIZES = tuple(
    size_label(vcpu, memory) for vcpu, memories in FARGATE_SIZES.items() for memory in memories
)
LOG_RETENTION_DAYS = (
    "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545",
    "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653",
)  # fmt: skip
# A registry host (optional), a repository path in lower case, then a tag and/or digest.
IMAGE_PATTERN = (
    r"^(?:[a-zA-Z0-9][a-zA-Z0-9.-]*(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)
SCHEDULE_PATTERN = (
    r"^(rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)"
    r"|cron\([^()]+\))$"
)
NO_ALERT_EMAIL = "none"

FORM = (
    FormGroup(
        label="Container",
        parameters=(
            FormParameter(
                name="Image",
                label="Container image",
                description=(
                    "A public image (Docker Hub python:3.12-slim, public.ecr.aws/..., "
                    "ghcr.io/...) or an Amazon ECR image of this account (<account>.dkr.ecr."
                    "<region>.amazonaws.com/<repository>:<tag>). Pin a tag or a digest."
                ),
                constraint_description=(
                    "Enter an image reference such as python:3.12-slim, "
                    "ghcr.io/org/tool:1.2 or <account>.dkr.ecr.<region>.amazonaws.com/repo:tag "
                    "(lower-case repository, optional tag and @sha256 digest)."
                ),
                default="public.ecr.aws/docker/library/python:3.12-slim",
                allowed_pattern=IMAGE_PATTERN,
                min_length=1,
                max_length=1024,
            ),
            FormParameter(
                name="Command",
                label="Command (JSON array)",
                description=(
                    "The command and its arguments as a JSON array of strings, so an argument "
                    'may contain spaces: ["python", "-c", "print(\'hello\')"]. Empty runs the '
                    "image's own command."
                ),
                constraint_description="At most 4096 characters; a JSON array of strings.",
                default='["python", "-c", "print(\'hello from the catalog\')"]',
                max_length=4096,
            ),
            FormParameter(
                name="EnvironmentVariables",
                label="Environment variables",
                description=(
                    "NAME=value entries separated by ';' (write \\; for a semicolon inside a "
                    "value), e.g. INPUT=s3://bucket/in;THREADS=4. Each becomes its own "
                    f"variable. Never put secrets here: use the secret ({SECRETS_VARIABLE})."
                ),
                constraint_description="At most 4096 characters of NAME=value entries.",
                default="",
                max_length=4096,
            ),
            FormParameter(
                name="JobSize",
                label="vCPU and memory",
                description=(
                    "A Fargate size: vCPUs and memory in GiB. Price per hour: "
                    "https://aws.amazon.com/fargate/pricing/"
                ),
                constraint_description="Choose one of the listed Fargate sizes.",
                default="1 vCPU, 2 GiB",
                allowed_values=JOB_SIZES,
            ),
            FormParameter(
                name="CpuArchitecture",
                label="CPU architecture",
                description=(
                    "X86_64 (Intel/AMD) or ARM64 (Graviton, about 20% cheaper). The image must "
                    "be built for it; Fargate Spot runs X86_64 only."
                ),
                constraint_description="Choose X86_64 or ARM64.",
                default="X86_64",
                allowed_values=("X86_64", "ARM64"),
            ),
            FormParameter(
                name="EphemeralStorageGiB",
                label="Scratch storage (GiB)",
                description=(
                    "Temporary disk of each run, erased when the run ends. Keep results in a "
                    "bucket."
                ),
                constraint_description="Enter a whole number of GiB from 21 to 200.",
                type="Number",
                default=21,
                min_value=21,
                max_value=200,
            ),
        ),
    ),
    FormGroup(
        label="Schedule and limits",
        parameters=(
            FormParameter(
                name="ScheduleExpression",
                label="Schedule",
                description=(
                    "rate(1 day), rate(6 hours), rate(30 minutes), or cron(minutes hours "
                    "day-of-month month day-of-week year), e.g. cron(0 7 ? * MON-FRI *) for "
                    "07:00 on weekdays in the time zone below."
                ),
                constraint_description=(
                    "Enter rate(<n> minutes|hours|days) (rate(1 minute|hour|day) for one) or "
                    "cron(<six fields>)."
                ),
                default="rate(1 day)",
                allowed_pattern=SCHEDULE_PATTERN,
                max_length=256,
            ),
            FormParameter(
                name="ScheduleTimezone",
                label="Time zone",
                description="IANA time zone of cron schedules, e.g. UTC, Europe/Zurich.",
                constraint_description="Enter an IANA time zone name such as UTC or Asia/Tokyo.",
                default="UTC",
                allowed_pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
                max_length=50,
            ),
            FormParameter(
                name="ScheduleState",
                label="Schedule on or off",
                description=(
                    "ENABLED runs the job on the schedule; DISABLED keeps everything but runs "
                    "it only when you call the SubmitJobApi. Change it any time by updating "
                    "the product."
                ),
                constraint_description="Choose ENABLED or DISABLED.",
                default="ENABLED",
                allowed_values=("ENABLED", "DISABLED"),
            ),
            FormParameter(
                name="TimeoutSeconds",
                label="Time limit per attempt (seconds)",
                description="Batch stops an attempt that runs longer (60 to 3600 seconds).",
                constraint_description="Enter a whole number of seconds from 60 to 3600.",
                type="Number",
                default=3600,
                min_value=60,
                max_value=3600,
            ),
            FormParameter(
                name="Attempts",
                label="Attempts",
                description=(
                    "How many times a run is tried in total when it fails: 1 = no retry, 3 = "
                    "the first try and up to 2 retries. Each attempt gets the full time limit."
                ),
                constraint_description="Enter a whole number from 1 to 5.",
                type="Number",
                default=1,
                min_value=1,
                max_value=5,
            ),
            FormParameter(
                name="UseFargateSpot",
                label="Use Fargate Spot",
                description=(
                    "Yes runs on spare capacity, up to 70% cheaper, but a run may be "
                    "interrupted (it is then retried if Attempts allows). X86_64 only."
                ),
                constraint_description="Choose No or Yes.",
                default="No",
                allowed_values=("No", "Yes"),
            ),
        ),
    ),
    FormGroup(
        label="Alerts and logs",
        parameters=(
            FormParameter(
                name="AlertEmail",
                label="E-mail for failure alerts",
                description=(
                    "Who is told when a run fails. Empty: your own address as the catalog "
                    f"knows it. '{NO_ALERT_EMAIL}': no e-mail (the AlertTopic output still "
                    "receives every failure). Confirm the subscription e-mail AWS sends."
                ),
                constraint_description=f"Enter an e-mail address, '{NO_ALERT_EMAIL}' or nothing.",
                default="",
                allowed_pattern=rf"^(|{NO_ALERT_EMAIL}|[^\s@]+@[^\s@]+\.[^\s@]+)$",
                max_length=254,
            ),
            FormParameter(
                name="LogRetentionDays",
                label="Keep logs for (days)",
                description="How long CloudWatch keeps the job's output.",
                constraint_description="Choose one of the listed numbers of days.",
                type="Number",
                default="90",
                allowed_values=LOG_RETENTION_DAYS,
            ),
        ),
    ),
)


class ScheduledJobProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description=f"{DISPLAY_NAME}: {DESCRIPTION}")
        form = LaunchForm(self, "Form", groups=FORM)
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=PRODUCT_KEY)
        boundary = iam.ManagedPolicy.from_managed_policy_name(
            self, "Boundary", contract.PRODUCT_ROLE_BOUNDARY_NAME
        )
        jobs_key = resolve_ssm(contract.JOBS_KEY_ARN_PARAMETER)

        # Kept after termination: a job's output may be the only record of what it did.
        log_group = logs.CfnLogGroup(
            self,
            "Logs",
            retention_in_days=form.parameters["LogRetentionDays"].value_as_number,
            kms_key_id=resolve_ssm(contract.LOGS_KEY_ARN_PARAMETER),
        )
        log_group.cfn_options.deletion_policy = CfnDeletionPolicy.RETAIN
        log_group.cfn_options.update_replace_policy = CfnDeletionPolicy.RETAIN

        ecs_tasks = iam.ServicePrincipal(
            "ecs-tasks.amazonaws.com",
            conditions={"StringEquals": {"aws:SourceAccount": self.account}},
        )
        job_role = iam.Role(
            self,
            "JobRole",
            assumed_by=ecs_tasks,
            path=contract.PRODUCT_ROLE_PATH,
            permissions_boundary=boundary,
            description="Scheduled job: the container's own AWS identity; no permissions yet",
        )
        execution_role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=ecs_tasks,
            path=contract.PRODUCT_ROLE_PATH,
            permissions_boundary=boundary,
            description="Scheduled job: pulls the image, reads the job secret, writes the logs",
        )

        secret = secretsmanager.CfnSecret(
            self,
            "JobSecrets",
            name=Fn.sub("${AWS::StackName}-job-secrets"),
            description=(
                f"Scheduled job secrets: a JSON object the container reads as {SECRETS_VARIABLE}"
            ),
            # An empty object, not a value: the owner sets the real ones after launch, and
            # updates leave them alone because this property never changes.
            secret_string="{}",
            kms_key_id=jobs_key,
        )
        acknowledge(
            secret,
            [
                "AwsSolutions-SMG4",
                "HIPAA.Security-SecretsManagerRotationEnabled",
                "NIST.800.53.R5-SecretsManagerRotationEnabled",
            ],
            "The values are the owner's credentials for outside services; only their issuer "
            "can rotate them.",
        )
        deny_reading_to_others(
            self,
            "JobSecretsPolicy",
            secret_id=secret.ref,
            role=execution_role,
            owner_aws_user_id=context.owner_aws_user_id,
            sid="OnlyTheJobAndItsOwnerRead",
        )

        statements = [
            iam.PolicyStatement(
                sid="WriteJobLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.attr_arn, Fn.join("", [log_group.attr_arn, ":*"])],
            ),
            iam.PolicyStatement(
                sid="ReadJobSecrets",
                actions=["secretsmanager:GetSecretValue"],
                resources=[secret.ref],
            ),
            iam.PolicyStatement(
                sid="DecryptJobSecrets",
                actions=["kms:Decrypt"],
                resources=[jobs_key],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{self.region}.amazonaws.com"
                    }
                },
            ),
            iam.PolicyStatement(
                sid="PullImagesFromThisAccount",
                actions=[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                resources=[
                    self.format_arn(service="ecr", resource="repository", resource_name="*")
                ],
            ),
            iam.PolicyStatement(
                sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]
            ),
        ]
        for statement in statements:
            execution_role.add_to_policy(statement)
        acknowledge_wildcard_resources(
            execution_role,
            statements,
            "Log streams are created by Fargate in the job's own log group; the owner may "
            "choose any ECR repository of the account; ecr:GetAuthorizationToken supports no "
            "resource scoping.",
        )
        acknowledge(
            execution_role,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "The execution policy is created and deleted with its role inside one provisioned "
            "product; an inline policy keeps that lifecycle and spares the launch role the "
            "right to create managed policies.",
        )

        job = CustomResource(
            self,
            "Job",
            service_token=product_context_service_token(),
            resource_type="Custom::BatchJob",
            properties={
                "Image": form.value("Image"),
                "Command": form.value("Command"),
                "Environment": form.value("EnvironmentVariables"),
                "JobSize": form.value("JobSize"),
                "CpuArchitecture": form.value("CpuArchitecture"),
                "EphemeralStorageGiB": form.value("EphemeralStorageGiB"),
                "TimeoutSeconds": form.value("TimeoutSeconds"),
                "Attempts": form.value("Attempts"),
                "Spot": form.value("UseFargateSpot"),
                "JobRoleArn": job_role.role_arn,
                "ExecutionRoleArn": execution_role.role_arn,
                "LogGroupName": log_group.ref,
                "SecretArn": secret.ref,
                "Community": context.community,
                "OwnerEmail": context.owner_email,
                "AlertEmail": form.value("AlertEmail"),
                "SubmitApiUrl": resolve_ssm(contract.JOB_SUBMIT_API_URL_PARAMETER),
                "Tags": {
                    contract.PRODUCT_TAG: PRODUCT_KEY,
                    contract.OWNER_TAG: context.owner_user_id,
                    contract.OWNER_EMAIL_TAG: context.owner_email,
                    contract.OWNER_USERID_TAG: context.owner_aws_user_id,
                    contract.COMMUNITY_TAG: context.community,
                },
            },
        )

        scheduler.CfnSchedule(
            self,
            "Schedule",
            description="Submits the scheduled job to AWS Batch",
            schedule_expression=form.value("ScheduleExpression"),
            schedule_expression_timezone=form.value("ScheduleTimezone"),
            state=form.value("ScheduleState"),
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn="arn:aws:scheduler:::aws-sdk:batch:submitJob",
                role_arn=Fn.sub(
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
                    + contract.JOB_SCHEDULER_ROLE_NAME
                ),
                # Universal targets take the SDK's member names, capitalized.
                input=Fn.to_json_string(
                    {
                        "JobName": "scheduled",
                        "JobQueue": job.get_att_string("JobQueueArn"),
                        "JobDefinition": job.ref,
                        "ShareIdentifier": job.get_att_string("ShareIdentifier"),
                    }
                ),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_event_age_in_seconds=3600, maximum_retry_attempts=10
                ),
            ),
        )

        topic = sns.CfnTopic(
            self,
            "AlertTopic",
            display_name="Scheduled job failures",
            kms_master_key_id=jobs_key,
        )
        rule = events.CfnRule(
            self,
            "FailedRuns",
            description="A run of this scheduled job failed",
            event_pattern={
                "source": ["aws.batch"],
                "detail-type": ["Batch Job State Change"],
                "detail": {
                    "status": ["FAILED"],
                    "jobDefinition": [
                        {
                            "prefix": Fn.sub(
                                "arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:"
                                "job-definition/${Name}:",
                                {"Name": job.get_att_string("JobDefinitionName")},
                            )
                        }
                    ],
                },
            },
            targets=[
                events.CfnRule.TargetProperty(
                    id="AlertTopic",
                    arn=topic.ref,
                    input_transformer=events.CfnRule.InputTransformerProperty(
                        input_paths_map={
                            "job": "$.detail.jobName",
                            "id": "$.detail.jobId",
                            "reason": "$.detail.statusReason",
                            "time": "$.time",
                        },
                        input_template=(
                            '"Scheduled job run <job> (<id>) failed at <time>: <reason>. '
                            'Open the Logs output of your provisioned product to see why."'
                        ),
                    ),
                )
            ],
        )
        sns.CfnTopicPolicy(
            self,
            "AlertTopicPolicy",
            topics=[topic.ref],
            policy_document={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "FailureEventsOfThisJob",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": topic.ref,
                        "Condition": {"ArnEquals": {"aws:SourceArn": rule.attr_arn}},
                    },
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "sns:Publish",
                        "Resource": topic.ref,
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        )
        email_alerts = CfnCondition(
            self,
            "EmailAlerts",
            expression=Fn.condition_not(
                Fn.condition_equals(form.value("AlertEmail"), NO_ALERT_EMAIL)
            ),
        )
        subscription = sns.CfnSubscription(
            self,
            "AlertEmailSubscription",
            topic_arn=topic.ref,
            protocol="email",
            endpoint=job.get_att_string("AlertEmail"),
        )
        subscription.cfn_options.condition = email_alerts

        console = "https://${AWS::Region}.console.aws.amazon.com"
        outputs = {
            "SubmitJobApi": (
                "POST here with SigV4 (see Documentation) to run the job now",
                job.get_att_string("SubmitJobApi"),
            ),
            "JobSecretsArn": (
                f"Secrets Manager secret: a JSON object the job reads as {SECRETS_VARIABLE}",
                secret.ref,
            ),
            "JobSecretsConsole": (
                "Set the secret's values in the Secrets Manager console",
                Fn.sub(
                    console + "/secretsmanager/secret?name=${Name}&region=${AWS::Region}",
                    {"Name": Fn.sub("${AWS::StackName}-job-secrets")},
                ),
            ),
            "Jobs": (
                "Runs in the AWS Batch console (choose the JobQueue queue)",
                Fn.sub(
                    console + "/batch/home?region=${AWS::Region}#jobs",
                ),
            ),
            "JobQueue": ("The community job queue runs go to", job.get_att_string("JobQueueArn")),
            "JobDefinition": ("The job definition revision runs use", job.ref),
            "Logs": (
                "The job's output in CloudWatch Logs (one stream per run)",
                Fn.sub(
                    console + "/cloudwatch/home?region=${AWS::Region}"
                    "#logsV2:log-groups/log-group/${Group}",
                    {"Group": log_group.ref},
                ),
            ),
            "AlertTopic": ("SNS topic that receives every failed run", topic.ref),
            "JobRoleArn": (
                "The container's AWS identity (no permissions until granted; see Documentation)",
                job_role.role_arn,
            ),
            "Documentation": (
                "How to use this product",
                Fn.join("", [context.documentation_url, f"/products/{PRODUCT_KEY}.md"]),
            ),
        }
        for key, (description, value) in outputs.items():
            CfnOutput(self, f"{key}Output", key=key, description=description, value=value)


USAGE = r"""
## What runs, and when

Each run is one AWS Batch job on Fargate: your image, your command (the JSON array you gave,
arguments passed as they are, never split on spaces), your environment variables, the size,
architecture and scratch storage you chose. A run that exceeds the time limit is stopped;
a failed run is tried again until `Attempts` is used up (1 = no retry).

The schedule (`rate(...)` or `cron(...)` in your time zone) submits a run. To pause it, update
the provisioned product with `ScheduleState` = `DISABLED` (Actions > Update); set it back to
`ENABLED` to resume. Everything else stays as it is.

Runs go to your community's shared queue (`JobQueue` output, Fargate or Fargate Spot). The
queue is fair-share: every scheduled-job product has its own share, so a product that queues
many runs does not hold back the others; it is run after them until its usage decays (one
hour).

## Running it now: SubmitJobApi

`SubmitJobApi` is an HTTPS endpoint that submits one run. It accepts only requests signed with
AWS Signature Version 4 by **your** credentials (the ones you use for the catalog), is
throttled, and answers `{"jobArn": ..., "jobName": ..., "jobId": ...}`. Anyone else is
refused: the API submits with the caller's own credentials, and you may submit only job
definitions tagged with your identity.

With the catalog's CLI (from a clone of the catalog repository, with `boto3` installed), submit
and follow the run to its end, printing the last lines of its log:

```bash
python -m catalog_cli.jobs submit "<SubmitJobApi>" --follow
python -m catalog_cli.jobs follow <jobId> --region <region>    # a run started earlier
```

With curl (7.75 or newer), using credentials exported by the AWS CLI:

```bash
eval "$(aws configure export-credentials --format env)"
curl -X POST --aws-sigv4 "aws:amz:<region>:execute-api" \
  --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  -H "x-amz-security-token: $AWS_SESSION_TOKEN" \
  -H "content-type: application/json" --data '{}' \
  "<SubmitJobApi>"
```

With Python (botocore signs the request):

```python
import json, urllib.request
import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

url = "<SubmitJobApi>"
region = url.split(".")[2]
headers = {"content-type": "application/json"}
request = AWSRequest(method="POST", url=url, data=b"{}", headers=headers)
SigV4Auth(boto3.Session().get_credentials(), "execute-api", region).add_auth(request)
signed = urllib.request.Request(url, data=b"{}", method="POST", headers=dict(request.headers))
with urllib.request.urlopen(signed) as answer:
    print(json.load(answer)["jobId"])
```

With the AWS CLI, the same submission goes straight to Batch (the path of `SubmitJobApi` is
`.../jobs/<queue>/<definition name>/<revision>`):

```bash
aws batch submit-job --job-name manual --job-queue <queue> \
  --job-definition <definition name>:<revision> --share-identifier <definition name>
aws batch describe-jobs --jobs <jobId> --query 'jobs[0].[status,statusReason]'
```

The revision is part of the address: after you update the product, use the new
`SubmitJobApi` output.

## Secrets

The container receives one variable, `SCHEDULED_JOB_SECRETS`, holding the JSON object stored
in the `JobSecretsArn` secret (encrypted with the catalog's key). It starts as `{}`. Set your
values in the console (`JobSecretsConsole` output, *Retrieve secret value* > *Edit*) or:

```bash
aws secretsmanager put-secret-value --secret-id "<JobSecretsArn>" \
  --secret-string '{"API_TOKEN": "...", "DB_PASSWORD": "..."}'
```

Only you and the job's execution role can read it (the secret's policy denies everyone else,
administrators' roles included). New values reach the next run. Never put secrets in the
environment variables: they are visible in the job definition.

In the container, for example in Python:
`secrets = json.loads(os.environ["SCHEDULED_JOB_SECRETS"])`.

## Environment variables

`NAME=value` entries separated by `;` (`\;` is a literal semicolon in a value), for example
`INPUT=s3://my-bucket/in;THREADS=4`. Each becomes its own variable. A malformed list (an entry
without `=`, an empty or invalid name, a name given twice, or a reserved name:
`SCHEDULED_JOB_SECRETS`, `AWS_BATCH*`) fails the launch or update with a message naming the
entry.

## Giving the job AWS permissions

The job's role (`JobRoleArn` output) starts with **no** permissions. It can never exceed the
catalog's product boundary (which allows, among others, reading and writing S3 objects and
reading secrets, and denies IAM). To let the job read one bucket, the bucket's owner adds this
statement to the bucket policy (for a catalog bucket product, ask its owner or the operators):

```json
{
  "Sid": "ScheduledJobReads",
  "Effect": "Allow",
  "Principal": {"AWS": "<JobRoleArn>"},
  "Action": ["s3:GetObject", "s3:ListBucket"],
  "Resource": ["arn:aws:s3:::my-bucket", "arn:aws:s3:::my-bucket/*"]
}
```

Operators can instead attach an inline policy to the role
(`aws iam put-role-policy --role-name <name from JobRoleArn> ...`); you cannot change the role
yourself.

## Images

Public images from Docker Hub (`python:3.12-slim`), other public registries
(`public.ecr.aws/...`, `ghcr.io/...`) and private ECR repositories of this account are pulled
by the job's execution role; public registries need the catalog network's NAT gateway.
Private images on Docker Hub or other registries are not supported. Build ARM64 images for
`CpuArchitecture` ARM64; Fargate Spot runs X86_64 only.

## Failure alerts and logs

Every failed run (including one stopped by the time limit) is published to the product's SNS
topic (`AlertTopic`) and, unless you chose `none`, e-mailed to `AlertEmail` (empty: your own
address). Confirm the subscription e-mail AWS sends after launch, or no alert arrives.

`Logs` opens the job's log group (one stream per run, `job/default/<task id>`), kept for
`LogRetentionDays`. The log group is **kept** when you terminate the product, so the output of
past runs stays available; delete it in the CloudWatch console when you no longer need it.
Terminating the product deletes the schedule, the secret and the alert topic, and
deregisters the job definition.

## Cost

You pay only for the vCPU, memory and scratch storage while a run is running (Fargate per
second, one-minute minimum), the secret (about USD 0.40 a month) and the logs.
"""

TEMPLATE = ProductTemplate(
    key=PRODUCT_KEY,
    construct_id="ScheduledJob",
    display_name=DISPLAY_NAME,
    description=DESCRIPTION,
    stack_class=ScheduledJobProduct,
    form=FORM,
    usage=USAGE,
    smoke_test=SmokeTest(
        parameters={
            "JobSize": "0.25 vCPU, 0.5 GiB",
            "ScheduleState": "DISABLED",
            "AlertEmail": "none",
            "LogRetentionDays": "1",
        },
        outputs={
            "SubmitJobApi": HTTPS_URL,
            "JobSecretsArn": r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+",
            "JobSecretsConsole": HTTPS_URL,
            "Jobs": HTTPS_URL,
            "Logs": HTTPS_URL,
            "Documentation": HTTPS_URL,
        },
    ),
)
