"""Scheduled Job: the product template and its docs page's usage text."""

from pathlib import Path

from aws_cdk import (
    CfnDeletionPolicy,
    CfnOutput,
    CustomResource,
    Fn,
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
from catalog_constructs.product_template.launch_form import LaunchForm
from catalog_constructs.product_template.owner_credential import deny_reading_to_others
from catalog_constructs.product_template.rendering import render_file
from catalog_constructs.shared.product_context.handler.product_context_handlers.fargate import (
    SECRETS_VARIABLE,
)
from products.scheduled_job.alerts import add_failure_alerts
from products.scheduled_job.definition import DEFINITION
from products.scheduled_job.form import FORM, job_size
from products.template import ProductTemplate

CONSOLE = "https://${AWS::Region}.console.aws.amazon.com"


class ScheduledJobProduct(servicecatalog.ProductStack):
    """The job definition (through the shared ``Custom::BatchJob`` handler), its roles, secret
    and retained log group, the schedule that submits it, and the failure alerts. The compute
    and the queues are the community's, in the Shared stack."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope, construct_id, description=f"{DEFINITION.display_name}: {DEFINITION.description}"
        )
        form = LaunchForm(self, "Form", groups=FORM)
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=DEFINITION.key)
        self.jobs_key = resolve_ssm(contract.JOBS_KEY_ARN_PARAMETER)
        log_group = self._add_log_group(form)
        job_role, execution_role = self._add_roles()
        secret = self._add_secret(context, execution_role)
        self._grant_execution(execution_role, log_group, secret, context)
        job = self._add_job(form, context, job_role, execution_role, log_group, secret)
        self._add_schedule(form, job)
        topic = add_failure_alerts(self, form, job, self.jobs_key)
        self._add_outputs(context, job, job_role, log_group, secret, topic)

    def _add_log_group(self, form: LaunchForm) -> logs.CfnLogGroup:
        # Kept after termination: a job's output may be the only record of what it did.
        log_group = logs.CfnLogGroup(
            self,
            "Logs",
            retention_in_days=form.parameters["LogRetentionDays"].value_as_number,
            kms_key_id=resolve_ssm(contract.LOGS_KEY_ARN_PARAMETER),
        )
        log_group.cfn_options.deletion_policy = CfnDeletionPolicy.RETAIN
        log_group.cfn_options.update_replace_policy = CfnDeletionPolicy.RETAIN
        return log_group

    def _add_roles(self) -> tuple[iam.Role, iam.Role]:
        """The container's own identity (no permissions until granted) and the execution role
        Batch uses to start it."""
        boundary = iam.ManagedPolicy.from_managed_policy_name(
            self, "Boundary", contract.PRODUCT_ROLE_BOUNDARY_NAME
        )
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
        return job_role, execution_role

    def _add_secret(
        self, context: ProductContext, execution_role: iam.Role
    ) -> secretsmanager.CfnSecret:
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
            kms_key_id=self.jobs_key,
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
            # The owner sets the values; only the policy and key are locked.
            launch_family="jobs",
        )
        return secret

    def _grant_execution(
        self,
        execution_role: iam.Role,
        log_group: logs.CfnLogGroup,
        secret: secretsmanager.CfnSecret,
        context: ProductContext,
    ) -> None:
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
                resources=[self.jobs_key],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{self.region}.amazonaws.com"
                    }
                },
            ),
            *self._image_pull_statements(context),
            iam.PolicyStatement(
                sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]
            ),
        ]
        for statement in statements:
            execution_role.add_to_policy(statement)
        acknowledge_wildcard_resources(
            execution_role,
            statements,
            "Log streams are created by Fargate in the job's own log group; images come from "
            "repositories of this account tagged with the owner or shared with the community "
            "(the product boundary holds the same rule); ecr:GetAuthorizationToken supports "
            "no resource scoping.",
        )
        acknowledge(
            execution_role,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "The execution policy is created and deleted with its role inside one provisioned "
            "product; an inline policy keeps that lifecycle and spares the launch role the "
            "right to create managed policies.",
        )

    def _image_pull_statements(self, context: ProductContext) -> list[iam.PolicyStatement]:
        """Private images only from repositories of this account tagged with the owner's
        aws:userid or shared with the owner's community (``research-catalog:pullable-by``)."""
        pull = [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ]
        repositories = [self.format_arn(service="ecr", resource="repository", resource_name="*")]
        community = context.community
        return [
            iam.PolicyStatement(
                sid="PullOwnImages",
                actions=pull,
                resources=repositories,
                conditions={
                    "StringEquals": {
                        f"aws:ResourceTag/{contract.OWNER_USERID_TAG}": context.owner_aws_user_id
                    }
                },
            ),
            iam.PolicyStatement(
                sid="PullCommunityImages",
                actions=pull,
                resources=repositories,
                conditions={
                    "StringLike": {
                        f"aws:ResourceTag/{contract.PULLABLE_BY_TAG}": [
                            community,
                            Fn.join("", [community, " *"]),
                            Fn.join("", ["* ", community]),
                            Fn.join("", ["* ", community, " *"]),
                        ]
                    }
                },
            ),
        ]

    def _add_job(
        self,
        form: LaunchForm,
        context: ProductContext,
        job_role: iam.Role,
        execution_role: iam.Role,
        log_group: logs.CfnLogGroup,
        secret: secretsmanager.CfnSecret,
    ) -> CustomResource:
        """The job definition, registered by the shared handler in the community's queue."""
        return CustomResource(
            self,
            "Job",
            service_token=product_context_service_token(),
            resource_type="Custom::BatchJob",
            properties={
                "Image": form.value("Image"),
                "Command": form.value("Command"),
                "Environment": form.value("EnvironmentVariables"),
                "JobSize": job_size(self, form),
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
                    contract.PRODUCT_TAG: DEFINITION.key,
                    contract.OWNER_TAG: context.owner_user_id,
                    contract.OWNER_EMAIL_TAG: context.owner_email,
                    contract.OWNER_USERID_TAG: context.owner_aws_user_id,
                    contract.COMMUNITY_TAG: context.community,
                },
            },
        )

    def _add_schedule(self, form: LaunchForm, job: CustomResource) -> None:
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

    def _add_outputs(
        self,
        context: ProductContext,
        job: CustomResource,
        job_role: iam.Role,
        log_group: logs.CfnLogGroup,
        secret: secretsmanager.CfnSecret,
        topic: sns.CfnTopic,
    ) -> None:
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
                    CONSOLE + "/secretsmanager/secret?name=${Name}&region=${AWS::Region}",
                    {"Name": Fn.sub("${AWS::StackName}-job-secrets")},
                ),
            ),
            "Jobs": (
                "Runs in the AWS Batch console (choose the JobQueue queue)",
                Fn.sub(
                    CONSOLE + "/batch/home?region=${AWS::Region}#jobs",
                ),
            ),
            "JobQueue": ("The community job queue runs go to", job.get_att_string("JobQueueArn")),
            "JobDefinition": ("The job definition revision runs use", job.ref),
            "Logs": (
                "The job's output in CloudWatch Logs (one stream per run)",
                Fn.sub(
                    CONSOLE + "/cloudwatch/home?region=${AWS::Region}"
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
                Fn.join("", [context.documentation_url, f"/products/{DEFINITION.key}.md"]),
            ),
        }
        for key, (description, value) in outputs.items():
            CfnOutput(self, f"{key}Output", key=key, description=description, value=value)


USAGE = render_file(Path(__file__).with_name("usage.md"))

TEMPLATE = ProductTemplate(
    definition=DEFINITION, stack_class=ScheduledJobProduct, form=FORM, usage=USAGE
)
